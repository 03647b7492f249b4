"""The training process's JSON lines become typed events; anything else is kept, never fatal."""

from __future__ import annotations

from crossroads.finetune import events as ev


def test_known_events_parse_into_their_dataclasses() -> None:
    assert ev.parse('{"event": "step", "step": 3, "total_steps": 9, "loss": 1.5, "tokens_per_s": 80.0, '
                    '"seconds": 1.2, "eta_s": 7.2, "learning_rate": 0.001}') == ev.Step(3, 9, 1.5, 80.0, 1.2, 7.2)
    assert ev.parse('{"event": "error", "message": "no"}') == ev.Failed("no")
    assert ev.parse('{"event": "eval", "step": 10, "loss": 0.5, "best": 0.5, "improved": true}').improved


def test_unknown_or_broken_lines_are_kept_as_text() -> None:
    assert isinstance(ev.parse("Loading weights 100%"), ev.Unknown)
    assert isinstance(ev.parse('{"event": "step"}'), ev.Unknown)
    assert isinstance(ev.parse('{"event": "future", "x": 1}'), ev.Unknown)


def test_the_parity_check_carries_its_figures_and_older_lines_still_parse() -> None:
    new = ev.parse('{"event": "verified", "ok": true, "reason": "llama.cpp reproduces the fine-tuned model.", '
                   '"effect_agreement": 0.98, "effect_scale": 1.0, "effect_to_gap": 7.3, "required_agreement": 0.95, '
                   '"base_agreement": 0.9993, "top1": 1.0, "in_top_k": 1.0, "positions": 18, "prompts": []}')
    assert isinstance(new, ev.Verified) and new.ok and new.effect_agreement == 0.98 and new.positions == 18
    old = ev.parse('{"event": "verified", "ok": false, "prompts": [{"prompt": "q", "same": false}]}')
    assert isinstance(old, ev.Verified) and not old.ok and old.effect_agreement is None and old.reason == ""
