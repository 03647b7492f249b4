"""Render the app's SVG icon to a PNG for PyInstaller (which turns a PNG into .ico/.icns with Pillow).

    python packaging/bundle/render_icon.py build/crossroads-icon.png [SIZE]

Used by the Windows and macOS recipes (packaging/windows, packaging/macos); the Linux .deb ships the SVG as is.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SVG = REPO / "desktop" / "crossroads" / "ui" / "icons" / "crossroads.svg"


def render(out: Path, size: int = 512) -> Path:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(["render_icon", "-platform", "offscreen"])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise SystemExit(f"could not write {out}")
    del app
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "build" / "crossroads-icon.png"
    print(render(target, int(sys.argv[2]) if len(sys.argv) > 2 else 512))
