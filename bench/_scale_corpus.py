"""A synthetic 1M-passage knowledge base whose vectors are shaped like real embeddings, cached between runs.

Random unit vectors in 384 dimensions are all nearly orthogonal to each other and have no neighbourhoods, so an
approximate index looks either perfect or hopeless on them, and a real question's embedding is equally far from
all of them. Real sentence embeddings instead cluster by topic in a narrow, anisotropic cone. So:

* Topics: ``TOPICS`` words of the embedding model's vocabulary, each embedded for real (all-MiniLM-L6-v2): the
  cluster centres are real embeddings, with their real mutual cosines.
* A passage's vector is ``normalise(centre[t] + SECONDARY * centre[u] + SPREAD * noise)``: a main topic ``t``
  (its document's topic half the time, else any), a second topic ``u``, and Gaussian noise drawn with the
  covariance of real MiniLM embeddings of ``SHAPE_WORDS`` other vocabulary words, so the spread has the model's
  own decaying spectrum rather than being isotropic. ``SPREAD`` puts a passage at cosine ~0.6 from its centre,
  its nearest neighbours at ~0.6-0.7: about what MiniLM gives between passages on one subject.
* A passage's text is ~150 words drawn from the vocabulary with a Zipf-like skew (vocab.txt is roughly in
  frequency order), with its main topic's word three times and its second topic's word once: the keyword side
  then finds topic passages the way the dense side does, and common words match a large share of the 1M rows.
* Questions name a topic word beside Zipf-drawn words and are embedded for real, so they land near a cluster as a
  real question would. Recall is also measured on ``HELD_OUT`` passages drawn from the same mixture but not stored.

Everything is reproducible from the seed. The knowledge base is filled through ``store.writes.replace_document``,
the SQL the indexer runs (documents and chunks rows, vector blobs, the FTS5 index, one transaction per document
of 500 passages), but without the FAISS mirror after each document (past the HNSW threshold that would rebuild or
grow the graph 2,000 times); the FAISS file is then built once by ``VectorIndex.build`` and saved with the
generation SQLite holds, exactly as the knowledge base rebuilds it on open. The result is cached under
``.bench-cache/`` (git-ignored) keyed by this module's parameters.
"""

from __future__ import annotations

import json
import operator
import shutil
import time
from pathlib import Path

import numpy as np

TOPICS = 1000
SHAPE_WORDS = 3000
SECONDARY = 0.5
SPREAD = 1.15  # expected norm of a passage's noise (its topic centres have norm 1 and 0.5)
WORDS_PER_CHUNK = 150
CHUNKS_PER_DOCUMENT = 500
HELD_OUT = 500
SEED = 2026
VERSION = 1  # bump when the recipe changes: the cache key

CACHE = Path(__file__).resolve().parent.parent / ".bench-cache"


class ScaleCorpus:
    """Vocabulary, topic centres and the noise shape; makes passages and questions from a seed."""

    def __init__(self, vocab_file: Path, embed, cache: Path | None = None) -> None:  # type: ignore[no-untyped-def]
        """``embed`` turns a list of words into real embeddings; ``cache`` keeps them (a .npy file)."""
        words = [w for w in vocab_file.read_text(encoding="utf-8").split() if w.isalpha() and len(w) > 2]
        self.words = list(dict.fromkeys(words))
        weights = 1.0 / (np.arange(len(self.words)) + 10.0)
        self.p = weights / weights.sum()
        self._pick = lambda *rows: operator.itemgetter(*rows)(self.words)
        rng = np.random.default_rng(SEED)
        # topic and shape words from the middle and the tail of the vocabulary: specific, like real subjects
        picks = rng.choice(np.arange(300, len(self.words)), size=TOPICS + SHAPE_WORDS, replace=False)
        self.topic_words = [self.words[i] for i in picks[:TOPICS]]
        if cache is not None and cache.exists():
            embedded = np.load(cache)
        else:
            embedded = np.asarray(embed([self.words[i] for i in picks]), dtype=np.float32)
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                np.save(cache, embedded)
        self.centres = embedded[:TOPICS]
        shape = embedded[TOPICS:] - embedded[TOPICS:].mean(axis=0)
        values, axes = np.linalg.eigh(shape.T @ shape / len(shape))  # the words' covariance
        # noise = z @ _shape is Gaussian with that covariance, scaled to an expected norm of SPREAD
        self._shape = (axes * np.sqrt(np.clip(values, 0, None))).T.astype(np.float32)
        self._shape *= SPREAD / np.sqrt(values.clip(0).sum())
        self.dim = embedded.shape[1]

    def vectors(self, rng: np.random.Generator, main: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectors for passages whose main topics are ``main``; also returns their second topics."""
        second = rng.integers(0, TOPICS, size=len(main))
        noise = rng.standard_normal((len(main), self.dim), dtype=np.float32) @ self._shape
        out = self.centres[main] + SECONDARY * self.centres[second] + noise
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out.astype(np.float32), second

    def document(self, number: int) -> tuple[list[str], np.ndarray]:
        """The passages of synthetic document ``number``: texts and unit vectors, the same on every run."""
        rng = np.random.default_rng([SEED, number])
        own = rng.integers(0, TOPICS)
        main = np.where(rng.random(CHUNKS_PER_DOCUMENT) < 0.5, own, rng.integers(0, TOPICS, CHUNKS_PER_DOCUMENT))
        vectors, second = self.vectors(rng, main)
        picks = rng.choice(len(self.words), size=(CHUNKS_PER_DOCUMENT, WORDS_PER_CHUNK), p=self.p)
        pick, topic = self._pick, self.topic_words
        texts = []
        for row, t, u in zip(picks.tolist(), main.tolist(), second.tolist(), strict=True):
            chosen = list(pick(*row))
            chosen[5], chosen[60], chosen[110], chosen[140] = topic[t], topic[t], topic[t], topic[u]
            sentences = [" ".join(chosen[i : i + 15]) for i in range(0, WORDS_PER_CHUNK, 15)]
            texts.append(". ".join(s.capitalize() for s in sentences) + ".")
        return texts, vectors

    def held_out(self) -> np.ndarray:
        """Vectors from the same mixture that are not stored: queries for recall."""
        rng = np.random.default_rng([SEED, 10**9])
        return self.vectors(rng, rng.integers(0, TOPICS, HELD_OUT))[0]

    def questions(self, count: int) -> list[str]:
        rng = np.random.default_rng([SEED, 10**9 + 1])
        out = []
        for _ in range(count):
            common = [self.words[i] for i in rng.choice(len(self.words), size=2, p=self.p)]
            rare = self.words[int(rng.integers(200, len(self.words)))]
            subject = self.topic_words[int(rng.integers(0, TOPICS))]
            out.append(f"What does the {common[0]} {subject} say about {rare} and {common[1]}?")
        return out


def words_cache(model_name: str) -> Path:
    return CACHE / f"retrieval-words-{model_name}-v{VERSION}-{TOPICS}-{SHAPE_WORDS}.npy"


def cache_dir(size: int, dim: int) -> Path:
    key = f"v{VERSION}-t{TOPICS}-s{SPREAD}-w{WORDS_PER_CHUNK}-d{dim}-n{size}"
    return CACHE / f"retrieval-{key}"


def build(corpus: ScaleCorpus, size: int, folder: Path, model: tuple[str, Path, int]) -> dict[str, float]:
    """Fill ``folder/kb`` with ``size`` passages and save their vectors as ``folder/vectors.npy``, unless a
    finished copy is there (``folder/done.json``). Returns how long each step took, then or now."""
    from crossroads.rag.chunking import Chunk
    from crossroads.store import KnowledgeBase, schema
    from crossroads.store.knowledge_base import DB_NAME
    from crossroads.store.writes import FileFacts, replace_document

    done = folder / "done.json"
    if done.exists():
        return json.loads(done.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "kb").mkdir(parents=True)
    with KnowledgeBase.open(folder / "kb", create=True) as kb:
        kb._bind_model(*model)  # meta rows as the indexer records them
    documents = size // CHUNKS_PER_DOCUMENT
    vectors = np.lib.format.open_memmap(folder / "vectors.npy", mode="w+", dtype=np.float32,
                                        shape=(documents * CHUNKS_PER_DOCUMENT, corpus.dim))
    conn = schema.connect(folder / "kb" / DB_NAME, create=False)
    made = written = 0.0
    began = time.perf_counter()
    try:
        for number in range(documents):
            t0 = time.perf_counter()
            texts, block = corpus.document(number)
            t1 = time.perf_counter()
            chunks, offset = [], 0
            for ordinal, text in enumerate(texts):
                chunks.append(Chunk(ordinal, text, offset, offset + len(text), ordinal // 3 + 1, None, 200))
                offset += len(text) + 2
            facts = FileFacts(f"Synthetic report {number}", f"{number:064x}", offset, 0.0, 200, 40, "pdf",
                              CHUNKS_PER_DOCUMENT // 3 + 1)
            change = replace_document(conn, f"synthetic/report-{number:05d}.pdf", facts, chunks, block, None)
            vectors[change.added - 1] = block  # chunk ids run 1..N in a fresh file
            made += t1 - t0
            written += time.perf_counter() - t1
            if number % 200 == 199:
                print(f"# 1M corpus: {(number + 1) * CHUNKS_PER_DOCUMENT} passages in "
                      f"{time.perf_counter() - began:.0f} s", flush=True)
        assert conn.execute("SELECT max(id), count(*) FROM chunks").fetchone() == (len(vectors), len(vectors))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    vectors.flush()
    del vectors
    steps = {"generate_s": made, "write_s": written}
    done.write_text(json.dumps(steps))
    return steps


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
