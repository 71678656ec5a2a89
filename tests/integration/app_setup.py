"""Build the real core (every service, a real database) around a FakeBroker."""

from __future__ import annotations

from decimal import Decimal

from terminal.app import TradingApp
from terminal.domain import Instrument, ManualClock, OrderIntent, OrderSide, OrderType, Quote
from terminal.settings import Settings
from tests.helpers.fake_broker import FakeBroker

AAPL = Instrument.stock("AAPL")
MSFT = Instrument.stock("MSFT")
SETTINGS = Settings()
_opened: list[TradingApp] = []


def new_app(
    db_url: str, broker: FakeBroker | None = None, clock: ManualClock | None = None
) -> TradingApp:
    broker = broker or FakeBroker([AAPL, MSFT])
    app = TradingApp.open(SETTINGS, db_url, broker, clock or ManualClock())
    app.actor = "alice"
    app.orders.actor = "alice"
    app.restore()
    _opened.append(app)
    return app


def track(app: TradingApp) -> TradingApp:
    """Count ``app`` among the apps :func:`close_left_open` stops after the test."""
    _opened.append(app)
    return app


def close_left_open() -> None:
    """Stop the threads of every app a test opened and did not stop (it failed half-way), so its
    writer cannot go on writing into the next test's logs or a dropped database."""
    while _opened:
        _opened.pop().close_threads()


def quote(
    key: str = "AAPL",
    bid: float = 149.99,
    ask: float = 150.01,
    last: float = 150.0,
    prev_close: float = 148.0,
) -> Quote:
    return Quote(
        key, bid=bid, ask=ask, last=last, prev_close=prev_close, bid_size=100, ask_size=100
    )


def buy(qty: int = 100, price: str = "150.00", inst: Instrument = AAPL) -> OrderIntent:
    return OrderIntent(
        inst, OrderSide.BUY, Decimal(qty), OrderType.LIMIT, limit_price=Decimal(price)
    )


def sell(qty: int = 100, price: str = "150.00", inst: Instrument = AAPL) -> OrderIntent:
    return OrderIntent(
        inst, OrderSide.SELL, Decimal(qty), OrderType.LIMIT, limit_price=Decimal(price)
    )
