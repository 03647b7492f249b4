"""Start-up warm-up imports every heavy library the app will need, so none is first imported mid-demo."""

from __future__ import annotations

import sys

from crossroads.cancel import CancelToken
from crossroads.warmup import HEAVY_MODULES, import_heavy_modules


def test_every_heavy_module_imports() -> None:
    assert import_heavy_modules() == []
    assert all(name in sys.modules for name in HEAVY_MODULES)


def test_a_cancelled_warm_up_stops_at_once() -> None:
    token = CancelToken()
    token.cancel()
    assert import_heavy_modules(token) == []
