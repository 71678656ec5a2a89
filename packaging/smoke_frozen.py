"""Run a frozen (or installed) terminal's ``--smoke-test`` in a throwaway home; report its JSON.

Usage: ``python packaging/smoke_frozen.py PROGRAM [--platform P] [--exit-status-only]``

The program runs with a temporary HOME / XDG folders (Linux, macOS) and a SQLite file in a
temporary folder, so nothing is written into the real user's folders. It must exit 0 and print
a JSON line with ``"ok": true`` (with ``--exit-status-only``, for a windowed Windows program
that has no stdout, the exit status alone counts). Prints one JSON line: the app's report plus
``wall_seconds`` (process start to exit); exits non-zero if the smoke test failed. Afterwards it
checks that the app wrote no ``__pycache__`` next to itself (a frozen app must not).

Runs on Linux, macOS and Windows (CI calls it on all three); standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT_SECONDS = 180


def _report(stdout: str) -> dict[str, object] | None:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                return parsed
    return None


def _pycache(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("__pycache__"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("program", type=Path)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM")
    parser.add_argument(
        "--exit-status-only",
        action="store_true",
        help="judge by exit status alone (windowed Windows program: no stdout)",
    )
    args = parser.parse_args()
    program = args.program.resolve()
    app_dir = program.parent
    before = _pycache(app_dir)
    with tempfile.TemporaryDirectory(prefix="tt-smoke-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = dict(
            os.environ,
            QT_QPA_PLATFORM=args.platform,
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            XDG_CACHE_HOME=str(home / ".cache"),
        )
        db = Path(tmp) / "smoke.db"
        command = [str(program), "--smoke-test", "--db", f"sqlite:///{db.as_posix()}"]
        started = time.perf_counter()
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
        wall = round(time.perf_counter() - started, 2)
    report = _report(done.stdout) or {}
    report.update(wall_seconds=wall, exit_status=done.returncode, platform=args.platform)
    print(json.dumps(report))
    problems = []
    if done.returncode != 0 or (report.get("ok") is not True and not args.exit_status_only):
        problems.append(f"smoke test failed (exit {done.returncode})")
    written = [p for p in _pycache(app_dir) if p not in before]
    if written:
        problems.append(f"the app wrote bytecode into its own folder: {written}")
    if problems:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        sys.stderr.write("smoke_frozen: " + "; ".join(problems) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
