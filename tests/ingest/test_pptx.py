"""PowerPoint: one section per slide, numbered, titled, with speaker notes and tables."""

from __future__ import annotations

from pathlib import Path

from crossroads.ingest import load_document

from .helpers import assert_offsets_index_text


def make_deck(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.core_properties.title = ""
    title_slide = deck.slides.add_slide(deck.slide_layouts[0])
    title_slide.shapes.title.text = "Quarterly Review"
    title_slide.placeholders[1].text = "Sales team, Q3"

    bullets = deck.slides.add_slide(deck.slide_layouts[1])
    bullets.shapes.title.text = "Results"
    bullets.placeholders[1].text_frame.text = "Revenue up 12%"
    bullets.placeholders[1].text_frame.add_paragraph().text = "Churn down to 3%"
    bullets.notes_slide.notes_text_frame.text = "Mention the new pricing model."

    table_slide = deck.slides.add_slide(deck.slide_layouts[5])
    table_slide.shapes.title.text = "Regions"
    table = table_slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for row, values in enumerate([["Region", "Growth"], ["North", "8%"]]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value

    deck.slides.add_slide(deck.slide_layouts[6])  # blank slide: no text, no section

    box_slide = deck.slides.add_slide(deck.slide_layouts[6])
    lower = box_slide.shapes.add_textbox(Inches(1), Inches(4), Inches(4), Inches(1))
    lower.text_frame.text = "read second"
    upper = box_slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1))
    upper.text_frame.text = "read first"
    deck.save(str(path))
    return path


def test_each_slide_is_a_section_numbered_and_titled(tmp_path: Path) -> None:
    document = load_document(make_deck(tmp_path / "review.pptx"))

    assert document.kind == "pptx"
    assert [section.page for section in document.sections] == [1, 2, 3, 5]
    assert [section.heading for section in document.sections] == [
        "Quarterly Review", "Results", "Regions", None]
    assert document.sections[0].text == "Quarterly Review\n\nSales team, Q3"
    assert document.metadata["slides"] == "5"
    assert document.title == "Quarterly Review"
    assert_offsets_index_text(document)


def test_speaker_notes_are_part_of_the_slide(tmp_path: Path) -> None:
    document = load_document(make_deck(tmp_path / "review.pptx"))
    assert document.sections[1].text == (
        "Results\n\nRevenue up 12%\nChurn down to 3%\n\nNotes: Mention the new pricing model.")


def test_tables_and_reading_order_on_a_slide(tmp_path: Path) -> None:
    document = load_document(make_deck(tmp_path / "review.pptx"))
    assert document.sections[2].text == "Regions\n\nRegion | Growth\nNorth | 8%"
    assert document.sections[3].text == "read first\n\nread second"
