"""The count behind the status bar's "offline": network connects are counted, local ones are not."""

from __future__ import annotations

import socket
import sys

from crossroads import netwatch


def test_a_connection_to_another_machine_is_counted_and_local_ones_are_not(monkeypatch) -> None:
    netwatch.install()
    monkeypatch.setitem(netwatch._state, "attempts", netwatch.attempts())  # this test's fake event is undone after
    monkeypatch.setitem(netwatch._state, "last", netwatch.last_attempt())
    netwatch.install()  # twice is harmless
    before = netwatch.attempts()
    sys.audit("socket.connect", None, ("127.0.0.1", 8080))
    sys.audit("socket.connect", None, ("::1", 8080, 0, 0))
    sys.audit("socket.connect", None, "/run/some.sock")
    assert netwatch.attempts() == before
    # The audit event alone, as Python raises it just before connecting: no packet leaves this test.
    sys.audit("socket.connect", None, ("192.0.2.7", 443))
    assert netwatch.attempts() == before + 1
    assert "192.0.2.7" in netwatch.last_attempt()


def test_a_real_loopback_connection_is_not_counted() -> None:
    netwatch.install()
    before = netwatch.attempts()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=5)
    client.close()
    server.close()
    assert netwatch.attempts() == before


def test_a_datagram_sent_to_another_machine_is_counted(monkeypatch) -> None:
    netwatch.install()
    monkeypatch.setitem(netwatch._state, "attempts", netwatch.attempts())
    monkeypatch.setitem(netwatch._state, "last", netwatch.last_attempt())
    before = netwatch.attempts()
    sys.audit("socket.sendto", None, ("127.0.0.1", 53))
    assert netwatch.attempts() == before
    sys.audit("socket.sendto", None, ("192.0.2.9", 53))  # the audit event only: no packet leaves
    assert netwatch.attempts() == before + 1
