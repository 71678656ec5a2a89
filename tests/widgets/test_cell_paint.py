"""The table painter (widgets/cell_paint.py): what Qt's delegate drew, painted per changed row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from widgets.cell_paint import FIT_CACHE_MIN, FIT_TEXTS_PER_CELL, fit_text, place_text
from widgets.table_model import LEFT, Column, FastTableView, RowModel

RED = QColor("#c02020")
GREEN = QColor("#20c040")


@dataclass
class Row:
    key: str
    price: float
    hot: bool = False


def _model() -> RowModel[Row]:
    columns: list[Column[Row]] = [
        Column("Key", lambda r: r.key, width=90, align=LEFT),
        Column(
            "Price",
            lambda r: r.price,
            text=lambda r: f"{r.price:,.2f}",
            width=90,
            background=lambda r: RED if r.hot else None,
            foreground=lambda r: GREEN,
        ),
    ]
    model: RowModel[Row] = RowModel(columns, key=lambda r: r.key)
    model.set_rows(Row(f"K{i:02d}", 100.0 + i) for i in range(30))
    return model


def _shown(qtbot: QtBot, model: RowModel[Row]) -> FastTableView:
    view = FastTableView(model)
    view.resize(260, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: bool(view.painted_rows))
    return view


def _pixel(view: FastTableView, row: int, column: int) -> QColor:
    rect = view.visualRect(view.model().index(row, column))
    image = view.viewport().grab().toImage()
    return image.pixelColor(rect.left() + 2, rect.top() + 2)  # inside the cell, off the text


def test_a_changed_row_repaints_that_row_only(qtbot: QtBot) -> None:
    model = _model()
    view = _shown(qtbot, model)
    view.painted_rows = []
    row = model.get("K05")
    assert row is not None
    model.update(Row("K05", 999.0))
    model.flush()
    qtbot.waitUntil(lambda: bool(view.painted_rows))
    # Qt's update rect for a row reaches one pixel into the next, which is repainted with it.
    assert view.painted_rows[0] == 5
    assert view.painted_rows in ([5], [5, 6])


def test_background_role_and_selection_are_painted(qtbot: QtBot) -> None:
    model = _model()
    model.update(Row("K03", 103.0, hot=True))
    model.flush()
    view = _shown(qtbot, model)
    assert _pixel(view, 3, 1) == RED
    assert _pixel(view, 4, 1) != RED
    view.selectRow(3)
    highlight = view.palette().color(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight)
    qtbot.waitUntil(lambda: _pixel(view, 3, 1) != RED)
    assert _pixel(view, 3, 1) == highlight
    assert _pixel(view, 3, 0) == highlight  # the whole row


def test_text_too_wide_is_elided_never_cut() -> None:
    metrics = QFontMetrics(QApplication.font())
    text = "1,234,567.89"
    room = metrics.horizontalAdvance(text) - 4
    shown = fit_text(metrics, text, room)
    assert shown.endswith("…")
    assert metrics.horizontalAdvance(shown) <= room
    assert fit_text(metrics, text, room + 4) == text


class BoldHot(RowModel[Row]):
    def __init__(self) -> None:
        super().__init__(_model().columns, key=lambda r: r.key)
        self.bold = QFont()
        self.bold.setBold(True)

    def cell_font(self, row: int, column: int) -> QFont | None:
        return self.bold if self.row(row).hot else None


def _color(value: object) -> object:
    return value.color() if isinstance(value, QBrush) else value


def test_every_painted_cell_is_what_data_says(qtbot: QtBot) -> None:
    """The painter reads cell(); tests, tooltips and screen readers read data(): never apart."""
    model = BoldHot()
    model.set_rows([Row("A", 1.5), Row("B", 2.25, hot=True), Row("C", 1234567.0)])
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text, align, foreground, background, font = model.cell(row, column)
            assert text == index.data()
            assert align == index.data(Qt.ItemDataRole.TextAlignmentRole)
            assert _color(foreground) == _color(index.data(Qt.ItemDataRole.ForegroundRole))
            assert _color(background) == _color(index.data(Qt.ItemDataRole.BackgroundRole))
            assert font == index.data(Qt.ItemDataRole.FontRole)  # a copy through Qt
    assert model.cell(1, 0)[4] is model.bold and model.cell(0, 0)[4] is None
    assert model.cell(1, 1)[3] == RED


def test_placed_text_lands_where_draw_text_put_it_to_the_pixel(qapp: QApplication) -> None:
    """The painter draws laid-out static texts; each must sit exactly where ``drawText`` with
    the cell's rectangle and alignment put it (every alignment, odd and even spare room,
    elided text, a bold font)."""
    bold = QFont()
    bold.setBold(True)
    flag = Qt.AlignmentFlag
    alignments = [
        flag.AlignLeft | flag.AlignVCenter,
        flag.AlignRight | flag.AlignVCenter,
        flag.AlignCenter,
        flag.AlignLeft | flag.AlignTop,
        flag.AlignRight | flag.AlignBottom,
        flag.AlignHCenter | flag.AlignTop,
    ]
    checked = exact = 0
    for font in (QFont(), bold):
        metrics = QFontMetrics(font)
        for text in ("12,345.67", "AAPL", "At ask", "1", "A much longer text than fits"):
            for room, height in ((90, 19), (91, 20), (60, 23), (33, 18)):
                for align in map(int, alignments):
                    images = []
                    for placed in (False, True):
                        image = QImage(120, 40, QImage.Format.Format_ARGB32_Premultiplied)
                        image.fill(0)
                        painter = QPainter(image)
                        painter.setFont(font)
                        painter.setPen(QColor("white"))
                        if placed:
                            static, dx, dy = place_text(metrics, font, text, room, height, align)
                            painter.drawStaticText(QPointF(5 + dx, 7 + dy), static)
                        else:
                            painter.drawText(
                                5, 7, room, height, align, fit_text(metrics, text, room)
                            )
                        painter.end()
                        images.append(image)
                    drawn, placed_ = (_ink(image) for image in images)
                    where = (text, room, height, hex(align), font.bold())
                    # Where drawText's subpixel offset and the static text's glyph cache
                    # round a glyph edge apart, the ink may differ by a pixel; never more.
                    assert all(
                        abs(a - b) <= 1 for a, b in zip(drawn[:4], placed_[:4], strict=True)
                    ), where
                    assert abs(drawn[4] - placed_[4]) <= 0.1 * drawn[4], where
                    exact += images[0] == images[1]
                    checked += 1
    assert checked == 2 * 5 * 4 * 6
    assert exact >= checked // 2  # most land to the pixel


def _ink(image: QImage) -> tuple[int, int, int, int, int]:
    """Left, top, right and bottom of the drawn pixels, and their summed intensity."""
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    alpha = pixels.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), 3]
    ys, xs = np.nonzero(alpha)
    assert xs.size, "nothing drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()), int(alpha.sum())


def test_fitted_text_cache_stays_bounded_by_the_cells_on_screen(qtbot: QtBot) -> None:
    # A storm's prices (or a tape's times) bring new texts on every repaint: the cache of
    # texts fitted to their cells must stop at a few per cell on screen, not grow for an hour.
    model = _model()
    view = _shown(qtbot, model)
    limit = view.fit_cache_limit()
    on_screen = len(range(view.rowAt(0), view.rowAt(view.viewport().height() - 1) + 1)) * 2
    assert FIT_CACHE_MIN <= limit < 20 * on_screen * FIT_TEXTS_PER_CELL
    most = 0
    for step in range(1, 2 * limit // on_screen + 20):
        for i in range(30):
            model.update(Row(f"K{i:02d}", 100.0 + i + step / 100))  # a new text each time
        model.flush()
        view.viewport().repaint()
        most = max(most, view.fitted_texts())
    assert step * on_screen > 2 * limit  # far more distinct texts were painted than it keeps
    assert most <= limit + on_screen  # it starts again once past the limit (one paint's worth)
    assert view.fitted_texts() > 0
