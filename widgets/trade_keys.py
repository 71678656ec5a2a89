"""The trading keys: stage at the bid / ask / market, flatten, reverse, cancel the instrument's
orders, size presets and "approve the order just staged" (keys in :mod:`widgets.keymap`).

Every order key STAGES an order in the ticket's instrument with the ticket's quantity; nothing is
sent until it is approved. With an order preset chosen in the ticket (the instrument's default
preset unless the trader chose another) the key's order takes the preset's TIF and bracket.
Approving the order just staged goes through the approval queue's own path (its checks, the
core's re-check at approval, the audit record), exactly as a click on Approve. A key that cannot
act says why in the status bar; a refused staging (no quote to price at the bid, an invalid
quantity, trading halted) is audited as ``stage_refused``, as the ticket's refusals are.

Once a flatten staged here fills, the instrument's bracket exits still open (take-profit and
protective stop) are cancelled: the position they closed is gone, and left working they would
open a new one the other way. Until the flatten fills they stay, so the position is never
unprotected while the flatten waits for approval.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Literal

from PySide6.QtCore import QObject

from terminal.domain import (
    DomainError,
    Instrument,
    Order,
    OrderIntent,
    OrderRole,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from terminal.domain.values import round_to_tick, to_quantity
from terminal.oms.kill_switch import closing_intent
from terminal.presets.model import OrderPreset
from terminal.presets.orders import preset_order, stage_preset_order
from terminal.risk.pricing import usable
from widgets import formatting as fmt
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.ticket import OrderTicketPane
from widgets.session import Session

type PriceSource = Literal["bid", "ask", "market"]

SOURCE = "hotkey"


class TradeKeys(QObject):
    """The trading keys' actions, on the ticket (what and how many) and the approval queue."""

    def __init__(
        self,
        session: Session,
        ticket: OrderTicketPane,
        queue: ApprovalQueuePane,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.ticket = ticket
        self.queue = queue
        #: The order this terminal staged last (by a key, the ticket, the ladder...).
        self.last_staged: str | None = None
        self._seen: set[str] = set()
        #: Flatten orders staged here and not yet done: their instrument's key.
        self._flattening: dict[str, str] = {}
        session.subscribe(session.app.orders.order_updated, self._on_order_updated, owner=self)

    def _on_order_updated(self, order: Order) -> None:
        key = self._flattening.get(order.id)
        if key is not None and order.status.is_terminal:
            del self._flattening[order.id]
            if order.status is OrderStatus.FILLED:
                self._cancel_exits(key, order.id)
        if (
            order.status is OrderStatus.PENDING_APPROVAL
            and order.parent_id is None
            and order.id not in self._seen
            and self.session.app.orders.book.owns(order)
        ):
            self._seen.add(order.id)
            self.last_staged = order.id

    # -- staging -----------------------------------------------------------------------------
    def stage(self, side: OrderSide, source: PriceSource) -> Order | None:
        """Stage ``side`` in the ticket's instrument and quantity: a DAY limit at the bid or
        the ask, or a market order. With a preset chosen in the ticket (the instrument's
        default unless the trader chose another) the order takes the preset's TIF and its
        bracket. Returns the staged order, or None (the reason is shown)."""
        what = f"{side.value.lower()} {'at the ' + source if source != 'market' else 'market'}"
        instrument = self._instrument(what)
        if instrument is None:
            return None
        quantity = self.ticket.quantity.text().strip()
        fields: dict[str, Any] = {
            "side": side,
            "quantity": quantity,
            "order_type": OrderType.MARKET if source == "market" else OrderType.LIMIT,
            "tif": TimeInForce.DAY,
            "source": SOURCE,
        }
        if source != "market":
            quote = self.session.app.market.last_quote(instrument.key)
            touch = None if quote is None else (quote.bid if source == "bid" else quote.ask)
            if touch is None or not usable(touch):
                self._refuse(what, instrument, f"no {source} quote", fields)
                return None
            fields["limit_price"] = str(round_to_tick(Decimal(repr(touch)), instrument.tick_size))
        how = f"at the {source}" if source != "market" else ""
        preset = self.ticket.presets.current
        if preset is not None and preset.applies_to(instrument):
            return self._stage_preset(what, instrument, preset, fields, how)
        try:
            order = self.session.app.orders.stage_input(instrument, **fields)
        except DomainError as exc:  # refused and audited by the core
            self._say(f"{what} {instrument.key}: not staged: {exc}")
            return None
        return self._staged(order, how)

    def _stage_preset(
        self,
        what: str,
        instrument: Instrument,
        preset: OrderPreset,
        fields: dict[str, Any],
        how: str,
    ) -> Order | None:
        """Stage the key's order with ``preset``'s TIF and bracket (the ticket's quantity)."""
        price = fields.get("limit_price")
        try:
            legs = preset_order(
                preset,
                instrument,
                fields["side"],
                self.session.app.market,
                price=None if price is None else Decimal(price),
                order_type=fields["order_type"],
                quantity=to_quantity(fields["quantity"]),
                source=SOURCE,
            )
        except DomainError as exc:
            self._refuse(what, instrument, str(exc), fields | {"preset": preset.name})
            return None
        try:
            order = stage_preset_order(self.session.app.orders, legs)
        except DomainError as exc:  # refused and audited by the core
            self._say(f"{what} {instrument.key}: not staged: {exc}")
            return None
        return self._staged(
            order, f"{how}, preset {preset.name}" if how else f"preset {preset.name}"
        )

    def flatten(self) -> Order | None:
        """Stage a market order closing the ticket instrument's whole position."""
        instrument = self._instrument("flatten")
        if instrument is None:
            return None
        position = self.session.app.portfolio.position(instrument.key)
        if position is None or position.is_flat:
            self._say(f"flatten {instrument.key}: no position to close")
            return None
        order = self._stage_intent("flatten", closing_intent(position, source=f"{SOURCE} flatten"))
        if order is not None:
            self._flattening[order.id] = instrument.key
        return order

    def _cancel_exits(self, key: str, flatten_id: str) -> asyncio.Task[Any] | None:
        """Cancel ``key``'s open bracket exits: the flatten ``flatten_id`` closed their
        position (each cancel is the order manager's, audited there)."""
        orders = self.session.app.orders
        exits = [
            o.id
            for o in orders.open_orders()
            if o.instrument.key == key and o.role in (OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS)
        ]
        if not exits:
            return None
        self._say(f"flattened {key}: cancelling its {len(exits)} bracket exit(s)")
        reason = f"position flattened by {flatten_id}: its bracket exit is cancelled"

        async def cancel_each() -> None:
            for order_id in exits:
                if orders.get(order_id).status.is_open:  # an OCA sibling may have gone with it
                    await orders.cancel(order_id, reason)

        return self.session.run(cancel_each(), f"cancel bracket exits in {key}")

    def reverse(self) -> Order | None:
        """Stage a market order for twice the position the other way: flat, then as much short
        as was long (or long as was short)."""
        instrument = self._instrument("reverse")
        if instrument is None:
            return None
        position = self.session.app.portfolio.position(instrument.key)
        if position is None or position.is_flat:
            self._say(f"reverse {instrument.key}: no position to reverse")
            return None
        side = OrderSide.SELL if position.quantity > 0 else OrderSide.BUY
        try:
            intent = OrderIntent(
                instrument,
                side,
                2 * abs(position.quantity),
                OrderType.MARKET,
                tif=TimeInForce.DAY,
                source=f"{SOURCE} reverse",
            )
        except DomainError as exc:
            self._refuse("reverse", instrument, str(exc), {"side": side})
            return None
        return self._stage_intent("reverse", intent)

    def cancel_instrument(self) -> asyncio.Task[Any] | None:
        """Cancel the ticket instrument's open orders: staged ones leave the queue, working
        ones are cancelled at the broker."""
        instrument = self._instrument("cancel orders")
        if instrument is None:
            return None
        orders = self.session.app.orders
        ids = [
            o.id
            for o in orders.open_orders()
            if o.instrument.key == instrument.key and o.parent_id is None
        ]
        if not ids:
            self._say(f"cancel orders: no open order in {instrument.key}")
            return None
        self._say(f"cancelling {len(ids)} order(s) in {instrument.key}…")

        async def cancel_each() -> None:
            for order_id in ids:
                if orders.get(order_id).status.is_open:  # a bracket leg went with its parent
                    await orders.cancel(order_id, f"cancelled by trader ({SOURCE})")

        return self.session.run(cancel_each(), f"cancel orders in {instrument.key}")

    def size_preset(self, number: int) -> Decimal | None:
        """Put size preset ``number`` (1-based, Settings › Orders) in the ticket's quantity."""
        presets = self.session.app.settings.ui.size_presets
        if not 1 <= number <= len(presets):
            self._say(f"size preset {number}: none set (Settings › Orders has {len(presets)})")
            return None
        size = presets[number - 1]
        self.ticket.quantity.setText(fmt.quantity(size).replace(",", ""))
        self._say(f"ticket quantity {fmt.quantity(size)} (size preset {number})")
        return size

    def approve_staged(self) -> asyncio.Task[Any] | None:
        """Approve the order just staged, through the approval queue (its checks apply)."""
        if self.last_staged is None:
            self._say("approve: no order staged in this session yet")
            return None
        return self.queue.approve(self.last_staged)

    # -- helpers -----------------------------------------------------------------------------
    def _instrument(self, what: str) -> Instrument | None:
        instrument = self.ticket.instrument
        if instrument is None:
            self._say(f"{what}: no instrument in the ticket (choose one in the watchlist)")
        return instrument

    def _stage_intent(self, what: str, intent: OrderIntent) -> Order | None:
        try:
            order = self.session.app.orders.stage(intent)
        except DomainError as exc:  # refused and audited by the core
            self._say(f"{what} {intent.instrument.key}: not staged: {exc}")
            return None
        return self._staged(order, "")

    def _staged(self, order: Order, how: str) -> Order:
        self._seen.add(order.id)
        self.last_staged = order.id
        intent = order.intent
        price = f" @ {intent.limit_price}" if intent.limit_price is not None else ""
        if order.group_id is not None:
            price += " + bracket"
        how = f" ({how})" if how else ""
        self._say(
            f"Staged {order.id}: {intent.side.value} {fmt.quantity(intent.quantity)} "
            f"{intent.instrument.key} {intent.order_type.value}{price}{how} — awaiting "
            "approval, not sent"
        )
        return order

    def _refuse(
        self, what: str, instrument: Instrument, reason: str, fields: dict[str, Any]
    ) -> None:
        raw = {k: str(v) for k, v in fields.items()}
        self.session.app.audit.record(
            "stage_refused", instrument.key, {"reason": reason, "input": raw, "by": SOURCE}
        )
        self._say(f"{what} {instrument.key}: not staged: {reason}")

    def _say(self, text: str) -> None:
        self.session.message.emit(text)
