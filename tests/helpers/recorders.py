"""In-memory stand-ins for the journal, the audit log and the risk engine (unit tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from terminal.domain import Fill, Order, OrderIntent, RiskReason, Verdict, VerdictLevel


@dataclass
class MemoryJournal:
    orders: dict[str, Order] = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    fills: dict[str, Fill] = field(default_factory=dict)

    def save_order(self, order: Order) -> None:
        self.orders[order.id] = order

    def append_order_event(self, order_id: str, at: dt.datetime, status: str, detail: str) -> None:
        self.events.append((order_id, status, detail))

    def save_fill(self, fill: Fill) -> None:
        self.fills.setdefault(fill.exec_id, fill)

    def save_fill_commission(self, exec_id: str, commission: Decimal) -> None:
        if exec_id in self.fills:
            self.fills[exec_id] = replace(self.fills[exec_id], commission=commission)


@dataclass
class RecordingAudit:
    records: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)

    def record(self, action: str, subject: str, details: Mapping[str, object]) -> None:
        self.records.append((action, subject, dict(details)))

    def actions(self, subject: str | None = None) -> list[str]:
        return [a for a, s, _ in self.records if subject is None or s == subject]

    def changes(self, subject: str | None = None) -> list[tuple[str, str, dict[str, object]]]:
        """The records of order changes (those with an order-state block)."""
        return [
            r
            for r in self.records
            if "order_state" in r[2] and (subject is None or r[1] == subject)
        ]


@dataclass
class ScriptedRisk:
    """Returns ``verdict`` for every check; records what it saw."""

    verdict: Verdict = field(default_factory=lambda: Verdict(VerdictLevel.PASS))
    checked: list[OrderIntent] = field(default_factory=list)
    staged: list[OrderIntent] = field(default_factory=list)

    def check(
        self,
        intent: OrderIntent,
        open_orders: Sequence[Order],
        *,
        recheck: bool = False,
        oca_group: str | None = None,
    ) -> Verdict:
        self.checked.append(intent)
        return self.verdict

    def record_staged(self, intent: OrderIntent) -> None:
        self.staged.append(intent)

    def set(self, level: VerdictLevel, message: str = "test reason") -> None:
        self.verdict = Verdict.of([RiskReason("test", level, message)]) if level else Verdict(level)
