"""Saving the dialog's settings without writing this session's command-line overrides to disk.

The running session's settings are the file's plus what the command line overrode for this run
(``--broker``, ``--port``, ``--live``, ``--db``...). Writing them back wholesale would make a
one-off override permanent (a ``--live`` run would stay live). So the file gets only what the
trader changed in the dialog; every other value stays as the file has it. Qt-free and blocking:
run :func:`save_changes` in an executor.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from terminal.settings import Settings, SettingsError, load_settings, save_settings, validate


def changed_fields(old: Settings, new: Settings) -> list[str]:
    """The ``section.field`` names whose values differ between ``old`` and ``new``."""
    names: list[str] = []
    for f in dataclasses.fields(Settings):
        before, after = getattr(old, f.name), getattr(new, f.name)
        if dataclasses.is_dataclass(before) and not isinstance(before, type):
            names.extend(
                f"{f.name}.{sub.name}"
                for sub in dataclasses.fields(before)
                if getattr(before, sub.name) != getattr(after, sub.name)
            )
        elif before != after:
            names.append(f.name)
    return names


def with_changes(base: Settings, source: Settings, names: list[str]) -> Settings:
    """``base`` with the fields ``names`` taken from ``source``."""
    result = base
    for name in names:
        section, _, field = name.partition(".")
        if not field:
            result = dataclasses.replace(result, **{section: getattr(source, section)})
            continue
        part: Any = getattr(result, section)
        value = getattr(getattr(source, section), field)
        result = dataclasses.replace(
            result, **{section: dataclasses.replace(part, **{field: value})}
        )
    return result


def read_file_settings(path: Path) -> Settings | None:
    """The settings as the file holds them (defaults when missing), None if unreadable."""
    try:
        return load_settings(path)
    except SettingsError:
        return None


def save_changes(path: Path, before: Settings, after: Settings) -> Settings:
    """Write the fields the trader changed (``before`` -> ``after``) into the file at ``path``.

    Returns:
        What the file now holds.

    Raises:
        OSError: the file cannot be written.
    """
    on_file = read_file_settings(path)
    # An unreadable file could not have started this session; if it was broken since, replace
    # it with the session's settings rather than lose the change.
    base = before if on_file is None else on_file
    result = with_changes(base, after, changed_fields(before, after))
    try:
        validate(result, str(path))
    except SettingsError:
        # The file was edited since start-up and mixes badly with the change (say a warn band
        # above the file's block band): save what the trader saw and validated instead.
        result = after
    save_settings(result, path)
    return result
