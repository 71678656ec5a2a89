"""The TWS API wire format: length-prefixed frames of NUL-terminated ASCII fields.

Both directions use the same framing after the client's ``API\\0`` greeting: a 4-byte big-endian
length, then the fields, each followed by ``\\0``. Values are written the way the client parses
them: booleans as ``1``/``0``, "no value" as an empty field.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence
from decimal import Decimal

SERVER_VERSION = 176
"""The version announced in the handshake (see the reference: inside every client's range)."""

GREETING = b"API\0"
MAX_FRAME = 16 * 1024 * 1024
"""Longest frame accepted; anything longer is treated as a corrupt stream."""

UNSET_DOUBLE = "1.7976931348623157E308"
"""IB's "no value" for doubles where a field must carry a number (commission report)."""

Field = str | int | float | bool | Decimal | None


class MalformedFrame(ValueError):
    """The peer sent bytes that are not a valid TWS API frame."""


def format_field(value: Field) -> str:
    """Return one field as the client expects to read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(round(value, 8))
    return str(value)


def encode_frame(fields: Iterable[Field]) -> bytes:
    """Frame one message: length prefix, then every field NUL-terminated."""
    body = "".join(format_field(f) + "\0" for f in fields).encode("ascii", "replace")
    return struct.pack(">I", len(body)) + body


def split_body(body: bytes) -> list[str]:
    """Split a frame body into its fields; raise MalformedFrame when it is not one."""
    if not body.endswith(b"\0"):
        raise MalformedFrame("frame body does not end with NUL")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedFrame(f"non-ASCII bytes in frame: {exc}") from None
    fields = text.split("\0")
    fields.pop()
    if not fields or not fields[0].strip().lstrip("-").isdigit():
        raise MalformedFrame(f"frame does not start with a message id: {fields[:1]!r}")
    return fields


class FrameBuffer:
    """Accumulate socket bytes and hand out complete frame bodies."""

    def __init__(self) -> None:
        self._data = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the bodies of every frame now complete."""
        self._data += data
        bodies: list[bytes] = []
        while len(self._data) >= 4:
            (length,) = struct.unpack(">I", self._data[:4])
            if length == 0 or length > MAX_FRAME:
                raise MalformedFrame(f"frame length {length} out of range")
            if len(self._data) < 4 + length:
                break
            bodies.append(bytes(self._data[4 : 4 + length]))
            del self._data[: 4 + length]
        return bodies


def parse_version_range(payload: bytes) -> tuple[int, int]:
    """Read the client's ``v<min>..<max>[ options]`` announcement."""
    try:
        text = payload.decode("ascii")
        spec = text.split(" ", 1)[0]
        if not spec.startswith("v"):
            raise ValueError(spec)
        if ".." in spec:
            low, high = spec[1:].split("..", 1)
            return int(low), int(high)
        return int(spec[1:]), int(spec[1:])
    except ValueError:
        raise MalformedFrame(f"bad version announcement {payload[:40]!r}") from None


class FieldReader:
    """Read a request's fields in order, converting the way TWS does (empty means unset)."""

    def __init__(self, fields: Sequence[str], start: int = 1) -> None:
        self._fields = fields
        self._pos = start

    @property
    def remaining(self) -> int:
        """How many fields are left."""
        return len(self._fields) - self._pos

    def text(self) -> str:
        """Next field as text ('' once the fields run out: trailing fields are optional)."""
        if self._pos >= len(self._fields):
            self._pos += 1
            return ""
        value = self._fields[self._pos]
        self._pos += 1
        return value

    def integer(self, default: int = 0) -> int:
        """Next field as an int (``default`` when empty)."""
        raw = self.text()
        if not raw:
            return default
        try:
            return int(float(raw))
        except ValueError:
            raise MalformedFrame(f"expected an integer, got {raw!r}") from None

    def number(self) -> float | None:
        """Next field as a float, None when empty (the client's "unset")."""
        raw = self.text()
        if not raw:
            return None
        if raw == "Infinite":
            return math.inf
        try:
            return float(raw)
        except ValueError:
            raise MalformedFrame(f"expected a number, got {raw!r}") from None

    def flag(self) -> bool:
        """Next field as a boolean (``1``/``0``, empty is False)."""
        raw = self.text()
        return bool(raw) and raw not in {"0", "false", "False"}

    def skip(self, count: int = 1) -> None:
        """Skip fields this stand-in does not use."""
        self._pos += count
