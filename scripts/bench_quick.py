"""Run every benchmark in bench/ in its quick mode and check it printed the JSON it promises.

This keeps the benchmarks from rotting (CI runs it): it checks that each one ran and that its last
line of output is one JSON object with the expected keys. It does not judge the figures: a quick
run on a CI machine measures nothing worth comparing. ``make bench`` runs the full ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: bench file -> keys its JSON must have (dotted for nested ones).
EXPECTED: dict[str, tuple[str, ...]] = {
    "core.py": (
        "pretrade_check_us.p99",
        "stage_us.p99",
        "approve_to_broker_us.p99",
        "quotes_per_second",
    ),
    "sim.py": (
        "market.market_updates_per_s",
        "matching.matching_orders_per_s",
        "process.in_process.main_cpu_ms_per_s",
        "process.market_process.main_cpu_ms_per_s",
        "process.market_process.child_cpu_ms_per_s",
        "process.main_cpu_ratio",
        "process.main_cpu_per_update_ratio",
    ),
    "ib_throttle.py": ("runs.no_stall.adapter_4_per_100ms.max_per_1s", "ib_limit_per_1s", "ok"),
    "kill_switch.py": (
        "budget_ms.cancel_on_wire",
        "budget_ms.all_cancelled",
        "ib.0.cancel_on_wire_ms",
        "ib.0.all_cancelled_ms",
        "sim.0.cancel_sent_ms",
        "sim.0.all_cancelled_ms",
        "ok",
    ),
    "analytics.py": (
        "fills",
        "compute_s",
        "compute_cpu_s",
        "render_s.html",
        "read_s",
        "pane_first_paint_s",
        "ok",
    ),
    "chart.py": ("forming_update_ms", "completed_bar_ms", "candles_pan_ms", "line_1m_pan_ms"),
    "gui_load.py": (
        "updates_per_s",
        "loop_lag_ms.p99",
        "probe_fired_ratio",
        "tick_to_paint_ms.p99",
        "cpu_percent",
        "peak_rss_mb",
        "cold_start_to_window_ms",
        "cold_start_cpu_ms",
        "display",
        "watchlist",
        "charts_on_screen",
        "panes_off_screen",
        "book_updates_per_s",
        "ladder_rows",
        "ladder_rows_repainted_per_update",
        "ladder_tick_to_paint_ms.p99",
        "rss_mb.start",
        "rss_mb.end",
        "rss_mb.max",
        "rss_growth_mb_per_min",
    ),
}


#: bench file -> further quick runs with these arguments (each needing the program named first).
VARIANTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    # A real X server and Qt's xcb platform, with a second chart (Window › New chart's path).
    "gui_load.py": (("Xvfb", ("--display", "xvfb", "--charts", "2")),),
}


def lookup(data: object, dotted: str) -> object:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            raise KeyError(dotted)
        data = data[part]
    return data


def run(name: str, keys: tuple[str, ...], extra: tuple[str, ...] = ()) -> str | None:
    """Run ``bench/name --quick [extra]``; return what is wrong with it, or None."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), "--quick", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        return f"exited with {proc.returncode}:\n{proc.stderr[-2000:]}"
    lines = proc.stdout.strip().splitlines()
    if not lines:
        return "printed nothing"
    try:
        data = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        return f"last line is not JSON ({exc}): {lines[-1][:200]}"
    missing = []
    for key in keys:
        try:
            lookup(data, key)
        except KeyError:
            missing.append(key)
    return f"JSON lacks {missing}" if missing else None


def main() -> int:
    # A file starting with "_" is a part of a benchmark (imported by it), not one of its own.
    names = sorted(p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
    unknown = [n for n in names if n not in EXPECTED]
    if unknown:
        print(f"bench-quick: no expected keys for {unknown}: add them to {__file__}")
        return 1
    failed = 0
    for name in names:
        problem = run(name, EXPECTED[name])
        print(f"bench-quick {name}: {'ok' if problem is None else 'FAILED: ' + problem}")
        failed += problem is not None
        for program, extra in VARIANTS.get(name, ()):
            label = f"{name} {' '.join(extra)}"
            if shutil.which(program) is None:
                print(f"bench-quick {label}: not run ({program} is not installed)")
                continue
            problem = run(name, EXPECTED[name], extra)
            print(f"bench-quick {label}: {'ok' if problem is None else 'FAILED: ' + problem}")
            failed += problem is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
