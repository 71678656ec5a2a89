"""Options chain pane: the active instrument's options for one expiry, strikes around the money.

The underlying is the session's active instrument (an option's underlying when an option is
active). The expiries come from the broker's ``option_chain_params`` (loaded through
``session.run`` with a "Loading…" indicator), nearest first with days to expiry. The pane
subscribes the chain of the selected expiry for the listed strike nearest the underlying's price
and ``±N`` strikes around it, and drops the previous subscription whenever the underlying, the
expiry or ``N`` changes.

Option quotes arrive in batches of hundreds (``option_quotes_updated``); the handler only records
the ones for this chain and the refresh clock publishes them (:meth:`OptionsChainPane.flush`).

Clicking a bid prefills the order ticket to SELL that contract at the bid, an ask to BUY at the
ask (``session.request_ticket``); Enter does the same for the current cell. With the strategy
builder open (*Builder*, :mod:`widgets.panes.options_builder`) the same click adds a leg to the
combo being built instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import (
    AssetClass,
    Instrument,
    OptionChainParams,
    OptionQuote,
    OptionRight,
    OrderSide,
    OrderType,
    UnknownInstrument,
)
from widgets import formatting
from widgets.opaque import LiveLabel
from widgets.panes.base import Pane
from widgets.panes.options_model import (
    STRIKE_COLUMN,
    ChainContext,
    ChainModel,
    ChainRow,
    centred_strikes,
    nearest_index,
    strike_key,
)
from widgets.panes.options_view import ChainView, expiry_label, is_monthly
from widgets.resources import icon
from widgets.session import Session, TicketRequest
from widgets.theme import Palette

if TYPE_CHECKING:
    from widgets.panes.options_builder import StrategyBuilder

DEFAULT_STRIKES_EACH_SIDE = 10
MAX_STRIKES_EACH_SIDE = 50
OPTIONABLE = (AssetClass.STOCK, AssetClass.ETF)


class OptionsChainPane(Pane):
    """Calls and puts of the active instrument for one expiry, with Greeks and ITM shading.

    Public:
        show_underlying(instrument): load the chain of ``instrument`` (active_changed).
        select_expiry(expiry): show another expiry (re-subscribes).
        set_strikes_each_side(n): show ``n`` strikes each side of the money (re-subscribes).
        recentre(): re-centre the strikes on the money now.
        request_ticket_at(index): what a click on a bid/ask cell does.
        flush(): publish recorded quotes (the refresh clock calls it).
        loading: True while parameters or a subscription are being loaded.
    """

    pane_id = "options"
    title = "Options chain"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.context = ChainContext(session.palette)
        self.model = ChainModel(self.context, self.fontMetrics().horizontalAdvance, self)
        self.view = ChainView(self.model, self)
        self.view.setObjectName("options_chain")
        self.view.clicked.connect(self.request_ticket_at)

        self._underlying: Instrument | None = None
        self._params: OptionChainParams | None = None
        self._params_cache: dict[str, OptionChainParams] = {}
        self._subscribed: tuple[Instrument, dt.date] | None = None
        self._contracts: dict[str, tuple[str, OptionRight]] = {}
        self._pending: dict[str, OptionQuote] = {}
        self._option_spot = math.nan
        self._itm_boundary: int | None = None
        self._generation = 0
        self._lock: asyncio.Lock | None = None
        self._loads = 0
        #: The instrument the chain was last asked to show (loaded again when shown).
        self._requested: Instrument | None = None
        #: The rows were (re)built and not yet scrolled to the money (a hidden tab cannot).
        self._atm_pending = False
        #: The strikes were chosen before the underlying's price was known (the middle of the
        #: listing): chosen again once it is.
        self._blind = False

        self.underlying_label = QLabel("No instrument")
        self.underlying_label.setObjectName("options_underlying")
        self.underlying_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.spot_label = LiveLabel("")
        self.spot_label.setProperty("tone", "muted")
        # Texts that change with the underlying must not size the dock (widths jumped): fixed
        # widths that hold the longest (the symbol in its 14 px bold, the price).
        title_font = QFont(self.font())
        title_font.setPixelSize(14)
        title_font.setBold(True)
        for label, font, sample in (
            (self.underlying_label, title_font, "No instrument"),
            (self.spot_label, self.font(), "88,888.88"),
        ):
            label.setFixedWidth(QFontMetrics(font).horizontalAdvance(sample) + 8)
        self.expiry = QComboBox()
        self.expiry.setObjectName("options_expiry")
        self.expiry.setToolTip("Expiry (days to expiry); monthlies in bold")
        self.expiry.setMinimumContentsLength(22)
        self.expiry.currentIndexChanged.connect(self._on_expiry_chosen)
        self.strikes = QSpinBox()
        self.strikes.setObjectName("options_strikes")
        self.strikes.setRange(1, MAX_STRIKES_EACH_SIDE)
        self.strikes.setValue(DEFAULT_STRIKES_EACH_SIDE)
        self.strikes.setPrefix("± ")
        self.strikes.setKeyboardTracking(False)  # re-subscribe once, not per digit typed
        self.strikes.setToolTip("Strikes shown each side of the money")
        self.strikes.valueChanged.connect(self._on_strikes_changed)
        self.atm_button = QPushButton(icon("options-atm"), "ATM")
        self.atm_button.setObjectName("options_atm")
        self.atm_button.setToolTip("Centre the strikes on the money again")
        self.atm_button.clicked.connect(self.recentre)
        self.loading_label = QLabel("Loading…")
        self.loading_label.setObjectName("options_loading")
        self.loading_label.setProperty("tone", "warning")
        self.loading_label.hide()
        self.status_label = QLabel("")
        self.status_label.setObjectName("options_status")
        self.status_label.setProperty("tone", "muted")
        self.builder_button = QPushButton("Builder")
        self.builder_button.setObjectName("options_builder_toggle")
        self.builder_button.setCheckable(True)
        self.builder_button.setToolTip(
            "Strategy builder: bid/ask clicks add legs to a combo instead of opening the ticket"
        )
        self.builder_button.toggled.connect(self.show_builder)
        # Built when first opened (:attr:`builder`): hidden until then, and its payoff chart
        # (pyqtgraph) and legs table cost every start about 0.1 s.
        self._builder: StrategyBuilder | None = None

        top = QHBoxLayout()
        top.addWidget(self.link_button())
        top.addWidget(self.underlying_label)
        top.addWidget(self.spot_label)
        top.addSpacing(12)
        expiry_label_widget = QLabel("&Expiry")
        expiry_label_widget.setBuddy(self.expiry)
        top.addWidget(expiry_label_widget)
        top.addWidget(self.expiry)
        strikes_label = QLabel("S&trikes")
        strikes_label.setBuddy(self.strikes)
        top.addWidget(strikes_label)
        top.addWidget(self.strikes)
        top.addWidget(self.atm_button)
        top.addWidget(self.loading_label)
        top.addStretch(1)
        top.addWidget(self.builder_button)
        sides = QHBoxLayout()
        calls = QLabel("CALLS")
        puts = QLabel("PUTS")
        for label in (calls, puts):
            label.setProperty("tone", "muted")
            label.setStyleSheet("font-weight: bold; letter-spacing: 2px;")
        sides.addWidget(calls)
        sides.addStretch(1)
        sides.addWidget(self.status_label)
        sides.addStretch(1)
        sides.addWidget(puts)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(sides)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 3)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.view)

        for keys in ("Return", "Enter"):
            enter = QShortcut(QKeySequence(keys), self.view)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(lambda: self.request_ticket_at(self.view.currentIndex()))

        market = session.app.market
        self.subscribe(market.option_quotes_updated, self._on_option_quotes)
        self.subscribe(session.theme_changed, self._on_theme)
        self.register_flush(self.flush)
        self.follow_link(self.show_underlying)

    # -- state ---------------------------------------------------------------------------------
    @property
    def underlying(self) -> Instrument | None:
        return self._underlying

    @property
    def subscribed(self) -> tuple[Instrument, dt.date] | None:
        """The (underlying, expiry) whose chain this pane holds a subscription to."""
        return self._subscribed

    @property
    def loading(self) -> bool:
        return self._loads > 0

    def expiries(self) -> list[dt.date]:
        """The expiries offered in the selector, nearest first."""
        return [self.expiry.itemData(i) for i in range(self.expiry.count())]

    def selected_expiry(self) -> dt.date | None:
        data = self.expiry.currentData()
        return data if isinstance(data, dt.date) else None

    @property
    def builder(self) -> StrategyBuilder:
        """The strategy builder under the chain (built on first use, hidden until opened)."""
        if self._builder is None:
            # Imported here: its payoff chart's pyqtgraph is slow to import.
            from widgets.panes.options_builder import StrategyBuilder

            self._builder = StrategyBuilder(self.session, self)
            self._builder.hide()
            self.splitter.addWidget(self._builder)
            self.splitter.setStretchFactor(1, 2)
            self._update_builder_chain()
        return self._builder

    @property
    def builder_open(self) -> bool:
        return self.builder_button.isChecked()

    def show_builder(self, shown: bool = True) -> None:
        """Open (or close) the strategy builder under the chain; closing releases its legs'
        quote subscriptions."""
        if self.builder_button.isChecked() != shown:
            self.builder_button.setChecked(shown)  # comes back here through toggled
            return
        self.builder.setVisible(shown)
        if shown:
            self._update_builder_chain()
            self.builder.open_builder()
        else:
            self.builder.close_builder()

    def _update_builder_chain(self) -> None:
        self.builder.set_chain(self._underlying, self._params, self.selected_expiry())
        if self.context.atm is not None:
            self.builder.centre_on(float(self.context.atm))

    # -- following the active instrument -------------------------------------------------------
    def show_underlying(self, instrument: Instrument) -> None:
        """Load the option chain of ``instrument`` (an option's underlying for an option)."""
        current = self._underlying
        wanted = instrument.underlying if instrument.is_option else instrument.key
        if current is not None and current.key == wanted:
            return
        self._requested = instrument
        self._generation += 1
        self._underlying = None if instrument.is_option else instrument
        self._params = None
        self._clear_rows()
        self._fill_expiries(None)
        self.underlying_label.setText(wanted or instrument.key)
        self.spot_label.setText("")
        self.status_label.setText("")
        self._run(self._load(self._generation, instrument), f"options chain {wanted}")

    def select_expiry(self, expiry: dt.date) -> None:
        """Show ``expiry`` (one of :meth:`expiries`)."""
        index = self.expiry.findData(expiry)
        if index < 0:
            raise ValueError(f"{expiry} is not listed")
        self.expiry.setCurrentIndex(index)

    def set_strikes_each_side(self, count: int) -> None:
        self.strikes.setValue(count)

    def recentre(self) -> None:
        """Subscribe the strikes around the money again (the underlying moved away)."""
        self._reload_chain()

    def _on_expiry_chosen(self, _index: int) -> None:
        self._reload_chain()

    def _on_strikes_changed(self, _value: int) -> None:
        self._reload_chain()

    def _reload_chain(self) -> None:
        if self._underlying is None or self._params is None or self.selected_expiry() is None:
            return
        self._generation += 1
        self._run(self._resubscribe(self._generation), "options chain")

    def _run(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        self._set_loading(+1)
        task = self.run(coro, what)
        task.add_done_callback(lambda _t: self._set_loading(-1))

    def _set_loading(self, change: int) -> None:
        if not self.alive:
            return
        self._loads = max(0, self._loads + change)
        self.loading_label.setVisible(self._loads > 0)

    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _load(self, generation: int, instrument: Instrument) -> None:
        broker = self.session.app.broker
        async with self._get_lock():
            if generation != self._generation:
                return
            await self._drop_subscription()
            underlying = instrument
            if instrument.is_option:
                underlying = await broker.qualify(instrument.underlying or "")
                if generation != self._generation:
                    return
                self._underlying = underlying
            if underlying.asset_class not in OPTIONABLE or not broker.capabilities.options:
                self._no_options(underlying)
                return
            params = self._params_cache.get(underlying.key)
            if params is None:
                try:
                    params = await broker.option_chain_params(underlying)
                except UnknownInstrument:
                    if generation == self._generation:
                        self._no_options(underlying)
                    return
                self._params_cache[underlying.key] = params
            if generation != self._generation:
                return
            if not params.expiries or not params.strikes:
                self._no_options(underlying)
                return
            self._params = params
            self._fill_expiries(params)
            await self._subscribe(generation)

    async def _resubscribe(self, generation: int) -> None:
        async with self._get_lock():
            if generation != self._generation:
                return
            await self._drop_subscription()
            await self._subscribe(generation)

    async def _subscribe(self, generation: int) -> None:
        underlying, params, expiry = self._underlying, self._params, self.selected_expiry()
        if underlying is None or params is None or expiry is None:
            return
        if not self.on_screen:
            return  # subscribed when it comes on screen: every option is an IB market-data line
        spot = self._spot()
        strikes = centred_strikes(params.strikes, spot, self.strikes.value())
        self._blind = math.isnan(spot)
        contracts = await self.session.app.market.subscribe_option_chain(
            underlying, expiry, strikes
        )
        self._subscribed = (underlying, expiry)
        if generation != self._generation or not self.alive:
            return  # a newer request drops this subscription when it runs
        self._show_contracts(contracts, strikes)
        if self._builder is not None:  # else it reads the chain when built
            self._update_builder_chain()

    async def _drop_subscription(self) -> None:
        subscribed, self._subscribed = self._subscribed, None
        self._contracts = {}
        self._pending.clear()
        if subscribed is not None:
            await self.session.app.market.unsubscribe_option_chain(*subscribed)

    def _no_options(self, underlying: Instrument) -> None:
        self._params = None
        self._clear_rows()
        self._fill_expiries(None)
        self.status_label.setText(f"No options for {underlying.key}")

    # -- building the table ----------------------------------------------------------------------
    def _fill_expiries(self, params: OptionChainParams | None) -> None:
        self.expiry.blockSignals(True)
        try:
            self.expiry.clear()
            if params is not None:
                today = self._today()
                bold = QFont(self.expiry.font())
                bold.setBold(True)
                for expiry in sorted(e for e in params.expiries if e >= today):
                    self.expiry.addItem(expiry_label(expiry, today), expiry)
                    if is_monthly(expiry):
                        self.expiry.setItemData(
                            self.expiry.count() - 1, bold, Qt.ItemDataRole.FontRole
                        )
            self.expiry.setEnabled(self.expiry.count() > 0)
        finally:
            self.expiry.blockSignals(False)

    def _show_contracts(self, contracts: Sequence[Instrument], strikes: Sequence[float]) -> None:
        wanted = {strike_key(s) for s in strikes}
        rows: dict[str, ChainRow] = {}
        contract_rows: dict[str, tuple[str, OptionRight]] = {}
        market = self.session.app.market
        for contract in contracts:
            if contract.strike is None or contract.right is None:
                continue
            key = strike_key(contract.strike)
            if key not in wanted:
                continue
            row = rows.get(key) or ChainRow(contract.strike)
            quote = market.last_option_quote(contract.key)
            if contract.right is OptionRight.CALL:
                row = replace(row, call=contract, call_quote=quote)
            else:
                row = replace(row, put=contract, put_quote=quote)
            rows[key] = row
            contract_rows[contract.key] = (key, contract.right)
        self._contracts = contract_rows
        self._option_spot = math.nan
        for row in rows.values():
            for quote in (row.call_quote, row.put_quote):
                if quote is not None and not math.isnan(quote.underlying_price):
                    self._option_spot = quote.underlying_price
        self.model.set_rows(sorted(rows.values(), key=lambda r: r.strike))
        self._itm_boundary = None
        self._update_spot()
        if not rows:
            self.status_label.setText("No strikes listed for this expiry")
        else:
            self.status_label.setText("")
            self._atm_pending = True
            self._scroll_to_atm()

    def _clear_rows(self) -> None:
        self._contracts = {}
        self._pending.clear()
        self._option_spot = math.nan
        self.context.spot = math.nan
        self.context.atm = None
        self.model.set_rows([])

    def _scroll_to_atm(self) -> None:
        """Put the at-the-money strike in the middle once, after the rows were built.

        A chain loaded behind another dock tab cannot scroll (a hidden view has no height and
        scrolled to the top): it stays pending until the pane is shown.
        """
        if not self._atm_pending:
            return
        atm = self.context.atm
        position = None if atm is None else self.model.position(strike_key(atm))
        if position is None or not self.on_screen or self.view.viewport().height() <= 0:
            return
        self.view.doItemsLayout()  # rows just reset: lay them out before scrolling
        index = self.model.index(position, STRIKE_COLUMN)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._atm_pending = False

    def on_screen_changed(self, on_screen: bool) -> None:
        """Off screen (a hidden or closed dock, a tab behind another) the chain holds no
        subscription: each option takes one of IB's ~100 market-data lines. Back on screen it
        subscribes the strikes around the money again."""
        if self.session.closing:
            return
        if self.builder_open:
            # The legs' quotes are market-data lines too: held only while the builder is seen.
            if on_screen:
                self.builder.open_builder()
            else:
                self.builder.close_builder()
        if not on_screen:
            self._pending.clear()
            self.session.run(self._release(), "options chain release")
            return
        if self._params is not None and self._underlying is not None:
            self._reload_chain()
        elif self._requested is not None and not self.loading:
            requested, self._underlying = self._requested, None
            self.show_underlying(requested)  # its load was cut short while off screen
        # After the layout gave the view its height (a dock tab brought forward).
        QTimer.singleShot(0, self._scroll_if_alive)

    async def _release(self) -> None:
        async with self._get_lock():
            await self._drop_subscription()

    def _scroll_if_alive(self) -> None:
        if self.alive:
            self._scroll_to_atm()

    # -- core events (record only) ----------------------------------------------------------------
    def _on_option_quotes(self, quotes: Mapping[str, OptionQuote]) -> None:
        contracts = self._contracts
        if not contracts:
            return
        for key in contracts.keys() & quotes.keys():
            self._pending[key] = quotes[key]

    def _on_theme(self, palette: Palette) -> None:
        self.context.palette = palette
        self.model.mark_all_dirty()

    # -- publishing (refresh clock) ----------------------------------------------------------------
    def flush(self) -> None:
        """Publish recorded option quotes; re-shade when the underlying crossed a strike."""
        if self._pending:
            pending, self._pending = self._pending, {}
            for key, quote in pending.items():
                where = self._contracts.get(key)
                if where is None:
                    continue
                row = self.model.get(where[0])
                if row is None:
                    continue
                if where[1] is OptionRight.CALL:
                    self.model.update(replace(row, call_quote=quote))
                else:
                    self.model.update(replace(row, put_quote=quote))
                if not math.isnan(quote.underlying_price):
                    self._option_spot = quote.underlying_price
        if len(self.model):
            self._update_spot()
        self.model.flush()

    def _spot(self) -> float:
        """The underlying's price: its quote's mid (else last), else the options' reference."""
        underlying = self._underlying
        if underlying is not None:
            quote = self.session.app.market.last_quote(underlying.key)
            if quote is not None:
                for value in (quote.mid, quote.last):
                    if not math.isnan(value) and value > 0:
                        return value
        return self._option_spot

    def _update_spot(self) -> None:
        spot = self._spot()
        if math.isnan(spot) or spot == self.context.spot:
            return
        self.context.spot = spot
        strikes = [float(s) for s in self.model.strikes()]
        boundary = sum(1 for s in strikes if s < spot)
        atm = self.model.row(nearest_index(strikes, spot)).strike if strikes else None
        if boundary != self._itm_boundary or atm != self.context.atm:
            self._itm_boundary = boundary
            self.context.atm = atm
            self.model.mark_all_dirty()
        self.spot_label.setText(formatting.price(spot))
        if self._blind and self._subscribed is not None:
            # Now the price is known: the strikes around it, not the middle of the listing.
            self._blind = False
            self._reload_chain()
            return
        self._scroll_to_atm()

    # -- clicks ------------------------------------------------------------------------------------
    def request_ticket_at(self, index: QModelIndex) -> None:
        """A bid cell prefills the ticket to SELL at the bid, an ask cell to BUY at the ask;
        with the builder open it adds a sold / bought leg instead."""
        if not index.isValid():
            return
        role = self.model.role(index.column())
        if role.right is None or not (role.is_bid or role.is_ask):
            return
        row = self.model.row(index.row())
        contract = row.contract(role.right)
        quote = row.quote(role.right)
        if contract is None:
            return
        if self.builder_open:
            self.builder.add_leg(contract, OrderSide.SELL if role.is_bid else OrderSide.BUY)
            return
        price = math.nan if quote is None else (quote.bid if role.is_bid else quote.ask)
        side = OrderSide.SELL if role.is_bid else OrderSide.BUY
        if math.isnan(price) or price <= 0:
            self.session.message.emit(
                f"no {'bid' if role.is_bid else 'ask'} for {contract.key} yet"
            )
            return
        tick = contract.tick_size
        limit = Decimal(round(price / float(tick))) * tick
        self.session.request_ticket(
            TicketRequest(contract, side=side, order_type=OrderType.LIMIT, limit_price=limit)
        )
        self.session.message.emit(f"Ticket: {side.value} {contract.key} LMT {limit}")

    # -- helpers -----------------------------------------------------------------------------------
    def _today(self) -> dt.date:
        app = self.session.app
        zone = ZoneInfo(app.settings.risk.market_timezone)
        return app.clock.now().astimezone(zone).date()
