"""A pane's repaint stays in the widget that changed (widgets/cell_paint.py, widgets/chart/view.py).

The theme styles every widget's background, so Qt treats a widget as see-through and repaints
every ancestor under it (the table's frame, the pane, its dock, the main window) unless the
widget says it paints every pixel itself. Under a storm the tables and the charts repaint 30
and 10 times a second; each of those had cost a styled repaint of the window behind them.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from widgets.cell_paint import CellTableView
from widgets.main_window import MainWindow

from .conftest import Harness


class Paints(QObject):
    """Counts paint events per widget (by object identity)."""

    def __init__(self) -> None:
        super().__init__()
        self.painted: Counter[int] = Counter()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted[id(watched)] += 1
        return False


def painted_by_update(viewport: QWidget) -> set[QWidget]:
    """The widgets that paint when a small rectangle of ``viewport`` is updated."""
    QApplication.processEvents()
    paints = Paints()
    widgets = QApplication.allWidgets()
    for widget in widgets:
        widget.installEventFilter(paints)
    try:
        viewport.update(4, 4, 30, 10)
        QApplication.processEvents()
    finally:
        for widget in widgets:
            widget.removeEventFilter(paints)
    return {w for w in widgets if paints.painted[id(w)]}


def test_a_table_or_chart_update_repaints_that_viewport_and_nothing_under_it(
    window: MainWindow, harness: Harness
) -> None:
    harness.step(3)
    chart = window.panes["chart"]
    harness.until(lambda: getattr(chart, "chart", None) is not None and not chart.loading)
    viewports = {
        name: view.viewport()
        for name in ("watchlist", "depth", "approvals")
        for view in window.panes[name].findChildren(CellTableView)[:1]
    }
    viewports["chart"] = chart.chart.viewport()
    assert set(viewports) == {"watchlist", "depth", "approvals", "chart"}
    for name, viewport in viewports.items():
        assert viewport.isVisible(), name
        assert painted_by_update(viewport) == {viewport}, name
