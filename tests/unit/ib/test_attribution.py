"""Which of our orders an IB report belongs to, without a gateway."""

from __future__ import annotations

from terminal.broker.ib.attribution import OrderIdentities

OURS, OTHER = 17, 3


def identities() -> OrderIdentities:
    ids = OrderIdentities(lambda: OURS)
    ids.placing("T-1", 5, 0)
    return ids


def test_the_order_ref_names_the_order_and_teaches_its_perm_id() -> None:
    ids = identities()
    assert ids.ours(order_ref="T-9", client_id=OURS, order_id=9, perm_id=900) == "T-9"
    assert ids.ours(order_ref="", client_id=OTHER, order_id=0, perm_id=900) == "T-9"


def test_without_a_ref_our_order_id_counts_only_from_our_client_id() -> None:
    ids = identities()
    assert ids.ours(order_ref="", client_id=OURS, order_id=5, perm_id=500) == "T-1"
    assert ids.ours(order_ref="", client_id=OTHER, order_id=5, perm_id=0) is None
    assert ids.ours(order_ref="", client_id=OTHER, order_id=7, perm_id=500) == "T-1"  # learned


def test_another_clients_order_never_gets_a_broker_id_one_of_ours_could_have() -> None:
    ids = identities()
    assert ids.broker_id(client_id=OURS, order_id=5, perm_id=500) == "5"
    assert ids.broker_id(client_id=OTHER, order_id=5, perm_id=777) == "perm:777"
    assert ids.broker_id(client_id=OTHER, order_id=5, perm_id=0) is None
