#!/usr/bin/env python3
"""How fast pyoxigraph loads the build's N-Quads, three ways (issue 18 §4): one `bulk_load` of the bytes the
extraction workers hand over, `bulk_extend` of the parsed quads, and one `bulk_load` per document.

    python bench/run.py --docs 1000 --keep /tmp/b1k --skip-validate   # a corpus of bench documents
    python bench/load.py /tmp/b1k/docs --docs 500

Extraction runs first (not timed); each way then loads the same quads into a fresh store on disk, flushed.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("docs", type=Path, help="a folder of documents (bench/run.py --keep DIR writes DIR/docs)")
    ap.add_argument("--docs", dest="limit", type=int, default=500, help="how many of them to load")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import pyoxigraph as ox

    from wsisgraph.namespaces import base_iri
    from wsisgraph.store import _extract_one

    base = base_iri(None)
    files = sorted(args.docs.iterdir())[:args.limit]
    extracted = [_extract_one((str(p), p.name, base, "keywords", None, None, (), False, None, False)) for p in files]
    data = [e["nquads"] for e in extracted if "nquads" in e]
    blob = b"".join(data)
    quads = blob.count(b"\n")
    print(f"{len(data)} documents, {quads} quads ({quads // len(data)} a document)")
    ways = {
        "bulk_load, all bytes": lambda store: store.bulk_load(input=blob, format=ox.RdfFormat.N_QUADS),
        "bulk_extend, parsed quads": lambda store: store.bulk_extend(ox.parse(blob, format=ox.RdfFormat.N_QUADS)),
        "bulk_load, per document": lambda store: [store.bulk_load(input=d, format=ox.RdfFormat.N_QUADS)
                                                  for d in data],
    }
    for name, load in ways.items():
        folder = Path(tempfile.mkdtemp(prefix="wsisgraph-load-"))
        try:
            store = ox.Store(str(folder / "store"))
            cpu, wall = time.process_time(), time.perf_counter()
            load(store)
            store.flush()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"{name:28} {wall:6.2f} s wall {cpu:6.2f} s CPU {quads / wall:>10,.0f} quads/s")
            del store
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
