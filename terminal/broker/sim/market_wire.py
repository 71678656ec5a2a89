"""The wire between the market process and the SimBroker: length-prefixed binary frames.

A frame is a 4-byte little-endian body length and the body; the body's first byte is its kind.
Market steps travel as raw numpy arrays (``tobytes`` / ``frombuffer``): nothing is pickled per
quote, so encoding and applying a step of a thousand requotes costs a few array copies. Only the
one-time start frame (the market to mirror) is a pickle, and only from the parent to its child.

Child to parent:
    ``Q`` one market step: ``<II`` (requoted count k, traded count t), then for the k requoted
    instruments their index (int32), bid and ask ticks (int64), mid and log-volatility (float64)
    and every level of bid and ask sizes (float64, k x levels each), then for the t prints their
    index (int32), price in ticks (int64), size (float64) and aggressor side (int8).

Parent to child:
    ``I`` start: a pickle of ``(market, steps_on_command)``, sent once.
    ``H`` halt: ``<iB`` (index, 1 halted / 0 resumed).
    ``S`` step on command (tests): ``<dd`` (seconds, activity).
"""

from __future__ import annotations

import pickle
import struct

import numpy as np

from terminal.broker.sim.market import Market, StepResult

HEADER = struct.Struct("<I")
STEP = b"Q"
START = b"I"
HALT = b"H"
STEP_NOW = b"S"
_COUNTS = struct.Struct("<II")
_HALT = struct.Struct("<iB")
_STEP_NOW = struct.Struct("<dd")


def frame(body: bytes) -> bytes:
    """Prefix ``body`` with its length."""
    return HEADER.pack(len(body)) + body


class FrameReader:
    """Cut a byte stream into frame bodies (a frame may arrive in pieces)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return the bodies of the frames it completed, oldest first."""
        buf = self._buffer
        buf += data
        bodies = []
        start = 0
        while len(buf) - start >= HEADER.size:
            (size,) = HEADER.unpack_from(buf, start)
            end = start + HEADER.size + size
            if end > len(buf):
                break
            bodies.append(bytes(buf[start + HEADER.size : end]))
            start = end
        del buf[:start]
        return bodies


# -- market steps (child -> parent) --------------------------------------------------------------
def encode_step(market: Market, res: StepResult) -> bytes:
    """Return the frame of one step: the requoted instruments' new state and the prints."""
    q, t = res.quoted, res.traded
    parts = [
        STEP,
        _COUNTS.pack(q.size, t.size),
        q.astype("<i4").tobytes(),
        market.bid_ticks[q].astype("<i8").tobytes(),
        market.ask_ticks[q].astype("<i8").tobytes(),
        market.mid[q].astype("<f8").tobytes(),
        market.logvol[q].astype("<f8").tobytes(),
        market.bid_sizes[q].astype("<f8").tobytes(),
        market.ask_sizes[q].astype("<f8").tobytes(),
        t.astype("<i4").tobytes(),
        res.trade_ticks.astype("<i8").tobytes(),
        res.trade_sizes.astype("<f8").tobytes(),
        res.trade_sides.astype("<i1").tobytes(),
    ]
    return frame(b"".join(parts))


def apply_step(market: Market, body: bytes) -> StepResult:
    """Write one step frame's state into ``market`` (the mirror); return what it changed.

    Requoted instruments take the venue's touch, mid, volatility and whole book, overwriting
    whatever our own fills took from the mirror's book since. Prints set last and last size and
    add to the day's volume, which the mirror keeps itself (its day roll resets it).
    """
    k, t = _COUNTS.unpack_from(body, 1)
    levels = market.levels
    offset = 1 + _COUNTS.size

    def take(dtype: str, count: int) -> np.ndarray:
        nonlocal offset
        arr = np.frombuffer(body, dtype=dtype, count=count, offset=offset)
        offset += arr.nbytes
        return arr

    quoted = take("<i4", k).astype(np.int64)
    market.bid_ticks[quoted] = take("<i8", k)
    market.ask_ticks[quoted] = take("<i8", k)
    market.mid[quoted] = take("<f8", k)
    market.logvol[quoted] = take("<f8", k)
    market.bid_sizes[quoted] = take("<f8", k * levels).reshape(k, levels)
    market.ask_sizes[quoted] = take("<f8", k * levels).reshape(k, levels)
    traded = take("<i4", t).astype(np.int64)
    ticks = take("<i8", t).astype(np.int64)
    sizes = take("<f8", t).astype(np.float64)
    sides = take("<i1", t).astype(np.int64)
    market.last[traded] = ticks * market.tick[traded]
    market.last_size[traded] = sizes
    market.volume[traded] += sizes  # one print per instrument per step: no repeated index
    return StepResult(quoted, traded, ticks, sizes, sides)


def merge(results: list[StepResult]) -> StepResult:
    """Join several steps into one batch to publish: each requoted instrument once (its state
    is the mirror's, the newest), every print in order."""
    if len(results) == 1:
        return results[0]
    return StepResult(
        quoted=np.unique(np.concatenate([r.quoted for r in results])),
        traded=np.concatenate([r.traded for r in results]),
        trade_ticks=np.concatenate([r.trade_ticks for r in results]),
        trade_sizes=np.concatenate([r.trade_sizes for r in results]),
        trade_sides=np.concatenate([r.trade_sides for r in results]),
    )


# -- control (parent -> child) -------------------------------------------------------------------
def encode_start(market: Market, steps_on_command: bool) -> bytes:
    """The one-time start frame: the market the child generates from (and we mirror)."""
    return frame(START + pickle.dumps((market, steps_on_command), pickle.HIGHEST_PROTOCOL))


def decode_start(body: bytes) -> tuple[Market, bool]:
    """Read the start frame (sent by our own parent: trusted)."""
    market, steps_on_command = pickle.loads(body[1:])  # from our own parent: trusted
    assert isinstance(market, Market)
    return market, bool(steps_on_command)


def encode_halt(index: int, halted: bool) -> bytes:
    return frame(HALT + _HALT.pack(index, int(halted)))


def decode_halt(body: bytes) -> tuple[int, bool]:
    index, flag = _HALT.unpack_from(body, 1)
    return int(index), bool(flag)


def encode_step_now(seconds: float, activity: float) -> bytes:
    return frame(STEP_NOW + _STEP_NOW.pack(seconds, activity))


def decode_step_now(body: bytes) -> tuple[float, float]:
    seconds, activity = _STEP_NOW.unpack_from(body, 1)
    return float(seconds), float(activity)
