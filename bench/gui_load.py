"""Drive the real window under a market-data storm; print one JSON object (times in ms).

The simulated exchange publishes ``--rate`` quote updates per second spread over
``--instruments`` instruments (default 1,000 instruments, 20,000 updates/s, 20 s), the first
``--watchlist`` of them (default: all) in the watchlist, with every pane visible (no tabs, the
time & sales tape beside the ladder unless ``--no-tape``) on a 2560×1440 window (the panes'
minimum widths make it about 30 px wider, 160 px with ten charts: see ``window_size``; Qt paints
all of it on either display). The first chart, the ladder, the tape and the options chain show
the first instrument; ``--charts N`` opens N-1 more charts (unlinked), each on the next
instrument of the watchlist, all on screen.

Displays (``--display``): ``offscreen`` (Qt's offscreen platform, the default) or ``xvfb``: the
bench starts its own Xvfb (a real X server, 2560×1440×24, on a free display number) and runs Qt
on the xcb platform, then stops the server at the end (also on error or SIGTERM; if the bench is
killed outright, the kernel sends the server SIGTERM). No window manager is needed.

The depth ladder gets ``--book-rate`` book updates per second (default 200). The simulator only
publishes a subscribed book once per step in which its instrument moved (20/s at the default
50 ms step), so the bench tops that up: a timer on the GUI thread emits, through the broker's
``depth_received`` event (the path the simulator's and IB's books take), copies of the latest
book with one level's size changed (what an incremental level-2 update does), as many as keep the
total delivered at the rate asked. Making each one (a copy of the book's levels) costs the GUI
thread a little that a real venue would spend in its own process; an adapter decoding a real
feed on the loop pays a cost of the same kind.

Reports:

* ``loop_lag_ms``: lateness of a 5 ms precise probe timer on the GUI thread (p50/p99/max), and
  ``probe_fired_ratio``: how often it fired against how often it should have (a saturated loop
  fires far less often, which percentiles alone hide);
* ``tick_to_paint_ms``: from the moment the exchange stamped a quote to the watchlist painting it;
  ``ladder_tick_to_paint_ms``: from a book's stamp to the ladder having painted it;
* ``book_updates_per_s``: book updates of the ladder's instrument the core delivered;
  ``ladder_rows``: ladder rows on screen; ``ladder_rows_repainted_per_update``: rows the ladder's
  viewport repainted (from its paint events' regions) per book update delivered, and
  ``ladder_rows_repainted_per_paint`` (updates between two refresh flushes are conflated);
* ``cpu_percent``: process CPU time over wall time (100 = one core), and
  ``gui_thread_cpu_percent``: the GUI thread's alone (the headroom left for the trader's input
  is what this leaves of 100; it barely moves with other load on the machine, unlike lag);
* ``rss_mb`` (start/end/max of the resident set, sampled every second from /proc/self/statm),
  ``rss_growth_mb_per_min`` (a least-squares slope over the second half of the run; null when
  the run is too short) and ``peak_rss_mb`` (the kernel's high-water mark);
* ``cold_start_to_window_ms``: from the start of this script (before Qt is imported, less the
  time Xvfb took to start) to the window shown with the core started (the charts are built
  once it has been painted, as the launcher's window does), and ``cold_start_cpu_ms``: the CPU
  time (user + system, every thread) the process had used by then, from the interpreter's
  start: less sensitive than the wall time to what else the machine runs;
* ``venue_updates_per_s``: quote updates the exchange made (``--market process``: in its own
  process, as a venue does, on its own clock, every ``--tick-ms``); ``updates_per_s``: the ones
  the core delivered after conflation (steps that queued while the GUI thread was busy are
  published together, each instrument once: the window shows the latest, never a backlog);
* ``panes_off_screen``: panes the trader could not see (should be empty), ``charts_on_screen``.

``--memory-census`` adds ``memory_census``: at the storm's start, half-time and end, the objects
alive by type, the length of every large container, Python's allocated blocks and glibc's heap
(in use, free, mmap), and what grew in each half (``first_half``, ``second_half``), containers
named by who holds them (bench/_memory_census.py); ``--tracemalloc`` adds the allocation sites
that grew. Each census is a full collection on the GUI thread: its loop-lag figures are not a
plain run's.

``--profile FILE`` runs cProfile, enabled from the GUI thread, during the storm only and writes
its stats to FILE (read them with ``python -m pstats FILE``). Since Python 3.12 cProfile hooks
every thread (it uses ``sys.monitoring``): the database writer's frames show too, as roots with
no caller (its ``threading.wait_for`` is the writer idling, not the GUI thread waiting).

Run: ``.venv/bin/python bench/gui_load.py [--seconds 20] [--display xvfb] [--watchlist 5000]``
"""

from __future__ import annotations

import time

SCRIPT_START = time.perf_counter()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

PROBE_MS = 5
SCREEN = (2560, 1440)
XVFB_START_TIMEOUT_S = 30.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--instruments", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=20_000, help="market updates per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--market",
        choices=("process", "loop"),
        default="process",
        help="where the exchange makes the market: its own process, as a venue is (the app's "
        "way), or the GUI thread's loop (how the simulator ran before)",
    )
    parser.add_argument(
        "--tick-ms",
        type=float,
        default=None,
        help="exchange step interval (default 10 ms in a process: a feed arrives in small "
        "packets; 50 ms on the loop)",
    )
    parser.add_argument(
        "--watchlist", type=int, default=None, help="instruments in the watchlist (all)"
    )
    parser.add_argument("--charts", type=int, default=1, help="charts open, each on screen")
    parser.add_argument(
        "--tape",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time & sales visible beside the ladder",
    )
    parser.add_argument("--book-rate", type=int, default=200, help="ladder book updates/s")
    parser.add_argument("--display", choices=("offscreen", "xvfb"), default="offscreen")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile stats file (storm)")
    parser.add_argument(
        "--memory-census",
        action="store_true",
        help="count objects, large containers and the C heap at the storm's start, half-time "
        "and end; report what grew in each half (bench/_memory_census.py)",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="with --memory-census: trace Python allocations from the start census on and "
        "report the sites that grew (slows the run; its RSS is not an untraced run's)",
    )
    parser.add_argument("--quick", action="store_true", help="a few seconds' worth (CI)")
    args = parser.parse_args()
    if args.tracemalloc and not args.memory_census:
        parser.error("--tracemalloc needs --memory-census")
    if args.quick:
        args.instruments, args.rate, args.seconds = 50, 1_000, 1.0
        args.charts = min(args.charts, 2)
    if args.watchlist is None:
        args.watchlist = args.instruments
    if args.tick_ms is None:
        args.tick_ms = 10.0 if args.market == "process" else 50.0
    args.instruments = max(args.instruments, args.watchlist, args.charts)
    return args


@contextlib.contextmanager
def xvfb() -> Iterator[float]:
    """Run Xvfb on a free display for the block (QT_QPA_PLATFORM and DISPLAY set); yield how
    long it took to start (ms)."""
    started = time.perf_counter()
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent,
    )
    os.close(write_fd)
    try:
        # Xvfb writes the display number once it accepts connections.
        ready, _, _ = select.select([read_fd], [], [], XVFB_START_TIMEOUT_S)
        number = os.read(read_fd, 64).decode().strip() if ready else ""
        if not number:
            proc.kill()
            _, err = proc.communicate(timeout=5)
            raise RuntimeError(f"Xvfb did not start: {err.decode(errors='replace')[-500:]}")
        os.environ["DISPLAY"] = f":{number}"
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        yield (time.perf_counter() - started) * 1000
    finally:
        os.close(read_fd)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the bench dies, however it dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like an error, so the display is stopped and the database folder removed.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(128 + signal.SIGTERM))
    if args.display == "xvfb":
        with xvfb() as xvfb_ms:
            return run(args, xvfb_ms)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return run(args, 0.0)


def run(args: argparse.Namespace, xvfb_ms: float) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import _gui_storm  # Qt is imported here, once the display is chosen

    result = _gui_storm.run(args, SCRIPT_START + xvfb_ms / 1000)
    result["xvfb_start_ms"] = round(xvfb_ms, 1)
    print(json.dumps(result, allow_nan=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
