"""The chart's colours, derived from the window's theme palette."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtGui import QColor

from widgets.theme import Palette

# Overlay colours per theme: distinct from the up/down candle colours and from each other.
_OVERLAYS = {
    "dark": {"sma": "#e5c07b", "ema": "#c678dd", "vwap": "#56b6c2"},
    "light": {"sma": "#b7791f", "ema": "#8e44ad", "vwap": "#0e7c86"},
}


@dataclass(frozen=True, slots=True)
class ChartColors:
    """Every colour the chart paints with."""

    background: QColor
    text: QColor
    axis: QColor
    grid: QColor
    up: QColor
    down: QColor
    volume_up: QColor
    volume_down: QColor
    crosshair: QColor
    buy: QColor
    sell: QColor
    average: QColor
    label_fill: QColor
    overlays: dict[str, QColor]
    #: The trader's horizontal and trend lines, and the one selected.
    drawing: QColor
    selected: QColor

    @classmethod
    def from_palette(cls, palette: Palette) -> ChartColors:
        def alpha(color: QColor, a: int) -> QColor:
            c = QColor(color)
            c.setAlpha(a)
            return c

        overlays = _OVERLAYS.get(palette.name, _OVERLAYS["dark"])
        fill = QColor(palette.background)
        fill.setAlpha(215)
        return cls(
            background=QColor(palette.background),
            text=QColor(palette.text),
            axis=QColor(palette.muted),
            grid=QColor(palette.grid),
            up=QColor(palette.up),
            down=QColor(palette.down),
            volume_up=alpha(palette.up, 120),
            volume_down=alpha(palette.down, 120),
            crosshair=alpha(palette.muted, 200),
            buy=QColor(palette.info),
            sell=QColor(palette.down),
            average=QColor(palette.text),
            label_fill=fill,
            overlays={name: QColor(value) for name, value in overlays.items()},
            drawing=QColor(palette.amber),
            selected=QColor(palette.text),
        )


def greyed(colors: ChartColors, muted: QColor) -> ChartColors:
    """``colors`` with the candles and volume in grey: what a chart whose feed went quiet shows."""
    faint = QColor(muted)
    faint.setAlpha(120)
    return replace(colors, up=QColor(muted), down=QColor(muted), volume_up=faint, volume_down=faint)
