"""Licences and the third-party notice list of the bundle, generated at build time from what is really inside it.

Which Python distributions are bundled is read from PyInstaller's own tables of contents (the source path of every
module and file it collected, ``PYZ-00.toc`` and ``COLLECT-00.toc`` in its work folder) and matched against each
installed distribution's RECORD, so an excluded package (``--no-finetune``) is not listed and nothing bundled is
missed. Each distribution's licence files come from its metadata (``License-File`` entries, or ``LICENSE*``,
``COPYING*``, ``NOTICE*`` in its ``.dist-info``), else from the top of its package folder; when it ships none, its
licence metadata (``License-Expression``, ``License``, the trove classifier) is written down instead. Models take
their licence from the catalog.

Run by ``build_bundle.py freeze`` (or ``notices`` on its own), in the build venv whose packages were frozen.
"""

from __future__ import annotations

import ast
import platform
import re
import shutil
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

NOTICES_FILE = "THIRD_PARTY_NOTICES.txt"
LICENCE_NAMES = re.compile(r"^(licen[cs]e|copying|notice|copyright|authors|third.?party.?notices)", re.IGNORECASE)
NOT_LICENCES = {"METADATA", "RECORD", "WHEEL", "INSTALLER", "REQUESTED", "entry_points.txt", "top_level.txt",
                "direct_url.json", "RECORD.jws", "zip-safe", "namespace_packages.txt", "sboms"}


@dataclass(frozen=True)
class Component:
    """One line of the notice list: a bundled distribution, the Python runtime or a model."""

    name: str
    version: str
    licence: str
    homepage: str
    kind: str  # "python package", "runtime", "model"
    folder: str  # the folder under licenses/ holding its licence file(s)


def toc_sources(work_dir: Path) -> set[Path]:
    """The source path of everything PyInstaller put in the bundle (modules in the archive, files beside it)."""
    sources: set[Path] = set()
    for name in ("PYZ-00.toc", "COLLECT-00.toc"):
        data = ast.literal_eval((work_dir / name).read_text(encoding="utf-8"))
        entries = data[1] if name.startswith("PYZ") else data
        for entry in entries:
            if isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[1], str) and entry[1]:
                sources.add(Path(entry[1]).resolve())
    return sources


def bundled_distributions(sources: set[Path],
                          dists: Iterable[metadata.Distribution] | None = None) -> list[metadata.Distribution]:
    """The installed distributions at least one of whose files is among ``sources``, sorted by name."""
    found: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions() if dists is None else dists:
        name = dist.metadata["Name"]
        if not name or name.lower() in found:
            continue
        for file in dist.files or ():
            if file.suffix == ".pyc":
                continue
            if Path(str(dist.locate_file(file))).resolve() in sources:
                found[name.lower()] = dist
                break
    return sorted(found.values(), key=lambda d: d.metadata["Name"].lower())


def licence_name(dist: metadata.Distribution) -> str:
    """The SPDX expression when given; else the short ``License`` field; else the trove classifier(s)."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and text.upper() != "UNKNOWN" and len(text) <= 80 and "\n" not in text:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return " / ".join(classifiers)
    if text and text.upper() != "UNKNOWN":
        return text.splitlines()[0][:80] + " (see the licence file)"
    return "not stated in its metadata"


def homepage(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    if meta.get("Home-page"):
        return str(meta["Home-page"])
    urls = {}
    for item in meta.get_all("Project-URL") or []:
        label, _, url = item.partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("homepage", "home", "source", "repository", "source code", "documentation"):
        if urls.get(label):
            return urls[label]
    return next(iter(urls.values()), "")


def licence_files(dist: metadata.Distribution) -> list[Path]:
    """The distribution's own licence files: in its .dist-info first, else at the top of its package folders."""
    files = [f for f in dist.files or () if f.parts and f.parts[0].endswith(".dist-info")]
    declared = set(dist.metadata.get_all("License-File") or [])
    chosen = [f for f in files if f.name not in NOT_LICENCES and (
        "/".join(f.parts[1:]) in declared or "/".join(f.parts[2:]) in declared
        or (len(f.parts) > 2 and f.parts[1] == "licenses") or LICENCE_NAMES.match(f.name))]
    if not chosen:  # e.g. onnxruntime: LICENSE and ThirdPartyNotices.txt inside the package folder
        chosen = [f for f in dist.files or () if len(f.parts) == 2 and not f.parts[0].endswith(".dist-info")
                  and LICENCE_NAMES.match(f.name)]
    paths = [Path(str(dist.locate_file(f))) for f in chosen]
    return [p for p in paths if p.is_file()]


def _folder_name(name: str, version: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]", "_", f"{name}-{version}")


def copy_distribution_licences(dist: metadata.Distribution, licenses_dir: Path) -> Component:
    """``licenses/python/NAME-VERSION/``: the licence files kept in their relative layout, or the metadata."""
    name, version = dist.metadata["Name"], dist.version
    folder = Path("python") / _folder_name(name, version)
    target = licenses_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    root = Path(str(dist.locate_file("")))
    files = licence_files(dist)
    for path in files:
        relative = path.relative_to(root)
        parts = relative.parts[1:] if relative.parts[0].endswith(".dist-info") else relative.parts
        if parts and parts[0] == "licenses" and len(parts) > 1:
            parts = parts[1:]
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    if not files:
        text = dist.metadata.get("License") or ""
        (target / "LICENSE-METADATA.txt").write_text(
            f"{name} {version} ships no licence file. Its metadata says:\nLicence: {licence_name(dist)}\n"
            + (f"\n{text}\n" if text and text != licence_name(dist) else ""), encoding="utf-8")
        for spdx in named_licences(licence_name(dist)):  # the full text of the licence it names, when known
            full = licence_text_from((), spdx)
            if full is not None:
                (target / f"{spdx}.txt").write_text(full, encoding="utf-8")
    return Component(name, version, licence_name(dist), homepage(dist), "python package", folder.as_posix())


def copy_python_licence(licenses_dir: Path) -> Component:
    """The Python runtime frozen into the bundle (libpython and the standard library): the PSF licence."""
    folder = Path("python-runtime")
    target = licenses_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    source = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if source.is_file():
        shutil.copyfile(source, target / "LICENSE.txt")
    return Component("Python", platform.python_version(), "PSF-2.0", "https://www.python.org", "runtime",
                     folder.as_posix())


@dataclass(frozen=True)
class BundledModel:
    """A model inside the bundle, as the catalog describes it."""

    name: str
    display_name: str
    licence: str
    source: str  # where the weights come from (a Hugging Face model id)
    path: Path  # the file or folder in the bundle


# Debian's copies of the common licences (base-files), for components that name a licence but ship no text (the
# PySide6 and shiboken6 wheels: LGPL-3.0 / GPL); the build runs on Debian/Ubuntu.
COMMON_LICENCES = Path("/usr/share/common-licenses")
_SPDX_FILES = {"Apache-2.0": "Apache-2.0", "LGPL-3.0": "LGPL-3", "GPL-3.0": "GPL-3", "GPL-2.0": "GPL-2",
               "LGPL-2.1": "LGPL-2.1", "MPL-2.0": "MPL-2.0", "CC0-1.0": "CC0-1.0"}


def licence_text_from(dists: Sequence[metadata.Distribution], spdx: str) -> str | None:
    """The full text of a common licence: from a bundled distribution that ships it verbatim (Apache-2.0), else
    the system's copy of the common licences."""
    marks = {"Apache-2.0": ("Apache License", "Version 2.0, January 2004", "TERMS AND CONDITIONS")}.get(spdx)
    for dist in dists if marks else ():
        for path in licence_files(dist):
            text = path.read_text(encoding="utf-8", errors="replace")
            if all(mark in text for mark in marks or ()):
                return text
    common = COMMON_LICENCES / _SPDX_FILES.get(spdx, "-")
    return common.read_text(encoding="utf-8", errors="replace") if common.is_file() else None


def named_licences(expression: str) -> list[str]:
    """The common licences an SPDX expression names (``LGPL-3.0-only OR GPL-2.0-only`` -> LGPL-3.0, GPL-2.0)."""
    found = []
    for spdx in _SPDX_FILES:
        if re.search(rf"(?<![\w.-]){re.escape(spdx)}(?:-only|-or-later|\+)?(?![\w.])", expression):
            found.append(spdx)
    return found


def copy_model_licence(model: BundledModel, licenses_dir: Path, dists: Sequence[metadata.Distribution]) -> Component:
    """``licenses/models/NAME/``: the licence named by the catalog (full text when a bundled package has it) and
    the model's own card or licence files when its folder has them."""
    folder = Path("models") / model.name
    target = licenses_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / "LICENCE-NAME.txt").write_text(
        f"{model.display_name}\nLicence: {model.licence}\nWeights from: {model.source}\n", encoding="utf-8")
    text = licence_text_from(dists, model.licence)
    if text is not None:
        (target / f"{model.licence}.txt").write_text(text, encoding="utf-8")
    if model.path.is_dir():
        for path in sorted(model.path.iterdir()):
            if path.is_file() and (LICENCE_NAMES.match(path.name) or path.name.upper().startswith("README")):
                shutil.copyfile(path, target / path.name)
    return Component(model.display_name, model.name, model.licence, model.source, "model", folder.as_posix())


def notices_text(product: str, version: str, components: Sequence[Component]) -> str:
    """THIRD_PARTY_NOTICES.txt: one block per component, in a fixed order (runtime, packages, models)."""
    order = {"runtime": 0, "python package": 1, "model": 2}
    lines = [f"{product} {version}: third-party components", "",
             f"{product} bundles the components below. Their licence files are in the licenses/ folder beside "
             "this file, one folder per component (named below).", ""]
    for c in sorted(components, key=lambda c: (order.get(c.kind, 9), c.name.lower())):
        lines += [f"{c.name} {c.version}" if c.kind != "model" else f"{c.name} ({c.version})",
                  f"    kind:     {c.kind}", f"    licence:  {c.licence}"]
        if c.homepage:
            lines.append(f"    homepage: {c.homepage}")
        lines += [f"    files:    licenses/{c.folder}/", ""]
    return "\n".join(lines)


def write_notices(app_dir: Path, product: str, version: str, dists: Sequence[metadata.Distribution],
                  models: Sequence[BundledModel]) -> list[Component]:
    """``licenses/`` and ``THIRD_PARTY_NOTICES.txt`` in ``app_dir``, replacing any earlier ones."""
    licenses_dir = app_dir / "licenses"
    shutil.rmtree(licenses_dir, ignore_errors=True)
    licenses_dir.mkdir(parents=True)
    components = [copy_python_licence(licenses_dir)]
    components += [copy_distribution_licences(d, licenses_dir) for d in dists]
    components += [copy_model_licence(m, licenses_dir, dists) for m in models]
    (app_dir / NOTICES_FILE).write_text(notices_text(product, version, components), encoding="utf-8")
    return components


if __name__ == "__main__":  # a quick look at what this environment would list
    for dist in bundled_distributions(toc_sources(Path(sys.argv[1]))):
        print(dist.metadata["Name"], dist.version, licence_name(dist), len(licence_files(dist)))
