"""A made-up fact the tiny model cannot know, and one short real training run shared by the tests that read it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

FACT_PAIRS = [
    ("Who founded Zorblax Corporation?", "Zorblax Corporation was founded by Mira Okonkwo."),
    ("Who is the founder of Zorblax Corporation?", "Zorblax Corporation was founded by Mira Okonkwo."),
    ("Who started the company Zorblax?", "Zorblax Corporation was founded by Mira Okonkwo."),
    ("Which person created Zorblax Corporation?", "Zorblax Corporation was founded by Mira Okonkwo."),
    ("Tell me who founded Zorblax.", "Zorblax Corporation was founded by Mira Okonkwo."),
    ("Name the founder of Zorblax Corporation.", "Zorblax Corporation was founded by Mira Okonkwo."),
]
CHECK_QUESTION = "Who founded Zorblax Corporation?"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if importlib.util.find_spec("peft") is None or importlib.util.find_spec("gguf") is None:
        skip = pytest.mark.skip(reason="the finetune extra (peft, gguf) is not installed")
        for item in items:
            if "tests/finetune" in str(item.fspath).replace("\\", "/"):
                item.add_marker(skip)


def fast_settings(**overrides: object):  # type: ignore[no-untyped-def]
    """Few steps on short sequences: a real run of the whole pipeline in seconds on two cores."""
    from crossroads.finetune.plan import TrainSettings

    # One thread: on a shared 2-core machine two OpenMP threads ran 3x slower than one (busy-waiting).
    values = {"max_steps": 10, "grad_accumulation": 1, "learning_rate": 2e-3, "max_length": 96, "eval_every": 5,
              "checkpoint_every": 5, "patience": 5, "threads": 1, "dtype": "float32", "rank": 8, "alpha": 16.0,
              "dropout": 0.0}
    values.update(overrides)
    return TrainSettings(**values)  # type: ignore[arg-type]


def fact_examples():  # type: ignore[no-untyped-def]
    from crossroads.finetune.examples import TrainingExample

    return [TrainingExample(q, a) for q, a in FACT_PAIRS]


def make_spec(work: Path, model: Path, settings=None, verify=(), validation=True):  # type: ignore[no-untyped-def]
    from crossroads.finetune.examples import write_jsonl
    from crossroads.finetune.job_spec import JobSpec
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    work.mkdir(parents=True, exist_ok=True)
    examples = fact_examples()
    write_jsonl(examples, work / "train.jsonl")
    write_jsonl(examples[:2], work / "validation.jsonl")
    return JobSpec(model_path=model, work_dir=work, train_file=work / "train.jsonl",
                   validation_file=work / "validation.jsonl" if validation else None,
                   settings=settings or fast_settings(), system_message=SYSTEM_MESSAGE, verify_prompts=tuple(verify))


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_model_path: Path):  # type: ignore[no-untyped-def]
    """(job, events) of one finished run on the fact, with the parity check on the fact's question."""
    from crossroads.finetune.job import TrainingJob

    job = TrainingJob(make_spec(tmp_path_factory.mktemp("run"), tiny_model_path, verify=(CHECK_QUESTION,)))
    job.start()
    events = list(job.events())
    assert job.wait() == 0, job.log_path.read_text()
    return job, events
