"""Indexing: our whole pipeline (read, chunk, embed, store) against sentence-transformers called directly.

The documents are the bundled demo documents plus a generated 260-page PDF of varied manual-like text (written to a
temporary folder). Ours is ``KnowledgeBase.add_paths`` into a fresh knowledge base; the baseline encodes exactly
the chunk texts our run stored with ``SentenceTransformer(folder).encode(texts, batch_size=32)``. Both sides get a
loaded model and a warm-up first; runs alternate between the two so a noisy neighbour hurts both alike.

Two baselines: plain float32 (what a user calling the library gets), and the same bfloat16 autocast our Embedder
uses on CPUs with native bf16, so the second ratio isolates the pipeline's own overhead. The 260-page PDF's indexing
time is compared with the same ``add_paths`` run on an Embedder forced to sentence-transformers float32 (the
embedder before the ONNX Runtime backend), alternating with ours; the bar is 60 s (the issue's aim: 15 s).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import report, run_count, timed
from crossroads.demo import demo_documents
from crossroads.models.catalog import resolve_embedding_model
from crossroads.rag.embedding import Embedder
from crossroads.store import KnowledgeBase
from crossroads.store.knowledge_base import DB_NAME

PDF_PAGES = 260
BAR_SECONDS = 60.0

_PRODUCTS = ["Corvus 5", "Nimbus 9", "Aquila 300", "Lyra Mini", "Orion Pro", "Vega 12", "Draco X", "Cetus Duo"]
_PARTS = ["boiler", "grinder", "water tank", "drip tray", "steam wand", "pump", "brew group", "milk line",
          "control board", "descaling valve", "bean hopper", "pressure sensor", "heating element", "gasket"]
_ACTIONS = ["cleaning", "replacing", "inspecting", "calibrating", "descaling", "removing", "refitting", "testing"]
_STATES = ["switched off", "cooled down", "empty", "unplugged", "locked in place", "dry", "depressurised"]
_DEPTS = ["Finance", "Facilities", "Customer Service", "Field Engineering", "Procurement", "Legal", "People"]
_ROLES = ["line manager", "site supervisor", "compliance officer", "service lead", "works council", "auditor"]
_DOCS = ["the maintenance log", "supplier contracts", "expense claims", "the incident register",
         "warranty returns", "the training plan", "spare-part stock levels", "access badges"]
_PERIODS = ["week", "month", "quarter", "six months", "year"]
_CITIES = ["Lisbon", "Tallinn", "Ghent", "Bergen", "Graz", "Turku", "Bologna", "Lyon", "Aarhus", "Porto"]
_REMEDIES = ["switch the machine off and let it cool for twenty minutes",
             "check that the water tank is seated correctly",
             "run a descaling cycle and restart the machine",
             "contact the service desk and quote the serial number",
             "clean the brew group under running water and dry it",
             "replace the filter cartridge and flush two cups of water"]
_OBLIGATIONS = ["notify the customer in writing", "file the claim", "return the faulty unit",
                "approve the purchase order", "archive the signed copy", "complete the safety briefing"]
_TEMPLATES = [
    "Before {action} the {part}, make sure the machine is {state}.",
    "The {dept} department reviews {doc} every {period} and reports deviations to the {role}.",
    "If the display of the {product} shows error E{code}, {remedy}.",
    "Employees travelling to {city} receive a daily allowance of {amount} euros, paid with the next salary.",
    "The {product} draws {watts} W at full load and weighs {kg} kg without water.",
    "According to section {sec}, the {role} must {obligation} within {days} working days.",
    "Spare {part}s for the {product} are kept in store room {room} and ordered in batches of {batch}.",
    "A {part} that leaks after {action} must be reported to the {dept} team on the same day.",
    "Service visits in {city} are booked through the {dept} desk at least {days} days in advance.",
    "The warranty on the {part} of the {product} lasts {years} years from the date of delivery.",
    "During {action}, wear gloves: the {part} can stay hot for up to {minutes} minutes.",
    "Invoices above {amount} euros need the approval of the {role} before payment.",
]


def _sentence(rng: random.Random) -> str:
    return rng.choice(_TEMPLATES).format(
        action=rng.choice(_ACTIONS), part=rng.choice(_PARTS), state=rng.choice(_STATES), dept=rng.choice(_DEPTS),
        doc=rng.choice(_DOCS), period=rng.choice(_PERIODS), role=rng.choice(_ROLES), product=rng.choice(_PRODUCTS),
        code=rng.randint(10, 99), remedy=rng.choice(_REMEDIES), city=rng.choice(_CITIES),
        amount=rng.randint(20, 900), watts=rng.randrange(800, 2400, 50), kg=rng.randint(6, 40),
        sec=f"{rng.randint(1, 14)}.{rng.randint(1, 9)}", obligation=rng.choice(_OBLIGATIONS),
        days=rng.randint(2, 30), room=f"{rng.choice('ABCD')}{rng.randint(1, 40)}", batch=rng.choice([5, 10, 25]),
        years=rng.randint(1, 5), minutes=rng.randint(5, 45),
    )


def manual_pages(pages: int, seed: int = 7, words_per_page: int = 350) -> list[tuple[str, str]]:
    """(heading, body) per page: a service manual's worth of varied, plausible text."""
    rng = random.Random(seed)
    out = []
    for number in range(1, pages + 1):
        heading = f"{(number - 1) // 12 + 1}.{(number - 1) % 12 + 1} {rng.choice(_ACTIONS).title()} the " \
                  f"{rng.choice(_PARTS)} of the {rng.choice(_PRODUCTS)}"
        paragraphs, words = [], 0
        while words < words_per_page:
            paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        out.append((heading, "\n\n".join(paragraphs)))
    return out


def write_manual_pdf(path: Path, pages: int) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Brellvik Service Manual")
    for heading, body in manual_pages(pages):
        pdf.add_page()
        pdf.set_font("helvetica", style="B", size=13)
        pdf.multi_cell(0, 7, heading)
        pdf.ln(2)
        pdf.set_font("helvetica", size=10)
        pdf.multi_cell(0, 5, body)
    pdf.output(str(path))
    return path


def _index(groups: list[list[Path]], embedder: Embedder, root: Path) -> tuple[list[float], int, Path]:
    """Index each group of paths in turn (one ``add_paths`` each) into a new knowledge base: the seconds of each
    call, the chunks added, and the knowledge base's folder."""
    kb_dir = Path(tempfile.mkdtemp(prefix="kb-", dir=root))
    seconds, chunks = [], 0
    with KnowledgeBase.open(kb_dir, create=True) as kb:
        for paths in groups:
            began = time.perf_counter()
            summary = kb.add_paths(paths, embedder)
            seconds.append(time.perf_counter() - began)
            chunks += summary.chunks_added
            if summary.failed:
                sys.exit(f"indexing failed: {summary.failures}")
    return seconds, chunks, kb_dir


def _stored_texts(kb_dir: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(kb_dir / DB_NAME)) as conn:
        return [row[0] for row in conn.execute("SELECT text FROM chunks ORDER BY id")]


def main() -> None:
    runs = run_count(__doc__)

    import torch
    from sentence_transformers import SentenceTransformer

    folder = resolve_embedding_model(None)
    with tempfile.TemporaryDirectory(prefix="crossroads-bench-") as tmp:
        root = Path(tmp)
        made, pdf = timed(lambda: write_manual_pdf(root / "Service-Manual.pdf", PDF_PAGES))
        demo = sorted(demo_documents().iterdir())

        load_s, embedder = timed(lambda: Embedder(folder))
        load_s += timed(lambda: embedder.dim)[0]
        torch_fp32 = Embedder(folder, backend="torch", precision="fp32")
        _ = torch_fp32.dim  # loaded now, not inside a measurement
        direct = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        bf16 = embedder.uses_bf16

        def encode(texts: list[str], autocast: bool) -> None:
            context = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
            with context:
                direct.encode(texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False)

        # Warm-up: one-time costs (thread pools, autocast kernels) fall on neither side's measurement.
        _, _, warm_kb = _index([demo[:1]], embedder, root)
        _index([demo[:1]], torch_fp32, root)
        warm = _stored_texts(warm_kb) * 4
        encode(warm, False)
        encode(warm, True)

        # The demo documents, then the PDF, in two calls: the second one is the 260-page PDF's indexing time.
        ours, pdf_seconds, fp32, same, chunk_counts, pdf_fp32 = [], [], [], [], set(), []
        texts: list[str] = []
        for _ in range(runs):  # alternate the sides: the machine's noise lands on both
            seconds, chunks, kb_dir = _index([demo, [pdf]], embedder, root)
            ours.append(chunks / sum(seconds))
            pdf_seconds.append(seconds[1])
            chunk_counts.add(chunks)
            texts = texts or _stored_texts(kb_dir)
            fp32.append(len(texts) / timed(lambda texts=texts: encode(texts, False))[0])
            if bf16:
                same.append(len(texts) / timed(lambda texts=texts: encode(texts, True))[0])
            pdf_fp32.append(_index([demo, [pdf]], torch_fp32, root)[0][1])
        assert chunk_counts == {len(texts)}, "every run must index the same chunks"
        med = statistics.median

        precision = embedder.backend
        note = (f"{len(texts)} chunks from {len(demo) + 1} files incl. a {PDF_PAGES}-page PDF; ours uses "
                f"{precision}, median of {runs}")
        report("indexing_chunks_per_s", med(ours), med(fp32), "chunks/s", f"{note}; baseline fp32 encode")
        if bf16:
            report("indexing_chunks_per_s_same_precision", med(ours), med(same), "chunks/s",
                   f"{note}; baseline bf16-autocast encode")
        report("index_260_page_pdf_s", med(pdf_seconds), med(pdf_fp32), "s",
               f"add_paths on the generated {PDF_PAGES}-page PDF (made in {made:.1f} s), ours {embedder.backend}, "
               f"baseline the same add_paths with sentence-transformers fp32, both loaded beforehand (ours "
               f"{load_s:.1f} s incl. any ONNX export); bar: under {BAR_SECONDS:.0f} s, aim 15 s")


if __name__ == "__main__":
    main()
