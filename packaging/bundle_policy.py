"""What the frozen app keeps of what PyInstaller's hooks collect, and why.

PyInstaller's PySide6 hooks collect every plugin of each plugin type a Qt module may use, and every
translation. The terminal needs far less: a window on X11, Wayland, Windows or macOS (plus
offscreen for the smoke test), SVG icons, ICO for the Windows icon, and English only. Dropping a
plugin can orphan the Qt library it alone needed (``libQt6Network`` behind the TLS plugins, the
eglfs integration library behind the eglfs platform), so orphans are pruned by link-time
dependency. On Linux, libraries that come from the operating system (``/usr/lib``...) are left to
the system: the .deb depends on their packages instead of shipping copies.

Used by ``trading-terminal.spec`` (the spec runs it on Linux, Windows and macOS) and by
``packaging/linux/build-deb.sh`` indirectly through the bundle it shapes.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Callable, Iterable

#: (destination in the bundle, source file, PyInstaller type code)
Entry = tuple[str, str, str]

#: Plugin type -> file-name stems kept (``libqxcb.so`` -> ``qxcb``; fnmatch patterns).
KEEP_PLUGINS: dict[str, tuple[str, ...]] = {
    # The window on each desktop, and offscreen for the smoke test and headless CI.
    "platforms": ("qxcb", "qwayland*", "qoffscreen", "qwindows", "qcocoa"),
    # OpenGL under X11 (pyqtgraph's OpenGL paths); a few hundred kB.
    "xcbglintegrations": ("*",),
    # Wayland: the xdg-shell protocol every desktop compositor speaks, client-side decorations,
    # and EGL buffers for OpenGL.
    "wayland-shell-integration": ("xdg-shell",),
    "wayland-decoration-client": ("*",),
    "wayland-graphics-integration-client": ("qt-plugin-wayland-egl",),
    # Desktop portal (file dialogs, colour scheme); not GTK3, which would depend on all of GTK.
    "platformthemes": ("qxdgdesktopportal",),
    # Dead keys / compose sequences and IBus input methods when typing symbols and names.
    "platforminputcontexts": ("compose*", "ibus*"),
    # Every icon is an SVG; ICO is the Windows application icon.
    "imageformats": ("qsvg", "qico"),
    "iconengines": ("qsvgicon",),
    # Native widget styles (Windows 11 / macOS look).
    "styles": ("*",),
}

#: Translations kept: the terminal ships English only (Qt's own strings are English already).
KEEP_TRANSLATIONS = ("*_en.qm",)

_PLUGIN = re.compile(r"(?:^|/)plugins/(?P<kind>[^/]+)/(?P<file>[^/]+)$")
_TRANSLATION = re.compile(r"(?:^|/)translations/(?P<file>[^/]+\.qm)$")
#: Qt libraries that may be pruned when nothing kept links to them. macOS frameworks
#: (``QtCore.framework/...``) do not match: they are left alone.
_QT_LIBRARY = re.compile(r"^(?:lib)?(?:qt6\w+\.so\.6|qt6\w+\.dll|icu\w+\.so\.\d+)$", re.IGNORECASE)
#: Where the distribution's package manager puts libraries. Not /usr/local/lib: a Python built
#: from source (the python:3.12 container images) keeps libpython there.
_SYSTEM_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")


def _unix(path: str) -> str:
    return path.replace(os.sep, "/").replace("\\", "/")


def _stem(file_name: str) -> str:
    stem = file_name.split(".", 1)[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_plugin(dest: str) -> bool | None:
    """``True``/``False`` for a Qt plugin path, ``None`` if ``dest`` is not a Qt plugin."""
    path = _unix(dest)
    match = _PLUGIN.search(path)
    if match is None or not path.startswith("PySide6/"):
        return None
    patterns = KEEP_PLUGINS.get(match["kind"], ())
    return any(fnmatch.fnmatch(_stem(match["file"]), p) for p in patterns)


def keep_translation(dest: str) -> bool | None:
    path = _unix(dest)
    match = _TRANSLATION.search(path)
    if match is None or not path.startswith("PySide6/"):
        return None
    return any(fnmatch.fnmatch(match["file"], p) for p in KEEP_TRANSLATIONS)


def is_system_library(src: str) -> bool:
    """A library installed by the OS package manager (Linux only), not by Python or a wheel."""
    if not sys.platform.startswith("linux"):
        return False
    real = os.path.realpath(src)
    return any(real.startswith(d) for d in _SYSTEM_DIRS) and "-packages/" not in real


def filter_qt(entries: Iterable[Entry]) -> list[Entry]:
    """Drop Qt plugins and translations the terminal does not use."""
    kept = []
    for entry in entries:
        verdict = keep_plugin(entry[0])
        if verdict is None:
            verdict = keep_translation(entry[0])
        if verdict is not False:
            kept.append(entry)
    return kept


def drop_system_libraries(binaries: Iterable[Entry]) -> list[Entry]:
    """Leave the OS's libraries to the OS (Linux): the .deb depends on their packages."""
    return [b for b in binaries if not is_system_library(b[1])]


def prune_orphan_qt_libraries(
    binaries: Iterable[Entry], imports_of: Callable[[str], Iterable[str]]
) -> list[Entry]:
    """Drop Qt libraries that no kept binary needs, directly or through another Qt library.

    Args:
        binaries: The bundle's binaries after plugin filtering.
        imports_of: Link-time dependencies (library file names) of a binary's source file.
    """
    entries = list(binaries)
    by_name: dict[str, Entry] = {}
    prunable: dict[str, str] = {}  # destination -> library file name
    roots: list[Entry] = []
    for entry in entries:
        # Windows import tables may spell DLL names in another case than the files.
        name = os.path.basename(_unix(entry[0])).lower()
        if entry[2] == "SYMLINK":
            continue  # a link to another entry; drop_dangling_symlinks follows the outcome
        if _QT_LIBRARY.match(name):
            by_name[name] = entry
            prunable[entry[0]] = name
        else:
            roots.append(entry)
    needed: set[str] = set()
    todo = [e[1] for e in roots]
    while todo:
        for dep in imports_of(todo.pop()):
            dep_name = os.path.basename(_unix(dep)).lower()
            if dep_name in by_name and dep_name not in needed:
                needed.add(dep_name)
                todo.append(by_name[dep_name][1])
    return [e for e in entries if e[0] not in prunable or prunable[e[0]] in needed]


def drop_dangling_symlinks(entries: Iterable[Entry], present: Iterable[Entry]) -> list[Entry]:
    """Drop the links PyInstaller made to libraries that were dropped since.

    Args:
        entries: Entries that may hold ``SYMLINK`` entries (``src`` is the relative target).
        present: Every entry of the bundle, to resolve link targets against.
    """
    dests = {os.path.normpath(_unix(e[0])) for e in present}
    return [
        e
        for e in entries
        if e[2] != "SYMLINK"
        or os.path.normpath(os.path.join(os.path.dirname(_unix(e[0])), _unix(e[1]))) in dests
    ]
