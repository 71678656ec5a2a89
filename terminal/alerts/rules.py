"""User alert rules evaluated on market data batches.

:class:`AlertRules` keeps an index of armed rules by instrument key, so a quote batch costs one
dict lookup per quote (or per indexed key, when there are fewer). The rule kinds live in
:mod:`terminal.alerts.rule_kinds` and are re-exported here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from eventkit import Event

from terminal.alerts.rule_kinds import (
    AlertRule,
    Direction,
    PercentMoveRule,
    PriceCrossRule,
    rule_from_dict,
)
from terminal.alerts.service import AlertService
from terminal.domain.market import Quote

__all__ = [
    "AlertRule",
    "AlertRules",
    "Direction",
    "PercentMoveRule",
    "PriceCrossRule",
    "rule_from_dict",
]


class AlertRules:
    """The trader's alert rules, evaluated on every market data batch.

    Events:
        rule_fired(rule: AlertRule, alert: Alert): a rule fired and disarmed itself.
        rules_changed(): a rule was added, removed, fired or re-armed (save the rules).
    """

    def __init__(self, service: AlertService, ids: Callable[[], str] | None = None) -> None:
        self._service = service
        self._ids = ids or (lambda: uuid.uuid4().hex)
        self._rules: dict[str, AlertRule] = {}
        #: Armed rules only, by instrument key.
        self._armed: dict[str, list[AlertRule]] = {}
        self.rule_fired = Event("rule_fired")
        self.rules_changed = Event("rules_changed")

    def add(self, rule: AlertRule) -> str:
        """Add ``rule`` (giving it an id if it has none) and return its id.

        Raises:
            ValueError: a rule with the same id exists.
        """
        if not rule.id:
            rule.id = self._ids()
        if rule.id in self._rules:
            raise ValueError(f"an alert rule with id {rule.id!r} exists already")
        self._rules[rule.id] = rule
        if rule.armed:
            self._armed.setdefault(rule.key, []).append(rule)
        self.rules_changed.emit()
        return rule.id

    def remove(self, rule_id: str) -> None:
        """Remove a rule.

        Raises:
            KeyError: no rule has this id.
        """
        rule = self._get(rule_id)
        del self._rules[rule_id]
        if rule.armed:
            self._unindex(rule)
        self.rules_changed.emit()

    def rearm(self, rule_id: str) -> None:
        """Arm a fired rule again (an armed rule stays as it is).

        Raises:
            KeyError: no rule has this id.
        """
        rule = self._get(rule_id)
        if rule.armed:
            return
        rule.rearm()
        self._armed.setdefault(rule.key, []).append(rule)
        self.rules_changed.emit()

    def rules(self) -> list[AlertRule]:
        """Return every rule, armed or not, in the order added."""
        return list(self._rules.values())

    def on_quotes(self, quotes: Mapping[str, Quote]) -> None:
        """Evaluate the armed rules of the batch's instruments; raise an alert per fired rule."""
        index = self._armed
        if not index:
            return
        fired: list[tuple[AlertRule, str]] = []
        if len(index) < len(quotes):
            for key, rules in index.items():
                quote = quotes.get(key)
                if quote is not None:
                    _evaluate(rules, quote, fired)
        else:
            get = index.get
            for key, quote in quotes.items():
                maybe_rules = get(key)
                if maybe_rules is not None:
                    _evaluate(maybe_rules, quote, fired)
        for rule, message in fired:
            self._unindex(rule)
            alert = self._service.raise_alert(rule.severity, "rule", message, f"rule:{rule.id}")
            self.rule_fired.emit(rule, alert)
        if fired:
            self.rules_changed.emit()

    def _get(self, rule_id: str) -> AlertRule:
        try:
            return self._rules[rule_id]
        except KeyError:
            raise KeyError(f"no alert rule with id {rule_id!r}") from None

    def _unindex(self, rule: AlertRule) -> None:
        rules = self._armed[rule.key]
        rules.remove(rule)
        if not rules:
            del self._armed[rule.key]


def _evaluate(rules: list[AlertRule], quote: Quote, fired: list[tuple[AlertRule, str]]) -> None:
    for rule in rules:
        message = rule.check(quote)
        if message is not None:
            fired.append((rule, message))
