"""Render the application icon from its one SVG source with Qt (offscreen; no ImageMagick).

Writes, under the output folder (default ``build/icons``):

- ``hicolor/<N>x<N>/apps/<app id>.png`` (Linux icon theme) and ``scalable/apps/<app id>.svg``
- ``app.ico`` for the Windows executable and installer (PNG-compressed entries, 16-256 px)
- ``app.iconset/`` for macOS; ``iconutil -c icns app.iconset`` (macOS only) makes ``app.icns``

Usage: ``python packaging/render_icons.py [OUTPUT_DIR]``
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from identity import APP_ID, ROOT

SOURCE = ROOT / "resources" / "icons" / "app.svg"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: macOS iconset: (file stem, pixels); "@2x" entries are the Retina versions.
ICONSET = tuple(
    (f"icon_{n}x{n}{suffix}", n * scale)
    for n in (16, 32, 128, 256, 512)
    for suffix, scale in (("", 1), ("@2x", 2))
)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, antialiased, on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode a {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An .ico file whose entries are PNG images (Windows Vista and later read them)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def render_all(out: Path) -> list[Path]:
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {SOURCE} is not a valid SVG")
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = render_png(renderer, size)
        return cache[size]

    written: list[Path] = []

    def write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    for size in HICOLOR_SIZES:
        write(out / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png", png(size))
    scalable = out / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    written.append(scalable)
    write(out / "app.ico", ico_bytes({size: png(size) for size in ICO_SIZES}))
    for stem, size in ICONSET:
        write(out / "app.iconset" / f"{stem}.png", png(size))
    return written


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    written = render_all(out)
    print(f"render_icons: {len(written)} files in {out}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
