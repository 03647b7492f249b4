"""Answer latency: the model on a local OpenAI-compatible server against the same model in this process.

The server is llama-cpp-python's bundled one (the dev extra installs its packages), started here on 127.0.0.1 with
the same GGUF, threads, context and flash attention as the in-process engine. Both answer the same question
greedily (so the same tokens), runs interleaved; both keep the prompt cached between runs (a server's cache cannot
be cleared through the API), so the figure is the cost of the HTTP/SSE path and the server's own loop. Read the
ratio: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import report
from crossroads.engine.events import SamplingParams, SequenceDone
from crossroads.engine.llama_engine import LlamaEngine
from crossroads.engine.server_engine import ServerEngine
from crossroads.models.catalog import resolve_chat_model
from crossroads.rag.prompting import plain_prompt

QUESTION = "How many days a week may employees work from home?"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(model: Path, threads: int, context: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", model.stem,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context), "--n_threads", str(threads),
             "--n_threads_batch", str(threads), "--flash_attn", "True", "--interrupt_requests", "False",
             "--verbose", "False"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"bench_server: the server exited: {log.read_text()[-2000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/v1/models")
            if conn.getresponse().status == 200:
                return proc, f"http://127.0.0.1:{port}/v1"
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.5)
    proc.kill()
    sys.exit("bench_server: the server did not start in 5 minutes")


def _answer_s(engine, params: SamplingParams) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    done = [e for e in engine.generate([plain_prompt(QUESTION).messages], params) if isinstance(e, SequenceDone)]
    return time.perf_counter() - began, done[0].text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    model = resolve_chat_model(args.model)
    params = SamplingParams(max_tokens=args.tokens)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start_server(model, args.threads, 2048, Path(tmp) / "server.log")
        try:
            served = ServerEngine(url, context_size=2048)
            local = LlamaEngine(model, context_size=2048, threads=args.threads, max_sequences=1)
            _answer_s(served, params)  # warm both: the first answer also reads the prompt
            _answer_s(local, params)
            ours, baseline, same = [], [], True
            for _ in range(runs):
                s, text_s = _answer_s(served, params)
                b, text_b = _answer_s(local, params)
                ours.append(s)
                baseline.append(b)
                same = same and text_s == text_b
            local.close()
            served.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    report("answer_latency_server_s", statistics.median(ours), statistics.median(baseline), "s",
           f"{model.name}, local server vs in-process, {args.threads} threads, up to {args.tokens} tokens, "
           f"{'same' if same else 'DIFFERENT'} answers")


if __name__ == "__main__":
    main()
