"""The order book is the one writer of order state: checked in the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

import terminal

CORE = Path(terminal.__file__).parent
OMS = CORE / "oms"
BOOK = OMS / "book.py"
#: The journal calls that write order state; only the book makes them.
JOURNAL_WRITES = {"save_order", "append_order_event", "save_fill"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_no_oms_module_reaches_into_another_objects_private_state() -> None:
    offences = []
    for path in sorted(OMS.glob("*.py")):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
                continue
            if node.attr.startswith("__") or (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            ):
                continue
            offences.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offences == []


def test_only_the_book_writes_orders_to_the_journal() -> None:
    writers = set()
    for path in sorted(CORE.rglob("*.py")):
        if "persistence" in path.parts:
            continue  # the store implements the journal
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and node.attr in JOURNAL_WRITES:
                writers.add(path.relative_to(CORE).as_posix())
    assert writers == {"oms/book.py"}


def test_changes_are_built_only_inside_the_order_path() -> None:
    outside = []
    for path in sorted(CORE.rglob("*.py")):
        if path.parent == OMS:
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Name) and node.id == "OrderChange":
                outside.append(path.relative_to(CORE).as_posix())
    assert outside == []
