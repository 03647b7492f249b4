"""Fuzzing the document loaders: mutated PDF, Word, PowerPoint, Excel and HTML files are read or refused in words.

Seeds are genuine files written by each format's own library. Hypothesis mutates them two ways: the raw bytes
(flips, cuts, insertions: what a bad download or disk does), and, for the zip-based Office formats, the XML inside a
part re-packed with a valid checksum (what reaches the XML parsers). The property: ``load_document`` returns a
Document or raises UnreadableFile naming the file; nothing else, and no case runs longer than a few seconds.
"""

from __future__ import annotations

import io
import traceback
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crossroads
from crossroads.errors import UnreadableFile
from crossroads.ingest import Document, load_document

from .fuzzing import EXAMPLES, time_limit

pytestmark = pytest.mark.fuzz
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = ("pdf", "docx", "pptx", "xlsx", "html")
ZIP_KINDS = ("docx", "pptx", "xlsx")
_SEEDS: dict[str, bytes] = {}
_FOLDER: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _seeds(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("fuzz-loaders")
    _FOLDER.append(folder)
    _SEEDS.update({kind: make(folder / f"seed.{kind}").read_bytes() for kind, make in _MAKERS.items()})


def _pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.set_title("Handbook")
    for text in ("Staff park in lot K7.", "The travel allowance is 73 florins per day."):
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Parking", level=1)
    document.add_paragraph("Staff park in lot K7 behind the warehouse.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Item", "Price"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Widget", "40 florins"
    document.save(str(path))
    return path


def _pptx(path: Path) -> Path:
    from pptx import Presentation

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = "Quarterly results"
    slide.placeholders[1].text = "Revenue grew by 12 percent."
    slide.notes_slide.notes_text_frame.text = "Mention the new warehouse."
    presentation.save(str(path))
    return path


def _xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Prices"
    sheet.append(["Item", "Price"])
    sheet.append(["Widget", 40])
    sheet.append(["Gadget", "=B2*2"])
    workbook.save(str(path))
    return path


def _html(path: Path) -> Path:
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>FAQ</title><style>p{}</style></head><body>"
        "<nav>Home</nav><h1>Support</h1><p>Call us on <b>weekdays</b>.</p><table><tr><td>A</td><td>B</td></tr>"
        "</table><pre>  code  </pre><script>var x = 1;</script></body></html>",
        encoding="utf-8",
    )
    return path


_MAKERS = {"pdf": _pdf, "docx": _docx, "pptx": _pptx, "xlsx": _xlsx, "html": _html}


def _check(kind: str, data: bytes) -> None:
    path = _FOLDER[-1] / f"mutant.{kind}"
    path.write_bytes(data)
    try:
        with time_limit():
            document = load_document(path)
    except UnreadableFile as exc:
        assert exc.message.startswith(path.name) and "\n" not in exc.message, exc.message
        _assert_not_our_bug(exc.__cause__)
        return
    assert isinstance(document, Document) and document.text.strip()


def _assert_not_our_bug(cause: BaseException | None) -> None:
    """A "looks damaged" must come from the parser library, not from an error in Crossroads' own loader code."""
    if cause is None or isinstance(cause, (OSError, UnreadableFile)):
        return
    frames = traceback.extract_tb(cause.__traceback__)
    innermost = frames[-1].filename if frames else ""
    package = str(Path(crossroads.__file__).parent)
    assert not innermost.startswith(package), f"Crossroads' own code raised {cause!r} at {frames[-1]}"


def _at(data: bytes | bytearray, fraction: float) -> int:
    return min(len(data) - 1, int(fraction * len(data))) if data else 0


fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def test_every_seed_reads() -> None:
    for kind in KINDS:
        _check(kind, _SEEDS[kind])


@FUZZ
@given(st.sampled_from(KINDS), st.lists(st.tuples(fractions, st.integers(0, 255)), min_size=1, max_size=16))
def test_flipped_bytes(kind: str, flips: list[tuple[float, int]]) -> None:
    data = bytearray(_SEEDS[kind])
    for fraction, value in flips:
        data[_at(data, fraction)] = value
    _check(kind, bytes(data))


@FUZZ
@given(st.sampled_from(KINDS), fractions, st.binary(max_size=64))
def test_cut_files_and_inserted_bytes(kind: str, fraction: float, inserted: bytes) -> None:
    seed = _SEEDS[kind]
    at = max(1, _at(seed, fraction))
    _check(kind, seed[:at] + inserted + (seed[at:] if inserted else b""))


def _repack(seed: bytes, member_fraction: float, mutate) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        chosen = names[min(len(names) - 1, int(member_fraction * len(names)))]
        for name in names:
            data = source.read(name)
            target.writestr(name, mutate(data) if name == chosen else data)
    return out.getvalue()


@FUZZ
@given(st.sampled_from(ZIP_KINDS), fractions,
       st.lists(st.tuples(fractions, st.sampled_from(b"<>/=\"' &;x0\x00\xff")), min_size=1, max_size=8))
def test_damaged_xml_inside_an_office_file(kind: str, member: float, edits: list[tuple[float, int]]) -> None:
    def mutate(data: bytes) -> bytes:
        buffer = bytearray(data)
        for fraction, value in edits:
            if buffer:
                buffer[_at(buffer, fraction)] = value
        return bytes(buffer)

    _check(kind, _repack(_SEEDS[kind], member, mutate))


@FUZZ
@given(st.sampled_from(ZIP_KINDS), fractions, fractions,
       st.sampled_from([b"", b"<w:p>", b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>]>", b"&a;" * 8, b"<x>" * 200,
                        b"\xef\xbb\xbf", b"<?xml version='1.0' encoding='utf-16'?>"]))
def test_cut_or_grafted_xml_parts(kind: str, member: float, cut: float, graft: bytes) -> None:
    def mutate(data: bytes) -> bytes:
        at = _at(data, cut)
        return data[:at] + graft + data[at:] if graft else data[:at]

    _check(kind, _repack(_SEEDS[kind], member, mutate))
