"""Frozen entry point of ``trading-terminal``: the same ``main()`` as the console script."""

import sys

from terminal.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
