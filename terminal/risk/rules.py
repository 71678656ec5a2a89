"""Pre-trade rules: each reads an intent and the check context and returns what it found.

A rule returns an empty list when it has nothing to say. The engine runs every rule, so a
verdict lists every reason, not just the first.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal

from terminal.domain.orders import OrderIntent, OrderSide, OrderType
from terminal.domain.values import ZERO
from terminal.domain.verdicts import RiskReason, VerdictLevel
from terminal.risk.context import CheckContext, counted_orders, oca_largest, working_quantity
from terminal.risk.greeks import GreeksCheck
from terminal.risk.legs import Traded, traded
from terminal.risk.pricing import fmt_money, fmt_price, fmt_qty, to_decimal, usable
from terminal.risk.state import TradingState

type Rule = Callable[[OrderIntent, CheckContext], list[RiskReason]]

BLOCK = VerdictLevel.BLOCK
WARN = VerdictLevel.WARN

#: A position above max_concentration of equity is a judgement call, not a hard stop.
CONCENTRATION_LEVEL = WARN

_HUNDRED = Decimal(100)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _resulting(intent: OrderIntent, ctx: CheckContext) -> Decimal:
    return ctx.position + intent.quantity * intent.side.sign


def _increases(intent: OrderIntent, ctx: CheckContext) -> bool:
    """Return whether the order makes the position larger in size (a risk-reducing order is not)."""
    return abs(_resulting(intent, ctx)) > abs(ctx.position)


def _value(intent: OrderIntent, ctx: CheckContext) -> Decimal | None:
    """What the order is worth to the rules: quantity × price × multiplier; for a combo the
    larger of its net notional and its max loss (never the sum of its legs' notionals)."""
    if ctx.combo is not None:
        return ctx.combo.exposure
    if ctx.price is None:
        return None
    return intent.quantity * ctx.price * intent.instrument.multiplier


def _valued(ctx: CheckContext) -> str:
    """How a combo's value was reached, for the rule's message ("" for other orders)."""
    combo = ctx.combo
    if combo is None or combo.notional is None:
        return ""
    if combo.max_loss is not None and combo.max_loss > combo.notional:
        return f" (the combo's max loss; net notional {fmt_money(combo.notional)})"
    return " (the combo's net notional)"


def max_order_quantity(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Block an order for more units than allowed in one order."""
    limit = ctx.limits.max_order_quantity
    if intent.quantity > limit:
        text = f"quantity {fmt_qty(intent.quantity)} exceeds the order limit of {fmt_qty(limit)}"
        return [RiskReason("max_order_quantity", BLOCK, text)]
    return []


def max_order_notional(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Block an order worth more than the limit; warn above the warning share of it."""
    notional = _value(intent, ctx)
    if notional is None:
        return [RiskReason("max_order_notional", BLOCK, "no market price to estimate notional")]
    limit = ctx.limits.max_order_notional
    how = _valued(ctx)
    if notional > limit:
        text = f"notional {fmt_money(notional)}{how} exceeds the order limit of {fmt_money(limit)}"
        return [RiskReason("max_order_notional", BLOCK, text)]
    warn_at = limit * ctx.limits.notional_warn_fraction
    if notional > warn_at:
        text = f"large order: notional {fmt_money(notional)}{how} is over {fmt_money(warn_at)}"
        return [RiskReason("max_order_notional", WARN, text)]
    return []


def max_position(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Block an order that could take the position beyond the per-instrument limit.

    The order counts together with the orders already working (or awaiting approval) on the
    same side of the instrument, as if they all filled: several orders that each pass alone
    cannot exceed the limit together. Orders on the other side are not counted against it
    (they might never fill), and an OCA group counts once (see ``working_quantity``). An order
    that takes the projected position towards zero always passes. A combo is weighed leg by
    leg (:mod:`terminal.risk.legs`): each leg's contracts against that contract's position,
    counting the legs of other combo orders working on it.
    """
    if intent.combo is not None:
        return _combo_max_position(intent, ctx)
    key, side = intent.instrument.key, intent.side
    working = working_quantity(ctx.open_orders, intent.instrument, side, apart_from=ctx.oca_group)
    # A sibling in the order's own OCA group is cancelled when this order fills, or this one
    # when it does: together they add the larger of the two.
    sibling = oca_largest(ctx.open_orders, key, side, ctx.oca_group)
    working += sibling
    adds = max(intent.quantity - sibling, ZERO)
    before = ctx.position + working * side.sign
    after = before + adds * side.sign
    limit = ctx.limits.max_position_quantity
    if abs(after) > limit and abs(after) > abs(before):
        if working:
            text = (
                f"position in {key} could reach {fmt_qty(after)}, beyond the limit of "
                f"{fmt_qty(limit)}: position {fmt_qty(ctx.position)}, "
                f"{side.value.lower()} orders working {fmt_qty(working)}, "
                f"this order {fmt_qty(intent.quantity)}"
            )
            if sibling:
                text += (
                    f" (one-cancels-other with {fmt_qty(sibling)} of them: it adds {fmt_qty(adds)})"
                )
        else:
            text = (
                f"position in {key} would be {fmt_qty(after)}, beyond the limit of {fmt_qty(limit)}"
            )
        return [RiskReason("max_position", BLOCK, text)]
    return []


def _held(ctx: CheckContext, key: str) -> Decimal:
    position = ctx.portfolio.position(key)
    return position.quantity if position is not None else ZERO


def _combo_max_position(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    limit = ctx.limits.max_position_quantity
    reasons = []
    for leg in traded(intent):
        held = _held(ctx, leg.key)
        working = working_quantity(ctx.open_orders, leg.instrument, leg.side)
        before = held + working * leg.side.sign
        after = before + leg.quantity * leg.side.sign
        if abs(after) > limit and abs(after) > abs(before):
            counted = f", {leg.side.value.lower()} orders working {fmt_qty(working)}"
            text = (
                f"position in {leg.key} (a leg of the combo, {fmt_qty(leg.quantity)} contracts) "
                f"{'could reach' if working else 'would be'} {fmt_qty(after)}, beyond the limit "
                f"of {fmt_qty(limit)}: position {fmt_qty(held)}{counted if working else ''}"
            )
            reasons.append(RiskReason("max_position", BLOCK, text))
    return reasons


def max_gross_exposure(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Block an order that would take gross exposure beyond the limit."""
    if ctx.price is None:  # max_order_notional already blocks
        return []
    if ctx.combo is not None:
        added = ctx.combo.exposure or ZERO  # opens its legs: what it puts at risk adds
    else:
        added = (abs(_resulting(intent, ctx)) - abs(ctx.position)) * ctx.price
        added *= intent.instrument.multiplier
    if added <= 0:
        return []
    after = ctx.portfolio.gross_exposure() + added
    limit = ctx.limits.max_gross_exposure
    if after > limit:
        text = f"gross exposure would be {fmt_money(after)}, beyond the limit of {fmt_money(limit)}"
        return [RiskReason("max_gross_exposure", BLOCK, text)]
    return []


def concentration(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Warn when one underlying (or one instrument) would take more than the allowed share of
    equity.

    When an option on the order's underlying is held or ordered, the figure is the whole
    underlying's delta dollars (see :func:`_underlying_concentration`): shares held, options'
    delta and this order, so 5,000 shares plus calls plus a new combo are weighed together. An
    instrument without options in play is weighed alone, as before: its position's value, which
    for a stock is the same figure (its delta is its shares). A combo whose delta dollars pass is
    still weighed by its own value (its max loss can be large at little delta: an iron condor).
    One order gets one concentration reason at most.
    """
    check = ctx.greeks
    if check is not None and check.options:
        return _underlying_concentration(intent, ctx, check)
    return _instrument_concentration(intent, ctx)


def _instrument_concentration(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """One instrument's position value (a combo: its exposure) after the order, of equity."""
    if ctx.price is None or not _increases(intent, ctx):
        return []
    if ctx.combo is not None:
        value = ctx.combo.exposure or ZERO
    else:
        value = abs(_resulting(intent, ctx)) * ctx.price * intent.instrument.multiplier
    equity = ctx.portfolio.equity()
    key = intent.instrument.key
    if equity <= 0:
        text = f"concentration in {key} not checked: account equity is unknown"
        return [RiskReason("concentration", CONCENTRATION_LEVEL, text)]
    share = ctx.limits.max_concentration
    if value > share * equity:
        text = (
            f"{key} would be {value / equity * _HUNDRED:.1f}% of equity "
            f"(limit {share * _HUNDRED:.0f}%)"
        )
        return [RiskReason("concentration", CONCENTRATION_LEVEL, text)]
    return []


def _underlying_concentration(
    intent: OrderIntent, ctx: CheckContext, check: GreeksCheck
) -> list[RiskReason]:
    """The underlying's delta dollars after the order, of equity: |delta| (shares of the
    underlying: shares held plus each option's delta × contracts × multiplier, plus the order)
    × the underlying's price.

    An order that brings the figure closer to zero passes (a hedge), as in ``greeks_limits``.
    Contracts whose Greeks are unknown are named in the WARN, never counted as zero silently.
    """
    u = check.before.underlying
    missing = check.after.missing
    unknown = (
        f"no Greeks for {', '.join(missing)} (no option quote or implied volatility)"
        if missing
        else ""
    )
    equity = ctx.portfolio.equity()
    price = check.price
    if equity <= 0 or price is None:
        why = "account equity is unknown" if equity <= 0 else f"no price for {u}"
        text = f"concentration in {u} not checked: {why}{'; ' + unknown if unknown else ''}"
        return [RiskReason("concentration", CONCENTRATION_LEVEL, text)]
    was = abs(to_decimal(check.before.delta)) * price
    delta = to_decimal(check.after.delta)
    now = abs(delta) * price
    share = ctx.limits.max_concentration
    if now > share * equity and now > was:
        text = (
            f"{u} would be {now / equity * _HUNDRED:.1f}% of equity in delta dollars "
            f"(limit {share * _HUNDRED:.0f}%): {fmt_money(now)} = {delta:,.0f} shares × "
            f"{fmt_price(price)}, now {was / equity * _HUNDRED:.1f}% ({fmt_money(was)})"
        )
        if unknown:
            text += f"; not counted: {unknown}"
        return [RiskReason("concentration", CONCENTRATION_LEVEL, text)]
    if unknown:
        text = f"concentration in {u} not checked in full: {unknown}"
        return [RiskReason("concentration", CONCENTRATION_LEVEL, text)]
    if ctx.combo is not None:
        return _instrument_concentration(intent, ctx)
    return []


def _through(intent: OrderIntent, what: str, price: Decimal, ref: Decimal) -> bool:
    """Return whether ``price`` is on the side that executes at once (a marketable error).

    A buy limit above the market or a sell limit below it trades immediately; so does a buy stop
    below the market or a sell stop above it. Prices on the other side only wait.
    """
    buy = intent.side is OrderSide.BUY
    if what == "limit":
        return price > ref if buy else price < ref
    return price < ref if buy else price > ref


def price_band(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Warn or block a limit/stop price far from the market (fat finger).

    Only a price far *through* the market is blocked (it would trade at once at a bad price,
    as IBKR's own check does); a far-away resting price only warns, so a protective stop well
    below the market stays possible.
    """
    prices = [
        (what, p)
        for what, p in (("limit", intent.limit_price), ("stop", intent.stop_price))
        if p is not None
    ]
    if not prices:
        return []
    if ctx.combo is not None:
        return _combo_price_band(intent, ctx)
    quote = ctx.quote
    if quote is not None and usable(quote.last):
        ref, ref_name = to_decimal(quote.last), "last"
    elif quote is not None and usable(quote.mid):
        ref, ref_name = to_decimal(quote.mid), "mid"
    else:
        return [RiskReason("price_band", WARN, "price not checked against market: no quote")]
    limits = ctx.limits
    if intent.instrument.is_option:
        warn, block = limits.option_price_band_warn_percent, limits.option_price_band_block_percent
    else:
        warn, block = limits.price_band_warn_percent, limits.price_band_block_percent
    reasons = []
    tick = intent.instrument.tick_size
    for what, price in prices:
        # Compare multiplied out: no division, so a price exactly on the band is inside it.
        distance = abs(price - ref) * _HUNDRED
        if distance > block * ref and _through(intent, what, price, ref):
            level, band = BLOCK, block
        elif distance > warn * ref:
            level, band = WARN, warn
        else:
            continue
        side = "through" if _through(intent, what, price, ref) else "away from"
        text = (
            f"{what} {fmt_price(price, tick)} is {distance / ref:.1f}% {side} {ref_name} "
            f"{fmt_price(ref, tick)} (band {band}%)"
        )
        reasons.append(RiskReason("price_band", level, text))
    return reasons


def _combo_price_band(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """A combo's net limit against its net mid, as a share of the legs' gross premium.

    A net price can be near zero or negative, so a percentage of it says nothing; the legs'
    mids weighted by ratio (all counted positive) are what a fat finger is measured against.
    The option bands apply.
    """
    figures, limit = ctx.combo, intent.limit_price
    assert figures is not None
    assert limit is not None
    mid, gross = figures.net.mid, figures.gross
    if not math.isfinite(mid) or gross is None:
        text = "net price not checked against market: a leg has no two-sided quote"
        return [RiskReason("price_band", WARN, text)]
    ref = to_decimal(mid)
    distance = abs(limit - ref) * _HUNDRED
    limits = ctx.limits
    warn, block = limits.option_price_band_warn_percent, limits.option_price_band_block_percent
    through = _through(intent, "limit", limit, ref)
    if distance > block * gross and through:
        level, band = BLOCK, block
    elif distance > warn * gross:
        level, band = WARN, warn
    else:
        return []
    tick = intent.instrument.tick_size
    side = "through" if through else "away from"
    text = (
        f"net limit {fmt_price(limit, tick)} is {distance / gross:.1f}% of the legs' premium "
        f"{fmt_price(gross, tick)} {side} the net mid {fmt_price(ref, tick)} (band {band}%)"
    )
    return [RiskReason("price_band", level, text)]


def defined_risk(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Warn (or block, per ``undefined_risk_combos``) a combo whose loss has no bound."""
    if ctx.combo is None or ctx.combo.defined_risk:
        return []
    level = BLOCK if ctx.limits.undefined_risk_combos == "block" else WARN
    text = (
        "undefined risk: the combo sells more calls than it buys, so its loss grows without "
        "limit as the underlying rises"
    )
    return [RiskReason("defined_risk", level, text)]


def greeks_limits(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Warn or block (per setting) an order taking its underlying's |delta| or |vega| past the
    limit.

    Positions held and this order count (working orders do not: unlike a position limit, a
    Greeks limit is a portfolio gauge, and an option's Greeks move with the market anyway). An
    order that brings the figure closer to zero always passes, so hedging stays possible. A
    contract whose Greeks are unknown is named in a WARN, never counted as zero silently.
    """
    check = ctx.greeks
    if check is None:
        return []
    before, adds, after = check.before, check.order, check.after
    u = before.underlying
    reasons = []
    if after.missing:
        text = (
            f"delta and vega of {u} not checked in full: no Greeks for "
            f"{', '.join(after.missing)} (no option quote or implied volatility)"
        )
        reasons.append(RiskReason("greeks_limits", WARN, text))
    limits = ctx.limits
    for name, was, added, limit, level, unit in (
        (
            "delta",
            before.delta,
            adds.delta,
            limits.max_delta_shares,
            limits.delta_limit_level,
            " shares",
        ),
        (
            "vega",
            before.vega,
            adds.vega,
            limits.max_vega,
            limits.vega_limit_level,
            " per vol point",
        ),
    ):
        now = was + added
        cap = float(limit)
        if abs(now) > cap and abs(now) > abs(was):
            text = (
                f"{name} of {u} would be {now:,.0f}{unit}, beyond the limit of {cap:,.0f}: "
                f"now {was:,.0f}, this order {added:+,.0f}"
            )
            reasons.append(RiskReason(f"max_{name}", BLOCK if level == "block" else WARN, text))
    return reasons


def marketable_stop(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Warn that a stop at or through the market triggers at once.

    A buy stop triggers when the market trades at or above its stop, so one at or below the
    last trade (or the offer, which the next buyer lifts) fires on the next print and then
    trades as a market order; a sell stop at or above the last (or the bid) likewise. That is
    rarely what a stop is for (a protective stop on the wrong side, a ladder click on the wrong
    side), yet no distance band catches it when it is close to the market.
    """
    stop = intent.stop_price
    if stop is None or intent.order_type not in (OrderType.STOP, OrderType.STOP_LIMIT):
        return []  # trailing stops follow the market and start away from it
    quote = ctx.quote
    if quote is None:
        return []  # price_band already warns that nothing was checked against the market
    buy = intent.side is OrderSide.BUY
    touch_name, touch = ("ask", quote.ask) if buy else ("bid", quote.bid)
    market: tuple[str, Decimal] | None = None
    for name, value in (("last", quote.last), (touch_name, touch)):
        if usable(value):
            price = to_decimal(value)
            if price >= stop if buy else price <= stop:
                market = (name, price)
                break
    if market is None:
        return []
    name, price = market
    tick = intent.instrument.tick_size
    where = "at or below" if buy else "at or above"
    if intent.order_type is OrderType.STOP:
        acts = "act as a market order"
    else:
        assert intent.limit_price is not None
        acts = f"act as a limit order at {fmt_price(intent.limit_price, tick)}"
    text = (
        f"{intent.side.value.lower()} stop {fmt_price(stop, tick)} is {where} the market "
        f"({name} {fmt_price(price, tick)}): it will trigger at once and {acts}"
    )
    return [RiskReason("marketable_stop", WARN, text)]


def max_open_orders(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Block a new order when the open-order limit is already reached.

    Orders waiting for approval with a BLOCK verdict do not count (see ``counted_orders``).
    """
    count = len(counted_orders(ctx.open_orders))
    limit = ctx.limits.max_open_orders
    if count >= limit:
        text = f"{count} orders already open: the limit is {limit}"
        return [RiskReason("max_open_orders", BLOCK, text)]
    return []


def orders_per_second(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Block when too many orders were staged in the last second (runaway clicking or code)."""
    if ctx.recheck:
        return []
    count = ctx.history.count_last_second(ctx.now)
    limit = ctx.limits.max_orders_per_second
    if count >= limit:
        text = f"{count} orders staged in the last second: the limit is {limit} per second"
        return [RiskReason("orders_per_second", BLOCK, text)]
    return []


def duplicate_order(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Warn when the same order was staged moments ago (double click)."""
    if ctx.recheck:
        return []
    age = ctx.history.duplicate_age(intent, ctx.now)
    if age is not None:
        text = f"same order staged {age.total_seconds():.1f} s ago: possible duplicate"
        return [RiskReason("duplicate_order", WARN, text)]
    return []


def next_regular_open(now: dt.datetime, ctx: CheckContext) -> dt.datetime:
    """Return the next regular-session open at or after ``now``, in the market time zone.

    Weekends are skipped; exchange holidays are not known, so the day after a holiday is not
    foreseen.
    """
    local = now.astimezone(ctx.market_tz)
    start = ctx.limits.regular_hours_start
    day = local.date()
    if local.weekday() >= 5 or local.time() >= start:
        day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=ctx.market_tz)


def regular_hours(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Warn outside the market's regular hours, saying when the order will start working.

    An order set to work outside regular hours (Outside RTH) is meant for exactly that and gets
    no warning. Weekends count as outside; holidays are not known.
    """
    if intent.outside_rth:
        return []
    local = ctx.now.astimezone(ctx.market_tz)
    start, end = ctx.limits.regular_hours_start, ctx.limits.regular_hours_end
    weekend = local.weekday() >= 5
    if not weekend and start <= local.time() < end:
        return []
    opens = next_regular_open(ctx.now, ctx)
    when = f"{_WEEKDAYS[local.weekday()]} {local:%H:%M} {local.tzname()}"
    starts = f"{_WEEKDAYS[opens.weekday()]} {opens:%H:%M} {opens.tzname()}"
    text = (
        f"outside regular trading hours ({start:%H:%M}-{end:%H:%M}): it is {when}; "
        f"the order is not set to work outside regular hours: it will start working at the "
        f"next regular open, {starts}"
    )
    return [RiskReason("regular_hours", WARN, text)]


def trading_state(intent: OrderIntent, ctx: CheckContext) -> list[RiskReason]:
    """Block everything when halted; when reduce-only, block what grows or opens a position."""
    state = ctx.state
    if state is TradingState.ACTIVE:
        return []
    if state is TradingState.HALTED:
        text = f"trading halted by kill switch: {ctx.state_reason}"
        return [RiskReason("trading_state", BLOCK, text)]
    # Reduce-only: count same-side orders already working, so several sells cannot together
    # flip a long into a short. A combo passes only when every leg reduces its position (a
    # closing combo does; see terminal.risk.legs), and the legs of working combos count too.
    for leg in traded(intent):
        current = ctx.position if intent.combo is None else _held(ctx, leg.key)
        pending = _pending(ctx, leg)
        after = current + (pending + leg.quantity) * leg.side.sign
        if (
            current == 0
            or abs(after) > abs(current)
            or (after != 0 and (after > 0) != (current > 0))
        ):
            what = "the order" if intent.combo is None else "the combo's leg"
            text = (
                f"reduce-only: {what} would take {leg.key} from {fmt_qty(current)} to "
                f"{fmt_qty(after)}{' counting open orders' if pending else ''}; only reducing "
                "orders are allowed"
            )
            return [RiskReason("trading_state", BLOCK, text)]
    return []


def _pending(ctx: CheckContext, leg: Traded) -> Decimal:
    """What the counted open orders still trade of ``leg``'s instrument on its side."""
    pending = ZERO
    for order in counted_orders(ctx.open_orders):
        for other in traded(order.intent):
            if other.side is leg.side and other.key == leg.key:
                pending += other.quantity * order.remaining / order.intent.quantity
    return pending


#: Every rule, in the order their reasons are listed (the most fundamental first).
RULES: tuple[Rule, ...] = (
    trading_state,
    max_order_quantity,
    max_order_notional,
    max_position,
    max_gross_exposure,
    concentration,
    defined_risk,
    greeks_limits,
    price_band,
    marketable_stop,
    max_open_orders,
    orders_per_second,
    duplicate_order,
    regular_hours,
)
