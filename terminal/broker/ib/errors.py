"""IB's message codes: what kind of event each one is, and what to tell the trader.

IB reports connection changes, farm status, refusals, pacing and plain information all through
one ``error(reqId, code, text)`` callback. :func:`classify` sorts a code into an
:class:`ErrorKind` the adapter can act on; :func:`describe` writes the one line a trader sees.
Codes come from the TWS API message-code table; 2157/2158/2159 from public code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any, Final

from terminal.broker.base import NotConnected

#: IB 10197: another session (TWS, mobile) holds the account's live market data.
COMPETING_SESSION = 10197


class ErrorKind(StrEnum):
    CONNECTIVITY_LOST = "connectivity_lost"
    RESTORED_DATA_LOST = "restored_data_lost"
    RESTORED_DATA_KEPT = "restored_data_kept"
    FARM_BROKEN = "farm_broken"
    FARM_OK = "farm_ok"
    ORDER_REJECTED = "order_rejected"
    ORDER_CANCELLED = "order_cancelled"
    CANCEL_REJECTED = "cancel_rejected"
    NO_SECURITY = "no_security"
    MARKET_DATA_LIMIT = "market_data_limit"
    DEPTH_LIMIT = "depth_limit"
    PACING = "pacing"
    NOT_SUBSCRIBED = "not_subscribed"
    DELAYED_DATA = "delayed_data"
    CLIENT_ID_IN_USE = "client_id_in_use"
    RATE_LIMIT = "rate_limit"
    SOCKET_RESET = "socket_reset"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


K = ErrorKind

#: IB refused an order request (place or modify): validation, price, size, permissions.
_ORDER_REJECTED: Final = frozenset(
    {
        *(103, 104, 105, 106, 107, 109, 110, 111, 113, 116, 117, 133, 134, 135),
        *range(140, 149),
        *(152, 154, 157, 158, 159, 160, 163, 164, 168, 201, 203),
        *(325, 328, 329, 334, 335, 336, 337, 338, 342, 351, 355, 361, 362, 363, 364),
        *(382, 383, 387, 388, 392, 403, 405, 406, 411, 412, 421, 434, 435, 437),
        *(10268, 10269, 10270),
    }
)

_KINDS: Final[dict[int, ErrorKind]] = {
    1100: K.CONNECTIVITY_LOST,
    1101: K.RESTORED_DATA_LOST,
    1102: K.RESTORED_DATA_KEPT,
    1300: K.SOCKET_RESET,
    # market data / historical data / security definition farms
    2103: K.FARM_BROKEN,
    2105: K.FARM_BROKEN,
    2157: K.FARM_BROKEN,
    2104: K.FARM_OK,
    2106: K.FARM_OK,
    2158: K.FARM_OK,
    2107: K.INFO,  # inactive, available on demand
    2108: K.INFO,
    2159: K.INFO,
    2119: K.INFO,  # connecting
    2102: K.ORDER_REJECTED,  # "Unable to modify this order as it is still being processed"
    202: K.ORDER_CANCELLED,
    136: K.CANCEL_REJECTED,
    161: K.CANCEL_REJECTED,
    10147: K.CANCEL_REJECTED,
    10148: K.CANCEL_REJECTED,
    200: K.NO_SECURITY,
    101: K.MARKET_DATA_LIMIT,
    309: K.DEPTH_LIMIT,
    162: K.PACING,  # historical data service: pacing violation, no data, no permission
    366: K.PACING,
    420: K.PACING,  # real-time bars pacing
    100: K.RATE_LIMIT,
    354: K.NOT_SUBSCRIBED,
    10089: K.NOT_SUBSCRIBED,
    10090: K.NOT_SUBSCRIBED,
    10091: K.NOT_SUBSCRIBED,
    10168: K.NOT_SUBSCRIBED,
    10197: K.NOT_SUBSCRIBED,
    10167: K.DELAYED_DATA,
    326: K.CLIENT_ID_IN_USE,
    # live orders and data streams that carry on
    165: K.WARNING,
    317: K.WARNING,
    399: K.WARNING,
    404: K.WARNING,
    **dict.fromkeys(_ORDER_REJECTED, K.ORDER_REJECTED),
}


def refuses_modify(code: int) -> bool:
    """Whether IB message ``code``, for an order whose modification is on its way, means IB
    refused the modification (a refusal, or an error of no known kind: 321 validation...):
    the order keeps working at the terms IB held. Cancels, cancel refusals, warnings and
    information are not refusals of the modification."""
    return classify(code) in (K.ORDER_REJECTED, K.ERROR)


def classify(code: int) -> ErrorKind:
    """Return what kind of event IB message ``code`` reports (other 2100-2199: a warning)."""
    kind = _KINDS.get(code)
    if kind is not None:
        return kind
    return K.WARNING if 2100 <= code <= 2199 else K.ERROR


#: The line a trader reads, by code; ``{text}`` is IB's own text, ``{reason}`` the part of it
#: after "reason:" (IB: "Order rejected - reason: ...").
_MESSAGES: Final[dict[int, str]] = {
    1100: "IB lost its connection to the servers (1100): order entry frozen",
    1101: "IB connection restored, market data lost (1101): resubscribing",
    1102: "IB connection restored, data kept (1102)",
    1300: "IB moved its API to another port (1300): reconnect there. {text}",
    100: "Too many messages to IB per second (IB 100): requests are being slowed",
    101: "Market data line limit reached (IB 101): unsubscribe something or buy more lines",
    309: "Market depth limit reached (IB 309): close a depth ladder first",
    200: "IB does not know this contract (200): {text}",
    201: "Order rejected by IB (201): {reason}",
    202: "Order cancelled by IB (202): {reason}",
    2102: "IB is still processing the order (2102): {text}",
    326: "IB client id already in use (326): choose another client id in the settings",
    10167: "Showing delayed market data (IB 10167): no real-time subscription",
    10197: "No market data while another IB session (TWS, mobile) holds the live data (10197)",
    502: "Cannot reach TWS / IB Gateway (502): is it running, with the API enabled on this port?",
    504: "Not connected to IB (504)",
}
_BY_KIND: Final[dict[ErrorKind, str]] = {
    K.FARM_BROKEN: "IB data farm disconnected ({code}): {text}",
    K.FARM_OK: "IB data farm connected ({code}): {text}",
    K.ORDER_REJECTED: "Order rejected by IB ({code}): {text}",
    K.CANCEL_REJECTED: "Cancel refused by IB ({code}): {text}",
    K.PACING: "IB historical data ({code}): {text}",
    K.NOT_SUBSCRIBED: "No market data subscription for this instrument (IB {code}): {text}",
}
_TAG: Final = re.compile(r"<[^>]*>")
_REASON: Final = re.compile(r"reason:", re.IGNORECASE)


def describe(code: int, text: str) -> str:
    """Return a one-line message for a trader about IB message ``code`` with IB's ``text``."""
    clean = " ".join(_TAG.sub(" ", text).split())
    template = _MESSAGES.get(code) or _BY_KIND.get(classify(code)) or "IB {code}: {text}"
    parts = _REASON.split(clean, maxsplit=1)
    reason = parts[1].strip() if len(parts) == 2 else clean
    line = template.format(code=code, text=clean, reason=reason).rstrip()
    return line.removesuffix(":")


def wire_errors[**P, R](
    method: Callable[P, Coroutine[Any, Any, R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """ib_async raises ConnectionError when the socket closes under a request; the core knows
    NotConnected (a BrokerError), so the order stays where it was and the trader is told why."""

    @functools.wraps(method)
    async def translated(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except ConnectionError as exc:
            raise NotConnected(f"the connection to TWS / IB Gateway closed: {exc}") from exc

    return translated
