"""`make package-wheel` builds one wheel that carries everything but the weights: code, catalog, demo, fonts, icon."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_carries_the_catalog_the_demo_and_the_fonts_and_leaves_the_checkout_clean(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "packaging" / "build_wheel.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("crossroads-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for wanted in ("crossroads/models/catalog.toml", "crossroads/assets/demo/questions.jsonl",
                   "crossroads/assets/demo/documents/Employee-Handbook.pdf", "crossroads/report/fonts/DejaVuSans.ttf",
                   "crossroads/ui/icons/crossroads.svg", "crossroads/ui/main_window.py",
                   "crossroads/assets/demo/adapter/brellvik-demo.gguf", "crossroads/assets/demo/adapter/run.json"):
        assert wanted in names, wanted
    # The models are pulled after install, not shipped; the demo's small LoRA adapter for the default model is.
    models = [n for n in names if n.endswith(".gguf") and not n.startswith("crossroads/assets/demo/adapter/")]
    assert not models, "weights are pulled after install, not shipped"
    assert not (REPO / "desktop" / "crossroads" / "assets").exists()
    assert not (REPO / "desktop" / "crossroads" / "models" / "catalog.toml").exists()
