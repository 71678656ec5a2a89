"""Per-position P&L of the trading day: what each position made today, since its entry, and why.

The portfolio keeps one :class:`DayLedger` per instrument it has held today. A ledger records
what the day P&L is measured from — the quantity held at the start of the trading day (marked
from the previous session's close) and the money today's fills moved — and the position's
realized P&L at two moments: the start of the day and the opening of the current position.
Nothing here runs per tick: :func:`position_pnl` is called by a view for the rows it repaints.

Definitions (money in the account currency, net of commissions, multiplier-aware):

- **Day P&L** = market value now − (overnight quantity × previous close × multiplier) − the
  net cash today's fills paid (signed quantity × fill price × multiplier + commission). It is
  the overnight position marked from the prior close plus today's trades from their fills. It
  is *unknown* (None, shown "n/a") when an overnight position has no previous close yet, when
  the position has no mark of its own, or when a reconciliation changed the quantity at no
  known price.
- **Unrealized** = quantity × (mark − average cost) × multiplier; unknown without a mark.
- **Realized (today)** = realized P&L booked since the start of the trading day; unknown after a
  mid-day restart when the day started with a position and earlier fills of the day exist (the
  average cost they closed against is not known).
- **% change** = the instrument's move today: mark / previous close − 1 (market data, float).
- **Since entry** = unrealized + realized since the current position was opened (from flat, or
  by a fill that flipped it through zero; the opening fill's commission counts). For a position
  carried in from the broker, realized before this terminal first saw it is not known:
  :attr:`PositionPnl.entry_complete` is False then.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain import Fill, Position
from terminal.domain.values import ZERO


@dataclass(frozen=True, slots=True)
class PositionPnl:
    """One position's P&L figures (None: not known, never a made-up 0).

    Attributes:
        day: Day P&L (see the module's definitions).
        unrealized: Unrealized P&L against the average cost.
        realized: Realized P&L today, net of commissions.
        change_percent: The instrument's % change today (None without a previous close).
        since_entry: P&L of the current position since it was opened (None when flat).
        prior_close: The previous session's close the overnight quantity is marked from.
        overnight: The quantity held at the start of the trading day.
        entry_complete: Whether ``since_entry`` counts every realized P&L since the opening.
        why_unknown: Why ``day`` is None (for a tooltip), else "".
        day_source: "terminal" (computed here) or "broker" (the broker's own figure: IB).
    """

    day: Decimal | None
    unrealized: Decimal | None
    realized: Decimal | None
    change_percent: float | None
    since_entry: Decimal | None
    prior_close: Decimal | None
    overnight: Decimal
    entry_complete: bool = True
    why_unknown: str = ""
    day_source: str = "terminal"


@dataclass(slots=True)
class DayLedger:
    """What one instrument's day P&L is measured from (mutated only by the portfolio)."""

    #: Quantity held at the start of the trading day (marked from the previous close).
    overnight: Decimal = ZERO
    #: Net cash today's fills paid: signed quantity × price × multiplier + commission.
    flow: Decimal = ZERO
    #: The position's ``realized_pnl`` at the start of the day (today's realized is the rest).
    realized_start: Decimal = ZERO
    #: The position's ``realized_pnl`` when the current position was opened.
    entry_realized: Decimal = ZERO
    #: False once a quantity changed at no known price (a reconciliation correction).
    day_known: bool = True
    realized_known: bool = True
    #: False for a position carried in from the broker (realized before it is not known).
    entry_complete: bool = True

    @classmethod
    def start_of_day(cls, position: Position) -> DayLedger:
        """The ledger of a position held when the trading day starts."""
        realized = position.realized_pnl
        return cls(overnight=position.quantity, realized_start=realized, entry_realized=realized)

    def on_fill(self, old: Position, new: Position, fill: Fill) -> None:
        """Count ``fill``, which took the position from ``old`` to ``new``."""
        self.flow += _cash_paid(fill)
        if old.quantity == 0 and new.quantity != 0:
            self.entry_realized = old.realized_pnl  # the opening commission is the entry's
            self.entry_complete = True
        elif new.quantity != 0 and (old.quantity > 0) != (new.quantity > 0):
            # Flipped through zero: what the fill closed (and its commission) was the old one's.
            self.entry_realized = new.realized_pnl
            self.entry_complete = True

    def on_commission_corrected(self, delta: Decimal) -> None:
        """The broker charged ``delta`` more commission on one of today's fills."""
        self.flow += delta

    def on_adopted(self, old: Position | None, new: Position) -> None:
        """A reconciliation set the quantity from the broker's report, at no known price."""
        held = old.quantity if old is not None else ZERO
        if new.quantity != held:
            self.day_known = False
        if new.quantity != 0 and (held == 0 or (held > 0) != (new.quantity > 0)):
            self.entry_realized = new.realized_pnl
            self.entry_complete = False


@dataclass(frozen=True, slots=True)
class EarlierFills:
    """Today's fills of one instrument booked by an earlier session (before a restart)."""

    quantity: Decimal
    flow: Decimal
    fills: tuple[Fill, ...]


def earlier_fills(fills: Iterable[Fill]) -> dict[str, EarlierFills]:
    """Group today's stored fills by instrument (oldest first, as the store returns them)."""
    grouped: dict[str, list[Fill]] = {}
    for fill in fills:
        grouped.setdefault(fill.key, []).append(fill)
    return {
        key: EarlierFills(
            quantity=sum((f.signed_quantity for f in group), ZERO),
            flow=sum((_cash_paid(f) for f in group), ZERO),
            fills=tuple(group),
        )
        for key, group in grouped.items()
    }


def loaded_ledger(position: Position, earlier: EarlierFills | None) -> DayLedger:
    """The ledger of a position loaded from the broker at start-up.

    Without fills of an earlier session today, all of it was held overnight. With them, the
    overnight quantity is what the broker holds less what they traded, and their cash counts
    in the day P&L. If the day started flat, replaying them from flat gives today's realized
    P&L and the entry exactly; otherwise the average cost they closed against is not known.
    """
    if earlier is None:
        ledger = DayLedger.start_of_day(position)
        ledger.entry_complete = position.quantity == 0
        return ledger
    overnight = position.quantity - earlier.quantity
    base = position.realized_pnl
    ledger = DayLedger(overnight=overnight, flow=earlier.flow)
    if overnight != 0:
        ledger.realized_start = ledger.entry_realized = base
        ledger.realized_known = False
        ledger.entry_complete = False
        return ledger
    replayed = Position(position.instrument)
    entry = ZERO
    for fill in earlier.fills:
        after = replayed.apply(fill)
        if replayed.quantity == 0 and after.quantity != 0:
            entry = replayed.realized_pnl
        elif after.quantity != 0 and (replayed.quantity > 0) != (after.quantity > 0):
            entry = after.realized_pnl
        replayed = after
    ledger.realized_start = base - replayed.realized_pnl
    ledger.entry_realized = ledger.realized_start + entry
    return ledger


def position_pnl(
    position: Position,
    ledger: DayLedger,
    mark: Decimal | None,
    prior_close: float | None,
) -> PositionPnl:
    """Compute one position's figures from its ledger, its mark and the previous close.

    Args:
        position: The position now (possibly flat: closed today).
        ledger: Its day ledger.
        mark: The portfolio's mark of its own (a quote or a fill), None when valued at cost.
        prior_close: The previous session's close from the quotes (NaN/None: not known).
    """
    multiplier = position.instrument.multiplier
    close = _decimal_price(prior_close)
    flat = position.quantity == 0
    unrealized = None if mark is None else position.unrealized_pnl(mark)
    if flat:
        unrealized = ZERO
    value = ZERO if flat else (None if mark is None else position.quantity * mark * multiplier)
    why = ""
    day: Decimal | None = None
    if not ledger.day_known:
        why = "a reconciliation changed the quantity at no known price today"
    elif value is None:
        why = "no mark yet"
    elif ledger.overnight != 0 and close is None:
        why = "previous close not known yet"
    else:
        carried = ledger.overnight * close * multiplier if close is not None else ZERO
        day = value - carried - ledger.flow
    realized = position.realized_pnl - ledger.realized_start if ledger.realized_known else None
    since_entry = None
    if not flat and unrealized is not None:
        since_entry = unrealized + position.realized_pnl - ledger.entry_realized
    change = None
    if close is not None and mark is not None and not flat:
        change = (float(mark) / float(close) - 1.0) * 100.0
    return PositionPnl(
        day=day,
        unrealized=unrealized,
        realized=realized,
        change_percent=change,
        since_entry=since_entry,
        prior_close=close,
        overnight=ledger.overnight,
        entry_complete=ledger.entry_complete,
        why_unknown=why,
    )


def _cash_paid(fill: Fill) -> Decimal:
    """What ``fill`` paid (a sale: received, negative), commission included."""
    return -fill.cash_flow


def _decimal_price(value: float | None) -> Decimal | None:
    if value is None or not 0 < value < math.inf:
        return None
    return Decimal(repr(round(value, 8)))


def roll(
    positions: Mapping[str, Position], ledgers: Mapping[str, DayLedger]
) -> dict[str, DayLedger]:
    """Start a trading day: every position held now is the overnight position (its entry, and
    whether the realized P&L since it is complete, carry over from yesterday's ledger)."""
    rolled = {}
    for key, position in positions.items():
        if position.quantity == 0:
            continue
        ledger = rolled[key] = DayLedger.start_of_day(position)
        before = ledgers.get(key)
        if before is not None:
            ledger.entry_realized, ledger.entry_complete = (
                before.entry_realized,
                before.entry_complete,
            )
    return rolled
