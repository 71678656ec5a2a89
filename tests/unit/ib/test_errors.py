"""IB message codes: every row of the table, the default ranges, and the trader's one line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.broker.ib.errors import ErrorKind, classify, describe, refuses_modify

K = ErrorKind
ROWS = [
    (1100, K.CONNECTIVITY_LOST),
    (1101, K.RESTORED_DATA_LOST),
    (1102, K.RESTORED_DATA_KEPT),
    (1300, K.SOCKET_RESET),
    (2103, K.FARM_BROKEN),
    (2105, K.FARM_BROKEN),
    (2157, K.FARM_BROKEN),
    (2104, K.FARM_OK),
    (2102, K.ORDER_REJECTED),  # unable to modify: the order is still being processed
    (2106, K.FARM_OK),
    (2158, K.FARM_OK),
    (2107, K.INFO),
    (2108, K.INFO),
    (2159, K.INFO),
    (2119, K.INFO),
    (201, K.ORDER_REJECTED),
    (203, K.ORDER_REJECTED),
    (103, K.ORDER_REJECTED),
    (110, K.ORDER_REJECTED),
    (163, K.ORDER_REJECTED),
    (387, K.ORDER_REJECTED),
    (434, K.ORDER_REJECTED),
    (10268, K.ORDER_REJECTED),
    (202, K.ORDER_CANCELLED),
    (136, K.CANCEL_REJECTED),
    (161, K.CANCEL_REJECTED),
    (10147, K.CANCEL_REJECTED),
    (10148, K.CANCEL_REJECTED),
    (200, K.NO_SECURITY),
    (101, K.MARKET_DATA_LIMIT),
    (309, K.DEPTH_LIMIT),
    (162, K.PACING),
    (366, K.PACING),
    (420, K.PACING),
    (100, K.RATE_LIMIT),
    (354, K.NOT_SUBSCRIBED),
    (10089, K.NOT_SUBSCRIBED),
    (10090, K.NOT_SUBSCRIBED),
    (10091, K.NOT_SUBSCRIBED),
    (10168, K.NOT_SUBSCRIBED),
    (10197, K.NOT_SUBSCRIBED),
    (10167, K.DELAYED_DATA),
    (326, K.CLIENT_ID_IN_USE),
    (165, K.WARNING),
    (317, K.WARNING),
    (399, K.WARNING),
    (404, K.WARNING),  # held while IB locates shares to short: the order lives
    (2100, K.WARNING),
    (2109, K.WARNING),
    (2137, K.WARNING),
    (2199, K.WARNING),
    (502, K.ERROR),
    (504, K.ERROR),
    (2200, K.ERROR),
    (99999, K.ERROR),
]
LISTED = {code for code, _ in ROWS}


@pytest.mark.parametrize(("code", "kind"), ROWS)
def test_classify(code: int, kind: ErrorKind) -> None:
    assert classify(code) is kind


def test_every_kind_is_reachable() -> None:
    assert {kind for _, kind in ROWS} == set(ErrorKind)


@given(st.integers(min_value=2100, max_value=2199).filter(lambda c: c not in LISTED))
def test_other_2100s_are_warnings(code: int) -> None:
    assert classify(code) in (K.WARNING, K.INFO, K.FARM_OK, K.FARM_BROKEN)


@given(st.integers().filter(lambda c: not 2100 <= c <= 2199))
def test_every_code_has_a_kind(code: int) -> None:
    assert classify(code) in set(ErrorKind)


@pytest.mark.parametrize(
    ("code", "text", "line"),
    [
        (
            101,
            "Max number of tickers has been reached",
            "Market data line limit reached (IB 101): unsubscribe something or buy more lines",
        ),
        (
            201,
            "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. <br>MARGIN TOO LOW",
            "Order rejected by IB (201): YOUR ORDER IS NOT ACCEPTED. MARGIN TOO LOW",
        ),
        (
            201,
            "Order rejected - no reason given",
            "Order rejected by IB (201): Order rejected - no reason given",
        ),
        (201, "", "Order rejected by IB (201)"),
        (202, "Order Canceled - reason:", "Order cancelled by IB (202)"),
        (
            202,
            "Order Canceled - reason: outside trading hours",
            "Order cancelled by IB (202): outside trading hours",
        ),
        (
            1100,
            "Connectivity between IB and TWS has been lost.",
            "IB lost its connection to the servers (1100): order entry frozen",
        ),
        (1102, "restored", "IB connection restored, data kept (1102)"),
        (
            326,
            "Unable to connect as the client id is already in use.",
            "IB client id already in use (326): choose another client id in the settings",
        ),
        (
            161,
            "Cancel attempted when order is not in a cancellable state.",
            "Cancel refused by IB (161): Cancel attempted when order is not in a cancellable state.",
        ),
        (
            387,
            "Unsupported order type for this exchange and security type.",
            "Order rejected by IB (387): Unsupported order type for this exchange and security type.",
        ),
        (
            2103,
            "Market data farm connection is broken:usfarm",
            "IB data farm disconnected (2103): Market data farm connection is broken:usfarm",
        ),
        (
            354,
            "Requested market data is not subscribed.",
            "No market data subscription for this instrument (IB 354): Requested market data is not subscribed.",
        ),
        (12345, "Something\nnew  happened", "IB 12345: Something new happened"),
        (12345, "", "IB 12345"),
    ],
)
def test_describe(code: int, text: str, line: str) -> None:
    assert describe(code, text) == line


@given(st.integers(), st.text())
def test_describe_is_always_one_line(code: int, text: str) -> None:
    line = describe(code, text)
    assert line
    assert "\n" not in line and "\r" not in line
    assert str(code) in line


@pytest.mark.parametrize(
    ("code", "refuses"),
    [
        (201, True),  # order rejected
        (110, True),  # price off the tick
        (329, True),  # cannot change to the new order type
        (2102, True),  # still being processed
        (321, True),  # validation error (no known kind)
        (202, False),  # cancelled: the order ended, the modification is moot
        (10148, False),  # a refused cancel
        (399, False),  # a warning on a live order
        (2104, False),  # farm OK
    ],
)
def test_which_errors_on_an_order_being_modified_refuse_the_modification(
    code: int, refuses: bool
) -> None:
    assert refuses_modify(code) is refuses
