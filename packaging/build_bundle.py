"""Build the self-contained Crossroads bundle (``make package``): one folder, one ``crossroads`` executable.

Why PyInstaller, one-folder: it is actively maintained, its hooks already know PySide6 (Qt plugins, translations),
torch, onnxruntime and llama-cpp-python's shared libraries; a one-folder bundle starts fast (a one-file bundle
unpacks hundreds of MB to /tmp on every start) and is easy to inspect and trim.

Why a separate build venv (``.build-venv/``), not the development ``.venv``: the bundle must carry only what the
product needs. The build venv gets the project's runtime dependencies (read from pyproject.toml, plus the
fine-tuning extra unless ``--no-finetune``) and PyInstaller, nothing from the dev extra (pytest, ruff, pgserver...).
The crossroads package itself is frozen from the checkout's ``desktop/`` folder, not installed.

Steps (each can be run alone; ``all`` runs them in order):

    python3.11 packaging/build_bundle.py venv      # create .build-venv and install the dependencies
    python3.11 packaging/build_bundle.py freeze    # PyInstaller -> dist/crossroads/ (code, models, demo)
    python3.11 packaging/build_bundle.py tarball   # dist/crossroads-VERSION-linux-x86_64.tar.gz
    python3.11 packaging/build_bundle.py deb       # dist/crossroads_VERSION_amd64.deb

Options: ``--models-from DIR`` (default: ``models/`` in the checkout, or CROSSROADS_MODELS_DIR);
``--no-default-model`` (leave out the 0.5B chat model: a small download, the user opens their own GGUF);
``--no-finetune`` (leave out peft, accelerate and gguf; torch and transformers stay, the embedder falls back on them).
A variant's tarball and .deb are named after it (``crossroads-0.1.0-no-finetune-linux-x86_64.tar.gz``): ``freeze``
writes the variant into ``dist/crossroads/VARIANT``, which the ``tarball`` and ``deb`` steps read.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "bundle"
VENV = REPO / ".build-venv"
VENV_PY = VENV / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
DIST = REPO / "dist"
APP = DIST / "crossroads"


def project() -> dict:
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def version() -> str:
    return project()["version"]


def run(*cmd: str | os.PathLike[str], **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def make_venv(finetune: bool) -> None:
    """A clean venv with the runtime dependencies only; torch first and pinned (the CPU build), as in the Makefile."""
    if not VENV_PY.exists():
        run(sys.executable, "-m", "venv", VENV)
        run(VENV_PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    meta = project()
    deps = list(meta["dependencies"])
    if finetune:
        deps += meta["optional-dependencies"]["finetune"]
    torch = [d for d in deps if d.startswith("torch")]
    run(VENV_PY, "-m", "pip", "install", "--quiet", *torch)
    llama = [d for d in deps if d.startswith("llama-cpp-python")]
    if sys.platform == "linux" and not baseline_llama_built():
        # Compiled here for a baseline x86-64 CPU, its faster kernels chosen at run time (crossroads.engine.
        # ggml_backends loads them): never from pip's wheel cache, which may hold a build for this machine's CPU.
        env = dict(os.environ, CMAKE_ARGS=BASELINE_CMAKE_ARGS)
        run(VENV_PY, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", "--no-cache-dir",
            "--no-binary", "llama-cpp-python", *llama, env=env)
    run(VENV_PY, "-m", "pip", "install", "--quiet", *deps, "pyinstaller>=6.10")


BASELINE_CMAKE_ARGS = "-DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_NATIVE=OFF"


def baseline_llama_built(python: Path = VENV_PY) -> bool:
    """Whether the build venv's llama.cpp has its CPU backends as run-time-chosen modules (libggml-cpu-x64.so…), so
    a second ``make package`` does not compile it again. They sit where ``ggml_backends.module_dirs`` looks: beside
    libggml, or in the ``bin/`` folder ggml's install rules put at the top of site-packages (where a build lands)."""
    found = subprocess.run([python, "-c", "import llama_cpp, pathlib; print(pathlib.Path(llama_cpp.__file__).parent)"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        return False
    package = Path(found.stdout.strip())
    return any(any(folder.glob("libggml-cpu-*.so")) for folder in (package / "lib", package.parent / "bin"))


def default_entries(catalog: Path, chat: bool) -> list[dict]:
    """The catalog's default models (the chat model only if ``chat``), as the catalog describes them."""
    with open(catalog, "rb") as f:
        entries = tomllib.load(f)["model"]
    return [e for e in entries if e.get("default") and (chat or e["role"] != "chat")]


def default_models(catalog: Path, chat: bool) -> list[str]:
    """The file or folder names of the catalog's default models (the chat model only if ``chat``)."""
    return [entry.get("file") or entry["folder"] for entry in default_entries(catalog, chat)]


def freeze(models_from: Path, chat: bool, finetune: bool) -> Path:
    """PyInstaller into dist/crossroads/, then the models and the demo documents beside the executable."""
    if not VENV_PY.exists():
        raise SystemExit("no build venv: run `build_bundle.py venv` first")
    env = dict(os.environ, PYTHONPATH=str(REPO / "desktop"), CROSSROADS_BUNDLE_FINETUNE="1" if finetune else "0")
    run(VENV_PY, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", DIST,
        "--workpath", REPO / "build" / "pyinstaller", HERE / "crossroads.spec", env=env)
    models = APP / "models"
    models.mkdir(exist_ok=True)
    shutil.copy2(REPO / "models" / "catalog.toml", models / "catalog.toml")
    wanted = default_models(REPO / "models" / "catalog.toml", chat)
    for name in wanted:
        source = models_from / name
        if not source.exists():
            raise SystemExit(f"{source} is missing: run `crossroads models pull --all` first")
        if source.is_dir():
            shutil.copytree(source, models / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, models / name)
        if (models_from / f"{name}.sha256").is_file():  # the cached check, keyed on size and mtime (kept by copy2)
            shutil.copy2(models_from / f"{name}.sha256", models / f"{name}.sha256")
    copy_onnx_exports(models_from, models, wanted)
    shutil.copytree(REPO / "assets" / "demo", APP / "assets" / "demo", dirs_exist_ok=True)
    (APP / "VERSION").write_text(version() + "\n")
    flags = [flag for flag, on in (("no-default-model", not chat), ("no-finetune", not finetune)) if on]
    (APP / "VARIANT").write_text(("+".join(flags) or "full") + "\n")
    write_notices(chat)
    report_size(APP)
    return APP


def copy_onnx_exports(models_from: Path, models: Path, names: list[str]) -> list[Path]:
    """The embedder's ONNX export of each bundled model folder, which saves exporting it on the first start. Only
    those: the cache may also hold exports of other folders (a test's, a user's) and the bench's int8 variant."""
    copied = []
    for name in names:
        for export in sorted((models_from / "cache" / "onnx").glob(f"{name}-fp32-*.onnx")):
            (models / "cache" / "onnx").mkdir(parents=True, exist_ok=True)
            copied.append(Path(shutil.copy2(export, models / "cache" / "onnx" / export.name)))
    return copied


def write_notices(chat: bool) -> None:
    """licenses/ and THIRD_PARTY_NOTICES.txt from what PyInstaller collected and the models copied in."""
    import notices

    work = REPO / "build" / "pyinstaller" / "crossroads"
    dists = notices.bundled_distributions(notices.toc_sources(work))
    models = [notices.BundledModel(e["name"], e["display_name"], e["licence"],
                                   f"Hugging Face {e['hf_model']}" if e.get("hf_model") else "the model catalog",
                                   APP / "models" / (e.get("file") or e["folder"]))
              for e in default_entries(REPO / "models" / "catalog.toml", chat)]
    components = notices.write_notices(APP, "Crossroads", version(), dists, models)
    print(f"licences of {len(components)} components in {APP / 'licenses'}, list in {notices.NOTICES_FILE}")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def report_size(folder: Path) -> None:
    """The bundle's size and what takes the space (issue #12 asks for both); the same on every OS."""
    print(f"{folder}: {_size(folder) / 1e6:.0f} MB")
    internal = folder / "_internal"
    parts = [*(internal.iterdir() if internal.is_dir() else ()), *(folder / "models").iterdir()]
    rows = sorted(((_size(p), p) for p in parts), key=lambda r: -r[0])
    print("top space users (MB):")
    for size, path in rows[:15]:
        print(f"  {size / 1e6:>6.0f}  {path.relative_to(folder)}")


def variant_suffix() -> str:
    """"" for the full bundle, else "-no-finetune" etc. (what ``freeze`` built, from dist/crossroads/VARIANT)."""
    marker = APP / "VARIANT"
    name = marker.read_text().strip() if marker.is_file() else "full"
    return "" if name == "full" else f"-{name}"


def tarball() -> Path:
    """dist/crossroads-VERSION[-VARIANT]-linux-x86_64.tar.gz, unpacking to one folder crossroads-VERSION/."""
    target = DIST / f"crossroads-{version()}{variant_suffix()}-linux-x86_64.tar.gz"
    top = f"crossroads-{version()}"
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(APP, arcname=top, filter=_no_user_data)
    run("ls", "-l", target)
    return target


def _no_user_data(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """A bundle that was run portable from dist/ has a data/ folder and a portable.txt: not for shipping."""
    parts = Path(info.name).parts
    if len(parts) > 1 and parts[1] in ("data", "portable.txt"):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=Crossroads
Comment=Fine-tune or RAG? Decide with evidence, offline
Exec=/opt/crossroads/crossroads gui
Icon=crossroads
Terminal=false
Categories=Office;Science;Development;
"""

POSTRM = """#!/bin/sh
# Clean removal: the files dpkg installed go with the package; also what the app may have written under /opt
# (a portable data/ folder, caches). Users' own data in their home folders is theirs and stays.
set -e
if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
    rm -rf /opt/crossroads
fi
exit 0
"""


def deb() -> Path:
    """dist/crossroads_VERSION_amd64.deb: /opt/crossroads, /usr/bin/crossroads, a desktop entry and the icon."""
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("platform_check", REPO / "desktop" / "crossroads" / "ui" / "platform_check.py")
    assert spec and spec.loader
    platform_check = module_from_spec(spec)
    spec.loader.exec_module(platform_check)
    stage = REPO / "build" / "deb"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(APP, stage / "opt" / "crossroads", symlinks=True,
                    ignore=shutil.ignore_patterns("data", "portable.txt"))
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / "crossroads").symlink_to("/opt/crossroads/crossroads")
    apps = stage / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "crossroads.desktop").write_text(DESKTOP_ENTRY)
    icons = stage / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy2(REPO / "desktop" / "crossroads" / "ui" / "icons" / "crossroads.svg", icons / "crossroads.svg")
    size_kb = int(subprocess.run(["du", "-sk", stage], check=True, capture_output=True, text=True).stdout.split()[0])
    control = stage / "DEBIAN"
    control.mkdir()
    (control / "control").write_text(
        f"Package: crossroads\nVersion: {version()}\nArchitecture: amd64\n"
        "Maintainer: Crossroads <crossroads@localhost>\n"
        f"Installed-Size: {size_kb}\nSection: science\nPriority: optional\n"
        f"Depends: {', '.join(platform_check.DEBIAN_PACKAGES)}\n"
        f"Description: {project()['description']}\n"
        " Self-contained: Python, Qt, llama.cpp and the default models are inside; runs with no network.\n")
    (control / "postrm").write_text(POSTRM)
    (control / "postrm").chmod(0o755)
    target = DIST / f"crossroads_{version()}{variant_suffix()}_amd64.deb"
    run("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", stage, target)
    shutil.rmtree(stage)
    run("ls", "-l", target)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["venv", "freeze", "notices", "tarball", "deb", "all"])
    parser.add_argument("--no-finetune", action="store_true",
                        help="leave out the training stack (peft, accelerate, gguf): the Fine-tune tab then says "
                             "it is not installed in this build")
    parser.add_argument("--no-default-model", "--no-chat-model", dest="no_chat_model", action="store_true",
                        help="leave out the 0.5B default chat model: the user opens their own GGUF")
    parser.add_argument("--models-from", type=Path, default=None)
    args = parser.parse_args()
    steps = ["venv", "freeze", "tarball", "deb"] if args.step == "all" else [args.step]
    for step in steps:
        if step == "venv":
            make_venv(not args.no_finetune)
        elif step == "freeze":
            models_from = args.models_from or Path(os.environ.get("CROSSROADS_MODELS_DIR") or REPO / "models")
            freeze(models_from, chat=not args.no_chat_model, finetune=not args.no_finetune)
        elif step == "notices":  # again, on the last freeze (its PyInstaller work folder is kept in build/)
            write_notices(chat=not args.no_chat_model)
        elif step == "tarball":
            tarball()
        elif step == "deb":
            deb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
