"""Regenerate the README screenshots (assets/screenshots/) from the real app on the default model, offscreen.

For each theme: `crossroads gui --demo --screenshot` for the Compare view (the documented way), then one in-process
session of the same window for Evaluate (the demo questions, run for real), Decide (the sample client's prepared
answers, with the evaluation feeding the recommendation) and Fine-tune (training data written by the model from the
demo documents, reviewed, and a short real training run with its loss curve and result):

    .venv/bin/python packaging/take_screenshots.py [--questions 6] [--themes light,dark] [--finetune-steps 4]
        [--tabs compare,evaluate,decide,finetune] [--model NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "assets" / "screenshots"
SIZE = (1360, 860)


def compare_shot(theme: str, home: Path) -> None:
    env = {**os.environ, "CROSSROADS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    target = OUT / f"compare-{theme}.png"
    subprocess.run([sys.executable, "-m", "crossroads", "gui", "--demo", "--theme", theme, "--screenshot",
                    str(target), "--size", f"{SIZE[0]}x{SIZE[1]}"], env=env, check=True)


def tab_shots(themes: list[str], home: Path, questions: int, tabs: set[str], model: str | None = None,
              finetune_steps: int = 4) -> None:
    os.environ["CROSSROADS_HOME"] = str(home)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from crossroads.config import Settings
    from crossroads.demo import DEMO_KB, demo_dir
    from crossroads.models.catalog import load_catalog
    from crossroads.ui import theme as look
    from crossroads.ui.main_window import MainWindow
    from crossroads.ui.preferences import Preferences
    from crossroads.workspace import Workspace

    app = QApplication(sys.argv[:1])
    look.apply_theme(app, themes[0])
    window = MainWindow(Preferences(), Workspace(Settings()))
    window.resize(*SIZE)
    window.show()

    from screenshot_wait import settle as settle_app
    from screenshot_wait import wait as wait_app

    wait, settle = partial(wait_app, app), partial(settle_app, app)

    window.load_model(model or load_catalog().default("chat").name)
    window.library.open_kb(DEMO_KB)
    wait(lambda: window.workspace.model is not None and window.library.knowledge_base is not None)
    if "finetune" in tabs:
        finetune_shots(window, themes, home, wait, settle, finetune_steps)
    if not tabs & {"evaluate", "decide"}:
        window.close()
        return
    wait(lambda: window.evaluate.modes.knowledge_base is not None)  # the documents mode is available
    picked = [line for line in (demo_dir() / "questions.jsonl").read_text(encoding="utf-8").splitlines()
              if line.strip()][:questions]
    qfile = home / "demo-questions.jsonl"
    qfile.write_text("\n".join(picked) + "\n", encoding="utf-8")
    window.tabs.setCurrentWidget(window.evaluate)
    window.evaluate.load_questions_file(qfile)
    wait(lambda: window.evaluate.questions.model.rowCount() == len(picked))
    evaluated: list[object] = []
    window.evaluate.evaluation_finished.connect(evaluated.append)
    window.evaluate.start()
    wait(lambda: bool(evaluated))
    answers = json.loads((demo_dir() / "decision-answers.json").read_text(encoding="utf-8"))
    project = home / "brellvik-decision.json"
    project.write_text(json.dumps(answers), encoding="utf-8")
    window.decide.load_project(project)
    for name in themes:
        look.apply_theme(app, name)
        window._restyle()
        window.tabs.setCurrentWidget(window.evaluate)
        settle()
        window.grab().save(str(OUT / f"evaluate-{name}.png"))
        window.tabs.setCurrentWidget(window.decide)
        window.decide.wizard.go_to(0)
        settle()
        window.grab().save(str(OUT / f"decide-wizard-{name}.png"))
        window.decide.wizard.go_to(len(window.decide.wizard.pages()) - 1)
        settle()
        window.grab().save(str(OUT / f"decide-result-{name}.png"))
    window.close()


def finetune_shots(window, themes: list[str], home: Path, wait, settle, steps: int) -> None:  # type: ignore[no-untyped-def]
    """The Fine-tune tab after a real short run: reviewed data, measured estimate, loss curve and result."""
    from PySide6.QtWidgets import QApplication

    from crossroads.demo import demo_dir, demo_documents
    from crossroads.ui import theme as look

    window.library.add_paths([demo_documents()])  # unchanged documents are skipped
    wait(lambda: not window.library.indexing and window.library.has_documents())
    panel = window.finetune
    window.tabs.setCurrentWidget(panel)
    form = panel.data_form  # quick sources: writing questions about all 56 demo passages takes many minutes
    form.generated.setChecked(False)
    form.set_qa_file(demo_dir() / "questions.jsonl")
    form.passages.setChecked(True)
    form.general.setValue(6)
    panel.prepare()
    wait(lambda: not panel.preparing)
    panel.settings_form.steps.setValue(steps)
    panel.settings_form.max_length.setValue(128)
    panel.start()
    wait(lambda: not panel.training)
    app = QApplication.instance()
    for name in themes:
        look.apply_theme(app, name)
        window._restyle()
        window.tabs.setCurrentWidget(panel)
        settle()
        window.grab().save(str(OUT / f"finetune-{name}.png"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--themes", default="light,dark")
    parser.add_argument("--tabs", default="compare,evaluate,decide,finetune", help="which views to take")
    parser.add_argument("--model", help="the chat model for the in-process views (default: the catalog's)")
    parser.add_argument("--finetune-steps", type=int, default=4, help="training steps of the Fine-tune tab's run")
    args = parser.parse_args()
    themes = [t for t in args.themes.split(",") if t]
    tabs = {t for t in args.tabs.split(",") if t}
    OUT.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="crossroads-shots-"))
    if "compare" in tabs:
        for name in themes:
            compare_shot(name, home)
    if tabs & {"evaluate", "decide", "finetune"}:
        tab_shots(themes, home, args.questions, tabs, args.model, args.finetune_steps)
    print("\n".join(sorted(str(p.relative_to(REPO)) for p in OUT.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
