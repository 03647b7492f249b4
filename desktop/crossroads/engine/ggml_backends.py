"""llama.cpp's compute backends, loaded at run time when it was built as loadable modules.

A bundle must run on laptops older than the build machine. llama.cpp built with ``GGML_BACKEND_DL=ON
GGML_CPU_ALL_VARIANTS=ON GGML_NATIVE=OFF`` ships one CPU backend per x86-64 level (``libggml-cpu-x64.so``,
``-sse42``, ``-haswell``, ``-skylakex``…) and picks the best one for the CPU it runs on, but only when someone asks it
to load them: llama-cpp-python does not (its issue 2069), and a model then fails with "no backends are loaded". So
before the first model, when no backend is registered, ``ggml_backend_load_all_from_path`` is called on the folder
holding llama-cpp-python's libraries. With the default build (the CPU backend linked in) this does nothing.

``CROSSROADS_GGML_CPU=x64`` (or ``sse42``, ``haswell``…) loads that one variant instead of the best: for support,
should a laptop's CPU be misjudged, and for testing the baseline kernels on a newer machine.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from pathlib import Path

_lock = threading.Lock()
_logged = False
log = logging.getLogger(__name__)
FORCE_ENV = "CROSSROADS_GGML_CPU"


def library_dir() -> Path:
    """Where llama-cpp-python keeps libllama and libggml (also inside a frozen bundle)."""
    import llama_cpp

    return Path(llama_cpp.__file__).resolve().parent / "lib"


def module_dirs() -> list[Path]:
    """Where the backend modules may be: beside libggml (the bundle puts them there), else the ``bin/`` folder
    ggml's install rules give them, which a wheel places at the top of site-packages."""
    lib = library_dir()
    return [lib, lib.parent.parent / "bin"]


def _ggml() -> ctypes.CDLL:
    """libggml's functions as libllama sees them. A wheel holds copies, not links (libggml.so, .so.0, .so.0.x):
    opening one by name could load a second libggml with a registry of its own, which libllama never reads. A
    symbol looked up through libllama's handle resolves in the libggml it was linked with."""
    from llama_cpp import llama_cpp as bindings

    lib = bindings._lib
    lib.ggml_backend_reg_count.restype = ctypes.c_size_t
    lib.ggml_backend_reg_get.argtypes = [ctypes.c_size_t]
    lib.ggml_backend_reg_get.restype = ctypes.c_void_p
    lib.ggml_backend_reg_name.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_reg_name.restype = ctypes.c_char_p
    lib.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    lib.ggml_backend_load_all_from_path.restype = None
    lib.ggml_backend_load.argtypes = [ctypes.c_char_p]
    lib.ggml_backend_load.restype = ctypes.c_void_p
    return lib


def ensure_loaded() -> list[str]:
    """Load the backends if none is registered yet; the names of the registered backends (e.g. ["CPU"])."""
    import llama_cpp  # noqa: F401  (loads libllama and libggml first)

    with _lock:
        lib = _ggml()
        forced = os.environ.get(FORCE_ENV, "").strip()
        for folder in module_dirs() if forced else ():
            module = folder / f"libggml-cpu-{forced}.so"
            if lib.ggml_backend_reg_count() == 0 and module.is_file():
                lib.ggml_backend_load(str(module).encode())
        for folder in module_dirs():  # the best variant for this CPU (or the forced one was not found)
            if lib.ggml_backend_reg_count() > 0:
                break
            if folder.is_dir():
                lib.ggml_backend_load_all_from_path(str(folder).encode())
        names = [lib.ggml_backend_reg_name(lib.ggml_backend_reg_get(i)).decode()
                 for i in range(lib.ggml_backend_reg_count())]
        global _logged
        if not _logged:  # which kernels a laptop runs is the first thing support asks
            log.info("llama.cpp backends: %s; CPU kernels: %s%s", ", ".join(names) or "none",
                     cpu_kernels_name(loaded_cpu_variant()), f" (forced by {FORCE_ENV}={forced})" if forced else "")
            _logged = True
        return names


def loaded_cpu_variant() -> str | None:
    """Which CPU backend module the process loaded (``libggml-cpu-haswell.so``), if llama.cpp was built with them
    as modules; None with the default build. Linux only (read from the process's memory map)."""
    maps = Path("/proc/self/maps")
    if not maps.is_file():
        return None
    for line in maps.read_text(errors="replace").splitlines():
        name = line.rsplit("/", 1)[-1]
        if name.startswith("libggml-cpu") and name.endswith(".so"):
            return name
    return None


def cpu_kernels_name(module: str | None) -> str:
    """"haswell" for ``libggml-cpu-haswell.so``; the default build's one CPU backend was compiled for its machine."""
    if module is None or module == "libggml-cpu.so":
        return "native (compiled on this machine's CPU type)"
    return module.removeprefix("libggml-cpu-").removesuffix(".so")
