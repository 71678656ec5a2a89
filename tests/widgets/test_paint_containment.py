"""A pane's repaint stays in the widget that changed (widgets/cell_paint.py, widgets/chart/view.py).

The theme styles every widget's background, so Qt treats a widget as see-through and repaints
every ancestor under it (the table's frame, the pane, its dock, the main window) unless the
widget says it paints every pixel itself. Under a storm the tables and the charts repaint 30
and 10 times a second; each of those had cost a styled repaint of the window behind them.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage
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


def ancestors(widget: QWidget) -> set[QWidget]:
    found = set()
    parent = widget.parentWidget()
    while parent is not None:
        found.add(parent)
        parent = parent.parentWidget()
    return found


def assert_repaints_alone(widget: QWidget, name: str) -> None:
    painted = painted_by_update(widget)
    assert widget in painted, name
    assert not painted & ancestors(widget), (name, [type(w).__name__ for w in painted])


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
        assert_repaints_alone(viewport, name)


def test_a_live_label_repaints_alone_and_looks_as_before(
    window: MainWindow, harness: Harness
) -> None:
    """The labels that change with every quote (the ladder's market line, the ticket's quote,
    the tape's summary, the chart's readout) repaint without the window behind them, and
    paint what a plain label of the theme paints."""
    from PySide6.QtWidgets import QLabel

    from widgets.opaque import LiveLabel

    harness.step(3)
    labels = [
        w
        for w in QApplication.allWidgets()
        if isinstance(w, LiveLabel) and w.isVisible() and not w.visibleRegion().isEmpty()
    ]
    assert len(labels) >= 3
    for label in labels:
        assert_repaints_alone(label, label.objectName())
    label = window.panes["depth"].market_label
    assert isinstance(label, LiveLabel)
    plain = QLabel(label.text(), label.parentWidget())
    plain.setProperty("tone", label.property("tone"))
    plain.setGeometry(label.geometry())
    plain.show()
    try:
        rgb = QImage.Format.Format_RGB32
        assert plain.grab().toImage().convertToFormat(
            rgb
        ) == label.grab().toImage().convertToFormat(rgb)
    finally:
        plain.deleteLater()
