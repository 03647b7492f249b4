"""Tracebacks go to the log file in the user data folder; the terminal gets the one-line reason only."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path


def _damaged_docx(path: Path) -> Path:
    """A real Word file whose compressed document.xml is damaged half-way: the zip lists, the part will not inflate."""
    import docx

    document = docx.Document()
    for i in range(200):
        document.add_paragraph(f"Paragraph {i}: the contract renews every March unless cancelled in writing.")
    document.save(str(path))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("word/document.xml")
    data = bytearray(path.read_bytes())
    name_len, extra_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    data[middle:middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_docx_gives_one_line_on_stderr_and_its_traceback_in_the_log(tmp_path: Path) -> None:
    damaged = _damaged_docx(tmp_path / "contract.docx")
    home = tmp_path / "home"
    env = {**os.environ, "CROSSROADS_HOME": str(home)}
    env.pop("CROSSROADS_DEBUG", None)
    run = subprocess.run([sys.executable, "-m", "crossroads", "index", str(damaged), "--kb", "acme"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    failed = [line for line in run.stderr.splitlines() if "contract.docx" in line and "failed" in line]
    assert len(failed) == 1 and "contract.docx looks damaged" in failed[0], run.stderr
    log = (home / "logs" / "crossroads.log").read_text(encoding="utf-8")
    assert "could not parse contract.docx" in log and "Traceback" in log
