"""llama-cpp-python's OpenAI-compatible server, reading every prompt in full: the tests' stand-in for a team's model
server (run as ``python tests/fresh_llama_server.py ARGS``, the arguments of ``python -m llama_cpp.server``).

Why: that server keeps the previous request's tokens in its KV cache and reuses the common prefix. After some
sequences of requests (the CLI's RAG questions, then "What is the capital city of France?") it answered "La femme de
France, le capital de la femme" on a 2-core AVX-512 machine, where the same request alone, and the in-process engine,
answer "The capital city of France is Paris." The tests compare the two engines' greedy answers token for token, so
the stand-in must compute each answer from its prompt alone, as the in-process engine's tests do.
"""

from __future__ import annotations

import runpy
from typing import Any

from llama_cpp import Llama

_generate = Llama.generate


def _generate_from_scratch(self: Llama, tokens: Any, *args: Any, **kwargs: Any) -> Any:
    self.reset()  # no prefix kept: the next decode clears the KV cache from position 0
    return _generate(self, tokens, *args, **kwargs)


Llama.generate = _generate_from_scratch  # type: ignore[method-assign]

if __name__ == "__main__":
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
