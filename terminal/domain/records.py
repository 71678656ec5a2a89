"""``@hot_record``: an immutable value type that is cheap to build, for the market-data path.

A ``@dataclass(frozen=True)`` cannot assign its fields in ``__init__``; it calls
``object.__setattr__`` once per field. For a quote (twelve fields) that made construction
3.5 µs instead of 0.5 µs, and a storm builds 20,000 quotes a second on the GUI thread.

``hot_record`` builds a plain ``slots`` dataclass at run time (hashable like a frozen one) and
tells the type checker, through :func:`typing.dataclass_transform`, that the class is frozen:
``mypy --strict`` (``make lint``) refuses any assignment to a field, so the values stay
immutable by contract; ``dataclasses.replace`` is the way to change one. Use it only for the
types built per market update; everything else stays ``@dataclass(frozen=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import dataclass_transform


@dataclass_transform(frozen_default=True)
def hot_record[T](cls: type[T]) -> type[T]:
    """Make ``cls`` a slots dataclass, frozen for the type checker (see the module)."""
    return dataclass(slots=True, unsafe_hash=True)(cls)
