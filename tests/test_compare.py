"""The side-by-side comparison as a stream of events, on the real tiny GGUF and a real knowledge base."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.cancel import CancelToken
from crossroads.compare import (
    ModeDone,
    ModeToken,
    SourcesFound,
    compare,
    parse_modes,
    run_comparison,
)
from crossroads.engine.events import SamplingParams
from crossroads.errors import InputError
from crossroads.evaluation.metrics import answer_metrics
from crossroads.store import KnowledgeBase

SHORT = SamplingParams(max_tokens=16, temperature=0.0)
LAPTOP_QUESTION = "What laptop does an engineer receive?"


def write_two_page_pdf(path: Path, first: str, second: str, title: str) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in (first, second):
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def engine(tiny_engine):  # type: ignore[no-untyped-def]
    return tiny_engine


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[KnowledgeBase]:
    """A policy in Markdown and a two-page handbook PDF, holding facts no model can know."""
    folder = tmp_path_factory.mktemp("client")
    (folder / "policy.md").write_text(
        "# Travel policy\n\nThe Zorbanian travel allowance is 73 florins per day for trips to Quellstadt.\n\n"
        "# Parking\n\nStaff park in lot K7 behind the warehouse.\n",
        encoding="utf-8",
    )
    write_two_page_pdf(
        folder / "handbook.pdf",
        "Welcome to the handbook. This page covers office hours: the office opens at eight.",
        "Equipment: every engineer receives a Mirvane laptop with a purple sticker numbered 4412.",
        title="Engineering Handbook",
    )
    with KnowledgeBase.open(folder / "kb", create=True) as knowledge_base:
        knowledge_base.add_paths([folder / "policy.md", folder / "handbook.pdf"], embedder)
        yield knowledge_base


def run(question: str, engine, kb, embedder, params: SamplingParams = SHORT, **kwargs) -> list[object]:
    return list(compare(question, engine, ("plain", "rag"), kb=kb, embedder=embedder, params=params, **kwargs))


@pytest.fixture(scope="module")
def laptop_events(engine, kb, embedder) -> list[object]:
    return run(LAPTOP_QUESTION, engine, kb, embedder)


def test_sources_come_first_then_the_short_prompt_streams_first_then_one_done_per_mode(laptop_events) -> None:
    kinds = [type(e) for e in laptop_events]
    assert kinds[0] is SourcesFound and kinds.count(SourcesFound) == 1
    token_modes = [e.mode for e in laptop_events if isinstance(e, ModeToken)]
    assert set(token_modes) == {"plain", "rag"}
    assert token_modes[0] == "plain", "the model-only answer starts while the documents are still being read"
    done = [e.answer.mode for e in laptop_events if isinstance(e, ModeDone)]
    assert sorted(done) == ["plain", "rag"]
    for mode in ("plain", "rag"):
        last_token = max(i for i, e in enumerate(laptop_events) if isinstance(e, ModeToken) and e.mode == mode)
        finished = next(
            i for i, e in enumerate(laptop_events) if isinstance(e, ModeDone) and e.answer.mode == mode
        )
        assert last_token < finished


def test_streamed_tokens_add_up_to_each_final_answer(laptop_events) -> None:
    for done in (e for e in laptop_events if isinstance(e, ModeDone)):
        streamed = "".join(e.text for e in laptop_events if isinstance(e, ModeToken) and e.mode == done.answer.mode)
        # A documents answer stating a figure no passage holds is withheld: what streamed is kept beside it.
        assert streamed.strip() == (done.answer.withheld or done.answer.text)
        assert done.answer.text
        assert done.answer.finish_reason in {"stop", "length", "unfound_figure"}
        t = done.answer.timings
        assert 0 < t.completion_tokens <= SHORT.max_tokens and 0 < t.ttft_s <= t.wall_s


def test_the_rag_answer_cites_numbered_sources_with_document_page_and_passage(laptop_events) -> None:
    answers = {e.answer.mode: e.answer for e in laptop_events if isinstance(e, ModeDone)}
    sources = answers["rag"].sources
    assert [s.rank for s in sources] == list(range(1, len(sources) + 1))
    assert sources == laptop_events[0].sources
    best = sources[0]
    assert best.document == "Engineering Handbook" and Path(best.path).name == "handbook.pdf"
    assert best.page == 2
    assert "Mirvane laptop" in best.text
    assert best.label() == "Engineering Handbook, page 2"
    scores = [s.score for s in sources]
    assert scores == sorted(scores, reverse=True), "numbered and scored in the order the model reads them"
    markdown = next(s for s in sources if s.path.endswith("policy.md"))
    assert markdown.page is None and markdown.heading in {"Travel policy", "Parking"}
    assert answers["rag"].timings.prompt_tokens > answers["plain"].timings.prompt_tokens + 40  # passages were sent


def test_the_plain_answer_has_no_sources_but_is_measured_against_the_same_passages(laptop_events) -> None:
    answers = {e.answer.mode: e.answer for e in laptop_events if isinstance(e, ModeDone)}
    plain, rag = answers["plain"], answers["rag"]
    assert plain.sources == []
    passages = [s.text for s in rag.sources]
    assert plain.metrics == answer_metrics(plain.text, passages, LAPTOP_QUESTION)
    assert rag.metrics == answer_metrics(rag.text, passages, LAPTOP_QUESTION)
    assert plain.metrics["k_precision"] is not None


def _fingerprint(comparison) -> list[tuple[object, ...]]:
    return [(a.mode, a.text, a.finish_reason, a.metrics, [s.to_dict() for s in a.sources]) for a in comparison.answers]


def test_same_seed_and_temperature_give_identical_answers_in_two_sessions(tiny_model_path, kb, embedder) -> None:
    from crossroads.engine.llama_engine import LlamaEngine

    params = SamplingParams(max_tokens=20, temperature=0.8, seed=7)
    runs = []
    for _ in range(2):
        session = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
        try:
            runs.append(run_comparison("Where do staff park?", session, kb=kb, embedder=embedder, params=params))
        finally:
            session.close()
    assert [a.mode for a in runs[0].answers] == ["plain", "rag"]
    assert _fingerprint(runs[0]) == _fingerprint(runs[1])


def test_run_comparison_keeps_the_order_the_modes_were_asked_in(engine, kb, embedder) -> None:
    result = run_comparison("Where do staff park?", engine, ["rag", "plain"], kb=kb, embedder=embedder,
                            params=SamplingParams(max_tokens=8))
    assert [a.mode for a in result.answers] == ["rag", "plain"]
    data = result.to_dict()
    assert data["question"] == "Where do staff park?" and data["model"]["path"] == str(engine.path)
    assert [a["label"] for a in data["answers"]] == ["Model + your documents", "Model only"]


def test_plain_mode_alone_needs_no_knowledge_base(engine) -> None:
    events = list(compare("What is the capital of France?", engine, ["plain"], params=SamplingParams(max_tokens=8)))
    assert not any(isinstance(e, SourcesFound) for e in events)
    (done,) = [e for e in events if isinstance(e, ModeDone)]
    assert done.answer.sources == [] and done.answer.metrics["grounded_share"] is None


@pytest.mark.parametrize("question", ["", "   \n\t"])
def test_an_empty_question_is_refused(engine, kb, embedder, question: str) -> None:
    with pytest.raises(InputError, match="question is empty"):
        run(question, engine, kb, embedder)


def test_an_unknown_mode_is_refused_by_name(engine, kb, embedder) -> None:
    with pytest.raises(InputError, match="fine-tuned") as caught:
        list(compare("Where do staff park?", engine, ["plain", "fine-tuned"], kb=kb, embedder=embedder))
    assert "Unknown mode fine-tuned" in caught.value.message
    assert "plain, rag, finetuned, finetuned+rag" in caught.value.message
    with pytest.raises(InputError, match="none given"):
        parse_modes(" , ")


def test_rag_without_a_knowledge_base_is_refused(engine, embedder) -> None:
    with pytest.raises(InputError, match="needs a knowledge base"):
        list(compare("Where do staff park?", engine, ["rag"], embedder=embedder))
    with pytest.raises(InputError, match="needs a knowledge base"):
        list(compare("Where do staff park?", engine, ["plain", "rag"]))


def test_cancelling_mid_stream_finishes_both_answers_as_cancelled(engine, kb, embedder) -> None:
    cancel = CancelToken()
    events = []
    long = SamplingParams(max_tokens=200)
    for event in compare("Write a long, detailed story about a dragon who parks in lot K7.", engine,
                         kb=kb, embedder=embedder, params=long, cancel=cancel):
        events.append(event)
        if isinstance(event, ModeToken):
            cancel.cancel()
    answers = [e.answer for e in events if isinstance(e, ModeDone)]
    assert sorted(a.mode for a in answers) == ["plain", "rag"]
    assert {a.finish_reason for a in answers} == {"cancelled"}
    assert all(a.timings.completion_tokens < long.max_tokens for a in answers)
    # The engine is free again afterwards: the next question is answered normally.
    again = run_comparison("Where do staff park?", engine, kb=kb, embedder=embedder,
                           params=SamplingParams(max_tokens=8))
    assert {a.finish_reason for a in again.answers} <= {"stop", "length", "unfound_figure"}


def test_a_question_about_a_name_no_document_mentions_is_declined_at_once_without_the_model(
    engine, kb, embedder
) -> None:
    events = run("What is the travel allowance for trips to Vorlund?", engine, kb, embedder)
    answers = {e.answer.mode: e.answer for e in events if isinstance(e, ModeDone)}
    rag, plain = answers["rag"], answers["plain"]
    assert rag.text == "The documents do not say. No document mentions “Vorlund”."
    assert rag.finish_reason == "not_in_documents" and rag.timings.completion_tokens == 0
    assert rag.metrics["abstained"] == 1.0
    assert rag.sources and "73 florins" in rag.sources[0].text  # the nearest passages are still shown
    streamed = [e for e in events if isinstance(e, ModeToken)]
    assert streamed[0].mode == "rag" and streamed[0].text == rag.text  # before the model-only column's first word
    assert plain.timings.completion_tokens > 0


def test_a_known_name_goes_to_the_model_with_the_passage_and_its_origin(engine, kb, embedder) -> None:
    events = run("What is the travel allowance for trips to Quellstadt?", engine, kb, embedder)
    rag = next(e.answer for e in events if isinstance(e, ModeDone) and e.answer.mode == "rag")
    assert rag.finish_reason in {"stop", "length", "unfound_figure"} and rag.timings.completion_tokens > 0
    assert rag.sources[0].origin() == "Travel policy"  # the title is the first heading: said once
