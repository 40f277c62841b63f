"""wsisgraph: WSIS process documents into an RDF knowledge graph.

The package reads as the pipeline: load -> extract -> graph -> store -> query -> export.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

__version__ = "0.1.0"


def data_path(*parts: str) -> Path:
    """A file of the data folders (ontology/, queries/, shapes/): inside the wheel, else in the checkout."""
    packaged = resources.files("wsisgraph") / "_data"
    candidate = Path(str(packaged.joinpath(*parts)))
    if candidate.exists():
        return candidate
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


_PUBLIC = {
    "WsisgraphError": "errors",
    "Document": "load",
    "iter_documents": "load",
    "sniff_kind": "load",
    "extract": "extract",
    "BuildSummary": "store",
    "build": "store",
    "open_store": "store",
    "run_query": "query",
    "export": "export",
}
__all__ = ["data_path", *_PUBLIC]


def __getattr__(name: str):
    """Public names are imported on first use, so `wsisgraph --help` does not load the whole pipeline."""
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'wsisgraph' has no attribute {name!r}")
