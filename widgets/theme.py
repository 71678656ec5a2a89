"""Dark (default) and light themes: a QSS file from ``resources/themes`` plus a colour palette
for what a stylesheet cannot reach (price up/down, flashes, severities, in-the-money shading,
chart candles)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from widgets.resources import resource_path

THEMES = ("dark", "light")


@dataclass(frozen=True)
class Palette:
    name: str
    background: QColor
    text: QColor
    muted: QColor
    up: QColor
    down: QColor
    flash_up: QColor
    flash_down: QColor
    itm: QColor
    info: QColor
    warning: QColor
    critical: QColor
    ok: QColor
    amber: QColor
    red: QColor
    bid: QColor
    ask: QColor
    own_order: QColor
    grid: QColor


DARK = Palette(
    name="dark",
    background=QColor("#14171c"),
    text=QColor("#d8dee9"),
    muted=QColor("#7b8494"),
    up=QColor("#3fbf6f"),
    down=QColor("#f0564a"),
    flash_up=QColor(63, 191, 111, 90),
    flash_down=QColor(240, 86, 74, 90),
    itm=QColor(70, 110, 170, 60),
    info=QColor("#6fa8dc"),
    warning=QColor("#f1b82d"),
    critical=QColor("#ff4d4d"),
    ok=QColor("#3fbf6f"),
    amber=QColor("#f1b82d"),
    red=QColor("#f0564a"),
    bid=QColor(63, 140, 220, 70),
    ask=QColor(240, 86, 74, 70),
    own_order=QColor("#f1b82d"),
    grid=QColor("#2a2f38"),
)

LIGHT = Palette(
    name="light",
    background=QColor("#fbfbfc"),
    text=QColor("#1d232b"),
    muted=QColor("#6b7280"),
    up=QColor("#17843f"),
    down=QColor("#c62f24"),
    flash_up=QColor(23, 132, 63, 60),
    flash_down=QColor(198, 47, 36, 60),
    itm=QColor(70, 120, 200, 40),
    info=QColor("#2563a8"),
    warning=QColor("#a86b00"),
    critical=QColor("#c0141a"),
    ok=QColor("#17843f"),
    amber=QColor("#c98a00"),
    red=QColor("#c62f24"),
    bid=QColor(40, 110, 210, 45),
    ask=QColor(210, 50, 40, 45),
    own_order=QColor("#b7791f"),
    grid=QColor("#e3e6ea"),
)

PALETTES = {"dark": DARK, "light": LIGHT}


def palette(name: str) -> Palette:
    return PALETTES.get(name, DARK)


def apply_theme(app: QApplication, name: str) -> Palette:
    """Apply the theme's stylesheet to the whole application and return its palette."""
    chosen = palette(name)
    app.setStyleSheet(stylesheet(chosen.name))
    return chosen


def stylesheet(name: str) -> str:
    """The theme's QSS, with ``@icons@`` replaced by the icons folder (QSS wants a full path)."""
    text = resource_path("themes", f"{name}.qss").read_text(encoding="utf-8")
    return text.replace("@icons@", resource_path("icons").as_posix())
