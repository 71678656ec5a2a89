"""The keymap: which key runs which window action (and the depth ladder's order keys) — the
defaults of :mod:`widgets.shortcuts` with the trader's own keys (the ``[keymap]`` table of the
settings file) over them.

One key runs one action: a rebinding onto a key another action uses (a window action, or a
pane's fixed key, which Qt could not tell apart in that pane) is refused, naming the other
action. A file entry that names no action, spells no key Qt knows, or takes a key already in
use is reported and that action keeps its default key; the start goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from PySide6.QtGui import QKeySequence

from widgets import shortcuts
from widgets.shortcuts import Shortcut

_PORTABLE = QKeySequence.SequenceFormat.PortableText


@dataclass(frozen=True, slots=True)
class Binding:
    """A window action the trader can rebind: its name (as in ``[keymap]``) and its default."""

    name: str
    default: Shortcut


BINDINGS: tuple[Binding, ...] = (
    Binding("kill_switch", shortcuts.KILL_SWITCH),
    Binding("cancel_all", shortcuts.CANCEL_ALL),
    Binding("buy_ticket", shortcuts.BUY_TICKET),
    Binding("sell_ticket", shortcuts.SELL_TICKET),
    Binding("buy_at_bid", shortcuts.BUY_AT_BID),
    Binding("buy_at_ask", shortcuts.BUY_AT_ASK),
    Binding("buy_market", shortcuts.BUY_MARKET),
    Binding("sell_at_bid", shortcuts.SELL_AT_BID),
    Binding("sell_at_ask", shortcuts.SELL_AT_ASK),
    Binding("sell_market", shortcuts.SELL_MARKET),
    Binding("flatten_instrument", shortcuts.FLATTEN),
    Binding("reverse_position", shortcuts.REVERSE),
    Binding("cancel_instrument_orders", shortcuts.CANCEL_INSTRUMENT),
    Binding("approve_staged", shortcuts.APPROVE_STAGED),
    *(Binding(f"size_preset_{n}", s) for n, s in enumerate(shortcuts.SIZE_PRESETS, start=1)),
    Binding("recentre_ladder", shortcuts.RECENTRE_LADDER),
    # The ladder's own keys (they work while a ladder has the focus).
    Binding("ladder_next_order", shortcuts.LADDER_NEXT_ORDER),
    Binding("ladder_previous_order", shortcuts.LADDER_PREVIOUS_ORDER),
    Binding("ladder_order_up", shortcuts.LADDER_ORDER_UP),
    Binding("ladder_order_down", shortcuts.LADDER_ORDER_DOWN),
    Binding("ladder_order_up_10", shortcuts.LADDER_ORDER_UP_10),
    Binding("ladder_order_down_10", shortcuts.LADDER_ORDER_DOWN_10),
    Binding("find_symbol", shortcuts.FIND_SYMBOL),
    Binding("ack_all", shortcuts.ACK_ALL),
    Binding("mute_sounds", shortcuts.MUTE_SOUNDS),
    Binding("settings", shortcuts.SETTINGS),
    Binding("reset_layout", shortcuts.RESET_LAYOUT),
    Binding("toggle_theme", shortcuts.TOGGLE_THEME),
    Binding("health", shortcuts.HEALTH),
    Binding("focus_analytics", shortcuts.ANALYTICS),
    Binding("new_chart", shortcuts.NEW_CHART),
    Binding("new_ladder", shortcuts.NEW_LADDER),
    Binding("new_tape", shortcuts.NEW_TAPE),
    Binding("new_options", shortcuts.NEW_OPTIONS),
    Binding("cycle_link", shortcuts.CYCLE_LINK),
    Binding("save_workspace", shortcuts.SAVE_WORKSPACE),
    Binding("help", shortcuts.HELP),
    Binding("quit", shortcuts.QUIT),
)
BY_NAME: dict[str, Binding] = {b.name: b for b in BINDINGS}

#: Keys that are not window actions and cannot be rebound: each pane's own keys and Ctrl+1 … 9.
FIXED: tuple[Shortcut, ...] = tuple(
    s for s in shortcuts.ALL if s not in {b.default for b in BINDINGS}
)


def normalised(keys: str) -> str | None:
    """Qt's portable spelling of one key combination (``"ctrl+b"`` → ``"Ctrl+B"``), or None
    when ``keys`` is empty, is not one combination, or names a key Qt does not know."""
    text = keys.strip()
    if not text:
        return None
    sequence = QKeySequence.fromString(text, _PORTABLE)
    if sequence.count() != 1 or sequence.isEmpty():
        return None
    spelled = sequence.toString(_PORTABLE)
    # Qt turns an unknown name into an empty or "unknown" key instead of failing.
    if not spelled or "\ufffd" in spelled or spelled.lower().endswith("unknown"):
        return None
    return spelled


def _same(keys: str) -> str:
    """What two spellings share when Qt runs them on one key: Enter and Return are one key on
    a keyboard (the panes bind both)."""
    return re.sub(r"\bReturn\b", "Enter", keys)


def spelled_out(keys: str) -> list[str]:
    """The single key combinations a table entry names: ``"Space / Enter"`` → both,
    ``"1 … 5"`` → 1 to 5; mouse gestures and descriptions name none."""
    found: list[str] = []
    for part in re.split(r"\s*/\s*|,\s+", keys):
        ranged = re.fullmatch(r"(.*?)(\d)\s*…\s*(.*?)(\d)", part.strip())
        if ranged and ranged.group(1) == ranged.group(3):
            first, last = int(ranged.group(2)), int(ranged.group(4))
            found.extend(f"{ranged.group(1)}{n}" for n in range(first, last + 1))
            continue
        if re.search(r"[a-z]{2,}\b", part) and not re.fullmatch(r"[A-Z][\w+,]*", part.strip()):
            continue  # "Click / Enter on bid or ask": words, not a key
        key = normalised(part)
        if key is not None:
            found.append(key)
    return found


@dataclass(frozen=True, slots=True)
class Keymap:
    """The keys in use: the defaults, with ``overrides`` (action name → keys) over them."""

    overrides: Mapping[str, str]

    @classmethod
    def defaults(cls) -> Keymap:
        return cls({})

    @classmethod
    def from_settings(cls, pairs: Iterable[tuple[str, str]]) -> tuple[Keymap, list[str]]:
        """The keymap of the settings file's ``[keymap]`` pairs, and one line per entry that
        was set aside (its action keeps the default key)."""
        problems: list[str] = []
        overrides: dict[str, str] = {}
        for name, keys in pairs:
            binding = BY_NAME.get(name)
            if binding is None:
                problems.append(f"keymap: {name!r} is not an action; entry ignored")
                continue
            key = normalised(keys)
            if key is None:
                problems.append(
                    f"keymap: {name}: {keys!r} is not a key; the default "
                    f"{binding.default.keys} is used"
                )
                continue
            overrides[name] = key
        # A file entry taking a key in use falls back to its default (repeat: the default may
        # be the key another entry took).
        keymap = cls(overrides)
        changed = True
        while changed:
            changed = False
            for name in sorted(keymap.overrides):
                other = keymap.conflict(name, keymap.overrides[name])
                if other is not None:
                    default = BY_NAME[name].default.keys
                    problems.append(f"keymap: {name}: {other}; the default {default} is used")
                    keymap = keymap.reset(name)
                    changed = True
                    break
        return keymap, problems

    def keys(self, name: str) -> str:
        """The key of the action ``name`` now."""
        return self.overrides.get(name, BY_NAME[name].default.keys)

    def is_default(self, name: str) -> bool:
        return name not in self.overrides

    def conflict(self, name: str, keys: str) -> str | None:
        """Why ``name`` cannot take ``keys`` (naming the action that has them), or None."""
        wanted = normalised(keys)
        if wanted is None:
            return f"{keys!r} is not a key"
        for binding in BINDINGS:
            if binding.name != name and _same(self.keys(binding.name)) == _same(wanted):
                return f"{wanted} is already “{binding.default.action}”"
        for fixed in FIXED:
            if _same(wanted) in {_same(k) for k in spelled_out(fixed.keys)}:
                return f"{wanted} is already “{fixed.action}” ({fixed.where})"
        return None

    def rebound(self, name: str, keys: str) -> Keymap:
        """This keymap with ``name`` on ``keys`` (check :meth:`conflict` first)."""
        key = normalised(keys)
        if key is None:
            raise ValueError(f"{keys!r} is not a key")
        overrides = dict(self.overrides)
        if key == BY_NAME[name].default.keys:
            overrides.pop(name, None)
        else:
            overrides[name] = key
        return Keymap(overrides)

    def reset(self, name: str) -> Keymap:
        overrides = dict(self.overrides)
        overrides.pop(name, None)
        return Keymap(overrides)

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The trader's own keys as the settings hold them (defaults are not written)."""
        return tuple(sorted(self.overrides.items()))

    def shortcut(self, shortcut: Shortcut) -> Shortcut:
        """``shortcut`` with the key it has in this keymap (for the F1 list and tooltips)."""
        for binding in BINDINGS:
            if binding.default == shortcut:
                return replace(shortcut, keys=self.keys(binding.name))
        return shortcut
