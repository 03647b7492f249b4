"""The promise: nothing is sent anywhere, ever. Indexing and answering run under an audit hook that sees every
socket connection and name lookup the process attempts (Python's own audit events, so nothing is faked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, sys
attempts = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
                 "urllib.Request", "http.client.connect"):
        attempts.append([event, repr(args)[:200]])
sys.addaudithook(hook)
from crossroads.cli import main
codes = [
    main(["index", sys.argv[1], "--kb", sys.argv[2]]),
    main(["ask", "What is the travel allowance?", "--kb", sys.argv[2], "--model", sys.argv[3],
          "--max-tokens", "8", "--json"]),
]
product_attempts = list(attempts)
server_backend_loaded = "crossroads.engine.server_engine" in sys.modules  # off by default: never even imported
import socket  # the control: a local connection the hook must see, proving it watches
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1).close()
except OSError:
    pass
control = attempts[len(product_attempts):]
print("RESULT " + json.dumps({"codes": codes, "attempts": product_attempts, "control": control,
                              "server_backend_loaded": server_backend_loaded}))
"""


def test_indexing_and_answering_make_no_network_connection(tmp_path: Path, tiny_model_path: Path) -> None:
    doc = tmp_path / "policy.md"
    doc.write_text("# Travel\n\nThe daily travel allowance is 58 euros within the EU.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(doc), str(tmp_path / "kb"), str(tiny_model_path)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, out.stderr[-2000:]
    result = json.loads(lines[-1][len("RESULT "):])
    assert result["codes"] == [0, 0], out.stderr[-2000:]
    assert result["attempts"] == []
    assert result["server_backend_loaded"] is False
    assert any(event == "socket.connect" for event, _ in result["control"]), "the audit hook saw nothing at all"
