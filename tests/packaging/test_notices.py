"""The bundle's licences and third-party notices are generated from the real installed distributions.

These tests run the generator on the distributions installed in the test environment (numpy, faiss, onnxruntime,
llama-cpp-python…), as the build does in its own venv: no mocks.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib import metadata
from pathlib import Path

import numpy

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("notices", REPO / "packaging" / "notices.py")
assert _spec and _spec.loader
notices = importlib.util.module_from_spec(_spec)
sys.modules["notices"] = notices  # dataclasses look their module up by name
_spec.loader.exec_module(notices)


def dists(*names: str) -> list[metadata.Distribution]:
    return [metadata.distribution(n) for n in names]


def test_a_distribution_is_bundled_when_one_of_its_files_was_collected() -> None:
    sources = {Path(numpy.__file__).resolve(), Path(sys.executable).resolve()}
    found = notices.bundled_distributions(sources, dists("numpy", "faiss-cpu", "platformdirs"))
    assert [d.metadata["Name"] for d in found] == ["numpy"]


def test_the_licence_files_are_the_ones_the_metadata_declares() -> None:
    (dist,) = dists("faiss-cpu")
    names = sorted(p.name for p in notices.licence_files(dist))
    assert names == ["LICENSE", "THIRD_PARTY_NOTICES"]


def test_a_package_without_licence_files_in_its_metadata_gives_the_ones_in_its_package_folder() -> None:
    (dist,) = dists("onnxruntime")
    assert not dist.metadata.get_all("License-File")
    names = {p.name for p in notices.licence_files(dist)}
    assert "LICENSE" in names


def test_the_licence_name_comes_from_the_expression_else_the_licence_field() -> None:
    numpy_dist, llama, transformers = dists("numpy", "llama_cpp_python", "transformers")
    assert notices.licence_name(numpy_dist) == numpy_dist.metadata["License-Expression"]
    assert notices.licence_name(llama) == "MIT"
    assert notices.licence_name(transformers) == "Apache 2.0 License"


def test_every_installed_distribution_gets_a_licence_name_and_most_a_homepage() -> None:
    everything = list(metadata.distributions())
    assert all(notices.licence_name(d) for d in everything)
    with_homepage = [d for d in everything if notices.homepage(d)]
    assert len(with_homepage) >= 0.8 * len(everything)


def test_the_bundle_gets_a_licences_folder_and_a_notice_list(tmp_path: Path) -> None:
    bundled = dists("numpy", "onnxruntime", "transformers")
    card = tmp_path / "all-MiniLM-L6-v2"
    card.mkdir()
    (card / "README.md").write_text("model card\n")
    models = [notices.BundledModel("all-minilm-l6-v2", "all-MiniLM-L6-v2", "Apache-2.0",
                                   "Hugging Face sentence-transformers/all-MiniLM-L6-v2", card)]
    app = tmp_path / "app"
    app.mkdir()
    components = notices.write_notices(app, "Crossroads", "0.1.0", bundled, models)

    text = (app / notices.NOTICES_FILE).read_text()
    numpy_version = metadata.version("numpy")
    assert f"numpy {numpy_version}" in text
    assert "licence:  " + notices.licence_name(bundled[0]) in text
    assert "homepage: https://numpy.org" in text
    assert "Python " in text and "PSF-2.0" in text
    numpy_licence = app / "licenses" / "python" / f"numpy-{numpy_version}" / "LICENSE.txt"
    declared = Path(str(bundled[0].locate_file(f"numpy-{numpy_version}.dist-info/licenses/LICENSE.txt")))
    assert numpy_licence.read_bytes() == declared.read_bytes()
    assert (app / "licenses" / "python-runtime" / "LICENSE.txt").is_file()
    model = app / "licenses" / "models" / "all-minilm-l6-v2"
    assert "Apache License" in (model / "Apache-2.0.txt").read_text()  # the full text, from transformers' LICENSE
    assert (model / "README.md").read_text() == "model card\n"
    assert {c.kind for c in components} == {"runtime", "python package", "model"}
    for component in components:
        assert any((app / "licenses" / component.folder).iterdir()), component.name


def test_a_package_that_names_its_licence_but_ships_no_text_gets_the_full_text_of_that_licence(
        tmp_path: Path) -> None:
    (shiboken,) = dists("shiboken6")  # the Qt binding's wheels ship no licence file; they say LGPL-3.0 / GPL
    assert not notices.licence_files(shiboken)
    assert notices.named_licences(notices.licence_name(shiboken)) == ["LGPL-3.0", "GPL-3.0", "GPL-2.0"]
    component = notices.copy_distribution_licences(shiboken, tmp_path)
    folder = tmp_path / component.folder
    assert "LGPL-3.0" in (folder / "LICENSE-METADATA.txt").read_text()
    if notices.COMMON_LICENCES.is_dir():  # Debian/Ubuntu, where the bundle is built
        assert "GNU LESSER GENERAL PUBLIC LICENSE" in (folder / "LGPL-3.0.txt").read_text()
