"""Dynamic properties the stylesheets select on (``tone``, ``invalid``, ``role``, ``halted``).

Qt applies a stylesheet rule such as ``QLabel[tone="critical"]`` only when the widget is
re-polished after the property changes; these helpers set the property and re-polish, and do
nothing when the value is already set (re-polishing on every refresh would cost a style pass).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def set_style_property(widget: QWidget, name: str, value: object) -> None:
    """Set ``name`` to ``value`` and re-polish ``widget``, only if the value changes."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def set_tone(widget: QWidget, tone: str) -> None:
    """Colour a label or progress bar by tone: ok, up, down, warning, critical, muted, ..."""
    set_style_property(widget, "tone", tone)


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark an input invalid (red border from the stylesheet) or valid again."""
    set_style_property(widget, "invalid", invalid)
