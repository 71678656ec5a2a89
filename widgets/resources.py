"""Where ``resources/`` (icons, themes, fonts) lives: next to the package in a checkout, or in the
frozen app's bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (one SVG source per icon)."""
    return QIcon(str(resource_path("icons", f"{name}.svg")))
