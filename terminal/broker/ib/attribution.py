"""Which of our orders an IB report belongs to: by orderRef, by IB order id, by permId.

Our client order id travels in IB's ``orderRef``, but TWS does not always send it back (an
execution of an order placed by an earlier session, some TWS versions), so a report is also
matched by IB's order id and by its ``permId``:

- IB numbers orders per client id, so an order id is ours only when the report carries our
  client id; it is then the broker order id the core keeps (and restores after a restart), and
  the core finds the order by it;
- ``permId`` is IB's own id for an order, unique across clients and sessions; the adapter
  learns ours from every report that names one of our orders (its ref, or an order id this
  session placed), and matches a report that names neither by it.

A report about an order of another client (TWS itself, another API client) gets the broker id
``perm:<permId>``, which no order id of ours can equal, so it is never taken for ours.
"""

from __future__ import annotations

from collections.abc import Callable


class OrderIdentities:
    """What this session knows of our orders' identities at IB.

    Args:
        client_id: Our API client id (read when needed: it is set on connect).
    """

    def __init__(self, client_id: Callable[[], int]) -> None:
        self._client_id = client_id
        #: Our order id -> IB order id, for what this session placed.
        self.ib_ids: dict[str, int] = {}
        #: IB order id -> (our order id, IB parent id), for what this session placed.
        self.placed: dict[int, tuple[str, int]] = {}
        self._by_perm: dict[int, str] = {}

    def placing(self, order_id: str, ib_id: int, parent_id: int) -> None:
        """This session places ``order_id`` as IB order ``ib_id``."""
        self.ib_ids[order_id] = ib_id
        self.placed[ib_id] = (order_id, parent_id)

    def ours(self, *, order_ref: str, client_id: int, order_id: int, perm_id: int) -> str | None:
        """Our order id for a report (order status, open order, execution), or None when it is
        not one of ours as far as the adapter can tell (the core may still know its broker
        id, restored from an earlier session)."""
        ours: str | None = order_ref or None
        if ours is None and client_id == self._client_id() and order_id in self.placed:
            ours = self.placed[order_id][0]
        if ours is None:
            return self._by_perm.get(perm_id) if perm_id else None
        if perm_id:
            self._by_perm[perm_id] = ours
        return ours

    def broker_id(self, *, client_id: int, order_id: int, perm_id: int) -> str | None:
        """The broker order id the core knows an order by: IB's order id for our client id;
        ``perm:<permId>`` for another client's (None when IB gave it no permId either)."""
        if client_id == self._client_id():
            return str(order_id)
        return f"perm:{perm_id}" if perm_id else None
