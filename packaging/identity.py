"""The application's identity as every installer states it: one reverse-DNS id for the desktop
file, the WM class, the icon name, the AppStream id and the macOS bundle id.

The window sets the same id (``widgets.launcher.APP_ID``) and the per-user folder name
(``terminal.persistence.database.APP_NAME``); this module reads both from the source without
importing the app, and refuses to build if the installers and the app disagree.

Usage from shell scripts: ``eval "$(python packaging/identity.py --shell)"``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP_ID = "io.github.tradingterminal.TradingTerminal"
#: Command name, folder under /opt, per-user folder name, Debian package name.
APP_NAME = "trading-terminal"
DISPLAY_NAME = "Trading Terminal"
SUMMARY = "Desktop trading terminal with human-approved orders and a kill switch"
HOMEPAGE = "https://github.com/tradingterminal/trading-terminal"
MAINTAINER = "Trading Terminal developers <trading-terminal@users.noreply.github.com>"


def _constant(path: Path, name: str) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(rf'^{name}\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"identity: {name} not found in {path}")
    return match.group(1)


def version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def check() -> None:
    """Fail if the app's own constants drifted from the ones the installers use."""
    found = {
        "APP_ID": _constant(ROOT / "widgets" / "launcher.py", "APP_ID"),
        "APP_NAME": _constant(ROOT / "terminal" / "persistence" / "database.py", "APP_NAME"),
        "__version__": _constant(ROOT / "terminal" / "__init__.py", "__version__"),
    }
    wanted = {"APP_ID": APP_ID, "APP_NAME": APP_NAME, "__version__": version()}
    wrong = [
        f"{key}: the app says {found[key]!r}, packaging says {wanted[key]!r}"
        for key in wanted
        if found[key] != wanted[key]
    ]
    if wrong:
        raise SystemExit("identity mismatch: " + "; ".join(wrong))


def shell() -> str:
    values = {
        "APP_ID": APP_ID,
        "APP_NAME": APP_NAME,
        "DISPLAY_NAME": DISPLAY_NAME,
        "SUMMARY": SUMMARY,
        "HOMEPAGE": HOMEPAGE,
        "MAINTAINER": MAINTAINER,
        "VERSION": version(),
    }
    return "".join(f"{k}='{v}'\n" for k, v in values.items())


if __name__ == "__main__":
    check()
    if sys.argv[1:] == ["--shell"]:
        sys.stdout.reconfigure(newline="\n")  # type: ignore[union-attr]  # bash on Windows
        print(shell(), end="")
