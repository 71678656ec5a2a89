"""Depth ladder repaints only the rows a book update changed (the view's paint regions).

At hundreds of book updates a second the ladder's paint cost must follow what changed on screen:
the model emits one ``dataChanged`` per contiguous run of rows whose look changed, so the view
repaints those rows' rects and not the span between the highest and the lowest change. These
tests read the region Qt hands the viewport's paint events, so they hold however the cells are
painted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QPaintEvent, QRegion
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.domain import DepthBook, DepthLevel, Instrument
from widgets.panes.depth import LadderView
from widgets.panes.depth_columns import LadderColumn
from widgets.panes.depth_model import HALF_ROWS, LadderModel
from widgets.theme import DARK

BEST_BID, BEST_ASK = 99.99, 100.01


class PaintRegions(QObject):
    """Records the region of every paint event of the widget it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.regions: list[QRegion] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            assert isinstance(event, QPaintEvent)
            self.regions.append(QRegion(event.region()))
        return False


def book(bids: dict[float, float], asks: dict[float, float]) -> DepthBook:
    return DepthBook(
        "AAPL",
        tuple(DepthLevel(p, s) for p, s in sorted(bids.items(), reverse=True)),
        tuple(DepthLevel(p, s) for p, s in sorted(asks.items())),
    )


def levels(best: float, step: float, sizes: list[float]) -> dict[float, float]:
    return {round(best + i * step, 2): size for i, size in enumerate(sizes)}


class Ladder:
    def __init__(self, view: LadderView, model: LadderModel, paints: PaintRegions) -> None:
        self.view, self.model, self.paints = view, model, paints
        self.ranges: list[tuple[int, int]] = []
        model.dataChanged.connect(self._on_changed)

    def _on_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        self.ranges.append((top.row(), bottom.row()))

    def publish(self, qtbot: QtBot, update: DepthBook) -> set[int]:
        """Flush ``update``; return the rows the view repainted for it."""
        QApplication.processEvents()  # any paint pending from an earlier step lands first
        self.paints.regions.clear()
        self.ranges.clear()
        self.model.set_book(update)
        self.model.flush()
        if not self.ranges:
            return set()
        qtbot.waitUntil(lambda: bool(self.paints.regions))
        return self.rows_in(self.paints.regions)

    def rows_in(self, regions: list[QRegion]) -> set[int]:
        """The rows whose inside (less the grid line) the regions touch."""
        painted = QRegion()
        for region in regions:
            painted = painted.united(region)
        first, last = self.view.visible_rows() or (0, -1)
        rows = set()
        for row in range(first, last + 1):
            rect = self.view.visualRect(self.model.index(row, LadderColumn.PRICE))
            inside = rect.adjusted(0, 1, 0, -1)
            inside.setLeft(0)
            inside.setRight(self.view.viewport().width())
            if painted.intersects(inside):
                rows.add(row)
        return rows

    def row(self, price: float) -> int:
        row = self.model.row_of_price(price)
        assert row is not None
        return row


@pytest.fixture
def ladder(qtbot: QtBot) -> Iterator[Ladder]:
    model = LadderModel(DARK)
    view = LadderView(model)
    model.setParent(view)
    qtbot.addWidget(view)
    view.resize(view.total_width() + 40, 640)
    model.reset(Instrument("AAPL"))
    model.set_book(book(levels(BEST_BID, -0.01, [100] * 10), levels(BEST_ASK, 0.01, [100] * 10)))
    model.flush()
    view.show()
    qtbot.waitExposed(view)
    view.doItemsLayout()
    view.scrollTo(model.index(HALF_ROWS, 0), LadderView.ScrollHint.PositionAtCenter)
    paints = PaintRegions()
    view.viewport().installEventFilter(paints)
    result = Ladder(view, model, paints)
    first, last = view.visible_rows() or (0, 0)
    assert first <= result.row(BEST_BID - 0.09) and result.row(BEST_ASK + 0.09) <= last
    yield result
    view.viewport().removeEventFilter(paints)


def test_one_level_changed_on_each_side_repaints_those_two_rows_only(
    ladder: Ladder, qtbot: QtBot
) -> None:
    # The deepest level of each side changes (its size and so its cumulative size): two rows
    # twenty apart, with the touch and the spread between them unchanged.
    bids = levels(BEST_BID, -0.01, [100] * 9 + [250])
    asks = levels(BEST_ASK, 0.01, [100] * 9 + [300])
    rows = ladder.publish(qtbot, book(bids, asks))
    deep_bid, deep_ask = ladder.row(BEST_BID - 0.09), ladder.row(BEST_ASK + 0.09)
    assert rows == {deep_bid, deep_ask}
    assert ladder.ranges == [(deep_ask, deep_ask), (deep_bid, deep_bid)]


def test_a_level_changed_in_the_middle_repaints_it_and_the_cumulative_sizes_below(
    ladder: Ladder, qtbot: QtBot
) -> None:
    bids = levels(BEST_BID, -0.01, [100] * 4 + [160] + [100] * 5)
    asks = levels(BEST_ASK, 0.01, [100] * 10)
    rows = ladder.publish(qtbot, book(bids, asks))
    changed = {ladder.row(round(BEST_BID - 0.01 * i, 2)) for i in range(4, 10)}
    assert rows == changed  # the level's row and the deeper rows whose cumulative size moved
    assert (
        ladder.model.data(ladder.model.index(ladder.row(BEST_BID - 0.04), LadderColumn.BID))
        == "160"
    )


def test_a_size_change_too_small_to_show_repaints_nothing(ladder: Ladder, qtbot: QtBot) -> None:
    asks = levels(BEST_ASK, 0.01, [100] * 10)
    deepest = ladder.row(BEST_BID - 0.09)
    bids = levels(BEST_BID, -0.01, [100] * 9 + [250])
    assert ladder.publish(qtbot, book(bids, asks)) == {deepest}
    bids = levels(BEST_BID, -0.01, [100] * 9 + [250.2])  # still shows "250" (and "1,150")
    assert ladder.publish(qtbot, book(bids, asks)) == set()
    assert ladder.ranges == []
    # The look published last is what a later change is compared with: 250.2 -> 300 repaints.
    bids = levels(BEST_BID, -0.01, [100] * 9 + [300])
    assert ladder.publish(qtbot, book(bids, asks)) == {deepest}


def test_a_price_the_spread_widens_over_repaints_though_no_level_was_ever_there(
    ladder: Ladder, qtbot: QtBot
) -> None:
    # A book with a gap at 99.98 (never a level): when the best bid 99.99 leaves, the touch drops
    # to 99.97 and 99.98 is inside the spread (muted) though no size of its row changed.
    bids = {BEST_BID: 100.0, **levels(BEST_BID - 0.02, -0.01, [100] * 8)}
    asks = levels(BEST_ASK, 0.01, [100] * 10)
    ladder.publish(qtbot, book(bids, asks))
    gap = ladder.row(BEST_BID - 0.01)
    model = ladder.model
    index = model.index(gap, LadderColumn.PRICE)
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is None  # below the bid: plain
    del bids[BEST_BID]
    rows = ladder.publish(qtbot, book(bids, asks))
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is not None  # muted now
    assert gap in rows
