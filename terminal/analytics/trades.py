"""Round trips built from fills, FIFO per instrument.

A trade runs from flat to flat in one instrument: the fills that open or add to the position
are its entries, those that reduce or close it are its exits. Each exit is matched against the
oldest open units first (FIFO), so a trade that scales in and out reports the P&L a FIFO tax lot
ledger would. A fill that flips the position closes the trade and opens the next one with the
rest; its commission is split between the two in proportion to the quantity. P&L is multiplier
aware (an option's price x 100). A combo position is one trade in combo units
(:mod:`terminal.analytics.combo_trades` turns its orders' leg fills into fills of the combo).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from terminal.analytics.records import FillRecord

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Trade:
    """One round trip (or the part of one still open at the end of the fills).

    Attributes:
        direction: +1 long, -1 short.
        quantity: units opened (the sum of the entry quantities).
        entry_price / exit_price: quantity-weighted averages of the entries / exits.
        gross_pnl: FIFO-matched P&L of the exits, before commission.
        commission: every commission of the trade's fills (its share of a flipping fill).
        net_pnl: ``gross_pnl - commission``.
        exit_time: the fill that made it flat; ``None`` while it is open.
        order_ids: the orders whose fills made the trade, in order of their first fill.
        mae / mfe: maximum adverse (<= 0) and favourable (>= 0) excursion in money, from
            price bars over the holding period (:mod:`terminal.analytics.excursion`);
            ``None`` where no bars cover it.
        combo: a combo position (``instrument`` is the combo's key, which names its legs;
            prices are net per combo unit, quantity in combo units).
    """

    instrument: str
    direction: int
    quantity: Decimal
    entry_time: dt.datetime
    exit_time: dt.datetime | None
    entry_price: Decimal
    exit_price: Decimal | None
    gross_pnl: Decimal
    commission: Decimal
    multiplier: Decimal
    order_ids: tuple[str, ...]
    mae: Decimal | None = None
    mfe: Decimal | None = None
    combo: bool = False

    @property
    def net_pnl(self) -> Decimal:
        return self.gross_pnl - self.commission

    @property
    def is_open(self) -> bool:
        return self.exit_time is None

    @property
    def side(self) -> str:
        return "LONG" if self.direction > 0 else "SHORT"

    @property
    def holding_seconds(self) -> float | None:
        if self.exit_time is None:
            return None
        return (self.exit_time - self.entry_time).total_seconds()


@dataclass(slots=True)
class _Open:
    """A trade being built: its FIFO lots ``(quantity, price)`` and running sums.

    Lots are tuples (replaced, not mutated, when an exit takes part of one): tuples of
    Decimals are not tracked by the garbage collector, so a long history of open lots does
    not make every collection walk them.
    """

    direction: int
    entry_time: dt.datetime
    multiplier: Decimal
    combo: bool
    lots: deque[tuple[Decimal, Decimal]] = field(default_factory=deque)
    held: Decimal = ZERO
    entry_qty: Decimal = ZERO
    entry_value: Decimal = ZERO
    exit_qty: Decimal = ZERO
    exit_value: Decimal = ZERO
    gross: Decimal = ZERO  # sum of (exit value - matched cost), before direction and multiplier
    commission: Decimal = ZERO
    order_ids: dict[str, None] = field(default_factory=dict)

    def trade(self, instrument: str, exit_time: dt.datetime | None) -> Trade:
        return Trade(
            instrument,
            self.direction,
            self.entry_qty,
            self.entry_time,
            exit_time,
            self.entry_value / self.entry_qty,
            self.exit_value / self.exit_qty if self.exit_qty else None,
            _money((self.gross if self.direction > 0 else -self.gross) * self.multiplier),
            self.commission,
            self.multiplier,
            tuple(self.order_ids),
            combo=self.combo,
        )


def _money(value: Decimal) -> Decimal:
    """A trade's P&L to at most :data:`SHARE_QUANTUM`'s 10 decimals.

    Prices worked out by a division (a combo's net per unit, a price fed as a fraction) carry
    28 significant digits, and sums of such figures round differently by grouping, so the
    trades of a day, an instrument or a source would not add up to the total to the last
    digit. A figure with 10 decimals or fewer (every price on a tick) is left as it is.
    """
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -10:
        return value.quantize(SHARE_QUANTUM)
    return value


#: A fill's place in time (ties by execution id); an attrgetter builds the key in C.
_chronological = attrgetter("time", "exec_id")


#: A flipping fill's commission share is rounded to this (the rest goes to the next trade, so
#: the two still add up to the fill's commission exactly). Unrounded, a third of a cent has 28
#: digits and sums of such shares round differently by grouping: every grouping's total would
#: no longer add up to the overall one to the last digit.
SHARE_QUANTUM = Decimal("1e-10")


def round_trips(fills: Iterable[FillRecord]) -> list[Trade]:
    """Return the round trips of ``fills`` (any order; sorted by time here), closed ones by
    exit time, then the trades still open at the end by entry time.

    Written flat (:class:`_Open`'s sums updated here, not by a method call per fill, and
    comparisons against the Decimal ``ZERO``, which is twice as fast as against the int 0): it
    runs once per fill of a long history. The Decimal operations and their order are those of
    the FIFO ledger the module docstring describes.
    """
    ordered = sorted(fills, key=_chronological)
    building: dict[str, _Open] = {}
    closed: list[Trade] = []
    for fill in ordered:
        quantity = fill.quantity
        if quantity <= ZERO:
            continue
        key = fill.instrument
        current = building.get(key)
        commission = fill.commission
        if current is not None and current.direction != fill.sign:
            # Reduce: match what closes against the oldest lots first.
            held = current.held
            closing = quantity if quantity <= held else held
            share = (
                commission
                if closing == quantity
                else (commission * closing / quantity).quantize(SHARE_QUANTUM)
            )
            lots, price = current.lots, fill.price
            left = closing
            cost = ZERO  # what the matched units were bought (sold short) for
            while left > ZERO:
                lot_qty, lot_price = lots[0]
                if lot_qty <= left:
                    lots.popleft()
                    cost += lot_qty * lot_price
                    left -= lot_qty
                else:
                    lots[0] = (lot_qty - left, lot_price)
                    cost += left * lot_price
                    break
            value = closing * price
            current.gross += value - cost  # per unit of price, long; signed in _Open.trade
            current.held = held - closing
            current.exit_qty += closing
            current.exit_value += value
            current.commission += share
            if fill.order_id is not None:
                current.order_ids[fill.order_id] = None
            if closing == held:
                closed.append(current.trade(key, fill.time))
                del building[key]
                current = None
            if closing == quantity:
                continue  # nothing left to open (the usual exit: no flip)
            quantity -= closing
            commission -= share
        if quantity > ZERO:
            # Add: open the trade (or the next one, after a flip) or scale into it.
            if current is None:
                current = building[key] = _Open(fill.sign, fill.time, fill.multiplier, fill.combo)
            price = fill.price
            current.lots.append((quantity, price))
            current.held += quantity
            current.entry_qty += quantity
            current.entry_value += quantity * price
            current.commission += commission
            if fill.order_id is not None:
                current.order_ids[fill.order_id] = None
    still_open = [t.trade(key, None) for key, t in building.items()]
    still_open.sort(key=lambda t: t.entry_time)
    return closed + still_open
