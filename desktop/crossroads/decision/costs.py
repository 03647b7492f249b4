"""A rough cost and effort estimate per option, from stated assumptions the user can edit.

Every figure comes from ``cost_assumptions.toml`` (label, range, unit, source); an answers file may override
any of them under "costs". Results are ranges: the low end combines the favourable ends of every assumption,
the high end the unfavourable ones, so the range is wide where the inputs are uncertain.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crossroads.decision.questions import UNKNOWN, question
from crossroads.decision.units import Range, add, div, format_range, mul, scale

if TYPE_CHECKING:
    from crossroads.decision.answers import Answers

_FILE = Path(__file__).with_name("cost_assumptions.toml")


@dataclass(frozen=True)
class Assumption:
    id: str
    label: str
    low: float
    high: float
    unit: str
    source: str
    evidence: tuple[str, ...] = ()
    overridden: bool = False

    @property
    def range(self) -> Range:
        return (self.low, self.high)

    def text(self) -> str:
        return format_range(self.low, self.high, self.unit)


@dataclass(frozen=True)
class CostLine:
    item: str
    low: float
    high: float
    unit: str
    assumptions: tuple[str, ...]  # ids of the assumptions it is computed from

    @property
    def range(self) -> Range:
        return (self.low, self.high)

    def text(self) -> str:
        return format_range(self.low, self.high, self.unit)


@dataclass(frozen=True)
class OptionCost:
    option: str
    lines: tuple[CostLine, ...]
    note: str = ""


@dataclass(frozen=True)
class CostEstimate:
    options: tuple[OptionCost, ...]
    assumptions: tuple[Assumption, ...]  # those used, in file order
    assumed: tuple[str, ...] = field(default_factory=tuple)  # answers filled in because they were unknown

    def for_option(self, option: str) -> OptionCost:
        return next(o for o in self.options if o.option == option)

    def to_dict(self) -> dict[str, Any]:
        return {
            "options": {
                o.option: {
                    "note": o.note,
                    "lines": [{**asdict(line), "text": line.text()} for line in o.lines],
                }
                for o in self.options
            },
            "assumptions": [{**asdict(a), "text": a.text()} for a in self.assumptions],
            "assumed": list(self.assumed),
        }


@cache
def _file() -> dict[str, Any]:
    return tomllib.loads(_FILE.read_text(encoding="utf-8"))


@cache
def default_assumptions() -> dict[str, Assumption]:
    return {
        key: Assumption(
            key,
            a["label"],
            float(a["value"][0]),
            float(a["value"][1]),
            a["unit"],
            a["source"],
            tuple(a.get("evidence", ())),
        )
        for key, a in _file()["assumptions"].items()
    }


def assumption_ids() -> frozenset[str]:
    return frozenset(default_assumptions())


class _Inputs:
    """Assumptions after overrides, recording which were used so the estimate lists exactly those."""

    def __init__(self, overrides: Mapping[str, tuple[float, float]]) -> None:
        self._all = {
            k: (Assumption(k, a.label, *overrides[k], a.unit, a.source, a.evidence, True) if k in overrides else a)
            for k, a in default_assumptions().items()
        }
        self.used: list[str] = []

    def __getitem__(self, key: str) -> Range:
        if key not in self.used:
            self.used.append(key)
        return self._all[key].range

    def line(self, item: str, key: str, unit: str) -> CostLine:
        """A cost line that is one assumption as it stands."""
        return CostLine(item, *self[key], unit, (key,))

    def used_assumptions(self) -> tuple[Assumption, ...]:
        return tuple(a for k, a in self._all.items() if k in self.used)


def estimate_costs(answers: Answers) -> CostEstimate:
    """Cost lines for every option, from the answers (or the stated fallbacks) and the assumptions."""
    assumed: list[str] = []

    def answer(qid: str) -> str:
        value = answers.get(qid)
        if value == UNKNOWN:
            value = _file()["assume_when_unknown"][qid]
            q = question(qid)
            assumed.append(f'{q.title} was not answered; the estimate assumes "{q.label(value)}".')
        return value

    a = _Inputs(answers.costs)
    size, model, data = answer("corpus_size"), answer("model_size"), answer("training_data")
    gpu, freq = answer("gpu"), answer("change_frequency")
    window = answers.get("context_window")

    corpus = a[f"corpus_tokens.{size}"]
    ids = (f"corpus_tokens.{size}", "chunk_tokens", "embed_chunks_per_s")
    chunks = div(corpus, a["chunk_tokens"])
    index_s = div(chunks, a["embed_chunks_per_s"])
    storage = mul(chunks, add(a["vector_bytes_per_chunk"], mul(a["text_bytes_per_token"], a["chunk_tokens"])))
    prefill_id = f"prefill_tokens_per_s.{model}"
    prefill = a[prefill_id]
    per_question = div(mul(a["top_k"], a["chunk_tokens"]), prefill)
    change_chunks = div(mul(a["pages_per_change"], a["tokens_per_page"]), a["chunk_tokens"])
    update_s = div(change_chunks, a["embed_chunks_per_s"])

    rag = [
        a.line("Set-up effort", "rag_setup_days", "person-days"),
        CostLine("Indexing the collection (once)", *index_s, "s", ids),
        CostLine("Index storage", *storage, "bytes", (*ids[:2], "vector_bytes_per_chunk", "text_bytes_per_token")),
        CostLine("Extra reading per question (CPU)", *per_question, "s", ("top_k", "chunk_tokens", prefill_id)),
        CostLine("Update per change (re-index the changed pages)", *update_s, "s", (*ids[1:], "pages_per_change")),
        a.line("Updates per year", f"changes_per_year.{freq}", "updates"),
    ]
    fix = [
        a.line("Improving search", "fix_retrieval_days", "person-days"),
        CostLine(
            "Re-indexing while improving search", *mul(index_s, a["retrieval_trials"]), "s", (*ids, "retrieval_trials")
        ),
        *rag,
    ]

    examples, example_ids = _examples(a, data, corpus, size)
    train_tokens = mul(mul(examples, a["tokens_per_example"]), a["epochs"])
    training = {"data": data, "model": model, "gpu": gpu, "freq": freq}
    ft = _training_lines(a, "Fine-tuning", train_tokens, examples, example_ids, training)
    ft += [
        CostLine(
            "Update per change (retrain)",
            *mul(ft[2].range, a["retrain_fraction"]),
            "s",
            (*ft[2].assumptions, "retrain_fraction"),
        ),
        a.line("Retraining runs per year", f"changes_per_year.{freq}", "updates"),
    ]
    raft_tokens = mul(train_tokens, a["raft_tokens_multiplier"])
    raft_ids = (*example_ids, "raft_tokens_multiplier")
    # Facts are updated through the index, so the hybrid's updates are RAG's, not retraining runs.
    hybrid = [*_training_lines(a, "Hybrid", raft_tokens, examples, raft_ids, training), *rag]

    read_all = div(corpus, prefill)
    kv_id = f"kv_cache_kb_per_token.{model}"
    long_lines = [
        a.line("Set-up effort", "long_context_setup_days", "person-days"),
        CostLine("First reading of the whole collection (CPU)", *read_all, "s", (ids[0], prefill_id)),
        CostLine("Memory to hold the read collection", *scale(mul(corpus, a[kv_id]), 1024), "bytes", (ids[0], kv_id)),
        CostLine("Update per change (read the collection again)", *read_all, "s", (ids[0], prefill_id)),
    ]
    long_note = ""
    if window != UNKNOWN:
        usable = a[f"context_tokens.{window}"][0] * a["context_usable_share"][0]
        if corpus[1] > usable:
            long_note = "Not possible as stated: the collection is larger than the usable context window."
    hybrid_note = "Fine-tuning with passages in the training examples, plus RAG; changed facts only need re-indexing."
    options = (
        OptionCost("rag", tuple(rag)),
        OptionCost("long_context", tuple(long_lines), long_note),
        OptionCost("fix_retrieval", tuple(fix), "RAG costs, plus the work to improve search first."),
        OptionCost("hybrid", tuple(hybrid), hybrid_note),
        OptionCost("fine_tune", tuple(ft)),
    )
    return CostEstimate(options, a.used_assumptions(), tuple(assumed))


def _examples(a: _Inputs, data: str, corpus: Range, size: str) -> tuple[Range, tuple[str, ...]]:
    if data == "raw_documents":
        per_k = mul(a["qa_pairs_per_1k_tokens"], a["paraphrases_per_fact"])
        ids = (f"corpus_tokens.{size}", "qa_pairs_per_1k_tokens", "paraphrases_per_fact")
        return mul(scale(corpus, 1 / 1000), per_k), ids
    return a[f"examples.{data}"], (f"examples.{data}",)


def _training_lines(
    a: _Inputs,
    what: str,
    tokens: Range,
    examples: Range,
    example_ids: tuple[str, ...],
    training: Mapping[str, str],
) -> list[CostLine]:
    """Data preparation, examples, the run (third: callers derive retraining from it), memory, checking."""
    data, model = training["data"], training["model"]
    on_cpu = training["gpu"] == "none"
    rate_id = f"{'cpu' if on_cpu else 'gpu'}_train_tokens_per_s.{model}"
    hours = scale(div(tokens, a[rate_id]), 1 / 3600)
    run_ids = (*example_ids, "tokens_per_example", "epochs", rate_id)
    lines = [
        a.line("Preparing training data", f"data_prep_days.{data}", "person-days"),
        CostLine("Training examples", *examples, "examples", example_ids),
        CostLine(f"{what} run on {'a CPU' if on_cpu else 'one GPU'}", *scale(hours, 3600), "s", run_ids),
    ]
    if on_cpu:
        lines.append(a.line("Memory for 16-bit LoRA (CPU)", f"lora_memory_gb.{model}", "GB"))
    else:
        lines += [
            a.line("GPU memory with QLoRA", f"qlora_memory_gb.{model}", "GB"),
            a.line("GPU memory with 16-bit LoRA", f"lora_memory_gb.{model}", "GB"),
            CostLine(
                "Cloud price of the run",
                *mul(hours, a["gpu_hour_price"]),
                "USD",
                (*run_ids, "gpu_hour_price"),
            ),
        ]
    lines.append(a.line("Checking the trained model, per run", "eval_days_per_run", "person-days"))
    return lines
