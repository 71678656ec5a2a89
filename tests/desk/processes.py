"""Run terminals as child processes: start them, wait for READY, release them together."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Children:
    """Child processes speaking a line protocol on stdin/stdout.

    A child must print exactly one line per command (and nothing before READY): the wait
    selects on the pipe, and a second line already read into the pipe's buffer would not wake it.
    """

    def __init__(
        self,
        commands: Sequence[Sequence[str]],
        env: dict[str, str] | None = None,
        envs: Sequence[dict[str, str]] | None = None,
    ) -> None:
        extra = envs or [{} for _ in commands]
        self.procs = [
            subprocess.Popen(
                [sys.executable, *command],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=dict(os.environ, **(env or {}), **more),
            )
            for command, more in zip(commands, extra, strict=True)
        ]

    def expect(self, index: int, line: str, timeout: float = 120) -> None:
        """Wait for child ``index`` to print ``line`` (fails with its stderr otherwise)."""
        proc = self.procs[index]
        assert proc.stdout is not None
        while True:
            with selectors.DefaultSelector() as sel:
                sel.register(proc.stdout, selectors.EVENT_READ)
                if not sel.select(timeout=timeout):
                    raise AssertionError(
                        f"child {index} did not say {line!r}: {self.stderr(index)}"
                    )
            got = proc.stdout.readline()
            if got == "":
                raise AssertionError(f"child {index} ended before {line!r}: {self.stderr(index)}")
            if got.strip() == line:
                return

    def send(self, index: int, line: str) -> None:
        stdin = self.procs[index].stdin
        assert stdin is not None
        stdin.write(line + "\n")
        stdin.flush()

    def ask(self, index: int, line: str, timeout: float = 60) -> dict[str, Any]:
        """Send a command line and return the JSON line the child answers with."""
        self.send(index, line)
        proc = self.procs[index]
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout=timeout):
                raise AssertionError(f"child {index} did not answer {line!r}: {self.stderr(index)}")
        got = proc.stdout.readline()
        if not got:
            raise AssertionError(f"child {index} ended on {line!r}: {self.stderr(index)}")
        answer: dict[str, Any] = json.loads(got)
        return answer

    def result(self, index: int, timeout: float = 180) -> dict[str, Any]:
        """Wait for child ``index`` to end with status 0 and return its last JSON line."""
        proc = self.procs[index]
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, f"child {index} failed ({proc.returncode}): {err}"
        lines = out.strip().splitlines()
        data: dict[str, Any] = json.loads(lines[-1]) if lines else {}
        return data

    def stderr(self, index: int) -> str:
        proc = self.procs[index]
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=30)
        return err

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None and not stream.closed:
                    stream.close()
