"""The Decide tab: a wizard over ``crossroads.decision`` and an export of ``crossroads.report``.

The main window needs only ``DecidePanel``; the modules behind it each do one job (pages, result view, chart,
cost tables, project bar, export).
"""

from __future__ import annotations

from crossroads.ui.decide.panel import DecidePanel

__all__ = ["DecidePanel"]
