"""The order ticket: build an order, see its estimate and risk verdict live, stage it for approval.

Staging never sends anything to the broker: the order goes to the approval queue, where a human
approves it. The ticket stays filled after staging so the next order is one keystroke away.

An order preset chosen in the Preset combo (the instrument's default is chosen with it) fills the
fields; one that would be BLOCKED is refused when chosen (see ticket_presets.py).

Field errors are shown at the field (``invalid`` property plus a message underneath), never as a
traceback. The estimate and the verdict are recomputed on every edit and, while the ticket is
visible, when the instrument's market moves (on refresh-clock flushes, never per tick).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from decimal import Decimal
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from terminal.broker.base import BrokerError
from terminal.domain import (
    Combo,
    DomainError,
    Instrument,
    Order,
    OrderSide,
    OrderType,
    Quote,
    VerdictLevel,
)
from terminal.domain.commission import CommissionModel
from terminal.domain.values import round_to_tick
from terminal.risk.estimate import estimate_order
from terminal.risk.pricing import usable
from widgets import formatting as fmt
from widgets import instrument_text, shortcuts
from widgets.opaque import LiveLabel
from widgets.panes import ticket_form as tf
from widgets.panes.base import Pane
from widgets.panes.ticket_combo import ComboTicket, header_texts
from widgets.panes.ticket_fields import TicketFields
from widgets.panes.ticket_presets import TicketPresets
from widgets.panes.ticket_widgets import PreviewBox, enter_variants, set_text
from widgets.resources import icon
from widgets.session import Session, TicketRequest
from widgets.style_props import set_tone

log = logging.getLogger(__name__)

#: Re-estimate on market moves at most every Nth refresh flush (30 Hz / 3 = 10 Hz): enough for
#: a human to read, and the risk check stays off the hot path in a tick storm.
MARKET_REFRESH_EVERY = 3

_COMMISSIONS = CommissionModel()


class OrderTicketPane(Pane):
    """Build an order and stage it for approval.

    Public API: :meth:`load` (pre-fill from a :class:`TicketRequest`), :meth:`stage` (stage what
    the form holds) and :meth:`error_text` (the field errors shown).
    """

    pane_id = "ticket"
    title = "Order ticket"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.instrument: Instrument | None = None
        self._quantities: dict[str, str] = {}  # last staged quantity per instrument (session)
        self._subscribed: Instrument | None = None
        self._market_moved = False
        self._build()
        self._connect()
        self.setFocusProxy(self.quantity)
        self._refresh_preview()
        if session.active is not None:
            self._set_instrument(session.active)

    # -- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(5)
        header = QHBoxLayout()
        self.kind = QLabel("", self)
        self.kind.setObjectName("ticket_kind")
        self.kind.hide()
        self.symbol = QLabel("—", self)
        self.symbol.setObjectName("ticket_symbol")
        font = QFont(self.symbol.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.symbol.setFont(font)
        # The header reads the instrument out in full; a long option title must not widen the
        # dock (the tooltip and the description line carry the rest).
        self.symbol.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.symbol.setMinimumWidth(self.fontMetrics().horizontalAdvance("AAPL") * 2)
        self.description = QLabel("choose an instrument in the watchlist", self)
        self.description.setObjectName("ticket_description")
        self.description.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.description.setWordWrap(True)  # an option's description is read in full
        set_tone(self.description, "muted")
        header.addWidget(self.kind)
        header.addWidget(self.symbol, 1)
        layout.addLayout(header)
        layout.addWidget(self.description)
        self.quote_line = LiveLabel("", self)
        self.quote_line.setObjectName("ticket_quote")
        self.quote_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        set_tone(self.quote_line, "muted")
        layout.addWidget(self.quote_line)

        self.fields = TicketFields(self._quantity_step, self._tick, self)
        f = self.fields
        self.buy, self.sell = f.buy, f.sell
        self.quantity, self.order_type, self.tif = f.quantity, f.order_type, f.tif
        self.limit_price, self.stop_price = f.limit_price, f.stop_price
        self.trail, self.trail_unit, self.limit_offset = f.trail, f.trail_unit, f.limit_offset
        self.outside_rth, self.bracket = f.outside_rth, f.bracket
        self.take_profit, self.stop_loss = f.take_profit, f.stop_loss
        self.boxes = f.boxes
        self.presets = TicketPresets(self)
        layout.addLayout(self.presets.row("&Preset"))  # Alt+P: the ticket's preset
        layout.addWidget(self.presets.note)
        layout.addWidget(f)
        self.combo_ticket = ComboTicket(self.session, self)  # replaces the fields for a combo
        self.combo_ticket.hide()
        layout.addWidget(self.combo_ticket)

        self.preview = PreviewBox(self)
        layout.addWidget(self.preview)
        self.form_error = QLabel(self)
        self.form_error.setObjectName("ticket_form_error")
        self.form_error.setWordWrap(True)
        set_tone(self.form_error, "down")
        self.form_error.hide()
        layout.addWidget(self.form_error)
        layout.addStretch(1)
        self.stage_button = QPushButton("Stage", self)
        self.stage_button.setObjectName("ticket_stage")
        self.stage_button.setProperty("role", "primary")
        self.stage_button.setIcon(icon("ticket-stage"))
        self.stage_button.setToolTip(
            f"{shortcuts.STAGE.action} ({shortcuts.STAGE.keys}); nothing is sent until approved"
        )
        # The button reads the order back; a long option key must not widen the dock.
        self.stage_button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.stage_button)
        self.status = QLabel("", self)
        self.status.setObjectName("ticket_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)

    def _connect(self) -> None:
        self.fields.edited.connect(self._edited)
        self.order_type.currentIndexChanged.connect(self._prefill_limit)
        self.stage_button.clicked.connect(self._stage_clicked)
        for keys in enter_variants(shortcuts.STAGE.keys):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._stage_clicked)
        s = self.session
        self.subscribe(s.instrument_selected, self._set_instrument)
        self.subscribe(s.ticket_requested, self.load)
        self.subscribe(s.app.market.quotes_updated, self._on_quotes)
        self.subscribe(s.app.orders.order_updated, self._on_order_updated)
        self.subscribe(s.app.trading_state.state_changed, self._on_state_changed)
        self.subscribe(s.settings_applied, self._on_settings_applied)
        self.register_flush(self._flush)

    # -- public API --------------------------------------------------------------------------
    def load(self, request: TicketRequest) -> None:
        """Pre-fill the ticket from ``request`` and put the cursor in the quantity field."""
        set_tone(self.status, "muted")  # the last "Staged ..." is history for the new order
        self._show_combo(request.combo is not None)
        if request.combo is not None:
            self._show_combo_header(request.combo)
            self.combo_ticket.load(request)
            return
        self._set_instrument(request.instrument, quantity=request.quantity)
        if request.side is not None:
            self.fields.set_side(request.side)
        order_type = request.order_type
        if order_type is None and request.limit_price is not None:
            order_type = OrderType.STOP_LIMIT if request.stop_price else OrderType.LIMIT
        elif order_type is None and request.stop_price is not None:
            order_type = OrderType.STOP
        if order_type is not None:
            self.fields.set_kind(order_type)
        if request.limit_price is not None:
            self.limit_price.setText(self._price_text(request.limit_price))
        if request.stop_price is not None:
            self.stop_price.setText(self._price_text(request.stop_price))
        self._prefill_limit()
        self._clear_errors()
        self._edited()
        self.quantity.setFocus(Qt.FocusReason.OtherFocusReason)
        self.quantity.selectAll()

    def stage(self) -> Order | None:
        """Stage what the form holds for approval.

        Returns:
            The staged order (the parent of a bracket), or None when the input is invalid or the
            core refused it; the reason is then shown at the field (see :meth:`error_text`).
        """
        if self.combo_ticket.isVisibleTo(self):
            return self.combo_ticket.stage()
        self._clear_errors()
        form = self._form()
        if form is None:
            self._show_errors({tf.FORM: "choose an instrument in the watchlist first"})
            return None
        errors = tf.check_fields(form)
        if errors:
            self._refuse(form, errors)
            return None
        orders = self.session.app.orders
        try:
            if form.bracket:
                try:
                    legs = tf.build_bracket(form, self.session.app.market)
                except DomainError as exc:
                    self._refuse(form, {tf.bracket_field_of(str(exc)): str(exc)})
                    return None
                order = orders.stage_bracket(legs.parent, legs.take_profit, legs.stop_loss)
            else:
                order = orders.stage_input(form.instrument, **form.intent_fields())
        except DomainError as exc:  # the core refused (and audited) it
            self._show_errors({tf.field_of(str(exc)): str(exc)})
            return None
        self._quantities[form.instrument.key] = form.quantity.strip()
        self._show_staged(order)
        self._refresh_preview()
        return order

    def error_text(self) -> str:
        """The error messages shown at the fields ("" when there are none)."""
        texts = self.fields.error_texts()
        if self.form_error.isVisibleTo(self):
            texts.append(self.form_error.text())
        return "; ".join(texts)

    def form_input(self) -> tf.TicketInput | None:
        """What the ticket holds right now (None without an instrument)."""
        return self._form()

    def choose_preset(self, name: str) -> bool:
        """Choose the order preset ``name`` ("" for none) and fill the fields from it.

        Returns False when it is refused (it would be BLOCKED): the reason shows under the
        preset and the refusal is audited.
        """
        return self.presets.choose(name)

    def preset_filled(self) -> None:
        """The preset row filled the fields: check and re-estimate once."""
        self._clear_errors()
        self._edited()

    def price_text(self, value: Decimal) -> str:
        """``value`` as the ticket's price fields write it (the instrument's decimals)."""
        return self._price_text(value)

    # -- showing the outcome -----------------------------------------------------------------
    def _form(self) -> tf.TicketInput | None:
        return None if self.instrument is None else self.fields.read(self.instrument)

    def _clear_errors(self) -> None:
        self.fields.set_errors({})
        self.form_error.hide()
        self.form_error.clear()

    def _show_errors(self, errors: Mapping[str, str]) -> None:
        general = self.fields.set_errors(errors)
        self.form_error.setText("\n".join(general))
        self.form_error.setVisible(bool(general))
        first = self.fields.first_invalid()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        set_text(self.status, "")

    def _refuse(self, form: tf.TicketInput, errors: Mapping[str, str]) -> None:
        """Show a refusal at its fields and audit it, as the core does for its own refusals."""
        self._show_errors(errors)
        raw = {k: str(v) for k, v in form.intent_fields().items()}
        if form.bracket:
            raw |= {"take_profit": form.take_profit, "stop_loss": form.stop_loss}
        details = {"reason": "; ".join(errors.values()), "input": raw}
        self.session.app.audit.record("stage_refused", form.instrument.key, details)

    def _show_staged(self, order: Order) -> None:
        verdict = order.verdict
        level = verdict.level if verdict is not None else VerdictLevel.PASS
        legs = len(self.session.app.orders.group_members(order.group_id)) if order.group_id else 1
        what = f"Staged {order.id}" + (f" (bracket of {legs})" if legs > 1 else "")
        if level is VerdictLevel.BLOCK:
            text, tone = f"{what} — BLOCKED by risk: it cannot be approved", "critical"
        elif level is VerdictLevel.WARN:
            text, tone = f"{what} — awaiting approval (WARN: needs an override)", "warning"
        else:
            text, tone = f"{what} — awaiting approval", "ok"
        set_text(self.status, text)
        set_tone(self.status, tone)

    # -- instrument and fields ---------------------------------------------------------------
    def _show_combo(self, shown: bool) -> None:
        """Swap the single-instrument form for the combo form (or back)."""
        if not shown and self.combo_ticket.isVisibleTo(self) and self.instrument is not None:
            self._show_header(self.instrument)
        for widget in (self.fields, self.preview, self.quote_line):
            widget.setVisible(not shown)
        self.combo_ticket.setVisible(shown)
        if shown:
            set_text(self.stage_button, "Stage combo")
        self.setFocusProxy(self.combo_ticket.limit if shown else self.quantity)

    def _set_instrument(self, instrument: Instrument, quantity: Decimal | None = None) -> None:
        self._show_combo(False)
        changed = self.instrument is None or self.instrument.key != instrument.key
        self.instrument = instrument
        if changed:
            # Prices belong to one instrument: never carry them over to another.
            for edit in self.fields.price_edits():
                edit.clear()
            self._show_header(instrument)
            self.quantity.setPlaceholderText("contracts" if instrument.is_option else "shares")
            set_text(self.status, "")
            self._clear_errors()
            self._follow_quotes(instrument)
            self.quantity.setText(self._default_quantity(instrument))
            self.presets.show_for(instrument)  # its default preset fills the fields
        if quantity is not None:
            self.quantity.setText(fmt.quantity(quantity).replace(",", ""))
        if changed:
            self._prefill_limit()
            self._edited()

    def _show_header(self, instrument: Instrument) -> None:
        """Say unmistakably what the ticket trades: an option is marked OPTION and spelled out
        (underlying, strike, right, expiry, contract size), never shown as a bare key."""
        self.kind.setText(f" {instrument_text.kind(instrument)} ")
        set_tone(self.kind, "option" if instrument.is_option else "mode")
        self.kind.show()
        self.symbol.setText(instrument_text.title(instrument))
        self.symbol.setToolTip(instrument.key)
        today = self.session.app.clock.now().astimezone(self._zone()).date()
        text = instrument_text.details(instrument, today)
        self.description.setText(text)
        self.description.setToolTip(f"{instrument.key}: {text}")

    def _show_combo_header(self, combo: Combo) -> None:
        self.kind.setText(" COMBO ")
        set_tone(self.kind, "option")
        self.kind.show()
        labels = (self.symbol, self.description)
        for label, (text, tip) in zip(labels, header_texts(combo), strict=True):
            label.setText(text)
            label.setToolTip(tip)

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.session.app.settings.risk.market_timezone)

    def _default_quantity(self, instrument: Instrument) -> str:
        remembered = self._quantities.get(instrument.key)
        if remembered:
            return remembered
        ui = self.session.app.settings.ui
        value = ui.default_option_quantity if instrument.is_option else ui.default_stock_quantity
        return fmt.quantity(value).replace(",", "")

    def _quantity_step(self) -> Decimal | None:
        if self.instrument is None:
            return None
        ui = self.session.app.settings.ui
        if self.instrument.is_option:
            return ui.default_option_quantity
        return ui.default_stock_quantity

    def _tick(self) -> Decimal | None:
        return self.instrument.tick_size if self.instrument is not None else None

    def _places(self) -> int:
        """Decimal places of the instrument's prices (at least two)."""
        exponent = (self._tick() or Decimal("0.01")).normalize().as_tuple().exponent
        return max(2, -exponent) if isinstance(exponent, int) else 2

    def _price_text(self, value: Decimal) -> str:
        return f"{value:.{self._places()}f}"

    def _prefill_limit(self, *_args: object) -> None:
        """Start a limit at the near touch (bid to buy, ask to sell): it rests, not trades."""
        if self.instrument is None or self.limit_price.text().strip():
            return
        if not self.fields.kind().needs_limit:
            return
        quote = self.session.app.market.last_quote(self.instrument.key)
        if quote is None:
            return
        touch = quote.bid if self.fields.side() is OrderSide.BUY else quote.ask
        price = touch if usable(touch) else quote.last
        if usable(price):
            rounded = round_to_tick(Decimal(repr(price)), self.instrument.tick_size)
            self.limit_price.setText(self._price_text(rounded))

    def _follow_quotes(self, instrument: Instrument) -> None:
        """Subscribe to the ticket instrument's quotes (reference-counted by the core), so an
        option loaded from the chain gets an estimate and a checked price band."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # built before the loop runs: the watchlist supplies quotes
            return
        old, self._subscribed = self._subscribed, instrument
        market = self.session.app.market

        async def swap() -> None:
            try:
                await market.subscribe(instrument)
                if old is not None:
                    await market.unsubscribe(old)
            except (DomainError, BrokerError, OSError) as exc:
                log.info("ticket: no quotes for %s: %s", instrument.key, exc)

        self.session.app.spawn(swap(), f"ticket quotes {instrument.key}")

    # -- reacting ----------------------------------------------------------------------------
    def _edited(self) -> None:
        """A field changed: re-validate the fields the trader has filled in and re-estimate."""
        form = self._form()
        if form is not None:
            self.fields.set_errors(tf.check_fields(form, require=False))
            self.form_error.hide()
        self._update_stage_text(form)
        self._refresh_preview()

    def _stage_clicked(self) -> None:
        self.stage()

    def _update_stage_text(self, form: tf.TicketInput | None) -> None:
        if self.combo_ticket.isVisibleTo(self):
            return  # "Stage combo": the combo form reads its order back when staged
        if form is None:
            set_text(self.stage_button, "Stage")
            return
        quantity = form.quantity.strip() or "?"
        price = {
            OrderType.LIMIT: form.limit_price,
            OrderType.STOP: form.stop_price,
            OrderType.STOP_LIMIT: form.limit_price,
        }.get(form.order_type, "")
        at = f" @ {price.strip()}" if price.strip() else ""
        bracket = " + bracket" if form.bracket else ""
        text = (
            f"Stage {form.side.value} {quantity} {form.instrument.key} "
            f"{form.order_type.value}{at}{bracket}"
        )
        set_text(self.stage_button, text)

    def _on_quotes(self, quotes: Mapping[str, Quote]) -> None:
        # Runs once per broker batch: only note it, the flush does the work.
        if self.instrument is not None and self.instrument.key in quotes:
            self._market_moved = True

    def _on_order_updated(self, _order: Order) -> None:
        self._market_moved = True  # open orders count towards several limits

    def _on_state_changed(self, *_args: object) -> None:
        self._market_moved = True

    def _on_settings_applied(self, _settings: object) -> None:
        self.presets.refresh()

    def _flush(self) -> None:
        if not self._market_moved or self.session.refresh.flush_count % MARKET_REFRESH_EVERY:
            return
        if not self.isVisible():
            return  # re-estimated when shown again
        self._market_moved = False
        self._refresh_preview()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh_preview()

    def on_screen_changed(self, on_screen: bool) -> None:
        # Closed for good: give back the quote subscription of the ticket's instrument (a
        # hidden ticket keeps it, so its estimate is right the moment it is shown again).
        if on_screen or self.alive or self.session.closing:
            return
        instrument, self._subscribed = self._subscribed, None
        if instrument is not None:
            market = self.session.app.market
            self.session.run(market.unsubscribe(instrument), f"ticket release {instrument.key}")

    def _refresh_preview(self) -> None:
        """Recompute the quote line, the estimate and the verdict for what the form holds."""
        form = self._form()
        if form is None:
            self.preview.show_incomplete("choose an instrument in the watchlist")
            return
        app = self.session.app
        self._show_quote(form.instrument)
        if tf.check_fields(form):
            self.preview.show_incomplete()
            return
        try:
            intent = tf.build_intent(form)
            legs = tf.build_bracket(form, app.market) if form.bracket else None
        except DomainError as exc:
            self.preview.show_incomplete(str(exc))
            return
        mark = app.portfolio.mark(intent.instrument.key)
        self.preview.show_estimate(
            estimate_order(intent, app.market, _COMMISSIONS, mark), intent.instrument
        )
        if legs is not None:
            parts = [f"entry {self._price_text(legs.entry)}"]
            if legs.take_profit is not None and legs.take_profit.limit_price is not None:
                parts.append(f"take-profit {self._price_text(legs.take_profit.limit_price)}")
            if legs.stop_loss is not None and legs.stop_loss.stop_price is not None:
                parts.append(f"stop-loss {self._price_text(legs.stop_loss.stop_price)}")
            self.preview.show_exits("Bracket: " + " · ".join(parts))
        else:
            self.preview.show_exits("")
        self.preview.show_verdict(app.risk.check(intent, app.orders.open_orders()))

    def _show_quote(self, instrument: Instrument) -> None:
        app = self.session.app
        quote = app.market.last_quote(instrument.key)
        position = app.portfolio.position(instrument.key)
        held = fmt.quantity(position.quantity) if position is not None else "0"
        if quote is None:
            text = f"no quote yet   Pos {held}"
        else:
            d = self._places()
            text = (
                f"Bid {fmt.price(quote.bid, d)} × {fmt.volume(quote.bid_size)}   "
                f"Ask {fmt.price(quote.ask, d)} × {fmt.volume(quote.ask_size)}   "
                f"Last {fmt.price(quote.last, d)}   Pos {held}"
            )
        set_text(self.quote_line, text)
