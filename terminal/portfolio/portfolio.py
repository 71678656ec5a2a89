"""The portfolio: positions from fills, cash, marks, exposures and P&L."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from eventkit import Event

from terminal.broker.base import BrokerPosition
from terminal.domain import AccountSnapshot, Clock, Fill, Position, Quote
from terminal.domain.values import ZERO
from terminal.portfolio.day_ledger import (
    DayLedger,
    EarlierFills,
    PositionPnl,
    earlier_fills,
    loaded_ledger,
    position_pnl,
    roll,
)
from terminal.portfolio.snapshots import PnlSnapshot, PositionDifference

_INF = math.inf
_DAY_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


class Portfolio:
    """Own the positions, cash and marks; value them as quotes arrive.

    Positions are built from fills (idempotent by ``exec_id``) and reconciled against the
    broker with :meth:`replace_positions`. Marks come from quote batches, only for instruments
    held; a position without a quote yet is marked at its last fill price (or, after a
    reconciliation, valued at cost). Valuation is incremental: a quote batch costs work in
    proportion to the held instruments it touches, never to everything held.

    Day P&L is equity now minus equity at the start of the trading day (the baseline).

    A baseline is *established* once the valuation it is taken from is complete: the account's
    cash is known, the broker's positions were loaded (:meth:`replace_positions`), and every
    held position has a mark of its own (a quote or a fill, not its cost). Until then the
    baseline is provisional (the first account snapshot, or the first valuation of the day) and
    :attr:`day_pnl_established` is False, so the daily-loss rule does not act on it: a
    baseline taken from cash alone, before the positions were marked, showed a bogus day P&L
    the size of the positions. It is established at that moment with the equity then; at each
    new New York trading date it is taken again at the first valuation. A baseline saved
    before a restart comes back with :meth:`restore_day_baseline` (established at once), and
    :meth:`set_day_baseline` sets one explicitly. Deposits and withdrawals are out of scope:
    they show up as day P&L.
    A broker that reports its own day P&L (``broker_day_pnl``: IB's reqPnL) is taken at its
    word instead: until its first figure arrives day P&L is 0 and not established.

    Each position's own figures (day, unrealized, realized today, % change, since entry) come
    from :meth:`position_pnl`, computed when asked from a :class:`DayLedger` the fills and
    reconciliations keep (see :mod:`terminal.portfolio.day_ledger` for the definitions).

    Events:
        positions_changed(positions: Sequence[Position]): the positions a fill or a
            reconciliation changed (flat ones included, with quantity 0).
        pnl_updated(snapshot: PnlSnapshot): at most once per quote batch, only when a held
            instrument's mark changed; also after each fill, account update and reconciliation.
        day_baseline_set(account_id: str, trading_date: date, equity: Decimal): a baseline was
            established or set (not when restored), for the account of the last snapshot.

    Args:
        clock: The time source for snapshots and trading dates.
        timezone: The exchange timezone whose midnight starts a trading day.
        broker_day_pnl: The broker's account snapshots carry its own day P&L.
    """

    def __init__(
        self, clock: Clock, *, timezone: str = "America/New_York", broker_day_pnl: bool = False
    ) -> None:
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self.positions_changed = Event("positions_changed")
        self.pnl_updated = Event("pnl_updated")
        self.day_baseline_set = Event("day_baseline_set")
        self._positions: dict[str, Position] = {}
        self._exec_ids: set[str] = set()
        self._marks: dict[str, Decimal] = {}
        self._mark_floats: dict[str, float] = {}
        # Value (quantity x mark x multiplier) of every held position, and running totals.
        self._values: dict[str, Decimal] = {}
        self._net = ZERO
        self._gross = ZERO
        self._cost = ZERO  # sum of quantity x avg cost x multiplier over held positions
        self._realized = ZERO
        self._cash = ZERO
        self._has_account = False
        self._account_id = ""
        self._positions_known = False
        self._baseline: Decimal | None = None
        self._baseline_explicit = False
        self._established = False
        self._day_end = _DAY_NEVER
        self._trading_date: dt.date | None = None
        self._expects_broker_day_pnl = broker_day_pnl
        self._broker_day_pnl: Decimal | None = None
        self._position_day_pnl: dict[str, Decimal] = {}
        self._ledgers: dict[str, DayLedger] = {}
        self._closes: dict[str, float] = {}  # previous session's close, from the quotes
        self._earlier: dict[str, EarlierFills] = {}

    # -- what the risk engine reads (names and signatures are a contract) --------------------------
    def position(self, key: str) -> Position | None:
        """Return the position in ``key`` (possibly flat), or None if never traded."""
        return self._positions.get(key)

    def equity(self) -> Decimal:
        """Return cash plus the market value of every position."""
        return self._cash + self._net

    def gross_exposure(self) -> Decimal:
        """Return the sum of the absolute market values of the positions."""
        return self._gross

    def day_pnl(self) -> Decimal:
        """Return equity minus the equity at the start of the trading day (the broker's own
        figure when it reports one; 0 while it is awaited)."""
        if self._broker_day_pnl is not None:
            return self._broker_day_pnl
        if self._expects_broker_day_pnl:
            return ZERO
        self._roll_day()
        assert self._baseline is not None
        return self.equity() - self._baseline

    @property
    def day_pnl_established(self) -> bool:
        """Whether today's day P&L can be trusted and acted on (the daily-loss rule waits
        until then). For a broker that reports its own day P&L: once its first figure arrived.
        Otherwise: the baseline is final (taken from a complete valuation, restored or set)
        *and* equity now is a complete valuation; a baseline restored after a restart, compared
        with cash alone before the positions are loaded, is as bogus a loss as one taken then."""
        if self._expects_broker_day_pnl:
            return self._broker_day_pnl is not None
        self._roll_day()
        return self._established and self._complete()

    def position_day_pnl(self, key: str) -> Decimal | None:
        """Return the broker's day P&L of the position in ``key``, or None when not reported."""
        return self._position_day_pnl.get(key)

    def trading_date(self) -> dt.date:
        """Return the current trading date (the New York date: day P&L starts at its midnight)."""
        self._roll_day()
        assert self._trading_date is not None
        return self._trading_date

    def mark(self, key: str) -> Decimal | None:
        """Return the last good mark of the held instrument ``key``, or None."""
        return self._marks.get(key)

    def position_pnl(self, key: str) -> PositionPnl | None:
        """Return the P&L figures of the position in ``key`` (None if never traded).

        Day P&L is the broker's own figure for the position where it reports one (IB's
        reqPnLSingle, ``day_source`` "broker"), else the terminal's from the previous close and
        today's fills. Cheap (a few Decimal operations): a view asks for the rows it repaints.
        """
        position = self._positions.get(key)
        if position is None:
            return None
        self._roll_day()
        ledger = self._ledgers.get(key) or DayLedger.start_of_day(position)
        figures = position_pnl(position, ledger, self._marks.get(key), self._closes.get(key))
        broker_day = self._position_day_pnl.get(key)
        if broker_day is not None:
            return replace(figures, day=broker_day, day_source="broker", why_unknown="")
        return figures

    def prior_close(self, key: str) -> float | None:
        """Return the previous session's close of the held instrument ``key`` from its
        quotes, or None while none has arrived."""
        return self._closes.get(key)

    # -- other readings -------------------------------------------------------------------------
    def positions(self) -> list[Position]:
        """Return the open (non-flat) positions."""
        return [self._positions[key] for key in self._values]

    def cash(self) -> Decimal:
        """Return the cash balance."""
        return self._cash

    def net_exposure(self) -> Decimal:
        """Return the signed market value of the positions (shorts negative)."""
        return self._net

    def unrealized_pnl(self) -> Decimal:
        """Return the P&L of the open positions at their marks."""
        return self._net - self._cost

    def realized_pnl(self) -> Decimal:
        """Return the realized P&L, net of commissions."""
        return self._realized

    def total_pnl(self) -> Decimal:
        """Return realized plus unrealized P&L."""
        return self._realized + self._net - self._cost

    def snapshot(self) -> PnlSnapshot:
        """Return the current value and P&L."""
        day = self.day_pnl()
        unrealized = self._net - self._cost
        return PnlSnapshot(
            equity=self._cash + self._net,
            cash=self._cash,
            realized=self._realized,
            unrealized=unrealized,
            day_pnl=day,
            day_pnl_known=self.day_pnl_established,
            total_pnl=self._realized + unrealized,
            gross_exposure=self._gross,
            net_exposure=self._net,
            time=self._clock.now(),
        )

    # -- changes ----------------------------------------------------------------------------------
    def apply_fill(self, fill: Fill) -> bool:
        """Book ``fill``; return False (and change nothing) if it was booked before."""
        if fill.exec_id in self._exec_ids:
            return False
        self._exec_ids.add(fill.exec_id)
        self._roll_day()  # a new day's baseline excludes this fill
        key = fill.key
        old = self._positions.get(key) or Position(fill.instrument)
        if key not in self._marks:
            self._marks[key] = fill.price
        self._cash += fill.cash_flow
        new = old.apply(fill)
        self._ledger_for(old).on_fill(old, new, fill)
        self._set_position(new)
        self._establish()
        self.positions_changed.emit([new])
        self.pnl_updated.emit(self.snapshot())
        return True

    def correct_fill(self, booked: Fill, commission: Decimal) -> bool:
        """The broker's commission for ``booked`` (a fill booked before) is ``commission``:
        cash and the position's realized P&L move by the difference. Return False (and change
        nothing) when the fill was not booked here or the commission is the same."""
        delta = commission - booked.commission
        if booked.exec_id not in self._exec_ids or not delta:
            return False
        self._cash -= delta
        position = self._positions.get(booked.key)
        if position is not None:
            self._ledger_for(position).on_commission_corrected(delta)
            self._set_position(
                replace(
                    position,
                    realized_pnl=position.realized_pnl - delta,
                    commissions=position.commissions + delta,
                )
            )
            self.positions_changed.emit([self._positions[booked.key]])
        self.pnl_updated.emit(self.snapshot())
        return True

    def set_account(self, snapshot: AccountSnapshot) -> None:
        """Take cash from the broker's account snapshot.

        The first snapshot also starts the day's baseline (unless one was set explicitly), as
        the equity before it lacked the cash.
        """
        first = not self._has_account
        self._has_account = True
        self._account_id = snapshot.account_id
        self._roll_day()
        self._cash = snapshot.cash
        if snapshot.day_pnl is not None:
            self._broker_day_pnl = snapshot.day_pnl
            self._position_day_pnl = dict(snapshot.position_day_pnl)
        if first and not self._baseline_explicit:
            self._baseline = self.equity()  # provisional: the positions may not be known yet
        self._establish()
        self.pnl_updated.emit(self.snapshot())

    def set_day_baseline(self, equity: Decimal) -> None:
        """Use ``equity`` as the start-of-day equity for today's day P&L (established)."""
        self._roll_day()
        self._baseline = equity
        self._baseline_explicit = True
        self._established = True
        self._ledgers = roll(self._positions, self._ledgers)  # a new start: a day of its own
        self._announce_baseline()
        self.pnl_updated.emit(self.snapshot())

    def restore_day_baseline(self, trading_date: dt.date, equity: Decimal) -> bool:
        """Use a baseline saved before a restart if it is today's; return whether it was.

        A mid-day restart then shows the same day P&L as before it, and the daily-loss rule
        counts the losses taken before the restart.
        """
        if trading_date != self.trading_date():
            return False
        self._baseline = equity
        self._baseline_explicit = True
        self._established = True
        self.pnl_updated.emit(self.snapshot())
        return True

    def restore_day_fills(self, fills: Sequence[Fill]) -> None:
        """Take today's fills an earlier session booked (before a restart), oldest first.

        They change no position or cash (the broker's positions, loaded next, include them);
        they say how much of a loaded position was bought today and at what price, so its day
        P&L is not measured from the previous close. Fills of other trading dates are ignored.
        """
        today = self.trading_date()
        self._earlier = earlier_fills(
            f for f in fills if f.time.astimezone(self._tz).date() == today
        )

    def replace_positions(
        self, broker_positions: Sequence[BrokerPosition]
    ) -> list[PositionDifference]:
        """Adopt the broker's positions where quantities differ; return the differences.

        Where the quantities agree our average cost is kept (the broker's may include
        commissions). Where they differ the broker's quantity and average cost win; a position we
        hold that the broker does not report is set flat. Realized P&L is kept.
        """
        differences: list[PositionDifference] = []
        changed: list[Position] = []
        seen: set[str] = set()
        for reported in broker_positions:
            key = reported.instrument.key
            seen.add(key)
            ours = self._positions.get(key)
            held = ours.quantity if ours is not None else ZERO
            if held == reported.quantity:
                continue
            differences.append(PositionDifference(key, held, reported.quantity))
            avg = reported.avg_cost if reported.quantity else ZERO
            base = ours if ours is not None else Position(reported.instrument)
            changed.append(replace(base, quantity=reported.quantity, avg_cost=avg))
        for key in [key for key in self._values if key not in seen]:
            ours = self._positions[key]
            differences.append(PositionDifference(key, ours.quantity, ZERO))
            changed.append(replace(ours, quantity=ZERO, avg_cost=ZERO))
        loading = not self._positions_known
        for position in changed:
            ours = self._positions.get(position.key)
            if loading and (ours is None or ours.is_flat):
                self._ledgers[position.key] = loaded_ledger(
                    position, self._earlier.get(position.key)
                )
            else:
                self._ledger_for(ours or Position(position.instrument)).on_adopted(ours, position)
            self._set_position(position)
        self._earlier = {}
        self._positions_known = True
        self._establish()
        if changed:
            self.positions_changed.emit(changed)
            self.pnl_updated.emit(self.snapshot())
        return differences

    def on_quotes(self, quotes: Mapping[str, Quote]) -> None:
        """Mark the held instruments in ``quotes``; emit one ``pnl_updated`` if any mark moved.

        A quote without a usable mark (NaN, zero, infinite) keeps the last good mark. Float marks
        become Decimal rounded to 8 decimal places.
        """
        values = self._values
        if not values or not quotes:
            return
        floats = self._mark_floats
        positions = self._positions
        net, gross = self._net, self._gross
        changed = False
        closes = self._closes
        for key, quote in self._held_in(quotes):
            close = quote.prev_close
            if close != closes.get(key) and 0 < close < _INF:
                closes[key] = close
                changed = True
            price = quote.mark
            if price == floats.get(key) or not 0 < price < _INF:
                continue
            floats[key] = price
            # Rounding to 1e-8 drops binary noise such as a mid of 1.7999999999999998.
            mark = self._marks[key] = Decimal(repr(round(price, 8)))
            position = positions[key]
            value = position.quantity * mark * position.instrument.multiplier
            old = values[key]
            values[key] = value
            net += value - old
            gross += abs(value) - abs(old)
            changed = True
        if changed:
            self._net, self._gross = net, gross
            self._establish()
            self.pnl_updated.emit(self.snapshot())

    # -- internals ---------------------------------------------------------------------------------
    def _held_in(self, quotes: Mapping[str, Quote]) -> Iterator[tuple[str, Quote]]:
        """Yield the (key, quote) pairs of held instruments, walking the smaller of the two."""
        values = self._values
        if len(quotes) <= len(values):
            return ((key, quote) for key, quote in quotes.items() if key in values)
        return ((key, quotes[key]) for key in values if key in quotes)

    def _set_position(self, new: Position) -> None:
        key = new.key
        old = self._positions.get(key)
        old_value = self._values.pop(key, ZERO)
        self._net -= old_value
        self._gross -= abs(old_value)
        if old is not None:
            self._cost -= old.quantity * old.avg_cost * old.instrument.multiplier
            self._realized -= old.realized_pnl
        self._realized += new.realized_pnl
        self._positions[key] = new
        if new.quantity == 0:
            self._marks.pop(key, None)
            self._mark_floats.pop(key, None)
            return
        multiplier = new.instrument.multiplier
        mark = self._marks.get(key, new.avg_cost)
        value = self._values[key] = new.quantity * mark * multiplier
        self._net += value
        self._gross += abs(value)
        self._cost += new.quantity * new.avg_cost * multiplier

    def _ledger_for(self, position: Position) -> DayLedger:
        """The day ledger of ``position``'s instrument (a new one: held since the day began)."""
        ledger = self._ledgers.get(position.key)
        if ledger is None:
            ledger = self._ledgers[position.key] = DayLedger.start_of_day(position)
        return ledger

    def _complete(self) -> bool:
        """Whether equity is a full valuation: cash, the broker's positions, each one marked."""
        return (
            self._has_account
            and self._positions_known
            and all(key in self._marks for key in self._values)
        )

    def _establish(self) -> None:
        """Establish a provisional baseline once the valuation is complete."""
        self._roll_day()
        if self._established or not self._complete():
            return
        self._baseline = self.equity()
        self._established = True
        self._announce_baseline()

    def _announce_baseline(self) -> None:
        if self._account_id and self._baseline is not None and self._trading_date is not None:
            self.day_baseline_set.emit(self._account_id, self._trading_date, self._baseline)

    def _roll_day(self) -> None:
        """Take the day's baseline at the first valuation on a new trading date."""
        now = self._clock.now()
        if now < self._day_end and self._baseline is not None:
            return
        local = now.astimezone(self._tz)
        tomorrow = local.date() + dt.timedelta(days=1)
        self._day_end = dt.datetime.combine(tomorrow, dt.time(), self._tz).astimezone(dt.UTC)
        if self._trading_date is not None and self._trading_date != local.date():
            self._ledgers = roll(self._positions, self._ledgers)
        self._trading_date = local.date()
        self._baseline = self.equity()
        self._baseline_explicit = False
        self._established = self._complete()
        if self._established:
            self._announce_baseline()
