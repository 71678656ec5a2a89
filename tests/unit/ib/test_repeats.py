"""The answers ib_async collects, copies included, keyed to one order / execution / position."""

from __future__ import annotations

import datetime as dt

from ib_async import CommissionReport, Contract, Execution, Fill, Order, OrderStatus, Trade
from ib_async import Position as IBPosition

from terminal.broker.ib.repeats import latest_positions, unique_fills, unique_trades


def trade(order_id: int, perm_id: int = 0, client_id: int = 1, status: str = "Submitted") -> Trade:
    order = Order(orderId=order_id, permId=perm_id, clientId=client_id)
    return Trade(Contract(conId=1), order, OrderStatus(orderId=order_id, status=status))


def fill(exec_id: str, shares: float = 10.0) -> Fill:
    execution = Execution(execId=exec_id, shares=shares)
    return Fill(
        Contract(conId=1), execution, CommissionReport(), dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )


def test_an_order_is_the_same_order_by_perm_id_even_from_another_copy() -> None:
    first, copy = trade(7, perm_id=900), trade(7, perm_id=900, status="PreSubmitted")
    assert unique_trades([first, copy]) == [first]


def test_orders_without_a_perm_id_yet_are_told_apart_by_client_and_order_id() -> None:
    mine, theirs, again = trade(7), trade(7, client_id=2), trade(7)
    assert unique_trades([mine, theirs, again]) == [mine, theirs]


def test_different_perm_ids_are_different_orders_whatever_their_order_ids() -> None:
    # Manual TWS orders all carry order id 0; only the permId tells them apart.
    manual = [trade(0, perm_id=901, client_id=0), trade(0, perm_id=902, client_id=0)]
    assert unique_trades(manual) == manual


def test_an_execution_sent_twice_is_one_fill_in_first_seen_order() -> None:
    a, b, a_again = fill("0001.01.01"), fill("0002.01.01"), fill("0001.01.01")
    assert unique_fills([a, b, a_again]) == [a, b]


def test_the_newest_message_about_a_position_wins_and_it_is_listed_once() -> None:
    old = IBPosition("DU1", Contract(conId=1), 10.0, 190.0)
    other = IBPosition("DU1", Contract(conId=2), 5.0, 50.0)
    new = IBPosition("DU1", Contract(conId=1), 20.0, 195.0)
    assert latest_positions([old, other, new]) == [new, other]


def test_the_same_contract_in_two_accounts_is_two_positions() -> None:
    one = IBPosition("DU1", Contract(conId=1), 10.0, 190.0)
    two = IBPosition("DU2", Contract(conId=1), 3.0, 190.0)
    assert latest_positions([one, two]) == [one, two]
