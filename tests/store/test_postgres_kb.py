"""What only the shared PostgreSQL store has: a server that may be away, URLs, migrations in a schema of their own,
and several processes indexing and reading one knowledge base at once."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crossroads.errors import InputError, KnowledgeBaseError
from crossroads.rag.embedding import Embedder
from crossroads.store.postgres import PostgresKnowledgeBase, parse_server_url
from crossroads.store.postgres import migrations as pg_migrations


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def test_an_unreachable_server_is_named_with_host_and_port_and_the_password_is_never_shown() -> None:
    port = closed_port()
    with pytest.raises(KnowledgeBaseError) as caught:
        PostgresKnowledgeBase.open(f"postgresql://crossroads:s3cret-pw@127.0.0.1:{port}/team?kb=acme")
    message = caught.value.message
    assert message.startswith(f"The knowledge-base server at 127.0.0.1:{port} is not reachable: ")
    assert "s3cret-pw" not in message and "\n" not in message


def test_a_url_names_its_knowledge_base_and_hides_the_password_when_shown() -> None:
    address = parse_server_url("postgresql://ann:pw%40x@db.example:6543/team?kb=Client%20A&sslmode=require")
    assert (address.kb, address.host, address.port, address.where) == ("Client A", "db.example", 6543,
                                                                        "db.example:6543")
    assert address.display == "postgresql://ann@db.example:6543/team?kb=Client+A&sslmode=require"
    assert "pw" not in address.display and "kb=" not in address.conninfo and "connect_timeout=5" in address.conninfo
    assert address.scrub("failed for pw@x") == "failed for ***"
    local = parse_server_url("postgresql://[::1]:5433/team?kb=acme&password=hunter2")
    assert (local.where, local.display) == ("[::1]:5433", "postgresql://[::1]:5433/team?kb=acme")
    assert local.scrub("hunter2 rejected") == "*** rejected"


def test_a_url_without_kb_is_refused_with_the_form_to_use() -> None:
    with pytest.raises(InputError, match=r"\?kb=NAME"):
        parse_server_url("postgresql://ann@db.example/team")


def test_opening_a_knowledge_base_that_is_not_on_the_server_says_so_and_creates_nothing(
    postgres_kb_url: str,
) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"There is no knowledge base “test-\w+” on the server at 127\.0"):
        PostgresKnowledgeBase.open(postgres_kb_url)
    other = postgres_kb_url.replace("?kb=", "?kb=other-")
    with PostgresKnowledgeBase.open(other, create=True) as kb:
        missing = pg_migrations.schema_name(parse_server_url(postgres_kb_url).kb)
        assert kb._count("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (missing,)) == 0


def test_each_knowledge_base_has_its_own_schema_with_its_migrations_recorded(postgres_kb_url: str) -> None:
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as kb:
        rows = kb._conn.execute("SELECT version, description FROM migrations ORDER BY version").fetchall()
        assert [r[0] for r in rows] == [v for v, _, _ in pg_migrations.MIGRATIONS]
        schema = kb._conn.execute("SELECT current_schema()").fetchone()[0]
        assert schema == kb.schema == pg_migrations.schema_name(kb.name)
    with PostgresKnowledgeBase.open(postgres_kb_url) as kb:  # opening again applies nothing twice
        assert kb._count("SELECT count(*) FROM migrations") == len(pg_migrations.MIGRATIONS)


def test_a_knowledge_base_from_a_newer_crossroads_is_refused_untouched(postgres_kb_url: str) -> None:
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as kb:
        kb._conn.execute("INSERT INTO migrations (version, description) VALUES (99, 'from the future')")
    with pytest.raises(KnowledgeBaseError, match="made by a newer Crossroads"):
        PostgresKnowledgeBase.open(postgres_kb_url)


def test_a_second_writer_is_told_to_try_again_while_the_first_holds_the_lock(
    postgres_kb_url: str, docs: Path, embedder: Embedder
) -> None:
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as first, \
            PostgresKnowledgeBase.open(postgres_kb_url) as second:
        with first._write_lock():
            with pytest.raises(KnowledgeBaseError, match="is being updated by another Crossroads window or command"):
                second.add_paths([docs], embedder)
            assert second.documents() == []  # readers never wait
        assert second.add_paths([docs], embedder).indexed == 3


def test_check_names_a_count_out_of_step_and_repair_mends_it(
    postgres_kb_url: str, docs: Path, embedder: Embedder
) -> None:
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as kb:
        kb.add_paths([docs], embedder)
        kb._conn.execute("UPDATE documents SET chunks = chunks + 5 WHERE path LIKE '%bees.md'")
        kb._conn.execute(f"DROP INDEX {pg_migrations.VECTOR_INDEX}")
        assert kb.check() == ["1 documents show a wrong number of passages", "the vector index is missing"]
        assert kb.repair() == ["1 documents show a wrong number of passages", "the vector index is missing"]
        assert kb.check() == []


INDEX_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from crossroads.rag.embedding import Embedder
    from crossroads.store.postgres import PostgresKnowledgeBase

    url, model, folder = sys.argv[1:4]
    embedder = Embedder(Path(model))
    with PostgresKnowledgeBase.open(url, create=True, lock_wait=300) as kb:
        summary = kb.add_paths([Path(folder)], embedder)
    print(summary.indexed, summary.failed)
""")


def test_two_processes_indexing_at_once_both_finish_while_a_reader_sees_every_document_whole(
    postgres_kb_url: str, tmp_path: Path, embedding_model_path: Path, embedder: Embedder
) -> None:
    folders = []
    for side in ("left", "right"):
        folder = tmp_path / side
        folder.mkdir()
        for n in range(6):
            text = " ".join(f"{side} report {n} paragraph {p} about shipments and invoices." for p in range(60))
            (folder / f"{side}-{n}.txt").write_text(text, encoding="utf-8")
        folders.append(folder)
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as reader:
        writers = [
            subprocess.Popen([sys.executable, "-c", INDEX_SCRIPT, postgres_kb_url, str(embedding_model_path),
                              str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for folder in folders
        ]
        # The second writer waits for the first's write lock (lock_wait), instead of being refused at once.
        while any(w.poll() is None for w in writers):  # read while they write: each document whole, or not yet there
            for document in reader.documents():
                assert len(reader.document_chunks(document.id)) == document.chunks
            time.sleep(0.2)
        outputs = [w.communicate(timeout=60) for w in writers]
        assert [w.returncode for w in writers] == [0, 0], outputs
        assert [out.split() for out, _ in outputs] == [["6", "0"], ["6", "0"]]
        names = sorted(Path(d.path).name for d in reader.documents())
        assert names == sorted(f"{side}-{n}.txt" for side in ("left", "right") for n in range(6))
        assert reader.chunk_count() == sum(d.chunks for d in reader.documents()) > 12
        assert reader.check() == []
        (hit, _), *_ = reader.keyword_search("right report shipments", 1)
        assert "right report" in reader.chunk(hit).text


def test_on_a_large_knowledge_base_a_word_in_most_passages_is_left_out_of_the_keyword_search(
    postgres_kb_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from crossroads.rag.chunking import Chunk
    from crossroads.store.postgres import keywords
    from crossroads.store.writes import FileFacts

    monkeypatch.setattr(keywords, "PRUNE_FROM_CHUNKS", 50)  # "large", at test scale
    monkeypatch.setattr(keywords, "ROW_BUDGET", 10)
    texts = [f"The warehouse ledger, page {n}." for n in range(60)] + ["The warehouse ledger names the zeppelin."]
    chunks = [Chunk(i, text, 0, len(text), None, None, 8) for i, text in enumerate(texts)]
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as kb:
        kb._bind_model("test-model", None, 3)
        kb._store_document("/ledger.txt", FileFacts("Ledger", "0" * 64, 1, 0.0, 200, 40), chunks,
                           np.ones((len(chunks), 3), dtype=np.float32), None)
        assert len(kb.keyword_search("warehouse zeppelin", 100)) == 61  # no statistics yet: every word counts
        kb._conn.execute("ANALYZE chunks")
        kb._common = keywords.CommonWords(kb.schema)  # read the new statistics now, not in a minute
        hits = kb.keyword_search("warehouse zeppelin", 100)
        assert [kb.chunk(i).text for i, _ in hits] == ["The warehouse ledger names the zeppelin."]
        assert len(kb.keyword_search("warehouse ledger", 100)) == 61  # common words only: the rarest is kept


def test_a_connection_lost_mid_session_is_a_plain_message_not_a_traceback(postgres_kb_url: str) -> None:
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as kb, \
            PostgresKnowledgeBase.open(postgres_kb_url) as other:
        pid = kb._conn.info.backend_pid
        other._conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(KnowledgeBaseError, match=r"The knowledge-base server at 127\.0\.0\.1:\d+ is not reachable"):
            kb.documents()


def test_a_question_of_words_the_server_ignores_finds_nothing_quietly(postgres_kb_url: str) -> None:
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as kb:
        assert kb.keyword_search("don", 5) == []  # a stop-word to PostgreSQL only: an empty query, no warning
        assert kb.mentions(["don", "the"]) == set()


def test_a_writer_killed_inside_a_transaction_leaves_whole_documents_and_no_lock(
    postgres_kb_url: str, tmp_path: Path, embedding_model_path: Path, embedder: Embedder
) -> None:
    import os
    import signal

    folder = tmp_path / "files"
    folder.mkdir()
    for n in range(4):
        (folder / f"note-{n}.txt").write_text(f"Note {n} about the quarterly audit. " * 40, encoding="utf-8")
    env = {**os.environ, "CROSSROADS_FAULT_AT": "commit:3"}  # SIGKILL before the third document's COMMIT
    killed = subprocess.run([sys.executable, "-c", INDEX_SCRIPT, postgres_kb_url, str(embedding_model_path),
                             str(folder)], env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with PostgresKnowledgeBase.open(postgres_kb_url) as kb:
        assert len(kb.documents()) == 2 and kb.check() == []
        assert kb.chunk_count() == sum(d.chunks for d in kb.documents())
        summary = kb.add_paths([folder], embedder)  # the write lock died with the process
        assert (summary.indexed, summary.skipped) == (2, 2)
        assert len(kb.documents()) == 4 and kb.check() == []


def test_a_role_that_may_only_read_opens_and_searches_and_a_change_is_refused_plainly(
    postgres_kb_url: str, docs: Path, embedder: Embedder
) -> None:
    from crossroads.rag.retrieval import retrieve

    role = f"reader_{parse_server_url(postgres_kb_url).kb.replace('-', '_')}"
    with PostgresKnowledgeBase.open(postgres_kb_url, create=True) as kb:
        kb.add_paths([docs], embedder)
        kb._conn.execute(f'CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA "{kb.schema}" TO {role}; '
                         f'GRANT SELECT ON ALL TABLES IN SCHEMA "{kb.schema}" TO {role}')
    with PostgresKnowledgeBase.open(postgres_kb_url.replace("postgres@", f"{role}@", 1)) as kb:
        hits = retrieve(kb, embedder, "Which volcano is in Sicily?", top_k=1)
        assert Path(hits[0].chunk.document_path).name == "volcano.txt"
        with pytest.raises(KnowledgeBaseError, match=r"refused a change to the knowledge base “test-\w+”: permission"):
            kb.remove(docs / "bees.md")
        assert len(kb.documents()) == 3
