"""Portable mode: a bundle on a USB stick keeps its data beside itself, and finds its models beside itself."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from crossroads import config, logfile
from crossroads.cli import main


@pytest.fixture
def frozen_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run as a frozen bundle would: sys.frozen set, the executable in an app folder of its own."""
    app = tmp_path / "crossroads"
    app.mkdir()
    (app / "crossroads").write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "crossroads"))
    monkeypatch.delenv("CROSSROADS_HOME", raising=False)
    monkeypatch.delenv("CROSSROADS_MODELS_DIR", raising=False)
    monkeypatch.delenv(config.PORTABLE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return app


def test_a_frozen_bundle_runs_from_the_folder_of_its_executable(frozen_app: Path) -> None:
    assert config.app_root() == frozen_app
    assert not config.portable()
    assert config.data_dir() != frozen_app / "data"  # installed: the user's data folder


def test_a_marker_file_beside_the_executable_keeps_the_data_beside_it(frozen_app: Path) -> None:
    (frozen_app / config.PORTABLE_MARKER).write_text("portable\n")
    assert config.portable()
    assert config.data_dir() == frozen_app / "data"
    assert config.kbs_dir() == frozen_app / "data" / "knowledge-bases"


def test_the_environment_asks_for_portable_and_crossroads_home_still_wins(
        frozen_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.PORTABLE_ENV, "1")
    assert config.data_dir() == frozen_app / "data"
    monkeypatch.setenv(config.PORTABLE_ENV, "0")
    assert not config.portable()
    monkeypatch.setenv("CROSSROADS_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.setenv(config.PORTABLE_ENV, "1")
    assert config.data_dir() == tmp_path / "elsewhere"


def test_the_bundle_finds_its_models_beside_it(frozen_app: Path) -> None:
    (frozen_app / "models").mkdir()
    (frozen_app / "models" / "catalog.toml").write_text("")
    assert config.models_dir() == frozen_app / "models"


def test_the_portable_flag_before_the_command_puts_the_data_and_the_log_beside_the_app(
        frozen_app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--portable", "kb", "list"]) == 0
    capsys.readouterr()
    # Through the environment, so the processes the app starts (workers, the server) use the same folder.
    assert os.environ[config.PORTABLE_ENV] == "1"
    assert config.data_dir() == frozen_app / "data"
    assert logfile.log_path() == frozen_app / "data" / "logs" / "crossroads.log"
    # Libraries' own caches (onnxruntime's) follow, rather than landing in the laptop's home folder.
    assert os.environ["XDG_CACHE_HOME"] == str(frozen_app / "data" / "cache" / "xdg")
