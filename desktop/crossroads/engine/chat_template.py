"""Turn chat messages into the model's own prompt format, and keep document text from forging control tokens.

The template comes from the GGUF (``tokenizer.chat_template``): text written by whoever made the file, so it is
treated as untrusted code. It renders in Jinja2's ``ImmutableSandboxedEnvironment`` (what llama-cpp-python and
transformers use, with the same options and variables), with three bounds of our own: repeating a string or list
past a million items, or calling anything with a number past ten million, is refused; and a render that takes
longer than ``RENDER_SECONDS`` is stopped and reported as a ``ModelError``, so a template with a runaway loop cannot
freeze the app.

A template is tried once when the model loads. One that will not compile, or fails on a plain conversation, is a
``ModelError`` then. One that refuses a system message (Gemma 2, Mistral Instruct v0.1/v0.2 call
``raise_exception`` on it) gets the system text at the top of the first user turn instead, which is what those
models' own documentation recommends.

A model without a template gets ChatML rather than llama-cpp-python's silent "llama-2" fallback: most current
instruction models speak ChatML, almost none speak llama-2's format.
"""

from __future__ import annotations

import ctypes
import datetime
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from crossroads.errors import ModelError

T = TypeVar("T")

CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
RENDER_SECONDS = 2.0
"""A chat template renders in well under a millisecond; two seconds means it loops, whatever the machine."""
MAX_REPEAT = 1_000_000  # items a template may make with "*" (a prompt is a few thousand tokens)
MAX_CALL_NUMBER = 10_000_000  # larger numbers passed to a method ("x".ljust(10**10)) only serve to exhaust memory

# Markers a template writes as plain text, whether or not the vocabulary has them as special tokens:
# "<|im_start|>", "<start_of_turn>", "</s>", "[INST]", "[/INST]", "<<SYS>>".
_TEMPLATE_MARKERS = re.compile(
    r"<\|[^|<>\s'\"]{1,40}\|>|</?[A-Za-z_][\w-]{0,40}>|\[/?[A-Z][A-Z_]{1,30}\]|<</?[A-Z]{2,10}>>"
)
_PROBE_SYSTEM = "You are a careful assistant."
_PROBE_USER = "What does the contract say?"


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


class ChatTemplate:
    def __init__(
        self,
        template: str | None,
        bos_token: str,
        eos_token: str,
        special_tokens: Iterable[str],
        model_name: str = "this model",
    ) -> None:
        self.source = template or CHATML_TEMPLATE
        self.is_fallback = template is None
        self.model_name = model_name
        self._bos = bos_token
        self._eos = eos_token
        self._compiled = _bounded(lambda: _environment().from_string(self.source), self._too_slow, self._unreadable)
        # Longest first so "<|im_start|>" wins over a shorter token that is its prefix.
        markers = {t for t in special_tokens if len(t) >= 3 and not t.isspace()}
        markers |= set(_TEMPLATE_MARKERS.findall(self.source))
        tokens = sorted(markers, key=len, reverse=True)
        self._special = re.compile("|".join(re.escape(t) for t in tokens)) if tokens else None
        self.markers = tuple(tokens)
        self.folds_system = self._probe()

    def neutralise(self, text: str) -> str:
        """Break up control-token strings and template markers inside untrusted text (documents, questions).

        A zero-width space after the first character keeps the text readable to the model while the tokenizer
        no longer sees the control token or the marker, so a document cannot close the user turn or open an
        assistant turn.
        """
        if self._special is None:
            return text
        return self._special.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)

    def render(self, messages: Sequence[Message]) -> str:
        if self.folds_system:
            messages = fold_system(messages)
        try:
            return self._render(messages)
        except ModelError:
            raise
        except Exception as exc:  # the template's own error (raise_exception, a missing variable…)
            raise ModelError(
                f"The chat template of {self.model_name} could not write the prompt ({_reason(exc)}). "
                "Try another copy of the model, or another model."
            ) from exc

    def starts_with_bos(self, rendered: str) -> bool:
        """A template that writes BOS itself must not get a second one from the tokenizer."""
        return bool(self._bos) and rendered.startswith(self._bos)

    # -- inside ---------------------------------------------------------------------------------------------

    def _render(self, messages: Sequence[Message]) -> str:
        def raise_exception(message: str) -> None:
            raise ValueError(message)

        def strftime_now(fmt: str) -> str:
            return datetime.datetime.now().strftime(fmt)

        variables: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "bos_token": self._bos,
            "eos_token": self._eos,
            "add_generation_prompt": True,
            "raise_exception": raise_exception,
            "strftime_now": strftime_now,
            "functions": None,
            "function_call": None,
            "tools": None,
            "tool_choice": None,
        }
        return _bounded(lambda: self._compiled.render(**variables), self._too_slow)

    def _probe(self) -> bool:
        """Render a plain conversation once: True when the system text must move into the user turn."""
        plain = [Message("system", _PROBE_SYSTEM), Message("user", _PROBE_USER)]
        try:
            self._render(plain)
            return False
        except ModelError:
            raise
        except Exception:
            try:
                self._render(fold_system(plain))
            except ModelError:
                raise
            except Exception as exc:
                raise ModelError(
                    f"The chat template of {self.model_name} fails on a plain question ({_reason(exc)}), so "
                    "Crossroads cannot talk to it. Try another copy of the model, or another model."
                ) from exc
            return True

    def _too_slow(self) -> ModelError:
        return ModelError(
            f"The chat template of {self.model_name} takes too long to write a prompt (over {RENDER_SECONDS:g} s), "
            "so Crossroads will not use it. Try another copy of the model, or another model."
        )

    def _unreadable(self, exc: Exception) -> ModelError:
        return ModelError(
            f"The chat template of {self.model_name} cannot be read ({_reason(exc)}). The model file carries a "
            "broken template; try another copy of the model, or another model."
        )


def fold_system(messages: Sequence[Message]) -> list[Message]:
    """The system text at the top of the first user turn, for templates that have no system role."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if not system:
        return rest
    for i, message in enumerate(rest):
        if message.role == "user":
            rest[i] = Message("user", f"{system}\n\n{message.content}")
            return rest
    return [Message("user", system), *rest]


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    line = getattr(exc, "lineno", None)
    text = " ".join(str(text).split())
    return f"{text}, line {line}" if line else text


def _environment() -> Any:
    """Jinja2's immutable sandbox, with the options llama-cpp-python and transformers render templates with."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > 64:
                raise SecurityError("the template raises a number to a huge power")
            if operator == "*":
                sizes = [len(x) for x in (left, right) if isinstance(x, (str, list, tuple))]
                times = [x for x in (left, right) if isinstance(x, int)]
                if sizes and times and sizes[0] * times[0] > MAX_REPEAT:
                    raise SecurityError("the template repeats a text or list too many times")
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
            if any(abs(n) > MAX_CALL_NUMBER for n in numbers):
                raise SecurityError("the template passes a huge number to a function")
            return super().call(__context, __obj, *args, **kwargs)

    return BoundedSandbox(loader=jinja2.BaseLoader(), trim_blocks=True, lstrip_blocks=True)


class _Overrun(BaseException):
    """Raised inside a render thread that ran past its time; BaseException so templates cannot catch it."""


def _bounded(
    fn: Callable[[], T],
    too_slow: Callable[[], ModelError],
    failed: Callable[[Exception], ModelError] | None = None,
) -> T:
    """``fn()`` on a helper thread, given RENDER_SECONDS; a runaway render is stopped, not left spinning.

    Jinja2 compiles a template to Python code, so an exception set asynchronously on the helper thread stops it at
    its next bytecode, however it loops. The caller gets ``too_slow()`` at once either way.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = fn()
        except _Overrun:
            pass
        except Exception as exc:  # handed to the caller below
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=run, name="crossroads-template", daemon=True)
    thread.start()
    if not done.wait(RENDER_SECONDS):
        if thread.ident is not None and not done.is_set():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_Overrun))
        raise too_slow()
    if "error" in outcome:
        error = outcome["error"]
        if failed is not None:
            raise failed(error) from error
        raise error
    return outcome["value"]  # type: ignore[no-any-return]
