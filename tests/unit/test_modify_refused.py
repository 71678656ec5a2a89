"""A modification the broker refuses: the book goes back to the terms the broker holds, the
refusal is audited, and the order keeps working (or stays as it ended)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.broker.base import BrokerTerms
from terminal.domain import OrderStatus
from terminal.oms.errors import ModifyFailed
from tests.unit.oms_setup import Desk, buy, make_desk, until_status

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def working(desk: Desk, price: str = "150.00") -> str:
    order = desk.orders.stage(buy(100, price))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    return order.id


def refusal(desk: Desk, order_id: str) -> dict[str, object]:
    [record] = [d for a, s, d in desk.audit.records if a == "modify_rejected" and s == order_id]
    return record


async def test_a_refusal_without_terms_puts_back_the_terms_before_the_modification() -> None:
    desk = await make_desk()
    order_id = await working(desk)
    wished = await desk.orders.modify(order_id, limit_price=Decimal("151.00"))
    assert wished.intent.limit_price == Decimal("151.00")  # shown at once, on its way
    desk.broker.refuse_modify(order_id, "price too far from the market")
    order = desk.orders.get(order_id)
    assert order.intent.limit_price == Decimal("150.00")
    assert order.status is S.ACCEPTED  # still working
    assert order.reason == "price too far from the market"  # the Status column's tooltip
    record = refusal(desk, order_id)
    assert record["refused"] == {"quantity": "100", "limit_price": "151.00", "stop_price": None}
    assert record["held"] == {"quantity": "100", "limit_price": "150.00", "stop_price": None}
    assert record["source"] == "broker"
    assert desk.journal.orders[order_id].intent.limit_price == Decimal("150.00")


async def test_terms_the_broker_reports_win_over_ours() -> None:
    desk = await make_desk()
    order_id = await working(desk)
    await desk.orders.modify(order_id, limit_price=Decimal("151.00"))
    await desk.orders.modify(order_id, limit_price=Decimal("152.00"))
    # The first modification was made, the second refused: the broker holds 151.
    desk.broker.refuse_modify(order_id, "refused", BrokerTerms(Decimal(100), Decimal("151.00")))
    assert desk.orders.get(order_id).intent.limit_price == Decimal("151.00")
    # The same word again changes nothing (audited once).
    desk.broker.refuse_modify(order_id, "refused", BrokerTerms(Decimal(100), Decimal("151.00")))
    assert desk.audit.actions(order_id).count("modify_rejected") == 1


async def test_a_broker_call_that_fails_leaves_the_order_as_it_was_and_says_so() -> None:
    desk = await make_desk()
    order_id = await working(desk)
    desk.broker.drop_connection()
    with pytest.raises(ModifyFailed, match="modification not made"):
        await desk.orders.modify(order_id, limit_price=Decimal("151.00"), quantity=Decimal(120))
    order = desk.orders.get(order_id)
    assert (order.intent.limit_price, order.intent.quantity) == (Decimal("150.00"), 100)
    assert order.status is S.ACCEPTED
    assert "modification refused by fake" in order.reason
    assert desk.audit.actions(order_id)[-2:] == ["modify", "modify_rejected"]
    assert refusal(desk, order_id)["held"] == {
        "quantity": "100",
        "limit_price": "150.00",
        "stop_price": None,
    }


async def test_a_fill_at_the_old_price_while_the_modification_is_on_its_way() -> None:
    desk = await make_desk()
    order_id = await working(desk)
    await desk.orders.modify(order_id, limit_price=Decimal("149.00"))
    desk.broker.fill(order_id, 100, "150.00")  # it filled at the old limit meanwhile
    desk.broker.refuse_modify(
        order_id, "order is not working", BrokerTerms(Decimal(100), Decimal("150.00"))
    )
    order = desk.orders.get(order_id)
    assert order.status is S.FILLED
    assert (order.filled_quantity, order.avg_fill_price) == (100, Decimal("150.00"))
    assert order.intent.limit_price == Decimal("150.00")  # the terms it filled under
    assert order.reason != "order is not working"  # a closed order keeps saying why it closed
    assert refusal(desk, order_id)["reported"] == "filled"
