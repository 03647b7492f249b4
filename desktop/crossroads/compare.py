"""One question, several modes, answered side by side: the product's central act, as a stream of plain events.

``compare`` yields events (sources found, a token for a mode, a mode finished, an error). The CLI prints them, the
app relays them through one generic worker, tests collect them; ``run_comparison`` collects them into a
``Comparison``. All modes are decoded together (see engine), with the same sampling settings and the same seed.
The fine-tuned modes ask the same prompts as their base twins ("finetuned" as "plain", "finetuned+rag" as "rag")
of the model with the engine's LoRA adapter applied, so a column differs from its twin only by the fine-tuning.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossroads.cancel import NEVER, CancelToken
from crossroads.engine.events import SamplingParams, SequenceDone, Timings, TokenText
from crossroads.errors import InputError
from crossroads.evaluation.metrics import answer_metrics, groundedness, is_abstention
from crossroads.rag.figure_check import unfound_figures, withheld_answer
from crossroads.rag.focus import FOCUS_TOKENS
from crossroads.rag.prompting import BuiltPrompt, SourceText, plain_prompt, rag_prompt

if TYPE_CHECKING:
    from crossroads.engine.protocol import Engine
    from crossroads.rag.embedding import Embedder
    from crossroads.rag.retrieval import Hit
    from crossroads.store import KnowledgeBase


@dataclass(frozen=True)
class Mode:
    name: str
    label: str
    uses_documents: bool
    uses_adapter: bool = False  # answered by the fine-tuned model: the engine's LoRA adapter must be loaded


MODES: dict[str, Mode] = {
    "plain": Mode("plain", "Model only", uses_documents=False),
    "rag": Mode("rag", "Model + your documents", uses_documents=True),
    "finetuned": Mode("finetuned", "Fine-tuned", uses_documents=False, uses_adapter=True),
    "finetuned+rag": Mode("finetuned+rag", "Fine-tuned + documents", uses_documents=True, uses_adapter=True),
}


@dataclass(frozen=True)
class Source:
    rank: int  # 1-based, the number the answer cites
    document: str
    path: str
    page: int | None
    heading: str | None
    chunk_id: int
    score: float
    text: str
    start: int
    end: int

    def label(self) -> str:
        where = f"page {self.page}" if self.page is not None else (self.heading or "")
        return f"{self.document}, {where}" if where else self.document

    def origin(self) -> str:
        """Document and heading, as the model reads them before the passage."""
        heading = (self.heading or "").strip()
        return f"{self.document} › {heading}" if heading and heading != self.document else self.document

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "document": self.document,
            "path": self.path,
            "page": self.page,
            "heading": self.heading,
            "chunk_id": self.chunk_id,
            "score": round(self.score, 6),
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass
class Answer:
    mode: str
    text: str
    finish_reason: str
    timings: Timings
    sources: list[Source] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)  # answer sentences no source supports
    sentences: list[dict[str, Any]] = field(default_factory=list)  # each sentence's span and support, for marking
    adapter: str | None = None  # the fine-tuned adapter that answered (as the column names it), fine-tuned modes only
    withheld: str | None = None  # the model's own answer, when it stated a figure no passage contains

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "label": MODES[self.mode].label if self.mode in MODES else self.mode,
            "adapter": self.adapter,
            "text": self.text,
            "withheld": self.withheld,
            "finish_reason": self.finish_reason,
            **self.timings.to_dict(),
            "sources": [s.to_dict() for s in self.sources],
            "metrics": self.metrics,
            "unsupported_sentences": self.unsupported,
            "sentences": self.sentences,
        }


# -- events ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourcesFound:
    sources: list[Source]
    dropped: int  # retrieved but left out to fit the context
    retrieval_s: float


@dataclass(frozen=True)
class ModeToken:
    mode: str
    text: str


@dataclass(frozen=True)
class ModeDone:
    answer: Answer


CompareEvent = SourcesFound | ModeToken | ModeDone


@dataclass
class Comparison:
    question: str
    model_name: str
    model_path: str  # where the questions went: the GGUF file, or a server's URL and model (engine.location)
    answers: list[Answer]
    retrieval_s: float = 0.0
    dropped_sources: int = 0
    created_at: float = field(default_factory=time.time)
    adapter_path: str | None = None  # what answered the fine-tuned modes, if asked: an adapter file or a served model
    adapter_name: str | None = None  # its name as the columns show it (a kept run's name, else the file's stem)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "model": {"name": self.model_name, "path": self.model_path},
            "adapter": {"name": self.adapter_name or Path(self.adapter_path).stem, "path": self.adapter_path}
            if self.adapter_path else None,
            "retrieval_s": round(self.retrieval_s, 4),
            "dropped_sources": self.dropped_sources,
            "created_at": round(self.created_at, 3),
            "answers": [a.to_dict() for a in self.answers],
        }


def parse_modes(text: str | Sequence[str]) -> list[str]:
    names = [m.strip() for m in (text.split(",") if isinstance(text, str) else text) if m.strip()]
    unknown = [m for m in names if m not in MODES]
    if unknown or not names:
        raise InputError(
            f"Unknown mode {', '.join(unknown) or '(none given)'}. Choose from: {', '.join(MODES)}."
        )
    return list(dict.fromkeys(names))


def check_modes(modes: str | Sequence[str], has_documents: bool, has_adapter: bool = False) -> list[str]:
    """The modes asked for, refused at once if unknown or if they need documents or an adapter not given."""
    names = parse_modes(modes)
    if any(MODES[m].uses_documents for m in names) and not has_documents:
        raise InputError("Answering with your documents needs a knowledge base. Choose one, or ask in 'plain' mode.")
    if any(MODES[m].uses_adapter for m in names) and not has_adapter:
        raise InputError(
            "Answering with the fine-tuned model needs a fine-tuned adapter. Load one (on the command line: "
            "--adapter ADAPTER.gguf, or --finetuned-model FILE.gguf for a whole fine-tuned model), or leave out "
            "the modes 'finetuned' and 'finetuned+rag'."
        )
    return names


def check_request(
    question: str, modes: str | Sequence[str], has_documents: bool, has_adapter: bool = False
) -> tuple[str, list[str]]:
    """The trimmed question and the modes, or the reason they cannot be answered. The CLI calls this before
    loading a model, so a mistake is reported at once rather than after seconds of loading."""
    question = question.strip()
    if not question:
        raise InputError("The question is empty. Type a question to ask.")
    return question, check_modes(modes, has_documents, has_adapter)


def _sources_from_hits(hits: Sequence[Hit]) -> list[Source]:
    return [
        Source(
            rank=i + 1,
            document=h.chunk.document_title or Path(h.chunk.document_path).name,
            path=h.chunk.document_path,
            page=h.chunk.page,
            heading=h.chunk.heading,
            chunk_id=h.chunk.id,
            score=h.score,
            text=h.chunk.text,
            start=h.chunk.start,
            end=h.chunk.end,
        )
        for i, h in enumerate(hits)
    ]


def compare(
    question: str,
    engine: Engine,
    modes: Sequence[str] = ("plain", "rag"),
    *,
    kb: KnowledgeBase | None = None,
    embedder: Embedder | None = None,
    top_k: int = 4,
    params: SamplingParams = SamplingParams(),
    golds: Sequence[str] | None = None,
    cancel: CancelToken = NEVER,
    focus_tokens: int = FOCUS_TOKENS,
) -> Iterator[CompareEvent]:
    """Answer ``question`` in every mode at once; see the module docstring for the event stream."""
    question, modes = check_request(
        question, modes, kb is not None and embedder is not None, engine.finetuned is not None
    )
    adapter = engine.adapter_name
    needs_documents = any(MODES[m].uses_documents for m in modes)

    sources: list[Source] = []
    dropped = 0
    built: dict[str, BuiltPrompt] = {}
    missing: list[str] = []
    retrieval_s = 0.0
    if kb is not None and embedder is not None and (needs_documents or kb.chunk_count()):
        from crossroads.rag.answerability import missing_terms
        from crossroads.rag.retrieval import retrieve

        began = time.perf_counter()
        query_vector = embedder.encode_query(question)
        hits = retrieve(kb, embedder, question, top_k=top_k, query_vector=query_vector)
        if needs_documents:
            missing = missing_terms(question, kb.mentions)
        retrieval_s = time.perf_counter() - began
        candidates = _sources_from_hits(hits)
        read = {s.rank: s.text for s in candidates}  # what the model reads of each passage
        if focus_tokens > 0 and candidates:
            from crossroads.rag.focus import focus

            cancel.raise_if_cancelled()  # reading the sentences takes a moment; a Cancel pressed already wins

            kept = focus(question, [s.text for s in candidates], embedder.encode_for_question, query_vector,
                         focus_tokens, engine.count_tokens)
            # Numbered, and scored, in the order they are read: the sources table then reads like the prompt.
            candidates = [replace(candidates[f.index], rank=n, score=f.score) for n, f in enumerate(kept, start=1)]
            read = {n: f.text for n, f in enumerate(kept, start=1)}
            retrieval_s = time.perf_counter() - began
        budget = engine.context_size - params.max_tokens
        rag = rag_prompt(
            question,
            [SourceText(s.rank, s.label(), read[s.rank], s.origin()) for s in candidates],
            engine.count_tokens,
            budget,
        )
        sources = candidates[: len(rag.sources)]
        if rag.truncated and sources and focus_tokens <= 0:
            last = rag.sources[-1]
            sources[-1] = Source(**{**sources[-1].__dict__, "text": last.text})
        dropped = rag.dropped
        built["rag"] = rag
        yield SourcesFound(sources, dropped, retrieval_s)
    built["plain"] = plain_prompt(question)

    cancel.raise_if_cancelled()
    source_texts = [s.text for s in sources]
    generated = list(modes)
    if missing:  # the documents cannot hold the answer: say so at once, naming what no document mentions
        from crossroads.rag.answerability import not_in_documents_answer

        text = not_in_documents_answer(missing)
        for mode in [m for m in modes if MODES[m].uses_documents]:
            generated.remove(mode)
            done = SequenceDone(-1, text, "not_in_documents", Timings(0, 0, 0, retrieval_s, retrieval_s, 0.0))
            yield ModeToken(mode, text)
            yield ModeDone(_answer(mode, done, sources, source_texts, question, golds, adapter))
    if not generated:
        return
    prompts = [built["rag" if MODES[m].uses_documents else "plain"].messages for m in generated]
    tuned = [MODES[m].uses_adapter for m in generated]
    for event in engine.generate(prompts, params, cancel, with_adapter=tuned):
        mode = generated[event.seq]
        if isinstance(event, TokenText):
            if event.text:
                yield ModeToken(mode, event.text)
        elif isinstance(event, SequenceDone):
            yield ModeDone(_answer(mode, event, sources, source_texts, question, golds, adapter))


def _answer(
    mode: str,
    done: SequenceDone,
    sources: list[Source],
    source_texts: list[str],
    question: str,
    golds: Sequence[str] | None,
    adapter: str | None = None,
) -> Answer:
    text = done.text.strip()
    finish_reason = done.finish_reason
    withheld = None
    if MODES[mode].uses_documents and sources and not is_abstention(text):
        unfound = unfound_figures(text, [*source_texts, *(s.origin() for s in sources)], question)
        if unfound:  # a figure from nowhere: the documents column does not give it as the documents' answer
            withheld, text, finish_reason = text, withheld_answer(unfound), "unfound_figure"
    # Every mode is measured against the same retrieved passages: the gap is how much came from the documents.
    support = groundedness(text, source_texts, question)
    metrics = answer_metrics(text, source_texts, question, golds, grounding=support)
    unsupported = [s.text for s in support.sentences if s.checkable and not s.supported] if source_texts else []
    sentences = [
        {
            "start": s.start,
            "end": s.end,
            "support": ("supported" if s.supported else "unsupported") if s.checkable else "unchecked",
            "source": s.best_source if s.supported else None,
        }
        for s in support.sentences
    ] if source_texts else []
    return Answer(
        mode=mode,
        text=text,
        finish_reason=finish_reason,
        timings=done.timings,
        sources=sources if MODES[mode].uses_documents else [],
        metrics=metrics,
        unsupported=unsupported,
        sentences=sentences,
        adapter=adapter if MODES[mode].uses_adapter else None,
        withheld=withheld,
    )


def run_comparison(
    question: str,
    engine: Engine,
    modes: Sequence[str] = ("plain", "rag"),
    *,
    on_event: Callable[[CompareEvent], None] | None = None,
    **kwargs: Any,
) -> Comparison:
    """The whole comparison, answers in the order the modes were asked; ``on_event`` sees the stream as it comes."""
    answers: list[Answer] = []
    retrieval_s = 0.0
    dropped = 0
    for event in compare(question, engine, modes, **kwargs):
        if isinstance(event, SourcesFound):
            retrieval_s, dropped = event.retrieval_s, event.dropped
        elif isinstance(event, ModeDone):
            answers.append(event.answer)
        if on_event is not None:
            on_event(event)
    order = {m: i for i, m in enumerate(parse_modes(modes))}
    answers.sort(key=lambda a: order[a.mode])
    tuned = any(MODES[m].uses_adapter for m in order) and engine.finetuned is not None
    return Comparison(question.strip(), engine.name, engine.location, answers, retrieval_s, dropped,
                      adapter_path=engine.finetuned if tuned else None,
                      adapter_name=engine.adapter_name if tuned else None)
