"""The composition root: builds every core service from settings and wires their events.

This is the one place that knows how the parts fit together (no registries, no service
locator). Start-up and reconnect run the same reconciliation path; shutdown runs in order:
stop input -> cancel tasks -> disconnect broker -> flush the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import logging
import socket
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eventkit import Event
from sqlalchemy.exc import SQLAlchemyError

from terminal.alerts.rule_kinds import rule_from_dict
from terminal.alerts.rules import AlertRules
from terminal.alerts.service import AlertService
from terminal.alerts.wiring import SystemAlerts
from terminal.broker.base import Broker, BrokerError, ConnectionState, ConnectionStatus
from terminal.broker.paper import PaperAccount, PaperVenue, paper_summary
from terminal.desk.gate import DeskGate
from terminal.desk.policy import POLICY_KEY, FourEyesPolicy
from terminal.desk.sync import TRADING_STATE_KEY, DeskSync
from terminal.desk.users import User
from terminal.domain import (
    Clock,
    DomainError,
    Fill,
    Instrument,
    Order,
    OrderIntent,
    Position,
    Severity,
    format_money,
)
from terminal.health import HealthMonitor
from terminal.listeners import ListenerFailure, ListenerSupervisor
from terminal.marketdata.recorder import BarRecorder
from terminal.marketdata.service import MarketDataService
from terminal.oms.changes import ChangeSource
from terminal.oms.kill_switch import KillSwitch
from terminal.oms.manager import OrderManager
from terminal.oms.reconcile import ReconcileReport, reconcile
from terminal.persistence.audit import AuditLog, ChainHead
from terminal.persistence.database import Database
from terminal.persistence.notify import DeskNotifier
from terminal.persistence.paper_codec import PaperAccountUnreadable
from terminal.persistence.store import Store
from terminal.persistence.writer import DatabaseWriter
from terminal.portfolio.portfolio import Portfolio
from terminal.portfolio.strategies import Grouping, group_positions
from terminal.risk.engine import RiskEngine
from terminal.risk.estimate import estimate_order
from terminal.risk.monitor import RiskMonitor
from terminal.risk.state import TradingState, TradingStateMachine
from terminal.risk.usage import LimitUsage
from terminal.settings import Settings, settings_changes
from terminal.tasks import OwnedTasks

log = logging.getLogger(__name__)

ALERT_RULES_KEY = "alert_rules"
DEFAULT_WATCHLIST = "default"
#: How often the feed watchdog looks for subscriptions gone quiet (wall-clock seconds).
FEED_CHECK_SECONDS = 1.0
#: How often the broker round trip is measured for the health view (wall-clock seconds).
HEALTH_PROBE_SECONDS = 5.0
#: Fills a broker may report again after a restart (TWS keeps up to a week of executions).
RECENT_FILLS = dt.timedelta(days=7)


def current_actor(settings: Settings) -> str:
    """Who is trading: the configured trader name, else the OS user."""
    if settings.trader:
        return settings.trader
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "trader"


@dataclass
class StartReport:
    """What start-up found, for the status bar, the smoke test and the log."""

    account_id: str = ""
    paper: bool = True
    reconcile: ReconcileReport | None = None
    position_differences: list[str] = field(default_factory=list)
    watchlist: list[str] = field(default_factory=list)
    unknown_symbols: list[str] = field(default_factory=list)


class TradingApp:
    """All core services for one session, wired together.

    Build with :meth:`open` (blocking: opens and migrates the database) before the event loop
    runs; then ``await start()`` on the loop and ``await stop()`` at the end.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        broker: Broker,
        clock: Clock,
        *,
        actor: str | None = None,
        workstation: str | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.database = database
        self.actor = actor or current_actor(settings)
        self.workstation = workstation or settings.desk.workstation or socket.gethostname()
        #: A shared PostgreSQL database: terminals hear each other (docs/desk-mode.md).
        self.on_desk = database.engine.dialect.name == "postgresql"
        #: The signed-in desk user (None: no sign-in, the lone trader or a desk without users).
        self.user: User | None = None
        #: A desk with users: nothing may be done before someone signs in (set by start-up).
        self.sign_in_required = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._desk_applying = False
        self.notifier = DeskNotifier()
        self.writer = DatabaseWriter(database.engine, self._notify_threadsafe)
        self.store = Store(database, self.writer, self.notifier)
        self.audit = AuditLog.open(
            self.store, clock, self.actor, self.workstation, notifier=self.notifier
        )
        self.broker = broker
        #: Other terminals' connections reach the same account (IB: one account, several
        #: client ids); the in-process simulator is an account of its own.
        self.shares_account = broker.name != "sim"
        self.market = MarketDataService(
            broker,
            clock,
            timezone=settings.risk.market_timezone,
            staleness=settings.feeds,
            tape=settings.tape,
            on_task_failed=lambda name, exc: self.report_failure(f"task {name}", exc),
        )
        self.portfolio = Portfolio(
            clock,
            timezone=settings.risk.market_timezone,
            broker_day_pnl=broker.capabilities.day_pnl,
        )
        self.trading_state = TradingStateMachine(clock)
        self.risk = RiskEngine(
            settings.risk, clock, self.market, self.portfolio, self.trading_state, self.market
        )
        self.policy = FourEyesPolicy()
        self.gate = DeskGate(self.workstation)
        self.orders = OrderManager(
            broker,
            self.risk,
            self.trading_state,
            self.store,
            self.audit,
            clock,
            actor=self.actor,
            gate=self.gate,
            # On one workstation (SQLite) every order is this terminal's, whatever host
            # name it was staged under.
            workstation=self.workstation if self.on_desk else None,
            quotes=self.market,
        )
        self.kill_switch = KillSwitch(
            self.orders,
            self.trading_state,
            self.audit,
            actor=self.actor,
            rearm_gate=lambda: self.gate.rearm_refusal(),
        )
        self.risk_monitor = RiskMonitor(
            self.risk, self.portfolio, self.trading_state, self._on_daily_loss_breach
        )
        #: Records the 1-minute bars of what is traded, for the MAE / MFE of trades.
        self.bar_recorder = BarRecorder(
            self.market, self.store.save_bars, self.spawn, owns=self.orders.book.owns
        )
        self.alerts = AlertService(clock, settings.alerts, persist=self.store.save_alert)
        self.alert_rules = AlertRules(self.alerts)
        self.system_alerts = SystemAlerts(self.alerts)
        self.health = HealthMonitor(broker, self.market.feeds, self.writer, clock)
        self.desk = DeskSync(
            self.orders,
            self.alerts,
            self.trading_state,
            self.kill_switch,
            self.audit,
            self.spawn,
            self._set_desk_applying,
        )
        self._listener: Any = None
        self.watchlist: list[Instrument] = []
        #: Held instruments subscribed so their positions are marked (not in the watchlist),
        #: and the legs of open combo orders (their risk re-check and close read leg quotes).
        self._held_subscriptions: set[str] = set()
        self._quotes_wanted: dict[str, Instrument] = {}
        self._subscribing: asyncio.Task[Any] | None = None
        #: Day baselines saved for today's trading date, by account (read by :meth:`restore`).
        self._day_baselines: dict[str, Decimal] = {}
        #: Filled combo orders of earlier sessions (grouped positions come from them too).
        self._stored_combo_orders: list[Order] = []
        self._baseline_date = self.portfolio.trading_date()
        self.tasks = OwnedTasks(self._task_failed)
        self.listeners = ListenerSupervisor(self._listener_failed)
        self._was_disconnected = False
        self._connection_message = ""
        self._started = False
        self._stopped = False
        self._wire()
        self._supervise()

    @classmethod
    def open(
        cls, settings: Settings, database_url: str, broker: Broker, clock: Clock
    ) -> TradingApp:
        """Open the database (applying migrations) and build the app. Blocking."""
        from terminal.persistence.database import default_database_url, open_database

        database = open_database(database_url or settings.database_url or default_database_url())
        return cls(settings, database, broker, clock)

    # -- wiring ------------------------------------------------------------------------------
    def _wire(self) -> None:
        for event, handler in self._wiring():
            event += handler

    def _unwire(self) -> None:
        """Undo :meth:`_wire`: a stopped app hears nothing more (the broker may outlive it)."""
        for event, handler in self._wiring():
            event -= handler

    def _wiring(self) -> list[tuple[Event, Callable[..., Any]]]:
        broker, system = self.broker, self.system_alerts
        return [
            (broker.connection_changed, system.on_connection_changed),
            (broker.connection_changed, self._on_connection_changed),
            (broker.account_received, self.portfolio.set_account),
            (broker.error_reported, self._on_broker_error),
            (self.market.quotes_updated, self.portfolio.on_quotes),
            (self.market.quotes_updated, self.alert_rules.on_quotes),
            (self.orders.fill_recorded, self._book_fill),
            (self.orders.fill_recorded, self._alert_fill),
            (self.orders.fill_corrected, self._correct_fill),
            (self.orders.commission_unmatched, system.on_commission_unmatched),
            (self.orders.order_updated, system.on_order_updated),
            (self.orders.order_updated, self._keep_combo_legs_quoted),
            (self.portfolio.positions_changed, self._keep_positions_quoted),
            (self.orders.modify_rejected, system.on_modify_rejected),
            (self.orders.error_occurred, system.on_error),
            (self.portfolio.pnl_updated, self._on_pnl),
            (self.risk_monitor.utilisation_crossed, self._on_utilisation),
            (self.trading_state.state_changed, self._on_trading_state_changed),
            (self.writer.write_failed, system.on_write_failed),
            (self.alert_rules.rules_changed, self._save_alert_rules),
            (self.market.feeds.feeds_changed, self._on_feeds_changed),
            (self.portfolio.day_baseline_set, self._save_day_baseline),
            (self.orders.order_updated, self.bar_recorder.on_order_updated),
            (self.portfolio.positions_changed, self.bar_recorder.on_positions_changed),
        ]

    def _supervise(self) -> None:
        """Every event of every service (and the broker library's, through the adapter): a
        listener that raises becomes a critical alert instead of vanishing inside eventkit."""
        self.listeners.watch(
            self.broker,
            self.market,
            self.market.feeds,
            self.portfolio,
            self.trading_state,
            self.risk_monitor,
            self.orders,
            self.orders.book,
            self.kill_switch,
            self.alerts,
            self.alert_rules,
            self.writer,
            self.audit,
            self.desk,
        )
        self.broker.supervise(self.listeners.watch_events)

    def _notify_threadsafe(self, callback: Callable[[], None]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(callback)
        else:
            callback()

    def _book_fill(self, fill: Fill) -> None:
        """Book an execution in the portfolio, unless another terminal made it on an account
        that is not this terminal's: each simulator is an exchange and an account of its own,
        so there the desk shares orders and fills, not positions and cash."""
        if self.shares_account or not self.desk.is_desk_fill(fill.exec_id):
            self.portfolio.apply_fill(fill)

    def _correct_fill(self, before: Fill, after: Fill) -> None:
        """Move cash and realized P&L by a commission the broker corrected, where the fill was
        booked (see :meth:`_book_fill`)."""
        if self.shares_account or not self.desk.is_desk_fill(before.exec_id):
            self.portfolio.correct_fill(before, after.commission)

    def _alert_fill(self, fill: Fill) -> None:
        # The terminal that booked it raised the fill alert; it reaches us through the desk.
        if not self.desk.is_desk_fill(fill.exec_id):
            self.system_alerts.on_fill(fill)

    def _set_desk_applying(self, applying: bool) -> None:
        self._desk_applying = applying

    def _on_trading_state_changed(
        self, old: TradingState, new: TradingState, reason: str, by: str
    ) -> None:
        if not self._desk_applying:  # a halt heard from the desk is stored there already
            self.store.save_setting(
                TRADING_STATE_KEY, {"state": new.value, "reason": reason, "by": by}
            )
        self.system_alerts.on_trading_state_changed(old.value, new.value, reason, by)

    def _save_day_baseline(self, account_id: str, trading_date: dt.date, equity: Decimal) -> None:
        self.store.save_day_baseline(account_id, trading_date, equity, self.clock.now())

    def _save_alert_rules(self) -> None:
        self.store.save_setting(ALERT_RULES_KEY, [r.to_dict() for r in self.alert_rules.rules()])

    def apply_settings(self, settings: Settings) -> list[str]:
        """Apply changed settings to the running session; return what needs a restart.

        Risk limits, alert flood limits, default sizes and the theme apply at once. The broker
        connection, the database and the simulator apply at the next start. The audit record
        (``settings_changed``) names every changed value with what it was and what it became.
        """
        restart = [
            name
            for name, old, new in (
                ("broker connection", self.settings.broker, settings.broker),
                ("database", self.settings.database_url, settings.database_url),
                ("simulator", self.settings.sim, settings.sim),
            )
            if old != new
        ]
        changes = settings_changes(self.settings, settings)
        self.risk.update_limits(settings.risk)
        self.alerts.update_settings(settings.alerts)
        self.market.feeds.limits = settings.feeds
        self.settings = settings
        self.audit.record(
            "settings_changed",
            self.workstation,
            {"changes": changes, "restart_needed": restart},
        )
        return restart

    def _on_feeds_changed(self, _changes: object) -> None:
        stale = self.market.feeds.stale(self.clock.now())
        self.system_alerts.on_stale_feeds([f"{s.feed} ({s.reason})" for s in stale])

    async def _watch_feeds(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.market.feeds.check(self.clock.now())

    def _on_pnl(self, _snapshot: object) -> None:
        if self._started:
            self.system_alerts.on_day_pnl(self.portfolio.day_pnl_established)
        self.risk_monitor.evaluate(self.orders.open_orders())

    def _on_utilisation(self, usage: LimitUsage) -> None:
        self.system_alerts.on_utilisation(usage.name, usage.label, usage.fraction, usage.level)

    def _on_daily_loss_breach(self, reason: str) -> None:
        self.spawn(self.kill_switch.trip(reason, by="risk: daily loss limit"), "daily-loss-kill")

    def _on_broker_error(self, code: int, message: str) -> None:
        self.alerts.raise_alert(Severity.WARNING, "broker", f"{code}: {message}", f"broker-{code}")

    def _on_connection_changed(self, state: ConnectionState, message: str) -> None:
        self._connection_message = message
        if state is ConnectionState.DISCONNECTED:
            if not self._started and self.broker.next_attempt is not None:
                self.system_alerts.on_connect_retrying(message)  # start-up waits for the broker
            self._was_disconnected = self._started
        elif state is ConnectionState.CONNECTING:
            return  # a reconnect attempt: reconcile once it has succeeded
        elif self._was_disconnected or state is ConnectionState.DATA_LOST:
            self._was_disconnected = False
            if self._started:
                self.spawn(self.resync(), "reconnect-resync")

    # -- tasks -------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` as a task owned by the app; failures become critical alerts."""
        return self.tasks.spawn(coro, name)

    def report_failure(self, source: str, exc: BaseException, context: str = "") -> None:
        """A bug surfaced (a task, an event handler, a view's refresh, an unhandled exception):
        log it with its traceback and raise a critical alert naming ``source``."""
        where = f" ({context})" if context else ""
        log.error("%s failed%s", source, where, exc_info=exc)
        self.system_alerts.on_error(source, f"{type(exc).__name__}: {exc}{where}")

    def _task_failed(self, name: str, exc: BaseException) -> None:
        self.report_failure(f"task {name}", exc)

    def _listener_failed(self, failure: ListenerFailure) -> None:
        self.report_failure(failure.source, failure.error, f"on {failure.event}")

    # -- lifecycle ---------------------------------------------------------------------------
    def _own_fills(self, fills: list[Fill]) -> list[Fill]:
        if self.shares_account or not self.on_desk:
            return fills
        orders = self.store.load_orders_by_id({f.order_id for f in fills if f.order_id})
        own = {o.id for o in orders if self.orders.book.owns(o)}
        return [f for f in fills if f.order_id in own]

    def restore(self) -> None:
        """Load what the last session left (blocking reads; call before the loop runs)."""
        recent_fills = self.store.load_fills(since=self.clock.now() - RECENT_FILLS)
        self.orders.restore(
            self.store.load_orders(open_only=True),
            self.store.known_exec_ids(),
            # What a broker may report again after the restart (TWS: the executions of the last
            # days), so a commission that came too late for the last session corrects its fill.
            recent_fills,
        )
        # Today's fills of the last session: the part of a loaded position bought today is not
        # marked from the previous close. On a desk of separate accounts the store holds the
        # other terminals' fills too, which this account never booked: keep this terminal's.
        self.portfolio.restore_day_fills(self._own_fills(recent_fills))
        self.alerts.restore(self.store.load_alerts(active_only=True))
        stored = self.store.load_settings()
        self._restore_alert_rules(stored.get(ALERT_RULES_KEY))
        saved = stored.get(TRADING_STATE_KEY)
        if isinstance(saved, dict) and saved.get("state") in {s.value for s in TradingState}:
            self.trading_state.restore(
                TradingState(saved["state"]), str(saved.get("reason", "")), str(saved.get("by", ""))
            )
        self._baseline_date = self.portfolio.trading_date()
        self._day_baselines = self.store.load_day_baselines(self._baseline_date)
        self._stored_combo_orders = self.store.load_combo_orders()
        if isinstance(self.broker, PaperVenue):
            self._restore_paper_account(self.broker)
        self._restore_policy(stored.get(POLICY_KEY))

    def _restore_paper_account(self, venue: PaperVenue) -> None:
        """Continue the simulated exchange's paper account, and keep saving it."""
        account_id = venue.paper_account_id
        try:
            saved = self.store.load_paper_account(account_id)
        except PaperAccountUnreadable as exc:
            # Kept in the database untouched until the account is saved again.
            log.error("the saved paper account %s cannot be read: %s", account_id, exc)
            self.alerts.raise_alert(
                Severity.CRITICAL,
                "sim",
                f"The saved simulated account {account_id} cannot be read ({exc}); "
                "this session starts a new one and will save over it",
            )
            saved = None
        if saved is not None:
            for problem in venue.restore_paper_account(saved):
                log.warning("paper account %s: %s", account_id, problem)
                self.alerts.raise_alert(Severity.WARNING, "sim", f"Simulated account: {problem}")
        venue.keep_paper_account(self.store.save_paper_account)

    def _restore_policy(self, saved: object) -> None:
        try:
            self.policy = FourEyesPolicy.from_dict(saved if isinstance(saved, dict) else None)
        except DomainError as exc:
            # Safer to demand four eyes for everything than to drop the rule silently.
            log.error("%s; every order needs a second approver until it is fixed", exc)
            self.policy = FourEyesPolicy(notional=Decimal(0))
            self.alerts.raise_alert(Severity.CRITICAL, "desk", str(exc), "desk-policy")

    # -- desk identity -------------------------------------------------------------------------
    def notional_of(self, intent: OrderIntent) -> Any:
        """What an order is worth now (the four-eyes threshold reads this)."""
        mark = self.portfolio.mark(intent.instrument.key)
        return estimate_order(intent, self.market, mark=mark).notional

    def sign_in(self, user: User) -> None:
        """Act as ``user`` from now on: every record names them, the desk's rules apply."""
        self.user = user
        self.actor = self.orders.actor = self.audit.actor = user.name
        self.kill_switch.actor = user.name
        self.gate = DeskGate(self.workstation, user, self.policy, self.notional_of)
        self.orders.gate = self.gate
        self.audit.record("sign_in", self.workstation, {"user": user.name, "role": user.role.value})

    def _restore_alert_rules(self, saved: object) -> None:
        if not isinstance(saved, list):
            return
        for data in saved:
            try:
                self.alert_rules.add(rule_from_dict(data))
            except (ValueError, TypeError) as exc:
                log.warning("dropping a saved alert rule that cannot be read (%s): %r", exc, data)

    async def start(self, *, retry_connect: bool = False) -> StartReport:
        """Connect, reconcile, and subscribe the watchlist.

        With ``retry_connect`` a broker that does not answer yet (TWS not started) is tried
        again with backoff, like a lost connection, and this waits until it answers:
        :meth:`connection_status` says when the next attempt is due and :meth:`connect_now`
        tries at once; a warning alert says why it is not connected. Without it (the smoke
        test) the first failure raises.

        Raises:
            BrokerError: the broker cannot be reached (without ``retry_connect``), refuses the
                session (a live account not allowed), or :meth:`stop` ended the attempts.
        """
        self._loop = asyncio.get_running_loop()
        report = StartReport()
        await self.broker.connect(retry=retry_connect)
        account = await self.broker.account()
        self.portfolio.set_account(account)
        baseline = self._day_baselines.get(account.account_id)
        if baseline is not None:  # a restart during the day: the same day P&L as before it
            self.portfolio.restore_day_baseline(self._baseline_date, baseline)
        report.account_id, report.paper = account.account_id, account.is_paper
        report.reconcile, report.position_differences = await self._reconcile_all(
            ChangeSource.RESTART, loading=True
        )
        if self.on_desk:
            await self.listen_to_desk()
        self._started = True
        self.system_alerts.on_day_pnl(self.portfolio.day_pnl_established)
        self.audit.record(
            "session_start",
            self.workstation,
            {"broker": self.broker.name, "account": account.account_id},
        )
        names = self.store.load_watchlists().get(DEFAULT_WATCHLIST) or list(
            self.settings.ui.watchlist
        )
        for symbol in names:
            try:
                instrument = await self.broker.qualify(symbol)
            except DomainError:
                report.unknown_symbols.append(symbol)
                continue
            await self.market.subscribe(instrument)
            self.watchlist.append(instrument)
        report.watchlist = [i.key for i in self.watchlist]
        await self._mark_held_positions()
        self.bar_recorder.adopt(self.orders.open_orders(), self.portfolio.positions())
        self._forget_old_bars()
        return report

    def _forget_old_bars(self) -> None:
        """Drop recorded price bars older than the retention period (a queued write)."""
        days = self.settings.analytics.bar_retention_days
        if days:
            self.store.delete_bars_before(self.clock.now() - dt.timedelta(days=days))

    def strategy_positions(self) -> Grouping:
        """Group the held legs into the combos they were traded as (terminal/portfolio/strategies).

        Derived on demand from the filled combo orders (this session's book and the store's)
        and the portfolio's positions: nothing is kept on the fill path.
        """
        orders = [*self._stored_combo_orders, *self.orders.orders()]
        return group_positions(orders, self.portfolio.positions())

    def connection_status(self) -> ConnectionStatus:
        """The broker connection for the status bar: state, the broker's last message, and when
        the next attempt is due while it waits to (re)connect."""
        return ConnectionStatus(
            self.broker.connection_state, self._connection_message, self.broker.next_attempt
        )

    def connect_now(self) -> None:
        """Try to (re)connect now instead of waiting for the next attempt (the "try now"
        button); nothing happens when no attempt waits."""
        self.broker.connect_now()

    async def listen_to_desk(self) -> None:
        """Start hearing the other terminals (PostgreSQL LISTEN on a thread of its own)."""
        from terminal.desk.listener import DeskListener

        if self._listener is not None:
            return
        listener = DeskListener(
            self.database.engine,
            self.notifier.origin,
            self._notify_threadsafe,
            self.desk.on_batch,
            self.desk.on_status,
            audit_after=self.audit.head.seq,
            watched_settings=(TRADING_STATE_KEY,),
        )
        self._listener = listener
        heard: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_status(connected: bool, _message: str) -> None:
            if connected and not heard.done():
                heard.set_result(None)

        self.desk.status_changed += on_status
        listener.start()
        try:
            # From here on what another terminal commits is heard, and what it committed
            # before is read (the listener's first batch comes before its status).
            async with asyncio.timeout(10):
                await heard
        except TimeoutError:
            log.warning("not listening to the desk yet; the listener keeps trying")
        finally:
            self.desk.status_changed -= on_status

    def watch_feeds(self, every: float = FEED_CHECK_SECONDS) -> asyncio.Task[Any]:
        """Look for feeds gone quiet every ``every`` wall-clock seconds until the app stops.

        The window and the console call this once started, as they start the simulated market;
        tests call ``market.feeds.check(now)`` with their virtual clock instead.
        """
        return self.spawn(self._watch_feeds(every), "feed-watchdog")

    def _keep_positions_quoted(self, positions: list[Position]) -> None:
        """A position opened during the session (a combo's legs, say) is marked like those held
        at start-up, whether or not a view still subscribes its quotes."""
        self._want_quotes(p.instrument for p in positions if not p.is_flat)

    def _keep_combo_legs_quoted(self, order: Order) -> None:
        """Quote the legs of an open combo order: the builder gives its legs' quotes back when
        the chain is hidden (the approval queue shares its dock), and approving re-checks the
        combo against them."""
        combo = order.intent.combo
        if combo is not None and order.status.is_open:
            self._want_quotes(leg.instrument for leg in combo.legs)

    def _want_quotes(self, instruments: Iterable[Instrument]) -> None:
        if not self._started:
            return  # start-up marks what is held (_mark_held_positions)
        watched = {i.key for i in self.watchlist}
        for inst in instruments:
            if inst.key not in watched and inst.key not in self._held_subscriptions:
                self._quotes_wanted[inst.key] = inst
        if self._quotes_wanted and (self._subscribing is None or self._subscribing.done()):
            self._subscribing = self.spawn(self._subscribe_wanted(), "keep-quoted")

    async def _subscribe_wanted(self) -> None:
        while self._quotes_wanted:
            key, inst = self._quotes_wanted.popitem()
            if key in self._held_subscriptions:
                continue
            try:
                await self.market.subscribe(inst)
            except (BrokerError, DomainError) as exc:
                log.warning("cannot keep %s quoted: %s", key, exc)
                continue
            self._held_subscriptions.add(key)

    async def _mark_held_positions(self) -> None:
        """Subscribe the instruments held outside the watchlist, so every position is marked
        at the market (and the day's baseline can be established)."""
        watched = {i.key for i in self.watchlist}
        for position in self.portfolio.positions():
            if position.key not in watched and position.key not in self._held_subscriptions:
                try:
                    await self.market.subscribe(position.instrument)
                except (BrokerError, DomainError) as exc:
                    log.warning("cannot mark the position in %s: %s", position.key, exc)
                    continue
                self._held_subscriptions.add(position.key)

    def watch_health(self, every: float = HEALTH_PROBE_SECONDS) -> asyncio.Task[Any]:
        """Measure the broker round trip every ``every`` seconds until the app stops (for
        ``health.report()``); the window and the console call this once started."""
        return self.spawn(self._watch_health(every), "health-probe")

    async def _watch_health(self, every: float) -> None:
        while True:
            await self.health.probe()
            await asyncio.sleep(every)

    async def add_to_watchlist(self, symbol: str) -> Instrument:
        """Qualify ``symbol`` at the broker, subscribe it and save the watchlist.

        Raises:
            UnknownInstrument: the broker does not know the symbol (nothing changes).
        """
        instrument = await self.broker.qualify(symbol)
        if all(i.key != instrument.key for i in self.watchlist):
            await self.market.subscribe(instrument)
            self.watchlist.append(instrument)
            self._save_watchlist()
        return instrument

    async def remove_from_watchlist(self, key: str) -> None:
        """Drop ``key`` from the watchlist, unsubscribe it and save the watchlist."""
        for instrument in [i for i in self.watchlist if i.key == key]:
            self.watchlist.remove(instrument)
            await self.market.unsubscribe(instrument)
        self._save_watchlist()

    def _save_watchlist(self) -> None:
        self.store.save_watchlist(DEFAULT_WATCHLIST, [i.key for i in self.watchlist])

    async def _reconcile_all(
        self, source: ChangeSource, *, loading: bool = False
    ) -> tuple[ReconcileReport, list[str]]:
        result = await reconcile(self.orders.book, self.broker, source=source)
        differences = self.portfolio.replace_positions(await self.broker.positions())
        if result.changed:
            self.alerts.raise_alert(Severity.INFO, "reconcile", result.summary(), "reconcile")
        if differences and loading:
            # At start-up the portfolio is empty: the broker's positions are loaded, not
            # corrected (a paper account's positions come back at every start).
            log.info("positions loaded from the broker: %s", "; ".join(map(str, differences)))
        elif differences:
            text = "; ".join(str(d) for d in differences)
            self.alerts.raise_alert(
                Severity.WARNING,
                "reconcile",
                f"positions corrected from broker: {text}",
                "positions",
            )
        return result, [str(d) for d in differences]

    async def resync(self) -> ReconcileReport:
        """Reconcile after a reconnect (the same path as start-up)."""
        result, _ = await self._reconcile_all(ChangeSource.RECONCILE)
        return result

    async def reset_sim_account(self) -> PaperAccount:
        """Start the simulated account anew: starting cash, no positions, no working orders.

        An explicit action (the window's menu, ``trading-terminal sim reset`` offline): orders
        awaiting approval are withdrawn, working orders end CANCELLED ("simulated account
        reset"), the positions go flat, today's day P&L starts again from the new equity, and
        the reset is audited (``sim_account_reset``, with the account as it was). The market
        goes on; the kill switch's state is left as it is.

        Returns:
            The account as it was before the reset.

        Raises:
            BrokerError: the broker keeps no paper account (a real broker's account cannot be
                reset from here).
        """
        venue = self.broker
        if not isinstance(venue, PaperVenue):
            raise BrokerError(
                f"the {venue.name} account is not a paper account: it cannot be reset"
            )
        reason = "simulated account reset"
        withdrawn = self.orders.withdraw_pending(reason, by=self.actor)
        before = venue.reset_paper_account()
        self.portfolio.set_account(await venue.account())
        self.portfolio.replace_positions(await venue.positions())
        self.portfolio.set_day_baseline(self.portfolio.equity())
        self.audit.record(
            "sim_account_reset",
            venue.paper_account_id,
            {
                "by": self.actor,
                "before": paper_summary(before),
                "after": {"cash": before.starting_cash},
                "withdrawn": [o.id for o in withdrawn],
            },
        )
        cancelled = len(before.orders)
        self.alerts.raise_alert(
            Severity.WARNING,
            "sim",
            f"Simulated account {venue.paper_account_id} reset by {self.actor}: cash "
            f"{format_money(before.starting_cash)}, no positions; {cancelled} working order(s) "
            f"cancelled, {len(withdrawn)} awaiting approval withdrawn",
        )
        return before

    async def stop(self) -> None:
        """Shut down in order; safe to call twice (the second call does nothing)."""
        if self._stopped:
            return
        self._stopped = True
        self._started = False
        # The desk is input too: stop hearing it first (a thread, joined off the loop).
        self.desk.close()
        loop = asyncio.get_running_loop()
        if self._listener is not None:
            await loop.run_in_executor(None, self._listener.close)
        await self.tasks.cancel_all()
        await self.orders.aclose()
        self.bar_recorder.close()  # the forming bars too, before the writer closes
        await self.market.aclose()
        self._unwire()
        try:
            await self.broker.disconnect()
        except Exception:
            log.exception("broker disconnect failed during shutdown")
        if isinstance(self.broker, PaperVenue):
            self.broker.keep_paper_account(None)  # saved at disconnect; the writer closes next
        if self._loop is not None and not self.writer.failed:
            if self.user is not None:
                self.audit.record("sign_out", self.workstation, {"user": self.user.name})
            self.audit.record("session_stop", self.workstation, {})
        if self.writer.failed:  # one last try before the process goes away
            self.writer.retry_failed()
        await loop.run_in_executor(None, self.writer.close)
        for failed in self.writer.failed:
            log.critical("database write lost at shutdown: %s", failed)
        if self.on_desk and self.settings.desk.checkpoint_at_stop and self._loop is not None:
            await loop.run_in_executor(None, self._write_checkpoint)
        self.database.close()

    def close_threads(self) -> None:
        """Stop this terminal's own threads when its loop cannot run ``stop`` (a crash, a test that
        failed half-way): the desk listener and the database writer would otherwise go on writing
        to a database that may be gone. No broker call, no ``session_stop``: the next start's
        recovery sees an interrupted session, which is what it was."""
        if self._stopped:
            return
        self._stopped = True
        self.desk.close()
        if self._listener is not None:
            self._listener.close()
        self.writer.close(timeout=2.0)
        self.database.close()

    def _write_checkpoint(self) -> None:
        """Anchor the chain outside the database at the end of the session (blocking)."""
        from terminal.persistence.audit_cli import default_checkpoint_dir, default_key_path
        from terminal.persistence.checkpoint import (
            checkpoint_name,
            create_key,
            current_checkpoint,
            load_key,
            write_checkpoint,
        )
        from terminal.persistence.errors import PersistenceError

        desk = self.settings.desk
        key_path = Path(desk.checkpoint_key) if desk.checkpoint_key else default_key_path()
        folder = Path(desk.checkpoint_dir) if desk.checkpoint_dir else default_checkpoint_dir()
        try:
            if not desk.checkpoint_key and not key_path.exists():
                create_key(key_path)
            db = self.database
            checkpoint = current_checkpoint(db.engine, db.url, self.clock.now())
            head = ChainHead(checkpoint.seq, checkpoint.hash)
            target = folder / checkpoint_name(head, checkpoint.at)
            write_checkpoint(target, checkpoint, load_key(key_path))
        except (PersistenceError, OSError, SQLAlchemyError) as exc:
            log.critical("no audit checkpoint written at the end of the session: %s", exc)
            return
        log.info("audit checkpoint of record %d written to %s", checkpoint.seq, target)
