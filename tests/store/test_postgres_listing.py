"""The "Shared knowledge base" dialog's two questions to the core: the URL built from what the user typed, and
which knowledge bases a server holds."""

from __future__ import annotations

import socket
import uuid

import pytest

from crossroads.errors import InputError, KnowledgeBaseError
from crossroads.store.postgres import PostgresKnowledgeBase, parse_server_url
from crossroads.store.postgres.address import compose_server_url
from crossroads.store.postgres.listing import list_server_kbs


def test_the_url_joins_server_name_and_a_session_password_and_shows_without_the_password() -> None:
    url = compose_server_url("postgresql://ann@db.example:6543/team?sslmode=require&kb=old", "Client A", "p@ss w/rd")
    address = parse_server_url(url)
    assert (address.kb, address.host, address.port, address.password) == ("Client A", "db.example", 6543,
                                                                           "p@ss w/rd")
    assert address.display == "postgresql://ann@db.example:6543/team?sslmode=require&kb=Client+A"
    assert parse_server_url(compose_server_url(" postgresql://ann@db.example/team ", "acme")).password is None


@pytest.mark.parametrize(("server", "kb", "password", "said"), [
    ("http://db.example/team", "acme", None, "postgresql://USER@HOST:PORT/DATABASE"),
    ("db.example:5432", "acme", None, "postgresql://USER@HOST:PORT/DATABASE"),
    ("postgresql:///team", "acme", None, "has no host"),
    ("postgresql://ann@db.example:http/team", "acme", None, "port"),
    ("postgresql://db.example/team", "acme", "secret", "needs a user name"),
    ("postgresql://ann@db.example/team", "a/b", None, "cannot be a knowledge base name"),
])
def test_what_cannot_make_a_knowledge_base_url_is_refused_with_the_form_to_use(
    server: str, kb: str, password: str | None, said: str
) -> None:
    with pytest.raises(InputError, match=said.replace("?", r"\?")):
        compose_server_url(server, kb, password)


def test_the_server_lists_its_knowledge_bases_by_name(postgres_server: str) -> None:
    tag = uuid.uuid4().hex[:8]
    names = [f"Zeta {tag}", f"alpha {tag}"]
    for name in names:
        PostgresKnowledgeBase.open(compose_server_url(postgres_server, name), create=True).close()
    listed = [n for n in list_server_kbs(postgres_server) if tag in n]
    assert listed == [f"alpha {tag}", f"Zeta {tag}"]  # in the order a person reads them, whatever the case


def test_listing_an_unreachable_server_names_it_and_not_the_password() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with pytest.raises(KnowledgeBaseError, match=f"server at 127.0.0.1:{port} is not reachable") as caught:
        list_server_kbs(f"postgresql://ann@127.0.0.1:{port}/team", password="hunter2")
    assert "hunter2" not in caught.value.message
