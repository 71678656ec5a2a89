"""Accounts: cash, positions with IB-style average cost, realized P&L, account values.

Average cost includes commissions and the multiplier, as TWS reports it (an option bought at 2.50
shows an average cost near 250 per contract). Realized P&L is booked on closing fills, net of
commission, and reported in that fill's commission report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .instruments import Instrument
from .market import Market

PAPER_CASH = 1_000_000.0


def commission_for(instrument: Instrument, quantity: float) -> float:
    """IB-like fixed pricing: 0.005 per share (min 1.00), 0.65 per option contract (min 1.00)."""
    rate = 0.65 if instrument.is_option else 0.005
    return round(max(1.0, rate * quantity), 2)


@dataclass(slots=True)
class Holding:
    """One position: signed quantity and IB-style average cost per unit (incl. multiplier)."""

    instrument: Instrument
    quantity: float = 0.0
    avg_cost: float = 0.0
    realized: float = 0.0
    #: Its value at the start of the trading day (a position carried from the day before,
    #: at the previous close), and the cash today's fills moved (commissions included): what
    #: IB's daily P&L is measured from.
    day_start_value: float = 0.0
    day_cash_flow: float = 0.0


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    """What updatePortfolio reports for one position."""

    instrument: Instrument
    position: float
    market_price: float
    market_value: float
    avg_cost: float
    unrealized: float
    realized: float


class Account:
    """One account's cash and positions."""

    def __init__(self, name: str, cash: float = PAPER_CASH) -> None:
        self.name = name
        self.cash = cash
        self.realized = 0.0
        self.holdings: dict[int, Holding] = {}

    def apply_fill(
        self, instrument: Instrument, buy: bool, quantity: float, price: float
    ) -> tuple[float, float | None]:
        """Book a fill; return (commission, realized P&L or None for an opening fill)."""
        commission = commission_for(instrument, quantity)
        multiplier = instrument.contract_multiplier
        signed = quantity if buy else -quantity
        self.cash -= signed * price * multiplier + commission
        holding = self.holdings.setdefault(instrument.con_id, Holding(instrument))
        holding.day_cash_flow -= signed * price * multiplier + commission
        old = holding.quantity
        if old == 0 or (old > 0) == (signed > 0):
            cost = abs(old) * holding.avg_cost + quantity * price * multiplier + commission
            holding.quantity = old + signed
            holding.avg_cost = cost / abs(holding.quantity)
            return commission, None
        closing = min(abs(signed), abs(old))
        direction = 1.0 if old > 0 else -1.0
        realized = closing * (price * multiplier - holding.avg_cost) * direction - commission
        holding.realized += realized
        self.realized += realized
        holding.quantity = old + signed
        if holding.quantity == 0:
            holding.avg_cost = 0.0
        elif (holding.quantity > 0) != (old > 0):
            holding.avg_cost = price * multiplier
        return commission, realized

    def set_position(
        self, instrument: Instrument, quantity: float, avg_cost: float, day_start_price: float
    ) -> None:
        """Put a position on the books, as opened before today (worth ``day_start_price``, the
        previous close, at the start of the day)."""
        holding = self.holdings.setdefault(instrument.con_id, Holding(instrument))
        holding.quantity = quantity
        holding.avg_cost = avg_cost * instrument.contract_multiplier
        holding.day_start_value = quantity * day_start_price * instrument.contract_multiplier
        holding.day_cash_flow = 0.0

    def day_pnl(self, holding: Holding, market: Market) -> float:
        """IB's daily P&L of one position: its value now, plus what today's fills of it paid or
        received, minus its value at the start of the day."""
        value = holding.quantity * market.quote(holding.instrument).last
        value *= holding.instrument.contract_multiplier
        return value + holding.day_cash_flow - holding.day_start_value

    def daily_pnl(self, market: Market) -> float:
        """IB's daily P&L of the account (reqPnL): the sum over its positions."""
        return sum(self.day_pnl(h, market) for h in self.holdings.values())

    def positions(self) -> list[Holding]:
        """Positions that were ever held (a closed one stays, with quantity 0, as in TWS)."""
        return list(self.holdings.values())

    def portfolio(self, market: Market) -> list[PortfolioRow]:
        """updatePortfolio rows, marked at the last price."""
        rows: list[PortfolioRow] = []
        for holding in self.holdings.values():
            mark = market.quote(holding.instrument).last
            multiplier = holding.instrument.contract_multiplier
            value = holding.quantity * mark * multiplier
            rows.append(
                PortfolioRow(
                    instrument=holding.instrument,
                    position=holding.quantity,
                    market_price=mark,
                    market_value=round(value, 2),
                    avg_cost=round(holding.avg_cost, 6),
                    unrealized=round(value - holding.quantity * holding.avg_cost, 2),
                    realized=round(holding.realized, 2),
                )
            )
        return rows

    def values(self, market: Market) -> dict[str, str]:
        """Account values in USD (plus AccountCode/AccountType), as updateAccountValue sends."""
        rows = self.portfolio(market)
        stock_value = sum(r.market_value for r in rows if not r.instrument.is_option)
        option_value = sum(r.market_value for r in rows if r.instrument.is_option)
        gross = sum(abs(r.market_value) for r in rows)
        unrealized = sum(r.unrealized for r in rows)
        net_liq = self.cash + stock_value + option_value
        init_margin = 0.25 * gross
        maint_margin = 0.25 * gross
        available = net_liq - init_margin
        money = {
            "NetLiquidation": net_liq,
            "TotalCashValue": self.cash,
            "CashBalance": self.cash,
            "SettledCash": self.cash,
            "EquityWithLoanValue": net_liq,
            "GrossPositionValue": gross,
            "StockMarketValue": stock_value,
            "OptionMarketValue": option_value,
            "InitMarginReq": init_margin,
            "MaintMarginReq": maint_margin,
            "FullInitMarginReq": init_margin,
            "FullMaintMarginReq": maint_margin,
            "AvailableFunds": available,
            "ExcessLiquidity": net_liq - maint_margin,
            "BuyingPower": available * 4,
            "RealizedPnL": self.realized,
            "UnrealizedPnL": unrealized,
        }
        values = {tag: f"{amount:.2f}" for tag, amount in money.items()}
        values["Cushion"] = f"{(net_liq - maint_margin) / net_liq:.4f}" if net_liq else "0"
        return values
