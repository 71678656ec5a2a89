"""A loopback TWS / IB Gateway for tests: the real TWS API wire protocol (server version 176)
on 127.0.0.1, driven by the unmodified ib_async client.

    with running_gateway() as gw:            # port 0: gw.port is the ephemeral port
        await ib.connectAsync("127.0.0.1", gw.port, clientId=1)
        gw.set_quote("AAPL", bid=189.99, ask=190.01, last=190.00)
        await gw.until(lambda g: g.order(ib_order_id).status == "Filled", what="fill")

Reference data: AAPL and MSFT (STK, COMMON), SPY (STK, ETF), options on AAPL and SPY. Combo
(BAG) orders on their legs: :mod:`.combos`. See :class:`Gateway` for the controls (quotes,
fills, rejects, faults) and the introspection.
"""

from .core import GatewayOptions, ReceivedMessage
from .faults import DEFAULT_REJECT_TEXT
from .market import Quote
from .order_messages import Execution
from .requests import PlacedOrder
from .server import Gateway, running_gateway
from .snapshots import OrderSnapshot, PositionSnapshot
from .wire import SERVER_VERSION

__all__ = [
    "DEFAULT_REJECT_TEXT",
    "SERVER_VERSION",
    "Execution",
    "Gateway",
    "GatewayOptions",
    "OrderSnapshot",
    "PlacedOrder",
    "PositionSnapshot",
    "Quote",
    "ReceivedMessage",
    "running_gateway",
]
