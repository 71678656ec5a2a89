"""Build a SimBroker from the ``[sim]`` section of the settings."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from terminal.broker.sim.broker import SimBroker
from terminal.broker.sim.config import SimConfig, SimConfigError, load_universe
from terminal.domain import Clock, WallClock
from terminal.domain.commission import CommissionModel
from terminal.settings import SettingsError, SimSettings


def sim_config_from_settings(sim: SimSettings) -> SimConfig:
    """Translate settings into a :class:`SimConfig`; bad values raise SettingsError."""
    try:
        universe = load_universe(
            Path(sim.universe_file).expanduser() if sim.universe_file else None
        )
        return SimConfig(
            universe=universe,
            tick_interval=sim.tick_interval,
            quote_fraction=sim.quote_fraction,
            storm=sim.storm,
            sessions=sim.sessions,
            ack_latency=sim.ack_latency,
            fill_latency=sim.fill_latency,
            starting_cash=sim.starting_cash,
            commissions=replace(
                CommissionModel(),
                per_share=sim.commission_per_share,
                per_contract=sim.commission_per_contract,
            ),
        )
    except (SimConfigError, OSError) as exc:
        raise SettingsError(f"sim: {exc}") from None


def sim_broker_from_settings(sim: SimSettings, clock: Clock, seed: int | None = None) -> SimBroker:
    """Return a simulated exchange configured by ``sim`` (``seed`` overrides the setting).

    On wall time (the app) the market runs in a process of its own unless
    ``sim.market_process`` is off; on a virtual clock it cannot (the child keeps wall time),
    nor in the frozen app (no interpreter to run the child's module with ``-m``).
    """
    return SimBroker(
        clock,
        sim_config_from_settings(sim),
        seed=sim.seed if seed is None else seed,
        market_process=sim.market_process
        and isinstance(clock, WallClock)
        and not getattr(sys, "frozen", False),
    )
