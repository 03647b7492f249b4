"""The Evaluate tab: run a question set through the modes, score it, chart it, export it."""

from crossroads.ui.evaluate.panel import EvaluatePanel

__all__ = ["EvaluatePanel"]
