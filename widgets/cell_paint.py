"""Paint a table's visible cells in one Python pass instead of one item delegate per cell.

Why: under a market-data storm the window's frame went to Qt's item delegate. For every visible
cell on every refresh, ``QStyledItemDelegate`` asks the model for about ten roles (each a trip
from C++ into Python's ``data()`` and back, wrapping an index and a brush), then lays the cell
out through the style. py-spy on ``bench/gui_load.py`` put 80 % of the GUI thread in
``QTableView::paintEvent``, half of it in ``initStyleOption`` → ``multiData``.

:class:`CellTableView` keeps everything else of :class:`~PySide6.QtWidgets.QTableView`
(selection, keys, scrolling, headers, tooltips, accessibility all still read ``data()``) and
replaces only the painting of the viewport: per row it asks the model, in Python, for each
visible cell's text, alignment, colours and font (:meth:`CellSource.cell`), and draws them with
one ``fillRect`` / ``drawText`` each. It paints only the rows the update region holds, so a
model that signals one changed row gets one row repainted.

What it draws is what Qt's delegate drew for these tables: alternating row colours, the
cell's background role under its text, the selection over it (in the palette's highlight of
the window's active or inactive group), the foreground role, bold fonts, the alignment, grid
lines in the style's grid colour, and text that does not fit elided with "…" — never clipped,
since a clipped price reads as another price.

A model that wants this painting implements :class:`CellSource`: ``cell(row, column)`` gives
the painted roles in one call. The models build it from the same helpers as their
``role_data(row, column, role)``, which ``data()`` answers from, so the table paints what tests,
tooltips and screen readers see (``tests/widgets/test_cell_paint.py`` checks every cell of a
RowModel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, cast, runtime_checkable

from PySide6.QtCore import QAbstractProxyModel, QPointF, QRect, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QRegion,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem, QTableView, QWidget

#: Text, alignment flags, foreground, background, font (None: the view's).
Cell = tuple[str, int, QColor | QBrush | None, QColor | QBrush | None, QFont | None]
#: The roles a :data:`Cell` holds, in its order (what ``data()`` answers for each).
CELL_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.FontRole,
)

#: Texts laid out for their cell that a view keeps per font, per cell it has on screen, before
#: its cache starts again. What repeats is what is on screen (a price repainted 30 times a
#: second); texts that scrolled off or changed are dead weight. A fixed 20,000 a font took 30-60
#: minutes of a storm to reach (a tape's times never repeat) and grew the process the whole
#: while, 3 MB a view.
FIT_TEXTS_PER_CELL = 4
#: The fewest laid-out texts a view keeps per font, however few cells it shows.
FIT_CACHE_MIN = 1_024

_H_ALIGN = int(Qt.AlignmentFlag.AlignHorizontal_Mask)
_RIGHT = int(Qt.AlignmentFlag.AlignRight)
_H_CENTER = int(Qt.AlignmentFlag.AlignHCenter)
_V_CENTER = int(Qt.AlignmentFlag.AlignVCenter)
_BOTTOM = int(Qt.AlignmentFlag.AlignBottom)

#: A cell's text laid out once: the static text and its offset in the cell's text room.
type Placed = tuple[QStaticText, float, int]


@runtime_checkable
class CellSource(Protocol):
    """A model the direct painter can read without going through Qt."""

    def cell(self, row: int, column: int) -> Cell:
        """The cell at ``row`` / ``column`` of the model (not of a sorting proxy)."""
        ...


def fit_text(metrics: QFontMetrics, text: str, room: int) -> str:
    """``text``, or its start with "…" when it is wider than ``room`` pixels (as Qt's delegate
    elides): a number cut at the cell's edge would read as another number."""
    if metrics.horizontalAdvance(text) <= room:
        return text
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)


def place_text(
    metrics: QFontMetrics, font: QFont, text: str, room: int, height: int, align: int
) -> Placed:
    """``text`` fitted to ``room`` (:func:`fit_text`) and laid out once, with where it goes in a
    cell ``room`` wide and ``height`` high: where ``drawText`` with ``align`` put it (its
    subpixel width included; ``tests/widgets/test_cell_paint.py`` compares the two).
    ``drawText`` lays the text out again on every call, about 12 µs a cell; a laid-out
    ``QStaticText`` draws in 5."""
    fit = fit_text(metrics, text, room)
    static = QStaticText(fit)
    static.setTextFormat(Qt.TextFormat.PlainText)
    static.prepare(QTransform(), font)
    spare = room - static.size().width()
    horizontal = align & _H_ALIGN
    dx = spare if horizontal & _RIGHT else spare / 2 if horizontal & _H_CENTER else 0.0
    rest = height - metrics.height()
    dy = (rest + 1) // 2 if align & _V_CENTER else rest if align & _BOTTOM else 0
    return static, dx, dy


def _rects(region: QRegion) -> list[QRect]:
    """The rectangles of ``region`` (QRegion iterates at run time; the stubs lack it)."""
    return list(cast(Iterable[QRect], region))


def _color(value: QColor | QBrush) -> QColor:
    return value.color() if isinstance(value, QBrush) else value


class CellTableView(QTableView):
    """A QTableView whose viewport is painted by :meth:`paint_cells` when the model (or the
    proxy's source model) is a :class:`CellSource`; any other model is painted by Qt.

    ``on_painted`` (if set) is called after each paint; benchmarks use it to measure
    tick-to-paint latency, tests to count repainted rows.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.on_painted: Callable[[], None] | None = None
        #: Rows painted by the last paint (view rows; tests read it).
        self.painted_rows: list[int] = []
        self._metrics: dict[str, tuple[QFontMetrics, dict[tuple[str, int, int, int], Placed]]] = {}
        self._fit_limit = FIT_CACHE_MIN
        # The viewport paints every pixel of what it is asked to (the base first): without
        # this, the theme's styled backgrounds made Qt repaint every ancestor under it (the
        # table's frame, the pane, its dock, the main window) on every changed row.
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def _cell_source(self) -> tuple[CellSource, QAbstractProxyModel | None] | None:
        model = self.model()
        if isinstance(model, QAbstractProxyModel):
            source = model.sourceModel()
            return (source, model) if isinstance(source, CellSource) else None
        return (model, None) if isinstance(model, CellSource) else None

    def paintEvent(self, event: QPaintEvent) -> None:
        viewport = self.viewport()
        base = viewport.palette().brush(viewport.backgroundRole())
        painter = QPainter(viewport)
        for area in _rects(event.region()):
            painter.fillRect(area, base)
        painter.end()
        found = self._cell_source()
        if found is None:
            super().paintEvent(event)
        else:
            self.paint_cells(event, *found)
        if self.on_painted is not None:
            self.on_painted()

    def _metrics_of(
        self, font: QFont
    ) -> tuple[QFontMetrics, dict[tuple[str, int, int, int], Placed]]:
        """The font's metrics and its cache of placed texts (a price repaints 30 times a
        second; measuring it each time was a fifth of the paint, laying it out a third)."""
        key = font.key()
        found = self._metrics.get(key)
        if found is None:
            found = self._metrics[key] = (QFontMetrics(font), {})
        elif len(found[1]) > self._fit_limit:
            found[1].clear()
        return found

    def fit_cache_limit(self) -> int:
        """Fitted texts kept per font: :data:`FIT_TEXTS_PER_CELL` for each cell the viewport
        has room for (at the default row height), at least :data:`FIT_CACHE_MIN`."""
        rows = self.viewport().height() // max(1, self.verticalHeader().defaultSectionSize()) + 2
        columns = max(1, self.model().columnCount()) if self.model() is not None else 1
        return max(FIT_CACHE_MIN, FIT_TEXTS_PER_CELL * rows * columns)

    def fitted_texts(self) -> int:
        """Fitted texts held, all fonts (benchmarks and tests read it)."""
        return sum(len(fitted) for _, fitted in self._metrics.values())

    def paint_cells(
        self, event: QPaintEvent, source: CellSource, proxy: QAbstractProxyModel | None
    ) -> None:
        """Paint the rows and columns of the update region, cell by cell."""
        model = self.model()
        rows = model.rowCount()
        columns = model.columnCount()
        self.painted_rows = []
        if rows == 0 or columns == 0:
            return
        header = self.horizontalHeader()
        vertical = self.verticalHeader()
        palette = self.palette()
        group = (
            QPalette.ColorGroup.Active if self.isActiveWindow() else QPalette.ColorGroup.Inactive
        )
        if not self.isEnabled():
            group = QPalette.ColorGroup.Disabled
        text_color = palette.color(group, QPalette.ColorRole.Text)
        highlight = palette.brush(group, QPalette.ColorRole.Highlight)
        highlighted_text = palette.color(group, QPalette.ColorRole.HighlightedText)
        alternate = palette.brush(group, QPalette.ColorRole.AlternateBase)
        alternating = self.alternatingRowColors()
        grid = 1 if self.showGrid() else 0
        option = QStyleOptionViewItem()
        option.initFrom(self)
        style = self.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        grid_pen = QPen(
            QColor.fromRgba(
                style.styleHint(QStyle.StyleHint.SH_Table_GridLineColor, option, self) & 0xFFFFFFFF
            )
        )
        selection = self.selectionModel()
        selected: set[tuple[int, int]] = (
            {(i.row(), i.column()) for i in selection.selectedIndexes()}
            if selection is not None and selection.hasSelection()
            else set()
        )
        whole_rows = self.selectionBehavior() is QAbstractItemView.SelectionBehavior.SelectRows
        selected_rows = {r for r, _ in selected} if whole_rows else set()

        view_font = self.font()
        self._fit_limit = self.fit_cache_limit()
        metrics, fitted = self._metrics_of(view_font)
        painter = QPainter(self.viewport())
        painter.setFont(view_font)
        current_font: QFont | None = None
        current_pen: QColor | None = None
        right_edge = header.length() - header.offset() - 1  # the last column's right side
        last_column = columns - 1
        painted: list[int] = []
        # Bound once: the inner loop runs per visible cell on every refresh.
        cell_of = source.cell
        fill = painter.fillRect
        draw = painter.drawStaticText
        selected_cells = bool(selected) and not whole_rows
        for area in _rects(event.region()):
            first_row = self.rowAt(area.top())
            if first_row < 0:
                continue
            last_row = self.rowAt(area.bottom())
            if last_row < 0:
                last_row = rows - 1
            first_col = header.visualIndexAt(area.left())
            last_col = header.visualIndexAt(area.right())
            if first_col < 0:
                continue
            if last_col < 0:
                last_col = last_column
            shown = [
                (logical, header.sectionViewportPosition(logical), header.sectionSize(logical))
                for logical in (header.logicalIndex(v) for v in range(first_col, last_col + 1))
                if not header.isSectionHidden(logical)
            ]
            painter.setClipRect(area)
            for view_row in range(first_row, last_row + 1):
                y = vertical.sectionViewportPosition(view_row)
                height = vertical.sectionSize(view_row)
                if height <= 0:
                    continue
                painted.append(view_row)
                row = (
                    view_row if proxy is None else proxy.mapToSource(proxy.index(view_row, 0)).row()
                )
                if alternating and view_row % 2:
                    painter.fillRect(QRect(area.left(), y, area.width(), height), alternate)
                row_selected = view_row in selected_rows
                cell_height = height - grid
                for logical, x, size in shown:
                    text, align, foreground, background, font = cell_of(row, logical)
                    is_selected = row_selected or (
                        selected_cells and (view_row, logical) in selected
                    )
                    width = size - grid
                    if is_selected:
                        fill(x, y, width, cell_height, highlight)
                    elif background is not None:
                        fill(x, y, width, cell_height, background)
                    if not text:
                        continue
                    pen = (
                        highlighted_text
                        if is_selected
                        else text_color
                        if foreground is None
                        else _color(foreground)
                    )
                    if pen is not current_pen:
                        painter.setPen(pen)
                        current_pen = pen
                    if font is not current_font:
                        painter.setFont(view_font if font is None else font)
                        current_font = font
                        metrics, fitted = self._metrics_of(view_font if font is None else font)
                    room = width - 2 * margin
                    placed = fitted.get((text, room, align, cell_height))
                    if placed is None:
                        placed = fitted[text, room, align, cell_height] = place_text(
                            metrics,
                            view_font if font is None else font,
                            text,
                            room,
                            cell_height,
                            align,
                        )
                    static, dx, dy = placed
                    draw(QPointF(x + margin + dx, y + dy), static)
            if grid:
                painter.setPen(grid_pen)
                current_pen = None
                top = vertical.sectionViewportPosition(first_row)
                bottom = (
                    vertical.sectionViewportPosition(last_row) + vertical.sectionSize(last_row) - 1
                )
                for view_row in range(first_row, last_row + 1):
                    line_y = (
                        vertical.sectionViewportPosition(view_row)
                        + vertical.sectionSize(view_row)
                        - 1
                    )
                    painter.drawLine(area.left(), line_y, min(area.right(), right_edge), line_y)
                for _logical, x, size in shown:
                    painter.drawLine(x + size - 1, top, x + size - 1, bottom)
        painter.end()
        self.painted_rows = painted
