"""Build a wheel of Crossroads (``make package-wheel``): the package plus the model catalog and the demo.

In a checkout the catalog lives in ``models/`` and the sample documents in ``assets/demo/``; an installed package
looks for them inside itself (``crossroads/models/catalog.toml``, ``crossroads/assets/demo/``). This copies them
there for the build only, builds with pip, and removes the copies, so the checkout keeps one copy of each.
The model weights are not in the wheel: ``crossroads models pull --all`` fetches and verifies them after install.

    .venv/bin/python packaging/build_wheel.py [--out dist]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "desktop" / "crossroads"
COPIES = (
    (REPO / "models" / "catalog.toml", PACKAGE / "models" / "catalog.toml"),
    (REPO / "assets" / "demo", PACKAGE / "assets" / "demo"),
)


def build(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    try:
        for source, target in COPIES:
            if target.exists():
                raise SystemExit(f"{target} already exists; remove it (it is a build leftover) and run again")
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
            made.append(target)
        before = set(out.glob("crossroads-*.whl"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                        "--wheel-dir", str(out), str(REPO)], check=True)
        built = sorted(set(out.glob("crossroads-*.whl")) - before) or sorted(out.glob("crossroads-*.whl"))
        return built[-1]
    finally:
        for target in made:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()
            parent = target.parent
            while parent != PACKAGE and not any(parent.iterdir()):  # folders made only for the copy
                parent.rmdir()
                parent = parent.parent
        shutil.rmtree(REPO / "build", ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    args = parser.parse_args()
    wheel = build(args.out)
    print(f"Built {wheel.relative_to(REPO) if wheel.is_relative_to(REPO) else wheel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
