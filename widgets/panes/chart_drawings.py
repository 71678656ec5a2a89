"""The chart's drawing tools and where the drawings are kept: per user and instrument.

Tools: **H-line** puts a horizontal line where the price plot is clicked (on the tick);
**Trend** takes two clicks, the line's ends, with a dashed preview after the first. A tool is
used once and then put down; Escape puts it down before. A click on a drawing selects it and
Delete (or Backspace) removes the selected one.

Where they are kept: in the database, the ``layouts`` table the window's layout is saved in,
one row per user and instrument (``chart-drawings:<user>:<key>``, JSON). The database is the
user's data already (the per-user data folder, or the desk's shared database, where each trader
has their own drawings); writes go through the database writer like every other write, so none
blocks the GUI or races another, and no migration is needed for an opaque per-user blob. A
settings file next to the settings was the other choice: it is not there when the terminal runs
without one, and a second terminal of the same user would write over the first's. A row is read
in the background the first time its instrument is charted, then kept in memory for the pane's
life; every change saves the instrument's drawings again.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

import asyncio
import functools
import hashlib
import logging
from collections.abc import Callable
from enum import StrEnum

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtWidgets import QMenu, QToolButton

from terminal.alerts.rule_kinds import PriceCrossRule
from terminal.domain import Instrument, Severity
from terminal.persistence.store import Store
from widgets.chart.candles import cosmetic_pen
from widgets.chart.drawing_layer import DrawingLayer, time_at
from widgets.chart.drawings import Drawing, HorizontalLine, TrendLine, from_json, new_id, to_json
from widgets.chart.labels import price_on_tick
from widgets.chart.view import ChartView
from widgets.dialogs.price_alert import default_direction
from widgets.resources import icon
from widgets.session import Session

log = logging.getLogger(__name__)

#: The ``layouts`` table's name column holds at most this many characters.
NAME_LIMIT = 100


class Tool(StrEnum):
    NONE = ""
    HLINE = "hline"
    TREND = "trend"


def drawings_name(actor: str, key: str) -> str:
    """The row the drawings of ``actor`` on instrument ``key`` are saved in."""
    name = f"chart-drawings:{actor}:{key}"
    if len(name) <= NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"chart-drawings:{digest}"


def load_drawings(store: Store, name: str) -> tuple[list[Drawing], list[str]]:
    """Read the saved drawings ``name`` (blocking: call it off the GUI thread)."""
    data = store.load_layout(name)
    if not data:
        return [], []
    return from_json(data)


class ChartDrawings(QObject):
    """The drawing tools of one chart pane and the drawings of the instrument it shows.

    ``make_button(text, tip)`` builds a toolbar button (the pane's style); :attr:`buttons`
    are for the pane's toolbar.
    """

    def __init__(
        self,
        session: Session,
        view: ChartView,
        make_button: Callable[[str, str], QToolButton],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.view = view
        self.layer: DrawingLayer = view.drawings
        self.instrument: Instrument | None = None
        self.tool = Tool.NONE
        #: Drawings by instrument key, as loaded and changed in this pane's life.
        self._known: dict[str, list[Drawing]] = {}
        #: The first click of a trend line: (time, price).
        self._anchor: tuple[float, float] | None = None
        self.preview = pg.PlotCurveItem()
        self.preview.setZValue(14)
        self.preview.setVisible(False)
        view.price_plot.addItem(self.preview, ignoreBounds=True)

        self.buttons: dict[Tool, QToolButton] = {}
        for tool, text, tip in (
            (Tool.HLINE, "H-line", "Draw a horizontal line: click a price"),
            (Tool.TREND, "Trend", "Draw a trend line: click its two ends"),
        ):
            button = make_button(text, f"{tip} (Escape cancels; Delete removes the selected)")
            button.setObjectName(f"chart_draw_{tool.value}")
            button.clicked.connect(functools.partial(self._on_tool_clicked, tool))
            self.buttons[tool] = button

        view.plot_clicked.connect(self._on_plot_clicked)
        view.escape_pressed.connect(lambda: self.set_tool(Tool.NONE))
        view.delete_pressed.connect(self.delete_selected)
        view.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # -- instrument ---------------------------------------------------------------------------
    def show_instrument(self, instrument: Instrument) -> None:
        """Show ``instrument``'s drawings: from memory, else read from the database."""
        self.instrument = instrument
        self.set_tool(Tool.NONE)
        known = self._known.get(instrument.key)
        self.layer.set_drawings(known or [])
        if known is None:
            self.session.run(self._load(instrument.key), f"load chart drawings {instrument.key}")

    async def _load(self, key: str) -> None:
        app = self.session.app
        name = drawings_name(app.actor, key)
        loop = asyncio.get_running_loop()
        try:
            loaded, problems = await loop.run_in_executor(
                None, functools.partial(load_drawings, app.store, name)
            )
        except ValueError as exc:
            loaded, problems = [], [str(exc)]
        if not self.session.alive(self):
            return
        for problem in problems:
            log.warning("chart drawings of %s: %s", key, problem)
            app.alerts.raise_alert(Severity.WARNING, "ui", f"Chart drawings of {key}: {problem}")
        # Drawn while the row was read: kept, after the saved ones.
        drawn = [d for d in self._known.get(key, []) if d.id not in {x.id for x in loaded}]
        self._known[key] = [*loaded, *drawn]
        if self.instrument is not None and self.instrument.key == key:
            self.layer.set_drawings(self._known[key])

    def _changed(self) -> None:
        instrument = self.instrument
        if instrument is None:
            return
        drawings = self.layer.drawings()
        self._known[instrument.key] = drawings
        app = self.session.app
        app.store.save_layout(drawings_name(app.actor, instrument.key), to_json(drawings))

    # -- tools --------------------------------------------------------------------------------
    def _on_tool_clicked(self, tool: Tool, *_checked: object) -> None:
        self.set_tool(tool if self.buttons[tool].isChecked() else Tool.NONE)

    def set_tool(self, tool: Tool) -> None:
        """Pick up ``tool`` (NONE: put the tool down; a half-drawn trend line is dropped)."""
        if tool is not Tool.NONE and self.instrument is None:
            tool = Tool.NONE
        self.tool = tool
        self._anchor = None
        self.preview.setVisible(False)
        for each, button in self.buttons.items():
            button.setChecked(each is tool)
        if tool is Tool.HLINE:
            self.session.message.emit("Click the price for the horizontal line")
        elif tool is Tool.TREND:
            self.session.message.emit("Click the trend line's first point")

    def _on_plot_clicked(self, x: float, price: float) -> None:
        instrument = self.instrument
        if instrument is None:
            return
        if self.tool is Tool.NONE:
            self.layer.select(None)
            return
        at = float(price_on_tick(instrument, price))
        if self.tool is Tool.HLINE:
            self.add(HorizontalLine(new_id(), at))
            return
        when = time_at(self.view.series, x)
        if self._anchor is None:
            self._anchor = (when, at)
            self.session.message.emit("Click the trend line's second point")
            return
        (t1, p1), (t2, p2) = self._anchor, (when, at)
        if t1 == t2:
            return  # a vertical line is no trend: wait for a click at another time
        if t2 < t1:
            (t1, p1), (t2, p2) = (t2, p2), (t1, p1)
        self.add(TrendLine(new_id(), t1, p1, t2, p2))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self._anchor is None or self.tool is not Tool.TREND:
            return
        vb = self.view.price_vb
        point = vb.mapSceneToView(scene_pos)
        start = self.view.series.positions_of(np.array([self._anchor[0]], dtype=np.float64))
        pen = cosmetic_pen(self.view.colors.drawing, 1.2)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.preview.setPen(pen)
        self.preview.setData(
            x=np.array([float(start[0]), float(point.x())]),
            y=np.array([self._anchor[1], float(point.y())]),
        )
        self.preview.setVisible(True)

    # -- changes ------------------------------------------------------------------------------
    def add(self, drawing: Drawing) -> None:
        """Draw ``drawing``, save, and put the tool down."""
        self.layer.add(drawing)
        self.set_tool(Tool.NONE)
        self._changed()

    def delete_selected(self) -> Drawing | None:
        """Remove the selected drawing (Delete) and save; None when none is selected."""
        removed = self.layer.delete_selected()
        if removed is not None:
            self._changed()
        return removed

    def remove(self, drawing_id: str, *_checked: object) -> None:
        if self.layer.remove(drawing_id) is not None:
            self._changed()

    # -- a horizontal line's menu -------------------------------------------------------------
    def add_line_actions(self, menu: QMenu, price: float, tolerance: float) -> bool:
        """Add the entries for a horizontal line within ``tolerance`` of ``price`` (a right
        click on it): an alert when the price crosses it, and deleting it. False: none near."""
        instrument = self.instrument
        line = self.layer.horizontal_near(price, tolerance)
        if instrument is None or line is None:
            return False
        shown = f"{line.price:,.{self.layer.decimals}f}"
        alert = menu.addAction(icon("chart-alert"), f"Alert when price crosses {shown}")
        alert.setObjectName("chart_line_alert_action")
        alert.triggered.connect(functools.partial(self.alert_on_line, instrument, line))
        delete = menu.addAction(f"Delete line at {shown}")
        delete.setObjectName("chart_line_delete_action")
        delete.triggered.connect(functools.partial(self.remove, line.id))
        menu.addSeparator()
        return True

    def alert_on_line(
        self, instrument: Instrument, line: HorizontalLine, *_checked: object
    ) -> PriceCrossRule | None:
        """Arm a price alert for the price crossing ``line``: above if the line is at or above
        the last price, else below (the alerts pane lists it; it is saved with the rules)."""
        app = self.session.app
        quote = app.market.last_quote(instrument.key)
        last = quote.last if quote is not None and quote.last > 0 else self.view.last_price.price
        direction = default_direction(line.price, last)
        try:
            rule = PriceCrossRule(instrument.key, direction, line.price, note="chart line")
            app.alert_rules.add(rule)
        except ValueError as exc:
            self.session.fail(f"alert on the line at {line.price}", str(exc))
            return None
        shown = f"{line.price:,.{self.layer.decimals}f}"
        self.session.message.emit(
            f"Price alert set: {instrument.key} crosses {direction.value} {shown}"
        )
        return rule
