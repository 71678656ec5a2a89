"""What the trader draws on a chart: horizontal lines and trend lines, kept per instrument.

A drawing is a value: a horizontal line is a price, a trend line two (time, price) anchors.
Times are epoch seconds, not bar indices, so a trend line stays on the same moments when the
timeframe changes or more history loads. The JSON form (:func:`to_json`, :func:`from_json`)
is what the chart pane saves for each user and instrument; an entry it cannot read is skipped
and reported, never guessed.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

#: Bump when the saved form changes; an unknown version is refused, not guessed.
VERSION = 1


@dataclass(frozen=True, slots=True)
class HorizontalLine:
    """A horizontal line at ``price``."""

    id: str
    price: float


@dataclass(frozen=True, slots=True)
class TrendLine:
    """A line from (``t1``, ``p1``) to (``t2``, ``p2``); times in epoch seconds."""

    id: str
    t1: float
    p1: float
    t2: float
    p2: float


Drawing = HorizontalLine | TrendLine


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def to_json(drawings: list[Drawing]) -> bytes:
    """The saved form of ``drawings``."""
    entries: list[dict[str, Any]] = []
    for drawing in drawings:
        if isinstance(drawing, HorizontalLine):
            entries.append({"kind": "hline", "id": drawing.id, "price": drawing.price})
        else:
            points = [[drawing.t1, drawing.p1], [drawing.t2, drawing.p2]]
            entries.append({"kind": "trend", "id": drawing.id, "points": points})
    return json.dumps({"version": VERSION, "drawings": entries}, allow_nan=False).encode()


def from_json(data: bytes) -> tuple[list[Drawing], list[str]]:
    """Read the saved form: the drawings and a problem for each entry that was skipped.

    Raises:
        ValueError: not JSON, or a version this build does not know.
    """
    document = json.loads(data)
    if not isinstance(document, dict) or document.get("version") != VERSION:
        version = document.get("version") if isinstance(document, dict) else None
        raise ValueError(f"chart drawings saved in an unknown form (version {version!r})")
    drawings: list[Drawing] = []
    problems: list[str] = []
    for entry in document.get("drawings", []):
        try:
            drawings.append(_drawing(entry))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"skipped a drawing that cannot be read ({entry!r}: {exc})")
    return drawings, problems


def _drawing(entry: dict[str, Any]) -> Drawing:
    kind = entry["kind"]
    if kind == "hline":
        return HorizontalLine(str(entry["id"]), _finite(entry["price"]))
    if kind == "trend":
        (t1, p1), (t2, p2) = entry["points"]
        return TrendLine(str(entry["id"]), *(_finite(v) for v in (t1, p1, t2, p2)))
    raise ValueError(f"unknown kind {kind!r}")


def _finite(value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{value!r} is not a number")
    return float(value)
