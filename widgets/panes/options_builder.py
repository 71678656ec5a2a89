"""The strategy builder under the options chain: legs, net price, Greeks, risk, payoff, staging.

Open it with the chain's *Builder* button. While it is open a click on a bid adds a sold leg and
a click on an ask a bought one (another click on the same contract adds one more, a click on the
other side one less); or a named strategy fills the legs in around a chosen strike. Each leg's
side, ratio and strike can be edited and the leg removed.

The legs' quotes are subscribed through the market data service (reference-counted, so the
chain's own subscription is shared) and released when a leg goes or the builder closes. The
numbers come from :mod:`terminal.options.builder` and are refreshed on the refresh clock (never
per tick). *Stage* (or Enter) stages the combo as one order through the order manager's one
write path (``stage_input``): it goes to the approval queue like any order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import (
    DomainError,
    Instrument,
    OptionChainParams,
    OptionQuote,
    OptionRight,
    Order,
    OrderSide,
    OrderType,
    Quote,
    TimeInForce,
    VerdictLevel,
)
from terminal.domain.combos import Combo
from terminal.options import labels, strategies
from terminal.options.builder import Draft, StrategyValue, evaluate
from widgets.panes.options_builder_legs import LegsTable
from widgets.panes.options_payoff import PayoffChart
from widgets.session import Session, TicketRequest
from widgets.style_props import set_tone

log = logging.getLogger(__name__)

#: Recompute on market moves at most every Nth refresh flush (30 Hz / 3 = 10 Hz).
REFRESH_EVERY = 3
NEEDS_RIGHT = ("vertical", "butterfly", "calendar", "diagonal")
NEEDS_FAR = ("calendar", "diagonal")
NEEDS_WIDTH = ("vertical", "strangle", "iron condor", "butterfly", "diagonal")


class StrategyBuilder(QWidget):
    """Build a combo from the chain and stage it.

    Public:
        set_chain(underlying, params, expiry): the chain the pane shows (strikes, expiries).
        add_leg(instrument, side): what a bid/ask click does while the builder is open.
        fill_strategy(): the named strategy of the controls around the chosen strike.
        stage(): stage the combo for approval; returns the order or None (reason shown).
        close_builder() / open_builder(): release / take the legs' quote subscriptions.
        draft, value: the legs and the numbers shown.
    """

    def __init__(self, session: Session, owner: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("options_builder")
        self.session = session
        self._owner = owner
        self.draft = Draft()
        self.value: StrategyValue | None = None
        self._combo: Combo | None = None
        self._factor = 1
        self._problem = ""  # why the legs make no combo ("" when they do or there are none)
        self._underlying: Instrument | None = None
        self._params: OptionChainParams | None = None
        self._expiry: dt.date | None = None
        self._open = False
        self._held: dict[str, Instrument] = {}
        self._lock: asyncio.Lock | None = None
        self._dirty = False
        self._limit_key: str | None = None  # the combo the limit was prefilled for
        self._build()
        market = session.app.market
        session.subscribe(market.quotes_updated, self._on_quotes, owner=owner)
        session.subscribe(market.option_quotes_updated, self._on_quotes, owner=owner)
        session.subscribe(session.theme_changed, self.chart.set_palette, owner=owner)
        session.register_flush(self._flush, owner=owner)

    # -- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        self.strategy = QComboBox()
        self.strategy.setObjectName("builder_strategy")
        self.strategy.addItems([s.title() for s in strategies.STRATEGIES])
        self.right = QComboBox()
        self.right.setObjectName("builder_right")
        self.right.addItem("Calls", OptionRight.CALL)
        self.right.addItem("Puts", OptionRight.PUT)
        self.strike = QComboBox()
        self.strike.setObjectName("builder_strike")
        self.strike.setToolTip("The strike the strategy is built around")
        self.strikes_wide = QSpinBox()
        self.strikes_wide.setObjectName("builder_width")
        self.strikes_wide.setRange(1, 20)
        self.strikes_wide.setPrefix("width ")
        self.strikes_wide.setToolTip("Widths count listed strikes")
        self.far = QComboBox()
        self.far.setObjectName("builder_far")
        self.far.setToolTip("The far expiry of a calendar or diagonal")
        self.fill_button = QPushButton("Fill legs")
        self.fill_button.setObjectName("builder_fill")
        self.fill_button.clicked.connect(self.fill_strategy)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("builder_clear")
        self.clear_button.clicked.connect(self.clear)
        self.strategy.currentIndexChanged.connect(self._strategy_changed)
        controls = QHBoxLayout()
        choosers: tuple[QWidget, ...] = (
            self.strategy,
            self.right,
            self.strike,
            self.strikes_wide,
            self.far,
        )
        for widget in choosers:
            controls.addWidget(widget)
        controls.addWidget(self.fill_button)
        controls.addStretch(1)
        controls.addWidget(self.clear_button)

        self.legs = LegsTable(self)
        self.legs.side_changed.connect(lambda i, s: self._set_draft(self.draft.set_side(i, s)))
        self.legs.ratio_changed.connect(lambda i, r: self._set_draft(self.draft.set_ratio(i, r)))
        self.legs.strike_changed.connect(self._leg_strike_changed)
        self.legs.removed.connect(lambda i: self._set_draft(self.draft.remove(i)))

        self.title = QLabel("Click a bid to sell or an ask to buy, or fill a named strategy")
        self.title.setObjectName("builder_title")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        self.figures: dict[str, QLabel] = {}
        names = (
            ("net_bid", "Net bid"),
            ("net_ask", "Net ask"),
            ("net_mid", "Net mid"),
            ("delta", "Delta"),
            ("gamma", "Gamma"),
            ("theta", "Theta/day"),
            ("vega", "Vega/pt"),
            ("max_profit", "Max profit"),
            ("max_loss", "Max loss"),
            ("break_evens", "Break-even"),
        )
        for position, (name, text) in enumerate(names):
            row, col = divmod(position, 5)
            caption = QLabel(text)
            set_tone(caption, "muted")
            value = QLabel("—")
            value.setObjectName(f"builder_{name}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, row * 2, col)
            grid.addWidget(value, row * 2 + 1, col)
            self.figures[name] = value
        self.note = QLabel("")
        self.note.setObjectName("builder_note")
        self.note.setWordWrap(True)
        set_tone(self.note, "muted")

        self.side = QComboBox()
        self.side.setObjectName("builder_side")
        self.side.addItem("BUY", OrderSide.BUY)
        self.side.addItem("SELL", OrderSide.SELL)
        self.quantity = QSpinBox()
        self.quantity.setObjectName("builder_quantity")
        self.quantity.setRange(1, 10_000)
        self.quantity.setSuffix(" ×")
        self.quantity.setToolTip("Combos (each holds every leg at its ratio)")
        self.limit = QLineEdit()
        self.limit.setObjectName("builder_limit")
        self.limit.setPlaceholderText("net limit")
        self.limit.setMinimumWidth(self.fontMetrics().horizontalAdvance("−8,888.88") + 16)
        self.limit.setToolTip("Net limit per combo: a debit is positive, a credit negative")
        self.limit.textEdited.connect(self._limit_edited)
        self.mid_button = QPushButton("Mid")
        self.mid_button.setObjectName("builder_mid")
        self.mid_button.setToolTip("Set the limit to the net mid")
        self.mid_button.clicked.connect(self.limit_at_mid)
        self.tif = QComboBox()
        self.tif.setObjectName("builder_tif")
        self.tif.addItems([TimeInForce.DAY.value, TimeInForce.GTC.value])
        self.stage_button = QPushButton("Stage combo")
        self.stage_button.setObjectName("builder_stage")
        self.stage_button.setProperty("role", "primary")
        self.stage_button.setToolTip("Stage for approval (Enter); nothing is sent until approved")
        self.stage_button.clicked.connect(self.stage)
        self.ticket_button = QPushButton("Send to ticket")
        self.ticket_button.setObjectName("builder_send_to_ticket")
        self.ticket_button.setToolTip("Load the combo into the order ticket to stage it from there")
        self.ticket_button.clicked.connect(self.send_to_ticket)
        self.side.currentIndexChanged.connect(self._order_changed)
        self.tif.currentIndexChanged.connect(self._order_changed)
        self.quantity.valueChanged.connect(self._order_changed)
        order = QHBoxLayout()
        widgets: tuple[QWidget, ...] = (
            self.side,
            self.quantity,
            QLabel("at"),
            self.limit,
            self.mid_button,
            self.tif,
        )
        for widget in widgets:
            order.addWidget(widget)
        order.addWidget(self.stage_button, 1)
        order.addWidget(self.ticket_button)
        self.status = QLabel("")
        self.status.setObjectName("builder_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(controls)
        column.addWidget(self.legs)
        column.addWidget(self.title)
        column.addLayout(grid)
        column.addWidget(self.note)
        column.addLayout(order)
        column.addWidget(self.status)
        column.addStretch(1)
        self.chart = PayoffChart(self.session.palette)
        self.chart.setMinimumWidth(320)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        for keys in ("Return", "Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.stage)
        self._strategy_changed()
        self._show()

    # -- the chain ---------------------------------------------------------------------------
    def set_chain(
        self,
        underlying: Instrument | None,
        params: OptionChainParams | None,
        expiry: dt.date | None,
    ) -> None:
        """The chain shown above: named strategies are built from it (a new underlying clears
        the legs: a combo has one underlying)."""
        moved = underlying is None or (
            self._underlying is not None and underlying.key != self._underlying.key
        )
        if moved and self.draft.legs:
            self.clear()
        self._underlying, self._params, self._expiry = underlying, params, expiry
        self.legs.set_strikes(params.strikes if params is not None else ())
        current = self.strike.currentData()
        self.strike.blockSignals(True)
        self.strike.clear()
        for strike in sorted(params.strikes) if params is not None else ():
            self.strike.addItem(f"{strike:,.2f}", strike)
        if current is not None:
            self.strike.setCurrentIndex(max(self.strike.findData(current), 0))
        self.strike.blockSignals(False)
        self.far.clear()
        for later in sorted(
            e for e in (params.expiries if params else ()) if expiry and e > expiry
        ):
            self.far.addItem(f"{later:%d %b %Y}", later)

    def centre_on(self, strike: float) -> None:
        """Choose ``strike`` (the money) for the named strategies."""
        index = self.strike.findData(strike)
        if index >= 0:
            self.strike.setCurrentIndex(index)

    def _strategy_changed(self, *_args: object) -> None:
        name = self.strategy_name()
        self.right.setVisible(name in NEEDS_RIGHT)
        self.strikes_wide.setVisible(name in NEEDS_WIDTH)
        self.far.setVisible(name in NEEDS_FAR)

    def strategy_name(self) -> str:
        return strategies.STRATEGIES[self.strategy.currentIndex()]

    def fill_strategy(self) -> None:
        """Replace the legs with the chosen named strategy around the chosen strike."""
        params, expiry, strike = self._params, self._expiry, self.strike.currentData()
        if params is None or expiry is None or strike is None:
            self._say("load a chain first: no strikes to build on", "warning")
            return
        name, right, width = (
            self.strategy_name(),
            self.right.currentData(),
            self.strikes_wide.value(),
        )
        far = self.far.currentData()
        try:
            if name in NEEDS_FAR and far is None:
                raise DomainError(f"a {name} needs a later expiry than {expiry:%d %b %Y}")
            combo = {
                "vertical": lambda: strategies.vertical(params, expiry, strike, right, width=width),
                "straddle": lambda: strategies.straddle(params, expiry, strike),
                "strangle": lambda: strategies.strangle(params, expiry, strike, width=width),
                "iron condor": lambda: strategies.iron_condor(
                    params, expiry, strike, inner=width, wing=width
                ),
                "butterfly": lambda: strategies.butterfly(
                    params, expiry, strike, right, width=width
                ),
                "calendar": lambda: strategies.calendar(params, expiry, far, strike, right),
                "diagonal": lambda: strategies.diagonal(
                    params, expiry, far, strike, right, width=width
                ),
            }[name]()
        except DomainError as exc:
            self._say(str(exc), "warning")
            return
        self._set_draft(Draft.of(combo))
        self._say("", "muted")

    # -- legs ----------------------------------------------------------------------------------
    def add_leg(self, instrument: Instrument, side: OrderSide) -> None:
        """One more ``side`` unit of ``instrument`` (a bid/ask click in the chain)."""
        if self.draft.legs and self.draft.legs[0].instrument.underlying != instrument.underlying:
            self.clear()
        self._set_draft(self.draft.add(instrument, side))
        self.session.message.emit(f"Builder: {side.value} {instrument.key}")

    def clear(self) -> None:
        self._set_draft(Draft())

    def _leg_strike_changed(self, index: int, strike: float) -> None:
        leg = self.draft.legs[index]
        inst = leg.instrument
        if self._params is None or inst.expiry is None or inst.right is None:
            return
        try:
            option = strategies.ChainStrikes(self._params).option(
                inst.expiry, Decimal(repr(strike)), inst.right
            )
        except DomainError as exc:
            self._say(str(exc), "warning")
            return
        self._set_draft(self.draft.set_instrument(index, option))

    def _set_draft(self, draft: Draft) -> None:
        self.draft = draft
        try:
            self._combo, self._factor = draft.combo()
        except DomainError as exc:
            self._combo, self._factor = None, 1
            self._problem = str(exc)
        else:
            self._problem = ""
        self.legs.show_legs(draft.legs)
        self._sync_subscriptions()
        self._recompute()

    # -- subscriptions ---------------------------------------------------------------------------
    def open_builder(self) -> None:
        self._open = True
        self._sync_subscriptions()

    def close_builder(self) -> None:
        """Give back every leg's quote subscription (the legs stay for the next opening)."""
        self._open = False
        self._sync_subscriptions()

    @property
    def held(self) -> list[str]:
        """The legs whose quotes the builder holds a subscription to."""
        return sorted(self._held)

    def _wanted(self) -> dict[str, Instrument]:
        if not self._open:
            return {}
        return {leg.instrument.key: leg.instrument for leg in self.draft.legs}

    def _sync_subscriptions(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self.session.run(self._sync(), "strategy builder quotes")

    async def _sync(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        market = self.session.app.market
        async with self._lock:
            wanted = self._wanted()  # what is wanted when this runs, not when it was asked
            for key, instrument in wanted.items():
                if key not in self._held:
                    self._held[key] = instrument
                    await market.subscribe(instrument)
            for key in [k for k in self._held if k not in wanted]:
                await market.unsubscribe(self._held.pop(key))
        self._dirty = True

    # -- numbers ---------------------------------------------------------------------------------
    def _on_quotes(self, quotes: Mapping[str, object]) -> None:
        if self._combo is not None and any(
            leg.instrument.key in quotes for leg in self._combo.legs
        ):
            self._dirty = True

    def _flush(self) -> None:
        if not self._dirty or self.session.refresh.flush_count % REFRESH_EVERY:
            return
        self._dirty = False
        if self.isVisible():
            self._recompute()

    def refresh(self) -> None:
        """Recompute now from the latest quotes (the flush does it at most 10 times a second)."""
        self._recompute()

    def _quotes(self) -> tuple[dict[str, Quote], dict[str, OptionQuote]]:
        market = self.session.app.market
        quotes: dict[str, Quote] = {}
        options: dict[str, OptionQuote] = {}
        for leg in self.draft.legs:
            key = leg.instrument.key
            if (quote := market.last_quote(key)) is not None:
                quotes[key] = quote
            if (option := market.last_option_quote(key)) is not None:
                options[key] = option
        return quotes, options

    def spot(self) -> float:
        underlying = self._underlying
        quote = self.session.app.market.last_quote(underlying.key) if underlying else None
        if quote is None:
            return math.nan
        return quote.mid if math.isfinite(quote.mid) else quote.last

    def _recompute(self) -> None:
        combo = self._combo
        if combo is None:
            self.value = None
            self.title.setText(self._problem or "no legs")
            self._show()
            return
        quotes, options = self._quotes()
        self.legs.show_quotes(quotes, options)
        limit = self.limit_price()
        side = self.order_side()
        quantity = self.quantity.value() * self._factor * side.sign
        self.value = evaluate(
            combo,
            quotes,
            options,
            self.spot(),
            self.session.app.clock.now(),
            limit=float(limit) if limit is not None else None,
            quantity=quantity,
        )
        if self._limit_key != combo.key and math.isfinite(self.value.net.mid):
            self._limit_key = combo.key
            self.limit_at_mid()
            return
        self._show()

    def _show(self) -> None:
        value, combo, f = self.value, self._combo, self.figures
        if value is None or combo is None:
            for label in f.values():
                label.setText("—")
            self.chart.clear_payoff()
            self.note.setText("")
            self._update_stage_text()
            return
        self.title.setText(
            f"{labels.strategy_title(combo)} ×{self.quantity.value() * self._factor}   "
            f"{labels.legs_text(combo)}"
        )
        net = value.net
        for name, number in (("net_bid", net.bid), ("net_ask", net.ask), ("net_mid", net.mid)):
            f[name].setText(_net(number))
        greeks = value.greeks
        for name, places in (("delta", 1), ("gamma", 2), ("theta", 2), ("vega", 2)):
            number = getattr(greeks, name) if greeks is not None else math.nan
            f[name].setText("—" if not math.isfinite(number) else _signed(number, places))
            f[name].setToolTip(f"Greeks: {value.greeks_source}" if greeks else "")
        risk = value.risk
        if risk is None:
            for name in ("max_profit", "max_loss", "break_evens"):
                f[name].setText("—")
            self.chart.clear_payoff()
        else:
            approx = "" if risk.exact else "≈ "
            f["max_profit"].setText(
                "unlimited" if risk.max_profit is None else f"{approx}{risk.max_profit:,.2f}"
            )
            f["max_loss"].setText(
                "unlimited" if risk.max_loss is None else f"{approx}{risk.max_loss:,.2f}"
            )
            f["break_evens"].setText(" / ".join(f"{b:,.2f}" for b in risk.break_evens) or "none")
            if value.payoff is not None:
                self.chart.show_payoff(value.payoff, self.spot(), risk.break_evens)
        at = "the limit" if self.limit_price() is not None else "the mid"
        notes = [f"P&L of {self.quantity.value() * self._factor} at {at}, in money"]
        self.note.setText("; ".join([*notes, *value.problems]))
        self._update_stage_text()

    # -- the order -------------------------------------------------------------------------------
    def order_side(self) -> OrderSide:
        side = self.side.currentData()
        return side if isinstance(side, OrderSide) else OrderSide.BUY

    def limit_price(self) -> Decimal | None:
        text = self.limit.text().strip().replace(labels.MINUS, "-").replace(",", "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None

    def limit_at_mid(self) -> None:
        """Put the net mid (on the combo's tick) in the limit field."""
        if self._combo is None or self.value is None or not math.isfinite(self.value.net.mid):
            return
        mid = self._combo.round_price(self.value.net.mid)
        self.limit.setText(f"{mid:.2f}")
        self._recompute()

    def _limit_edited(self, _text: str) -> None:
        self._recompute()

    def _order_changed(self, *_args: object) -> None:
        self._recompute()

    def _update_stage_text(self) -> None:
        combo = self._combo
        if combo is None:
            self.stage_button.setText("Stage combo")
            self.stage_button.setEnabled(False)
            return
        self.stage_button.setEnabled(True)
        title = labels.order_title(
            combo, self.order_side(), self.quantity.value() * self._factor, self.limit_price()
        )
        self.stage_button.setText(f"Stage {title}")

    def send_to_ticket(self) -> bool:
        """Load the combo into the order ticket (legs read-only, side, units, net limit)."""
        combo = self._combo
        if combo is None:
            self._say(self._problem or "no legs to send", "warning")
            return False
        self.session.request_ticket(
            TicketRequest(
                combo.instrument,
                side=self.order_side(),
                order_type=OrderType.LIMIT,
                limit_price=self.limit_price(),
                quantity=Decimal(self.quantity.value() * self._factor),
                combo=combo,
            )
        )
        return True

    def stage(self) -> Order | None:
        """Stage the combo (LMT at the net limit) for approval; None when refused (shown)."""
        combo = self._combo
        if combo is None:
            self._say(self._problem or "no legs to stage", "warning")
            return None
        limit = self.limit_price()
        fields: dict[str, object] = {
            "side": self.order_side(),
            "quantity": Decimal(self.quantity.value() * self._factor),
            "order_type": OrderType.LIMIT,
            "limit_price": limit if limit is not None else self.limit.text(),
            "tif": TimeInForce(self.tif.currentText()),
            "source": "strategy builder",
            "combo": combo,
        }
        try:
            order = self.session.app.orders.stage_input(combo.instrument, **fields)
        except DomainError as exc:  # refused (and audited) by the core
            self._say(f"Not staged: {exc}", "critical")
            return None
        verdict = order.verdict.level if order.verdict is not None else VerdictLevel.PASS
        intent = order.intent
        title = labels.order_title(combo, intent.side, intent.quantity, intent.limit_price)
        text = f"Staged {order.id}: {title}"
        if verdict is VerdictLevel.BLOCK:
            self._say(f"{text} — BLOCKED by risk: it cannot be approved", "critical")
        elif verdict is VerdictLevel.WARN:
            self._say(f"{text} — awaiting approval (WARN: needs an override)", "warning")
        else:
            self._say(f"{text} — awaiting approval", "ok")
        self.session.message.emit(text)
        return order

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_tone(self.status, tone)


def _net(value: float) -> str:
    return "—" if not math.isfinite(value) else labels.signed(Decimal(f"{value:.2f}"))


def _signed(value: float, places: int) -> str:
    return labels.signed(Decimal(f"{value:.{places}f}"), places)
