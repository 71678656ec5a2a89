"""The built-in simulated exchange: the default broker, deterministic for a seed.

See ``docs/simulator.md`` for how it works and how to configure it.
"""

from terminal.broker.sim.broker import SimBroker
from terminal.broker.sim.config import (
    InstrumentSpec,
    SessionTimes,
    SimConfig,
    SimConfigError,
    load_universe,
    synthetic_universe,
)

__all__ = [
    "InstrumentSpec",
    "SessionTimes",
    "SimBroker",
    "SimConfig",
    "SimConfigError",
    "load_universe",
    "synthetic_universe",
]
