"""Questions before cancel-all and quit, and the "don't ask again" that turns them off.

Cancel-all removes every working order, including the ones that protect a position: a
bracket's stop-loss and take-profit and the members of an OCO group. It says which before it
acts. Quitting while positions are open or orders are working asks too. Both questions can be
turned off (``[ui] confirm_cancel_all`` / ``confirm_quit``, or "Don't ask again", which is
applied at once, audited as a settings change and saved to the settings file). The kill
switch never asks: it is the one action that must work in one keystroke.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from terminal.broker.paper import PaperVenue
from terminal.domain import Order, OrderRole, Position
from terminal.domain.formatting import format_money
from widgets.dialogs.confirm import ConfirmDialog
from widgets.dialogs.settings_store import save_changes
from widgets.formatting import quantity
from widgets.panes.blotter_columns import price_text
from widgets.session import Session

log = logging.getLogger(__name__)

PROTECTIVE = {
    OrderRole.STOP_LOSS: "bracket stop-loss",
    OrderRole.TAKE_PROFIT: "bracket take-profit",
    OrderRole.OCO_MEMBER: "OCO member",
}


def protective_orders(orders: list[Order]) -> list[Order]:
    """The orders among ``orders`` that protect or close a position (bracket exits, OCO)."""
    return [o for o in orders if o.role in PROTECTIVE]


def describe_order(order: Order) -> str:
    """``bracket stop-loss: SELL 100 AAPL STP 221.50 (TT-…)``; a single order without role."""
    intent = order.intent
    price = intent.stop_price if intent.stop_price is not None else intent.limit_price
    at = f" {price_text(intent.instrument, price)}" if price is not None else ""
    role = f"{PROTECTIVE[order.role]}: " if order.role in PROTECTIVE else ""
    return (
        f"{role}{intent.side.value} {quantity(order.remaining)} {order.key} "
        f"{intent.order_type.value}{at} ({order.id})"
    )


def open_positions(session: Session) -> list[Position]:
    return [p for p in session.app.portfolio.positions() if not p.is_flat]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def request_cancel_all(
    session: Session, parent: QWidget
) -> ConfirmDialog | asyncio.Task[Any] | None:
    """Cancel every working order, after asking (unless turned off).

    Returns:
        The question shown (it cancels when confirmed), the running cancel when nothing had to
        be asked, or None when no order is working.
    """
    working = session.app.orders.working_orders()
    if not working:
        session.message.emit("Cancel all: no working orders")
        return None
    if not session.app.settings.ui.confirm_cancel_all:
        return _cancel_all(session, len(working))
    existing = _shown(parent, "confirm_cancel_all")  # asked already
    if existing is not None:
        existing.raise_()
        return existing
    protective = protective_orders(working)
    positions = open_positions(session)
    warning = ""
    if protective:
        warning = (
            f"This removes {_plural(len(protective), 'protective order')}"
            + (
                f" while {_plural(len(positions), 'position')} "
                f"{'stays' if len(positions) == 1 else 'stay'} open"
                if positions
                else ""
            )
            + ": nothing will stop a loss on them."
        )
    dialog = ConfirmDialog(
        "confirm_cancel_all",
        "Cancel all working orders",
        f"Cancel {_plural(len(working), 'working order')}?",
        confirm=f"Cancel {_plural(len(working), 'order')}",
        keep="Keep them",
        details=[describe_order(o) for o in protective],
        warning=warning,
        parent=parent,
    )
    dialog.accepted.connect(
        lambda: _confirmed(session, dialog, "confirm_cancel_all", lambda: _cancel_all(session))
    )
    dialog.open()
    return dialog


def _cancel_all(session: Session, count: int | None = None) -> asyncio.Task[Any]:
    count = len(session.app.orders.working_orders()) if count is None else count
    session.message.emit(f"Cancel all: {_plural(count, 'working order')}")
    return session.cancel_all()


def quit_question(session: Session) -> tuple[str, list[str]] | None:
    """What quitting would leave behind (None: nothing, quit without asking)."""
    if not session.app.settings.ui.confirm_quit:
        return None
    positions = open_positions(session)
    working = session.app.orders.working_orders()
    if not positions and not working:
        return None
    parts = [
        _plural(len(p), w)
        for p, w in ((positions, "open position"), (working, "working order"))
        if p
    ]
    details = [f"position {p.key} {quantity(p.quantity)}" for p in positions]
    details += [
        describe_order(o) if o.role in PROTECTIVE else describe_order(o).replace("order: ", "", 1)
        for o in working
    ]
    return f"Quit with {' and '.join(parts)}?", details


def ask_to_quit(session: Session, parent: QWidget, quit_now: Callable[[], None]) -> ConfirmDialog:
    """Ask before quitting; ``quit_now`` closes for good when the trader confirms."""
    existing = _shown(parent, "confirm_quit")
    if existing is not None:
        existing.raise_()
        return existing
    question = quit_question(session)
    assert question is not None
    text, details = question
    dialog = ConfirmDialog(
        "confirm_quit",
        "Quit",
        text,
        confirm="Quit",
        keep="Stay",
        details=details,
        warning="Quitting neither cancels the working orders nor closes the positions.",
        parent=parent,
    )
    dialog.accepted.connect(lambda: _confirmed(session, dialog, "confirm_quit", quit_now))
    dialog.open()
    return dialog


def request_sim_reset(session: Session, parent: QWidget) -> ConfirmDialog | None:
    """Ask, always, before the simulated account starts anew (File → Reset simulated account).

    Confirmed, the core resets it (``TradingApp.reset_sim_account``: audited, alerted). Returns
    the question, or None when the broker keeps no paper account (said in the status bar).
    """
    app = session.app
    venue = app.broker
    if not isinstance(venue, PaperVenue):
        session.message.emit(f"Reset: the {venue.name} account is not a simulated account")
        return None
    existing = _shown(parent, "confirm_sim_reset")
    if existing is not None:
        existing.raise_()
        return existing
    positions = open_positions(session)
    working = app.orders.working_orders()
    waiting = app.orders.pending_approvals()
    details = [f"equity now {format_money(app.portfolio.equity())}"]
    details += [f"position {p.key} {quantity(p.quantity)} goes flat" for p in positions]
    details += [f"{describe_order(o)} is cancelled" for o in working]
    if waiting:
        details.append(f"{_plural(len(waiting), 'order')} awaiting approval withdrawn")
    dialog = ConfirmDialog(
        "confirm_sim_reset",
        "Reset simulated account",
        f"Start simulated account {venue.paper_account_id} anew?",
        confirm="Reset account",
        keep="Keep it",
        details=details,
        warning="Cash returns to its starting amount and positions go flat without trading. "
        "The reset is audited and cannot be undone.",
        can_turn_off=False,
        parent=parent,
    )
    dialog.accepted.connect(lambda: _reset_sim(session))
    dialog.open()
    return dialog


def _reset_sim(session: Session) -> asyncio.Task[Any]:
    def done(before: object) -> None:
        session.message.emit("Simulated account reset")

    return session.run(session.app.reset_sim_account(), "reset the simulated account", done)


def _shown(parent: QWidget, name: str) -> ConfirmDialog | None:
    """The question ``name`` on screen now (a closed one lingers until its deferred delete)."""
    return next((d for d in parent.findChildren(ConfirmDialog, name) if d.isVisible()), None)


def _confirmed(
    session: Session, dialog: ConfirmDialog, setting: str, act: Callable[[], object]
) -> None:
    if dialog.dont_ask.isChecked():
        dont_ask_again(session, setting)
    act()


def dont_ask_again(session: Session, setting: str) -> asyncio.Task[Any] | None:
    """Turn ``[ui] <setting>`` off for this session and in the settings file (in an executor).

    Returns the save's task, or None when the session has no settings file.
    """
    app = session.app
    before = app.settings
    changes: dict[str, Any] = {setting: False}
    after = dataclasses.replace(before, ui=dataclasses.replace(before.ui, **changes))
    app.apply_settings(after)  # audited as settings_changed
    path = session.settings_path
    if path is None:
        return None

    async def save() -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, save_changes, path, before, after)
        except OSError as exc:
            session.fail("save settings", f"cannot write {path}: {exc}")

    return session.run(save(), "save settings")
