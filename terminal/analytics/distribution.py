"""How one execution metric is spread over a period's orders: the analytics pane's histogram.

Pure and Qt-free, so the bins are tested without a window. An order whose figure the data
cannot give (no mid recorded at staging, not filled, not approved) is left out of the bins and
counted by reason, never drawn as a zero.

Bins have a "nice" width (1, 2 or 5 x 10^k) chosen by numpy's ``auto`` rule and capped at
:data:`MAX_BINS`. Slippage bins are centred on multiples of the width, so one bin holds exactly
zero and a bin is wholly a cost (right of it) or a gain (left); with a width of one tick each bin
is one tick. Latency bins start at multiples of the width (0, w, 2w, ...).

A few far-off values (an order approved after lunch among approvals of seconds) would squash
every other order into one bar: values more than :data:`OUTLIER_IQR` inter-quartile ranges
beyond the quartiles are counted in the outermost bin on their side instead, and the
distribution says how many (:meth:`Distribution.outliers_text`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from terminal.analytics.execution import OrderExecution

MAX_BINS = 40
#: Values this many inter-quartile ranges below the first or above the third quartile are
#: counted in the outermost bins (Tukey's "far out" fence).
OUTLIER_IQR = 3.0
#: Fewer values than this are binned over their whole range (quartiles of a handful say little).
MIN_FOR_FENCES = 8

type FloatArray = npt.NDArray[np.float64]
type IntArray = npt.NDArray[np.int64]


class Metric(StrEnum):
    """The figures the histogram can show; the value is its name, unit included."""

    SLIP_ARRIVAL_TICKS = "Slippage vs arrival (ticks)"
    SLIP_ARRIVAL_BPS = "Slippage vs arrival (bps)"
    SLIP_APPROVAL_TICKS = "Slippage vs approval (ticks)"
    SLIP_APPROVAL_BPS = "Slippage vs approval (bps)"
    APPROVAL_LATENCY = "Approval latency (s)"
    ACK_LATENCY = "Ack latency (s)"
    FIRST_FILL_LATENCY = "First fill latency (s)"

    @property
    def signed(self) -> bool:
        """A cost that can be negative (a gain), centred on zero; latencies are not."""
        return self.name.startswith("SLIP_")

    @property
    def unit(self) -> str:
        return self.value[self.value.rindex("(") + 1 : -1]


# Each metric's figure of an order, or why the order has none.
_NOT_FILLED = "not filled"
_NOT_APPROVED = "not approved"


def _slip(
    e: OrderExecution, arrival: bool, ticks: bool
) -> float | str:  # the figure, or the reason it is missing
    if e.filled_quantity <= 0:
        return _NOT_FILLED
    slip = e.vs_arrival if arrival else e.vs_approval
    if slip is None:
        if not arrival and e.order.approved_at is None:
            return _NOT_APPROVED
        return f"without a mid at {'staging' if arrival else 'approval'}"
    return float(slip.ticks if ticks else slip.bps)


def _latency(e: OrderExecution, value: float | None, missing: str) -> float | str:
    if e.order.approved_at is None:
        return _NOT_APPROVED
    return missing if value is None else value


_FIGURE: dict[Metric, Callable[[OrderExecution], float | str]] = {
    Metric.SLIP_ARRIVAL_TICKS: lambda e: _slip(e, arrival=True, ticks=True),
    Metric.SLIP_ARRIVAL_BPS: lambda e: _slip(e, arrival=True, ticks=False),
    Metric.SLIP_APPROVAL_TICKS: lambda e: _slip(e, arrival=False, ticks=True),
    Metric.SLIP_APPROVAL_BPS: lambda e: _slip(e, arrival=False, ticks=False),
    Metric.APPROVAL_LATENCY: lambda e: _latency(e, e.approval_latency, _NOT_APPROVED),
    Metric.ACK_LATENCY: lambda e: _latency(e, e.ack_latency, "not acknowledged"),
    Metric.FIRST_FILL_LATENCY: lambda e: _latency(e, e.first_fill_latency, _NOT_FILLED),
}


@dataclass(frozen=True, slots=True)
class Distribution:
    """The binned figures of one metric.

    Attributes:
        values: the figures of the orders that have one, in the orders' order.
        edges: ``len(counts) + 1`` bin edges, ascending; bin ``i`` is ``[edges[i], edges[i+1])``
            (the last one closed). Empty without values.
        counts: orders per bin.
        left_out: (reason, orders) of the orders without the figure, most first.
        below / above: values beyond the first / last edge, counted in the first / last bin.
    """

    metric: Metric
    values: FloatArray
    edges: FloatArray
    counts: IntArray
    left_out: tuple[tuple[str, int], ...]
    below: int = 0
    above: int = 0

    @property
    def width(self) -> float:
        return float(self.edges[1] - self.edges[0]) if len(self.edges) > 1 else math.nan

    @property
    def centres(self) -> FloatArray:
        centres: FloatArray = (self.edges[:-1] + self.edges[1:]) / 2
        return centres

    @property
    def median(self) -> float | None:
        return float(np.median(self.values)) if len(self.values) else None

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.values)) if len(self.values) else None

    def left_out_text(self) -> str:
        """E.g. "12 orders without a mid at staging, 3 not filled: left out" ("" if none)."""
        if not self.left_out:
            return ""
        parts = [
            f"{n} {'order' if n == 1 else 'orders'} {reason}" if i == 0 else f"{n} {reason}"
            for i, (reason, n) in enumerate(self.left_out)
        ]
        return ", ".join(parts) + ": left out"

    def outliers_text(self) -> str:
        """E.g. "2 above 14 s in the last bar" ("" if none)."""
        unit = self.metric.unit
        parts = []
        if self.below:
            parts.append(f"{self.below} below {self.edges[0]:,.4g} {unit} in the first bar")
        if self.above:
            parts.append(f"{self.above} above {self.edges[-1]:,.4g} {unit} in the last bar")
        return ", ".join(parts)


def binned_range(values: FloatArray) -> tuple[float, float]:
    """The range the bins cover: every value's, or short of the far-out values (beyond
    :data:`OUTLIER_IQR` inter-quartile ranges from the quartiles) when there are some."""
    lo, hi = float(values.min()), float(values.max())
    if len(values) < MIN_FOR_FENCES:
        return lo, hi
    q1, q3 = (float(q) for q in np.percentile(values, [25, 75]))
    spread = q3 - q1
    if spread <= 0:
        return lo, hi
    return max(lo, q1 - OUTLIER_IQR * spread), min(hi, q3 + OUTLIER_IQR * spread)


def nice_width(raw: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= ``raw`` (bins that read well on an axis)."""
    if not math.isfinite(raw) or raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= raw * (1 - 1e-9):
            return step * power
    return 10.0 * power


def bin_edges(values: FloatArray, *, centred: bool) -> FloatArray:
    """Edges of nice-width bins over :func:`binned_range` of ``values``: centred on multiples
    of the width (``centred``) or starting at them."""
    if len(values) == 0:
        return np.empty(0, dtype=np.float64)
    lo, hi = binned_range(values)
    raw = 1.0
    if hi > lo:
        inside = values[(values >= lo) & (values <= hi)]
        auto = np.histogram_bin_edges(inside, bins="auto")
        raw = max(float(auto[1] - auto[0]), (hi - lo) / MAX_BINS)
    width = nice_width(raw)
    offset = width / 2 if centred else 0.0
    first = math.floor((lo + offset) / width)
    last = math.floor((hi + offset) / width)
    while last - first + 1 > MAX_BINS:  # the nice rounding can still leave one too many
        width = nice_width(width * 1.01)
        offset = width / 2 if centred else 0.0
        first = math.floor((lo + offset) / width)
        last = math.floor((hi + offset) / width)
    edges: FloatArray = np.arange(first, last + 2, dtype=np.float64) * width - offset
    return edges


def distribution(orders: Sequence[OrderExecution], metric: Metric) -> Distribution:
    """Bin ``metric`` over ``orders``, counting the orders left out by reason."""
    figure = _FIGURE[metric]
    values: list[float] = []
    missing: Counter[str] = Counter()
    for e in orders:
        value = figure(e)
        if isinstance(value, str):
            missing[value] += 1
        else:
            values.append(value)
    array = np.array(values, dtype=np.float64)
    edges = bin_edges(array, centred=metric.signed)
    below = above = 0
    if len(edges):
        first, last = float(edges[0]), float(edges[-1])
        below, above = int((array < first).sum()), int((array > last).sum())
        counts, _ = np.histogram(np.clip(array, first, last), bins=edges)
    else:
        counts = np.empty(0, dtype=np.int64)
    return Distribution(
        metric,
        array,
        edges,
        counts.astype(np.int64),
        tuple(sorted(missing.items(), key=lambda item: (-item[1], item[0]))),
        below,
        above,
    )
