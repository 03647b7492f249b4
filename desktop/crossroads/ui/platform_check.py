"""Before opening a window on Linux/X11: are the system libraries Qt's X11 plugin needs installed?

Qt's wheels carry Qt itself but not the X11 helper libraries (libxcb-cursor, libxcb-icccm, …). Without them Qt
aborts with a long message that names only one of them. Loading the plugin ourselves first tells us exactly
which library is missing, so we can say it in one line — and, run as root by ``make run``, install the lot.

    python -m crossroads.ui.platform_check [--install]
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# What Qt's xcb plugin links against beyond a base X11 desktop, as Debian/Ubuntu package names.
DEBIAN_PACKAGES = (
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-render-util0",
    "libxkbcommon-x11-0", "libxcb-xinerama0", "libxcb-shape0", "libxcb-randr0", "libxcb-xkb1", "libegl1",
    "libgl1", "libfontconfig1", "libdbus-1-3",
)
_MISSING = re.compile(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file")


def _xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def uses_x11() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.startswith("xcb")
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def missing_library() -> str | None:
    """The first library the X11 plugin cannot find, or None when it loads (or X11 is not used)."""
    if not uses_x11():
        return None
    plugin = _xcb_plugin()
    if plugin is None:
        return None
    import ctypes

    extra = plugin.parent.parent.parent / "lib"  # Qt's own libraries, as Qt would find them
    try:
        for qt_lib in ("libQt6Core.so.6", "libQt6Gui.so.6", "libQt6DBus.so.6", "libQt6XcbQpa.so.6"):
            if (extra / qt_lib).is_file():
                ctypes.CDLL(str(extra / qt_lib), mode=ctypes.RTLD_GLOBAL)
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return library_named_in(loader_error(exc))
    if shutil.which("ldconfig") and not _has_xcb_cursor():
        return "libxcb-cursor.so.0"  # Qt checks for it separately, at run time
    return None


def loader_error(exc: BaseException) -> str:
    """The loader's own words. In a frozen bundle PyInstaller's ctypes raises a generic "Failed to load dynlib"
    error whose cause holds them, so the whole chain is read."""
    texts = []
    current: BaseException | None = exc
    while current is not None and len(texts) < 5:
        texts.append(str(current))
        current = current.__cause__
    return " | ".join(texts)


def library_named_in(error: str) -> str:
    """The missing library in a dynamic loader's error ("libfoo.so.4: cannot open shared object file…")."""
    return missing_in(error) or error


def missing_in(error: str) -> str | None:
    """The library a loader error names as missing, or None when the error is about something else."""
    found = _MISSING.search(error)
    return found.group(1) if found else None


def _has_xcb_cursor() -> bool:
    import ctypes.util

    return ctypes.util.find_library("xcb-cursor") is not None


def advice(library: str) -> str:
    packages = " ".join(DEBIAN_PACKAGES)
    return (f"The window cannot open: the system library {library}, which Qt needs on X11, is missing. "
            f"On Debian or Ubuntu: sudo apt-get install {packages} (other systems: the same libraries from "
            "their package manager). Everything also works headless: `crossroads demo`.")


def install_with_apt() -> bool:
    """Install the libraries when running as root with apt-get (``make run`` on a fresh Debian/Ubuntu box)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *DEBIAN_PACKAGES]
    if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        return subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode == 0
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    library = missing_library()
    if library is None:
        return 0
    if "--install" in args:
        print(f"Installing the X11 libraries the window needs ({library} is missing)…", flush=True)
        if install_with_apt() and missing_library() is None:
            return 0
    print(advice(library), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
