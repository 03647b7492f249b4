"""Turn chat messages into the model's own prompt format, and keep document text from forging control tokens.

The template comes from the GGUF (``tokenizer.chat_template``), rendered with the same sandboxed Jinja set-up as
llama-cpp-python. A model without a template gets ChatML rather than llama-cpp-python's silent "llama-2" fallback:
most current instruction models speak ChatML, almost none speak llama-2's format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


class ChatTemplate:
    def __init__(self, template: str | None, bos_token: str, eos_token: str, special_tokens: Iterable[str]) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.source = template or CHATML_TEMPLATE
        self.is_fallback = template is None
        self._formatter = Jinja2ChatFormatter(
            template=self.source, eos_token=eos_token, bos_token=bos_token, add_generation_prompt=True
        )
        self._bos = bos_token
        # Longest first so "<|im_start|>" wins over a shorter token that is its prefix.
        tokens = sorted({t for t in special_tokens if len(t) >= 3 and not t.isspace()}, key=len, reverse=True)
        self._special = re.compile("|".join(re.escape(t) for t in tokens)) if tokens else None

    def neutralise(self, text: str) -> str:
        """Break up control-token strings inside untrusted text (documents, questions).

        A zero-width space after the first character keeps the text readable to the model while the tokenizer
        no longer sees the control token, so a document cannot close the user turn or open an assistant turn.
        """
        if self._special is None:
            return text
        return self._special.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)

    def render(self, messages: Sequence[Message]) -> str:
        return self._formatter(messages=[{"role": m.role, "content": m.content} for m in messages]).prompt

    def starts_with_bos(self, rendered: str) -> bool:
        """A template that writes BOS itself must not get a second one from the tokenizer."""
        return bool(self._bos) and rendered.startswith(self._bos)
