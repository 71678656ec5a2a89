"""What a workspace holds beyond Qt's dock state, and where floating panes go back on screen.

``QMainWindow.saveState`` records where each dock is, but it cannot recreate a dock that does
not exist yet (a second chart) and it knows nothing of link groups or instruments; nor does it
say which monitor a floating pane was on. :class:`WorkspaceExtras` is that part of a saved
layout, as JSON next to Qt's state; :func:`fit_on_screen` puts a floating pane whose monitor is
gone fully on the primary one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QRect

from terminal.domain import Instrument
from terminal.persistence.codec import instrument_from_row, instrument_to_json

#: Saved layouts of named workspaces are named ``workspace:<user>:<name>`` (one row each).
WORKSPACE_PREFIX = "workspace:"
#: A workspace's name fits the layouts table's key (100 characters) with the user's name.
MAX_NAME = 40


def workspace_key(actor: str, name: str) -> str:
    return f"{WORKSPACE_PREFIX}{actor}:{name}"


def check_name(name: str) -> str:
    """The workspace name the trader typed, stripped.

    Raises:
        ValueError: empty, or longer than :data:`MAX_NAME`.
    """
    name = name.strip()
    if not name:
        raise ValueError("a workspace needs a name")
    if len(name) > MAX_NAME:
        raise ValueError(f"a workspace name has at most {MAX_NAME} characters")
    return name


@dataclass(frozen=True, slots=True)
class Floating:
    """A floating dock: the screen it was on (its name) and its frame on the virtual desktop."""

    screen: str
    rect: tuple[int, int, int, int]


@dataclass(slots=True)
class WorkspaceExtras:
    """The part of a workspace Qt's dock state does not hold.

    ``instances``: the extra panes, pane id → kind (``"chart-2"`` → ``"chart"``);
    ``links``: each pane not in the main group → its group; ``groups``: each colour group's
    instrument; ``own``: the instrument of each unlinked pane; ``floating``: dock object name →
    its screen and frame; ``name``: the workspace's name (None: never saved under one).
    """

    instances: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    groups: dict[str, Instrument] = field(default_factory=dict)
    own: dict[str, Instrument] = field(default_factory=dict)
    floating: dict[str, Floating] = field(default_factory=dict)
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "instances": self.instances,
            "links": self.links,
            "groups": {g: instrument_to_json(i) for g, i in self.groups.items()},
            "own": {p: instrument_to_json(i) for p, i in self.own.items()},
            "floating": {
                d: {"screen": f.screen, "rect": list(f.rect)} for d, f in self.floating.items()
            },
            "name": self.name,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkspaceExtras:
        """Read what :meth:`to_json` wrote (a layout saved before workspaces has none of it).

        Raises:
            ValueError, KeyError, TypeError: the saved data is damaged.
        """
        floating = {
            dock: Floating(str(f["screen"]), tuple(int(v) for v in f["rect"]))  # type: ignore[arg-type]
            for dock, f in dict(data.get("floating") or {}).items()
        }
        for entry in floating.values():
            if len(entry.rect) != 4:
                raise ValueError("a floating frame has four numbers")
        name = data.get("name")
        return cls(
            instances={str(k): str(v) for k, v in dict(data.get("instances") or {}).items()},
            links={str(k): str(v) for k, v in dict(data.get("links") or {}).items()},
            groups={str(g): instrument_from_row(i) for g, i in (data.get("groups") or {}).items()},
            own={str(p): instrument_from_row(i) for p, i in (data.get("own") or {}).items()},
            floating=floating,
            name=None if name is None else str(name),
        )


def fit_on_screen(rect: QRect, available: QRect) -> QRect:
    """``rect`` moved (and shrunk if it must) to lie fully inside ``available``.

    A floating pane saved on a monitor that is gone would otherwise open off every screen,
    where the trader cannot reach it.
    """
    width = min(rect.width(), available.width())
    height = min(rect.height(), available.height())
    x = min(max(rect.x(), available.left()), available.left() + available.width() - width)
    y = min(max(rect.y(), available.top()), available.top() + available.height() - height)
    return QRect(x, y, width, height)
