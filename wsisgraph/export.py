"""Stage 6: the graph in standard RDF syntaxes, written by pyoxigraph's streaming serialisers.

Quad formats (TriG, N-Quads) keep one named graph per document plus the schemes and matrix graphs; triple
formats (Turtle, N-Triples, JSON-LD) get the union of all graphs. Output goes to a temporary file beside the
target, renamed into place only when complete, so a failed export never leaves half a file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from .errors import ExportError
from .namespaces import PREFIXES

#: format name -> (pyoxigraph format, keeps named graphs); aliases map to the same writer.
FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ttl": (ox.RdfFormat.TURTLE, False),
    "trig": (ox.RdfFormat.TRIG, True),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
    "json-ld": (ox.RdfFormat.JSON_LD, False),
}


def _write(store: ox.Store, fmt: str, output: IO[bytes]) -> None:
    rdf_format, quads = FORMATS[fmt]
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD) else None
    if quads:
        store.dump(output, rdf_format, prefixes=prefixes)
    else:  # the union of all graphs, each triple once
        seen = set()

        def triples():
            for quad in store:
                triple = quad.triple
                if triple not in seen:
                    seen.add(triple)
                    yield triple

        ox.serialize(triples(), output, rdf_format, prefixes=prefixes)


def export(store, fmt: str, out: str | Path | IO[bytes]) -> None:
    """Write the whole graph of `store` (an EmbeddedStore) in `fmt` to a file path or a binary stream."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(sorted(FORMATS))}")
    if hasattr(out, "write"):
        _write(store.store, fmt, out)
        return
    target = Path(out)
    if target.is_dir():
        raise ExportError(f"{target}: is a folder; give a file path to --out")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{target}: folder {folder} does not exist; create it first")
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise ExportError(f"{target}: cannot write in {folder} ({err.strerror or err})") from None
    try:
        with os.fdopen(handle, "wb") as output:
            _write(store.store, fmt, output)
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise ExportError(f"{target}: cannot write ({err.strerror or err})") from None
        raise
