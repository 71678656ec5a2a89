"""The core imports and works with Qt unavailable (the layering rule, checked at run time too)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    class BlockQt:
        BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "qasync", "widgets")
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.BLOCKED:
                raise ImportError(f"{name} is blocked: the core must not need Qt")
            return None

    sys.meta_path.insert(0, BlockQt())
    import terminal
    names = []
    for info in pkgutil.walk_packages(terminal.__path__, "terminal."):
        if info.name == "terminal.__main__" or ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
        names.append(info.name)
    leaked = [m for m in sys.modules if m.split(".")[0] in BlockQt.BLOCKED]
    assert not leaked, leaked
    print(len(names))
    """
)


def test_every_core_module_imports_with_qt_blocked() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 20  # the walk really found the core's modules
