"""The published findings the wizard's reasons rest on.

Only findings read in the primary source ("V") or in a secondary source quoting it ("V2") are listed: anything
unverified stays out of user-facing text. One entry is one finding, so a paper may appear more than once with
different figures. ``figure`` says in plain words what was measured and the number reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Evidence:
    id: str
    authors: str
    year: int | None  # None for undated documentation pages
    title: str
    venue: str  # conference or journal, arXiv id, or where a non-paper source lives
    figure: str  # the finding, in our own words, with its number
    status: str  # "V": read in the primary source; "V2": read in a secondary source quoting it

    def citation(self) -> str:
        """One-line reference for reports: authors, year, title, venue."""
        return f"{self.authors} ({self.year or 'n.d.'}). {self.title}. {self.venue}."

    def to_dict(self) -> dict[str, str | int | None]:
        return asdict(self)


_OVADIA = dict(
    authors="Ovadia, Brief, Mishaeli, Elisha",
    year=2024,
    title="Fine-Tuning or Retrieval? Comparing Knowledge Injection in LLMs",
    venue="EMNLP 2024; arXiv:2312.05934",
)
_SOUDANI = dict(
    authors="Soudani, Kanoulas, Hasibi",
    year=2024,
    title="Fine Tuning vs. Retrieval Augmented Generation for Less Popular Knowledge",
    venue="SIGIR-AP 2024; arXiv:2403.01432",
)
_RAFT = dict(
    authors="Zhang, Patil, Jain, Shen, Zaharia, Stoica, Gonzalez",
    year=2024,
    title="RAFT: Adapting Language Model to Domain Specific RAG",
    venue="arXiv:2403.10131",
)
_LLAMACPP = dict(authors="llama.cpp contributors", title="llama.cpp")

EVIDENCE: tuple[Evidence, ...] = (
    Evidence(
        id="ovadia2024-new-facts",
        **_OVADIA,
        status="V",
        figure=(
            "On 910 questions about events after the models' training data ended, Mistral 7B answered 48.1% "
            "correctly on its own, 87.5% with retrieval, and 50.4% after fine-tuning on the same texts."
        ),
    ),
    Evidence(
        id="ovadia2024-raw-text",
        **_OVADIA,
        status="V",
        figure=(
            "Fine-tuning on the raw text of new documents barely helped and sometimes hurt: Llama2 7B fell "
            "from 35.3% to 21.9% correct, while retrieval raised it to 58.5%."
        ),
    ),
    Evidence(
        id="ovadia2024-paraphrases",
        **_OVADIA,
        status="V",
        figure=(
            "Fine-tuning absorbed facts better the more rephrasings of each fact it saw: Mistral 7B rose "
            "from 50.4% to 58.8% with ten paraphrases, still well below 87.5% with retrieval."
        ),
    ),
    Evidence(
        id="balaguer2024",
        status="V",
        authors="Balaguer et al.",
        year=2024,
        title="RAG vs Fine-tuning: Pipelines, Tradeoffs, and a Case Study on Agriculture",
        venue="arXiv:2401.08406",
        figure=(
            "In an agriculture case study, fine-tuning added over 6 percentage points of accuracy and "
            "retrieval added about 5 more on top: the two gains added up."
        ),
    ),
    Evidence(
        id="raft2024-distractors",
        **_RAFT,
        status="V",
        figure=(
            "Training Llama2-7B to answer from a relevant passage mixed with distracting ones (RAFT) raised "
            "its score with retrieval from 26.43 to 74.00 on a HuggingFace API benchmark and from 0.03 to "
            "35.28 on HotpotQA."
        ),
    ),
    Evidence(
        id="raft2024-mismatch",
        **_RAFT,
        status="V",
        figure=(
            "A model fine-tuned on the domain without passages in its training prompts got worse when "
            "retrieval was added afterwards (61.06 down to 42.59 on the HuggingFace API benchmark)."
        ),
    ),
    Evidence(
        id="soudani2024-long-tail",
        **_SOUDANI,
        status="V",
        figure=(
            "Across twelve models from 80M to 11B parameters, retrieval beat fine-tuning by a large margin "
            "on facts about the least popular entities."
        ),
    ),
    Evidence(
        id="soudani2024-small-models",
        **_SOUDANI,
        status="V2",
        figure=(
            "On PopQA, fine-tuning plus retrieval helped a 1.6B model (76.1% with retrieval, 82.1% with "
            "both) but not a 7B model (80.3% with retrieval, 78.4% with both)."
        ),
    ),
    Evidence(
        id="gekhman2024",
        status="V2",
        authors="Gekhman et al.",
        year=2024,
        title="Does Fine-Tuning LLMs on New Knowledge Encourage Hallucinations?",
        venue="EMNLP 2024; arXiv:2405.05904",
        figure=(
            "Facts the model did not already know were learned slowly and, once learned, made it invent "
            "more: fine-tuning only on unknown facts cut accuracy on well-known facts from 95.6% to 55.8%."
        ),
    ),
    Evidence(
        id="mallen2023",
        status="V2",
        authors="Mallen, Asai, Zhong, Das, Khashabi, Hajishirzi",
        year=2023,
        title=(
            "When Not to Trust Language Models: Investigating Effectiveness of Parametric and Non-Parametric Memories"
        ),
        venue="ACL 2023; arXiv:2212.10511",
        figure=(
            "Retrieval helped most on little-known entities: a 2.7B model with retrieval beat a far larger "
            "model without it on the 4,000 least popular questions, while on popular entities retrieval "
            "could mislead large models."
        ),
    ),
    Evidence(
        id="lewis2020",
        status="V",
        authors="Lewis et al.",
        year=2020,
        title="Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks",
        venue="NeurIPS 2020; arXiv:2005.11401",
        figure=(
            "A retrieval model's knowledge can be updated by swapping its document index, without "
            "retraining; for models that hold knowledge in their weights, showing provenance and updating "
            "knowledge remain open problems."
        ),
    ),
    Evidence(
        id="gao2023",
        status="V2",
        authors="Gao, Yen, Yu, Chen",
        year=2023,
        title="Enabling Large Language Models to Generate Text with Citations",
        venue="EMNLP 2023; arXiv:2305.14627",
        figure=(
            "Defines how to check cited answers: the share of statements fully supported by the passages "
            "they cite, and the share of citations that are relevant."
        ),
    ),
    Evidence(
        id="jiang2024",
        status="V2",
        authors="Jiang et al.",
        year=2024,
        title="Instruction-tuned Language Models are Better Knowledge Learners",
        venue="ACL 2024; arXiv:2402.12847",
        figure=(
            "Training on question-answer pairs before the documents raised Llama-2 7B's accuracy on "
            "questions about the documents from 30.3% to 48.1%."
        ),
    ),
    Evidence(
        id="qlora2023",
        status="V2",
        authors="Dettmers, Pagnoni, Holtzman, Zettlemoyer",
        year=2023,
        title="QLoRA: Efficient Finetuning of Quantized LLMs",
        venue="NeurIPS 2023; arXiv:2305.14314",
        figure="A 65B model was fine-tuned within 48 GB of GPU memory, on a single GPU.",
    ),
    Evidence(
        id="raschka2023",
        status="V2",
        authors="Raschka",
        year=2023,
        title="Practical Tips for Finetuning LLMs Using LoRA",
        venue="Ahead of AI (blog)",
        figure=(
            "LoRA on Llama-2-7B with 50,000 instruction examples took 1.85 hours and 21.33 GB on one A100 "
            "GPU; QLoRA took 2.79 hours and 14.18 GB."
        ),
    ),
    Evidence(
        id="unsloth-requirements",
        status="V",
        authors="Unsloth",
        year=None,
        title="Unsloth requirements: minimum VRAM",
        venue="Unsloth documentation",
        figure=(
            "Minimum GPU memory for QLoRA / 16-bit LoRA: 5 / 19 GB for 7B, 6 / 22 GB for 8B, 8.5 / 33 GB for "
            "14B models."
        ),
    ),
    Evidence(
        id="llamafactory-throughput",
        status="V",
        authors="LLaMA-Factory contributors",
        year=None,
        title="Performance comparison",
        venue="LLaMA-Factory wiki",
        figure=("LoRA training of LLaMA2-7B ran at about 2,400 to 4,000 tokens per second per GPU."),
    ),
    Evidence(
        id="llamacpp-cpu-training",
        status="V",
        **_LLAMACPP,
        year=2024,
        venue="GitHub pull requests #8669 and #10544",
        figure=(
            "Training on a CPU with llama.cpp took about 20 hours and about 100 GB of memory for one pass "
            "over a small text set with an 8B model; the older CPU LoRA example was removed as no longer "
            "working."
        ),
    ),
    Evidence(
        id="llamacpp-cpu-prefill",
        status="V",
        **_LLAMACPP,
        year=2023,
        venue="GitHub issue #34",
        figure=(
            "A 7B model on a desktop CPU read prompts at about 34 to 55 tokens per second and wrote answers "
            "at about 12 to 18 tokens per second."
        ),
    ),
    Evidence(
        id="anthropic2024-contextual",
        status="V2",
        authors="Anthropic",
        year=2024,
        title="Introducing Contextual Retrieval",
        venue="Anthropic blog",
        figure=(
            "Adding context to chunks, then keyword search, then re-ranking cut failed retrievals by 35%, "
            "49% and 67% in turn; the post advises putting a knowledge base of under about 200,000 tokens "
            "straight into the prompt."
        ),
    ),
    Evidence(
        id="beir2021",
        status="V2",
        authors="Thakur, Reimers, Rücklé, Srivastava, Gurevych",
        year=2021,
        title="BEIR: A Heterogeneous Benchmark for Zero-shot Evaluation of Information Retrieval Models",
        venue="NeurIPS 2021 Datasets and Benchmarks; arXiv:2104.08663",
        figure=(
            "No single search method won everywhere; keyword search followed by a cross-encoder re-ranker "
            "was best overall, about 11% better on average than keyword search alone, winning 16 of 18 "
            "datasets."
        ),
    ),
    Evidence(
        id="pyserini-fusion",
        status="V",
        authors="Pyserini team",
        year=None,
        title="Fusion on the BEIR datasets",
        venue="castorini/pyserini documentation",
        figure=(
            "Combining keyword and semantic search raised nDCG@10 on TREC-COVID from 0.595 (keyword) and "
            "0.782 (semantic) to 0.804, but lowered it on FiQA from 0.407 (semantic) to 0.367: measure on "
            "your own data."
        ),
    ),
    Evidence(
        id="bruch2023",
        status="V",
        authors="Bruch, Gai, Ingber",
        year=2023,
        title="An Analysis of Fusion Functions for Hybrid Retrieval",
        venue="ACM TOIS; arXiv:2210.11934",
        figure=(
            "A weighted sum of normalised keyword and semantic scores beat reciprocal rank fusion, and a "
            "small labelled set was enough to tune its one weight."
        ),
    ),
    Evidence(
        id="crossroads-indexing",
        status="V",
        authors="Crossroads team",
        year=2026,
        title="Embedding throughput on a 2-core CPU",
        venue="Crossroads engineering notes",
        figure=(
            "all-MiniLM-L6-v2 embedded 28 chunks of 256 tokens per second on 2 CPU cores (75 per second with bfloat16)."
        ),
    ),
    Evidence(
        id="crossroads-cpu-prefill",
        status="V",
        authors="Crossroads team",
        year=2026,
        title="llama.cpp speed of a 135M model on a 2-core CPU",
        venue="Crossroads engineering notes",
        figure=(
            "SmolLM2-135M (4-bit) read prompts at 461 tokens per second and wrote at 176 tokens per second "
            "on 2 CPU cores."
        ),
    ),
    Evidence(
        id="crossroads-cpu-lora",
        status="V",
        authors="Crossroads team",
        year=2026,
        title="LoRA fine-tuning of a 135M model on a 2-core CPU",
        venue="Crossroads engineering notes",
        figure=(
            "A rank-8 LoRA on SmolLM2-135M trained at 2.0 to 4.3 seconds per step of 4 x 256 tokens on 2 CPU "
            "cores, peaking at 3.4 to 4.7 GB of memory."
        ),
    ),
)

_BY_ID = {e.id: e for e in EVIDENCE}


def evidence(evidence_id: str) -> Evidence:
    return _BY_ID[evidence_id]


def known_ids() -> frozenset[str]:
    return frozenset(_BY_ID)
