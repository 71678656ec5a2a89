"""Run the loopback gateway by hand, for a demo of the terminal against "IB".

    python -m tests.ib.gateway [--host 127.0.0.1] [--port 7497] [--seed N] [--live-account]
                               [--interval 0.25] [--delayed] [--partial-fills] [-v]

Options:
  --host          interface to listen on (default 127.0.0.1)
  --port          port (default 7497, TWS paper); 0 picks a free port and prints it
  --seed          seed of the random-walk price streamer (default 0)
  --live-account  manage the live-looking account U7654321 instead of paper DU1234567
  --interval      seconds between random-walk steps (default 0.25)
  --delayed       answer market data as delayed (marketDataType 3, error 10167)
  --partial-fills fill every order in two parts
  -v, --verbose   log every connection and request

Prints one line, ``gateway listening on <host>:<port>``, then runs until Ctrl+C (or SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .server import Gateway


def main(argv: list[str] | None = None) -> int:
    """Start the gateway with the streamer on; block until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.ib.gateway",
        description="A loopback TWS / IB Gateway (API server version 176) for demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7497, help="port, 0 for a free one")
    parser.add_argument("--seed", type=int, default=0, help="random-walk seed (default 0)")
    parser.add_argument("--live-account", action="store_true", help="manage U7654321")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds per price step")
    parser.add_argument("--delayed", action="store_true", help="answer with delayed data")
    parser.add_argument("--partial-fills", action="store_true", help="fill orders in two parts")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    gateway = Gateway(
        host=args.host,
        port=args.port,
        seed=args.seed,
        accounts=("U7654321",) if args.live_account else ("DU1234567",),
        delayed=args.delayed,
        partial_fills=args.partial_fills,
        stream_interval=args.interval,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    gateway.start_in_thread()
    print(f"gateway listening on {gateway.host}:{gateway.port}", flush=True)
    try:
        while not stop.wait(0.5):  # a bounded wait keeps Ctrl+C responsive on Windows
            pass
    finally:
        gateway.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
