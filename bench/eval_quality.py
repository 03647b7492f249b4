"""Answer quality, measured fairly: Crossroads' pipeline next to a naive RAG pipeline, same model, same questions.

``make eval`` (this script) builds a knowledge base per question set, then answers every question twice per
question, interleaved so the machine's noise falls on both alike:

- **ours**: ``crossroads.compare`` exactly as the app and the CLI run it, "Model only" and "Model + your
  documents" side by side in one batch;
- **naive**: the pipeline anyone writes in an afternoon, implemented here: the same loaders' text cut into
  1000-character windows overlapping by 200, the same MiniLM embedder, exact FAISS inner-product top 3, one user
  message "Context / Question / Answer:" through the same llama.cpp model with the same sampling settings.

One line per set, pipeline and mode::

    EVAL <set> <pipeline> <mode> n=<n> contained=<x> f1=<x> hit=<x> median_words=<n> median_ttft_s=<x> ...

``contained``: a gold answer appears in the answer (official SQuAD normalisation, citations removed, an
abstention counts as no answer); ``hit``: a gold answer appears in the passages the model was given, so a miss
is a search miss or a reading miss; ``median_words`` guards against rewarding verbosity. Sets with questions the
documents do not answer also print ``declined_unanswerable`` (said so, instead of inventing) and
``abstained_answerable`` (a false "not in the documents").

Sets: ``squad`` (SQuAD v1.1 "Super Bowl 50", 810 questions, in ``bench/data``), ``demo`` (the app's 18 demo
questions), ``pytutorial`` (the Python 3.11 tutorial, 17 HTML pages from Debian's ``python3.11-doc`` package,
fetched by ``apt-get download`` into the work folder, with 34 questions written and checked by hand).

The full SQuAD set takes hours on 2 cores: ``--out FILE`` is rewritten after every question, and ``--out FILE
--resume`` continues a stopped run (Ctrl+C, a closed laptop) where it ended, scoring the kept answers with the new.
The file records a fingerprint of the code and settings that decide an answer, and a resume by a changed pipeline
is refused. The 810 questions are asked in a fixed random order, so the part a stopped run answered is a random
sample of the set, not its first few paragraphs.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import inspect
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data"
SETS = ("squad", "demo", "pytutorial")


@dataclass(frozen=True)
class Item:
    question: str
    answers: tuple[str, ...]
    answerable: bool


@dataclass(frozen=True)
class QuestionSet:
    name: str
    files: list[Path]
    items: list[Item]


# -- question sets ---------------------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _items(records: list[dict[str, Any]]) -> list[Item]:
    return [
        Item(r["question"], tuple(r.get("answers") or ()), bool(r.get("in_documents", bool(r.get("answers")))))
        for r in records
    ]


def squad_set(sample: int | None, seed: int) -> QuestionSet:
    """A fixed random sample, or all 810 in a fixed random order: the questions a stopped run answered are then a
    random sample too (the file is ordered by paragraph), so its interim figure means something."""
    folder = DATA / "squad-superbowl50"
    items = _items(_read_jsonl(folder / "qa.jsonl"))
    count = sample if sample and sample < len(items) else len(items)
    return QuestionSet("squad", [folder / "super_bowl_50.md"], random.Random(seed).sample(items, count))


def demo_set() -> QuestionSet:
    folder = REPO / "assets" / "demo"
    documents = sorted((folder / "documents").iterdir())
    return QuestionSet("demo", documents, _items(_read_jsonl(folder / "questions.jsonl")))


def pytutorial_set(work: Path) -> QuestionSet:
    """The tutorial's HTML pages, fetched once from Debian's archive by apt-get (a package registry)."""
    pages = work / "python3.11-doc" / "tutorial"
    if not pages.is_dir():
        _fetch_python_doc(work / "python3.11-doc")
    questions = _items(_read_jsonl(DATA / "python-tutorial" / "questions.jsonl"))
    return QuestionSet("pytutorial", sorted(pages.glob("*.html")), questions)


def _fetch_python_doc(target: Path) -> None:
    if shutil.which("apt-get") is None:
        raise SystemExit("the pytutorial set needs apt-get (Debian or Ubuntu) to fetch python3.11-doc")
    download = target.parent / "deb"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", "python3.11-doc"], cwd=download, check=True)
    deb = next(download.glob("python3.11-doc_*.deb"))
    staging = target.parent / "unpacked"
    _extract_deb(deb, staging, member_prefix="./usr/share/doc/python3.11/html/tutorial/")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (staging / "usr/share/doc/python3.11/html/tutorial").rename(target / "tutorial")
    shutil.rmtree(staging, ignore_errors=True)
    (target / "VERSION").write_text(deb.name + "\n", encoding="utf-8")


def _extract_deb(deb: Path, out: Path, member_prefix: str) -> None:
    """A .deb is an ar archive holding data.tar.*; read it with the standard library (no dpkg needed)."""
    import io

    raw = deb.read_bytes()
    if not raw.startswith(b"!<arch>\n"):
        raise SystemExit(f"{deb.name} is not a Debian package")
    position = 8
    while position < len(raw):
        header = raw[position : position + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        body = raw[position + 60 : position + 60 + size]
        position += 60 + size + (size % 2)
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as archive:
                members = [m for m in archive.getmembers() if m.name.startswith(member_prefix) and m.isfile()]
                archive.extractall(out, members=members, filter="data")
            return
    raise SystemExit(f"{deb.name} holds no data archive")


# -- the two pipelines ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One answer of one pipeline and mode to one question."""

    text: str
    passages: list[str]
    ttft_s: float
    wall_s: float
    prompt_tokens: int


class OursPipeline:
    """Crossroads as shipped: the knowledge base, retrieval, prompts and batch of ``crossroads.compare``."""

    def __init__(
        self, qset: QuestionSet, work: Path, engine: Any, embedder: Any, top_k: int, modes: Sequence[str],
        focus_tokens: int | None = None, chunk_tokens: int | None = None,
    ) -> None:
        from crossroads.config import Settings
        from crossroads.store import KnowledgeBase

        settings = Settings()
        size, overlap = settings.chunk_tokens, settings.chunk_overlap
        folder = f"kb-{qset.name}"
        if chunk_tokens and chunk_tokens != size:  # another passage size: its own knowledge base
            size, overlap, folder = chunk_tokens, chunk_tokens // 5, f"kb-{qset.name}-c{chunk_tokens}"
        self.kb = KnowledgeBase.open(work / folder, create=True)
        summary = self.kb.add_paths(qset.files, embedder, size, overlap)
        failed = [d for d in self.kb.documents() if d.state != "indexed"]
        if failed:
            raise SystemExit(f"{qset.name}: {len(failed)} documents failed to index: {failed[0].error}")
        self.engine, self.embedder, self.top_k, self.modes = engine, embedder, top_k, tuple(modes)
        self.options = {} if focus_tokens is None else {"focus_tokens": focus_tokens}
        print(f"# {qset.name}: ours has {self.kb.chunk_count()} passages ({summary.indexed} documents indexed, "
              f"{summary.skipped} unchanged, {summary.seconds:.1f} s)", file=sys.stderr)

    def answer(self, item: Item, params: Any) -> dict[str, Outcome]:
        from crossroads.compare import run_comparison

        comparison = run_comparison(item.question, self.engine, self.modes, kb=self.kb, embedder=self.embedder,
                                    top_k=self.top_k, params=params, **self.options)
        with_documents = next((a for a in comparison.answers if a.mode in ("rag", "finetuned+rag")), None)
        passages = [s.text for s in with_documents.sources] if with_documents is not None else []
        return {
            a.mode: Outcome(a.text, passages, a.timings.ttft_s, a.timings.wall_s, a.timings.prompt_tokens)
            for a in comparison.answers
        }

    def close(self) -> None:
        self.kb.close()


def char_windows(text: str, size: int = 1000, overlap: int = 200) -> list[str]:
    """Fixed windows of ``size`` characters stepping by ``size - overlap``, ends moved back to white space."""
    windows = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + size // 2, end)
            end = space if space > 0 else end
        piece = text[start:end].strip()
        if piece:
            windows.append(piece)
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
    return windows


class NaivePipeline:
    """The baseline: character windows, MiniLM, FAISS flat top 3, "Context / Question / Answer:"."""

    modes = ("rag",)
    top_k = 3

    def __init__(self, qset: QuestionSet, engine: Any, embedding_model: Path) -> None:
        import faiss
        from sentence_transformers import SentenceTransformer

        from crossroads.ingest import load_document

        self.windows = [w for f in qset.files for w in char_windows(load_document(f).text)]
        self.model = SentenceTransformer(str(embedding_model), device="cpu")
        vectors = self.model.encode(self.windows, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors.astype("float32"))
        self.engine = engine
        print(f"# {qset.name}: naive indexed {len(self.windows)} windows", file=sys.stderr)

    def answer(self, item: Item, params: Any) -> dict[str, Outcome]:
        from crossroads.engine.chat_template import Message
        from crossroads.engine.events import SequenceDone

        began = time.perf_counter()
        query = self.model.encode([item.question], normalize_embeddings=True, convert_to_numpy=True)
        _, ids = self.index.search(query.astype("float32"), self.top_k)
        passages = [self.windows[i] for i in ids[0] if i >= 0]
        context = "\n\n".join(passages)
        prompt = [Message("user", f"Context:\n{context}\n\nQuestion: {item.question}\nAnswer:")]
        search_s = time.perf_counter() - began
        done = next(e for e in self.engine.generate([prompt], params) if isinstance(e, SequenceDone))
        t = done.timings
        return {"rag": Outcome(done.text.strip(), passages, search_s + t.ttft_s, search_s + t.wall_s, t.prompt_tokens)}

    def close(self) -> None:
        pass


# -- scoring ---------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: Item, outcome: Outcome) -> dict[str, Any]:
        from crossroads.evaluation.metrics import (
            answer_contained,
            is_abstention,
            retrieval_hit,
            strip_citations,
            token_f1,
        )

        row: dict[str, Any] = {
            "question": item.question,
            "gold": list(item.answers),
            "answerable": item.answerable,
            "answer": outcome.text,
            "words": len(strip_citations(outcome.text).split()),
            "abstained": is_abstention(outcome.text),
            "ttft_s": round(outcome.ttft_s, 3),
            "wall_s": round(outcome.wall_s, 3),
            "prompt_tokens": outcome.prompt_tokens,
            "passages": outcome.passages,
        }
        if item.answers:
            row["contained"] = answer_contained(outcome.text, item.answers)
            row["f1"] = token_f1(outcome.text, item.answers)
            row["hit"] = retrieval_hit(outcome.passages, item.answers) if outcome.passages else None
        self.rows.append(row)
        return row

    def line(self, set_name: str, pipeline: str, mode: str) -> str:
        scored = [r for r in self.rows if "contained" in r]
        hits = [r["hit"] for r in scored if r.get("hit") is not None]
        parts = [
            f"EVAL {set_name} {pipeline} {mode}",
            f"n={len(scored)}",
            f"contained={_mean([r['contained'] for r in scored])}",
            f"f1={_mean([r['f1'] for r in scored])}",
            f"hit={_mean(hits)}",
            f"median_words={statistics.median(r['words'] for r in self.rows):g}" if self.rows else "median_words=-",
            f"median_ttft_s={statistics.median(r['ttft_s'] for r in self.rows):.2f}" if self.rows else "",
        ]
        unanswerable = [r for r in self.rows if not r["answerable"]]
        if unanswerable:
            answerable = [r for r in self.rows if r["answerable"]]
            declined = sum(r["abstained"] for r in unanswerable)
            parts.append(f"declined_unanswerable={declined}/{len(unanswerable)}")
            parts.append(f"contained_answerable={sum(r.get('contained', 0) for r in answerable):g}/{len(answerable)}")
        parts.append(f"abstained_answerable={_mean([float(r['abstained']) for r in scored])}")
        return " ".join(p for p in parts if p)


def _mean(values: Sequence[float]) -> str:
    return f"{statistics.fmean(values):.3f}" if values else "-"


# -- the run ---------------------------------------------------------------------------------------------------


def run_set(
    qset: QuestionSet, args: argparse.Namespace, engine: Any, embedder: Any, work: Path, into: dict[str, Any],
    save: Callable[[], None] = lambda: None,
) -> None:
    """Answer the set's questions with every pipeline; ``into`` receives the rows as they come (for --out).

    Rows already in ``into`` (from ``--resume``) count as answered: their questions are skipped, their scores kept.
    ``save`` runs after every question, so a long run interrupted in any way loses at most one question.
    """
    from crossroads.engine.events import SamplingParams

    params = SamplingParams(max_tokens=args.max_tokens, temperature=0.0, seed=args.seed)
    pipelines: dict[str, Any] = {}
    if "ours" in args.pipelines:
        pipelines["ours"] = OursPipeline(qset, work, engine, embedder, args.top_k, args.modes, args.focus_tokens,
                                         args.chunk_tokens)
    if "naive" in args.pipelines:
        pipelines["naive"] = NaivePipeline(qset, engine, embedder.model_path)
    tallies = {(p, m): Tally(list(into.get(f"{p}/{m}", []))) for p, pipe in pipelines.items() for m in pipe.modes}
    into.update({f"{p}/{m}": t.rows for (p, m), t in tallies.items()})
    done = {i.question for i in qset.items}  # rows of questions outside this run (another --sample) are dropped
    for tally in tallies.values():
        done &= {r["question"] for r in tally.rows}
    for tally in tallies.values():  # a question answered by only some pipelines is asked again, for all of them
        tally.rows[:] = [r for r in tally.rows if r["question"] in done]
    if done:
        print(f"# {qset.name}: {len(done)} questions already answered (--resume)", file=sys.stderr)
    order = list(pipelines)
    began = time.perf_counter()
    try:
        for number, item in enumerate(qset.items, start=1):
            if item.question in done:
                continue
            # Alternate which pipeline goes first, so neither always meets a warm (or a cold) cache.
            for name in order if number % 2 else reversed(order):
                for mode, outcome in pipelines[name].answer(item, params).items():
                    row = tallies[(name, mode)].add(item, outcome)
                    if args.verbose:
                        mark = {1.0: "ok", 0.0: "--"}.get(row.get("contained", -1), "  ")
                        print(f"  [{number}] {name}/{mode} {mark} {outcome.text[:90]!r}", file=sys.stderr)
            save()
            if number % 10 == 0 or number == len(qset.items):
                elapsed = time.perf_counter() - began
                print(f"# {qset.name}: {number}/{len(qset.items)} questions, {elapsed:.0f} s", file=sys.stderr)
    finally:  # also after Ctrl+C: the questions answered so far are reported
        for pipe in pipelines.values():
            pipe.close()
        for (pipeline, mode), tally in tallies.items():
            print(tally.line(qset.name, pipeline, mode), flush=True)


# -- prompt variants -------------------------------------------------------------------------------------------

EXACT_INSTRUCTIONS = ("Answer the question based on the sources below. Give the exact name, number, date or place "
                      "that the sources state.")


def _replace_user(messages: list[Any], text: str) -> list[Any]:
    from crossroads.engine.chat_template import Message

    return [*messages[:-1], Message("user", text)]


def _question_first(question: str, messages: list[Any]) -> list[Any]:
    """The question also before the sources, as well as after them (helps some models find what to read)."""
    return _replace_user(messages, f"Question: {question.strip()}\n\n{messages[-1].content}")


def _exact_span(question: str, messages: list[Any]) -> list[Any]:
    """An instruction to give the sources' own name, figure, date or place."""
    from crossroads.rag.prompting import RAG_INSTRUCTIONS

    return _replace_user(messages, messages[-1].content.replace(RAG_INSTRUCTIONS, EXACT_INSTRUCTIONS, 1))


# Made-up examples of the app's own layout, about nothing any question set asks: an answer that names the
# sources' own person or figure in one sentence. They sit between the system message and the question, the same
# for every question, so the engine keeps them in its cache after the first.
_EXAMPLES = (
    ("Orchard-Guide.md › Staff", "The Linden orchard near Vale employs nine people. Maria Kovacs has managed it "
     "since 2017, after Tom Reyes retired.", "Who manages the Linden orchard?",
     "Maria Kovacs has managed the Linden orchard since 2017."),
    ("Orchard-Guide.md › Harvest", "Picking starts in late August. The 2021 harvest reached 14,200 kilograms, the "
     "largest so far; 2020 brought 11,900.", "How many kilograms did the 2021 harvest reach?",
     "The 2021 harvest reached 14,200 kilograms."),
)


def _shots(count: int) -> Callable[[str, list[Any]], list[Any]]:
    def with_examples(question: str, messages: list[Any]) -> list[Any]:
        from crossroads.engine.chat_template import Message
        from crossroads.rag.prompting import RAG_INSTRUCTIONS

        turns = []
        for origin, text, asked, answer in _EXAMPLES[:count]:
            turns.append(Message("user", f"{RAG_INSTRUCTIONS}\n\nSources:\n[1] {origin}\n{text}\n\n"
                                         f"Question: {asked}\nAnswer:"))
            turns.append(Message("assistant", answer))
        return [*messages[:-1], *turns, messages[-1]]

    with_examples.__doc__ = f"{count} worked example(s) before the question, in the fixed prefix."
    return with_examples


def _system(text: str | None) -> Callable[[str, list[Any]], list[Any]]:
    def with_system(question: str, messages: list[Any]) -> list[Any]:
        from crossroads.engine.chat_template import Message

        rest = [m for m in messages if m.role != "system"]
        return rest if text is None else [Message("system", text), *rest]

    with_system.__doc__ = (f"The system message {text!r} instead of the app's." if text else
                           "No system message (the chat template's default, if it has one).")
    return with_system


def _source_blocks(messages: list[Any]) -> tuple[str, list[str], str]:
    """The user message cut into what comes before the sources, one block per source, and the question."""
    head, rest = messages[-1].content.split("Sources:\n", 1)
    body, tail = rest.rsplit("\n\nQuestion: ", 1)
    return head, re.split(r"\n\n(?=\[\d+\] )", body), tail


def _with_blocks(messages: list[Any], head: str, blocks: Sequence[str], tail: str) -> list[Any]:
    return _replace_user(messages, f"{head}Sources:\n" + "\n\n".join(blocks) + f"\n\nQuestion: {tail}")


def _best_last(question: str, messages: list[Any]) -> list[Any]:
    """The sources in reverse order, so the best one sits next to the question."""
    head, blocks, tail = _source_blocks(messages)
    renumbered = [re.sub(r"^\[\d+\]", f"[{i}]", block) for i, block in enumerate(reversed(blocks), start=1)]
    return _with_blocks(messages, head, renumbered, tail)


def _two_sources(question: str, messages: list[Any]) -> list[Any]:
    """Only the first two sources: less to read, and fewer neighbouring names and figures to confuse."""
    head, blocks, tail = _source_blocks(messages)
    return _with_blocks(messages, head, blocks[:2], tail)


def _sentence_lines(question: str, messages: list[Any]) -> list[Any]:
    """Each source sentence on a line of its own, so one claim reads as one unit."""
    from crossroads.evaluation.metrics import split_sentences

    def one_per_line(block: str) -> str:
        origin, _, text = block.partition("\n")  # the app's sources open with "[n] document › heading"
        lines = [line[s:e] for line in text.splitlines() for s, e in (split_sentences(line) or [(0, len(line))])]
        return "\n".join([origin, *lines]) if text else block

    head, blocks, tail = _source_blocks(messages)
    return _with_blocks(messages, head, [one_per_line(b) for b in blocks], tail)


PROMPT_VARIANTS: dict[str, Callable[[str, list[Any]], list[Any]]] = {
    "best-last": _best_last, "two-sources": _two_sources, "sentence-lines": _sentence_lines,
    "question-first": _question_first, "exact-span": _exact_span, "one-shot": _shots(1), "two-shot": _shots(2),
    "no-system": _system(None), "helpful-system": _system("You are a helpful assistant."),
    "brief-system": _system("You are a careful assistant for a business. Answer the question directly and "
                            "briefly. Do not make things up: if you do not know, say so.")}


def use_prompt_variant(name: str) -> None:
    """Swap the documents column's prompt for a variant, leaving everything else as the app does it."""
    import crossroads.compare as compare
    from crossroads.rag import prompting

    app_prompt, rewrite = prompting.rag_prompt, PROMPT_VARIANTS[name]

    def variant(question: str, sources: Any, count_tokens: Any, budget_tokens: int) -> Any:
        built = app_prompt(question, sources, count_tokens, budget_tokens)
        return prompting.BuiltPrompt(rewrite(question, built.messages), built.sources, built.dropped, built.truncated)

    compare.rag_prompt = variant


# -- what an answer depends on -------------------------------------------------------------------------------

ANSWER_PARTS = ("compare.py", "config.py", "rag", "engine", "ingest", "store", "evaluation/metrics.py")
ANSWER_CODE = (*(f"desktop/crossroads/{part}" for part in ANSWER_PARTS), "models/catalog.toml")


def pipeline_fingerprint(args: argparse.Namespace) -> str:
    """A digest of the code and settings that decide an answer and its score. A run of the 810 SQuAD questions takes
    hours and may span days: ``--resume`` refuses to add answers of a changed pipeline to the ones kept."""
    digest = hashlib.sha256()
    for part in ANSWER_CODE:
        path = REPO / part
        files = sorted(p for p in path.rglob("*.py") if "postgres" not in p.parts) if path.is_dir() else [path]
        for file in files:  # the catalog holds the models' sha256
            digest.update(file.relative_to(REPO).as_posix().encode() + b"\0" + file.read_bytes())
    for code in (char_windows, NaivePipeline, Tally):  # the harness's own part: the baseline and the scoring
        digest.update(inspect.getsource(code).encode())
    settings = {k: getattr(args, k) for k in ("top_k", "focus_tokens", "max_tokens", "seed", "prompt_variant")}
    if getattr(args, "chunk_tokens", None):  # only when set, so runs at the app's size keep their fingerprint
        settings["chunk_tokens"] = args.chunk_tokens
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def _read_out(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of: {', '.join(SETS)}")
    parser.add_argument("--sample", type=int, help="only N SQuAD questions (a fixed random sample; default: all 810)")
    parser.add_argument("--limit", type=int, help="only the first N questions of every set")
    parser.add_argument("--pipelines", default="ours,naive")
    parser.add_argument("--modes", default="plain,rag", help="our pipeline's modes (the app answers both)")
    parser.add_argument("--model", help="catalog name or .gguf path (default: the catalog's default chat model)")
    parser.add_argument("--adapter", type=Path,
                        help="a GGUF LoRA adapter for the modes finetuned and finetuned+rag (e.g. the demo's, "
                             "assets/demo/adapter/brellvik-demo.gguf)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top-k", type=int, help="passages for our pipeline (default: the app's setting)")
    parser.add_argument("--focus-tokens", type=int,
                        help="how much of the passages our pipeline reads (default: the app's; 0: whole passages)")
    parser.add_argument("--chunk-tokens", type=int,
                        help="passage size for our pipeline, in tokens (default: the app's; overlap a fifth)")
    parser.add_argument("--prompt-variant", choices=sorted(PROMPT_VARIANTS),
                        help="a documents-column prompt tried and rejected, to measure it again (see README)")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=REPO / ".eval-cache", help="knowledge bases and fetched corpora")
    parser.add_argument("--out", type=Path,
                        help="write every answer and score as JSON here (after each question; gzipped if FILE.gz)")
    parser.add_argument("--resume", action="store_true",
                        help="with --out: keep the answers already in that file and ask only the other questions")
    parser.add_argument("--verbose", action="store_true", help="print every answer")
    args = parser.parse_args(argv)

    from crossroads.config import Settings
    from crossroads.engine.llama_engine import LlamaEngine
    from crossroads.models.catalog import display_name_for, resolve_chat_model, resolve_embedding_model
    from crossroads.rag.embedding import Embedder

    args.top_k = args.top_k or Settings().top_k
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    args.pipelines = [p.strip() for p in args.pipelines.split(",") if p.strip()]
    tuned = [m for m in args.modes if m.startswith("finetuned")]
    if tuned and args.adapter is None:
        parser.error(f"--modes {','.join(tuned)} needs --adapter ADAPTER.gguf")
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(names) - set(SETS)
    if unknown:
        parser.error(f"unknown set(s): {', '.join(sorted(unknown))}")
    args.work.mkdir(parents=True, exist_ok=True)
    builders: dict[str, Callable[[], QuestionSet]] = {
        "squad": lambda: squad_set(args.sample, args.seed),
        "demo": demo_set,
        "pytutorial": lambda: pytutorial_set(args.work),
    }
    if args.prompt_variant:
        use_prompt_variant(args.prompt_variant)
    model = resolve_chat_model(args.model)
    name = display_name_for(model)
    results: dict[str, Any] = {"model": name, "adapter": args.adapter.name if args.adapter else None,
                               "threads": args.threads, "pipeline": pipeline_fingerprint(args), "sets": {}}
    if args.resume and args.out and args.out.is_file():  # checked before hours of work are added to the file
        previous = json.loads(_read_out(args.out))
        if previous.get("model") != name:
            parser.error(f"--resume: {args.out} holds answers of {previous.get('model')}, not of {name}")
        if previous.get("pipeline") != results["pipeline"]:
            parser.error(f"--resume: {args.out} holds answers of another pipeline ({previous.get('pipeline')}; "
                         f"now {results['pipeline']}): the code or settings that decide an answer changed since. "
                         "Start a new --out file.")
        results["sets"] = previous.get("sets", {})
    engine = LlamaEngine(model, context_size=Settings().context_size, threads=args.threads, max_sequences=2,
                         display_name=name)
    if args.adapter is not None:
        from crossroads.finetune.runs import check_adapter_base

        check_adapter_base(args.adapter, model)  # an adapter trained on other weights would be a false result
        engine.load_adapter(args.adapter)
    embedder = Embedder(resolve_embedding_model(None))
    adapter_note = f", adapter {args.adapter.name}" if args.adapter else ""
    print(f"# model {engine.name}{adapter_note}, {args.threads} threads, ours top-{args.top_k}", file=sys.stderr)

    def save() -> None:
        if args.out:  # replaced whole, never half-written
            partial = args.out.with_name(args.out.name + ".partial")
            text = json.dumps(results, ensure_ascii=False, indent=1).encode()
            partial.write_bytes(gzip.compress(text, mtime=0) if args.out.suffix == ".gz" else text)
            partial.replace(args.out)

    try:
        for name in names:
            qset = builders[name]()
            if args.limit:
                qset = QuestionSet(qset.name, qset.files, qset.items[: args.limit])
            results["sets"].setdefault(name, {})
            run_set(qset, args, engine, embedder, args.work, into=results["sets"][name], save=save)
    except KeyboardInterrupt:
        print("# interrupted: the figures above cover the questions answered so far; --resume continues",
              file=sys.stderr)
    finally:
        engine.close()
        save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
