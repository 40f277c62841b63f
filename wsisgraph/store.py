"""Stage 4: the graph on disk, in an embedded pyoxigraph (RocksDB) store.

A store folder holds generations and a `current` link:

    STORE/current -> gen-1732300000000000000/   (the store readers open)
    STORE/.lock                                 (held while a build runs)

`build` writes a complete new generation beside the current one with the bulk loader and only then swaps the
`current` link (an atomic rename), so a build that fails or is killed leaves the previous graph readable and
unchanged. Older generations are removed after the swap.
"""
from __future__ import annotations

import errno
import json
import fcntl
import os
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from .errors import DocumentError, InvalidGraph, QueryError, StoreError
from .extract import extract
from .graph import matrix_quads, scheme_quads, to_quads
from .load import iter_paths, load_document
from .namespaces import PREFIXES, base_iri
from .schemes import load_vocabulary

CURRENT = "current"
LOCK = ".lock"


@dataclass
class BuildSummary:
    store: Path
    documents: int = 0
    triples: int = 0
    mentions: Counter = field(default_factory=Counter)  # scheme -> (document, concept) pairs
    validated: bool = False
    validation_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # one line per bad or duplicate file
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _resolve(path: Path) -> Path:
    """The folder of the store to open: STORE/current, or PATH itself when it is a plain Oxigraph store."""
    current = path / CURRENT
    if current.exists():
        return current.resolve()
    if (path / "CURRENT").exists() or any(path.glob("*.sst")):  # a bare RocksDB folder
        return path
    raise StoreError(f"{path}: no wsisgraph store here; build one with `wsisgraph build DOCS --store {path}`")


class EmbeddedStore:
    """A read-only view of a built store, for queries and exports."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(f"{self.path}: no such store; build one with `wsisgraph build DOCS --store {self.path}`")
        location = _resolve(self.path)
        try:
            self.store = ox.Store.read_only(str(location))
        except OSError as err:
            raise StoreError(f"{self.path}: cannot open the store ({err})") from None

    def query(self, sparql: str, substitutions: dict | None = None):
        """Run SPARQL over the union of all graphs; a syntax error becomes a QueryError."""
        try:
            return self.store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True,
                                    substitutions=substitutions)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err}") from None

    def select(self, sparql: str, params: dict[str, tuple[str, str]] | None = None) -> dict:
        """A SELECT or ASK query, parameters bound as terms; the W3C SPARQL 1.1 JSON results as a dict."""
        substitutions = {ox.Variable(name): _term(kind, value) for name, (kind, value) in (params or {}).items()}
        result = self.query(sparql, substitutions or None)
        if isinstance(result, ox.QueryTriples):
            raise QueryError("this is a CONSTRUCT or DESCRIBE query; use `wsisgraph sparql` for graph results")
        return json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))

    def __len__(self) -> int:
        return len(self.store)


def _term(kind: str, value: str):
    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "integer":
        return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(value)


def open_store(path: str | Path) -> EmbeddedStore:
    return EmbeddedStore(path)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One build at a time per store: a second one fails at once with a clear message."""
    with open(folder / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EAGAIN, errno.EACCES):
                raise StoreError(f"{folder}: another wsisgraph build is writing this store; wait for it to end") from None
            raise
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prepare(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder}: exists and is not a folder; give --store a folder path")
    if folder.exists() and any(folder.iterdir()) and not (folder / CURRENT).exists() and not (folder / LOCK).exists():
        raise StoreError(f"{folder}: folder is not empty and holds no wsisgraph store; give a new or empty folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise StoreError(f"{folder}: cannot write here ({err.strerror or err}); choose another --store path") from None


def _swap(folder: Path, generation: Path) -> None:
    link = folder / f".{CURRENT}-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(generation.name, link)
    os.replace(link, folder / CURRENT)  # atomic: readers see the old or the new generation, never neither


def _in_use(generation: Path) -> bool:
    """Is another process (a server, a reader) holding this generation's RocksDB lock?"""
    try:
        with open(generation / "LOCK", "a") as handle:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.lockf(handle, fcntl.LOCK_UN)
        return False
    except OSError:
        return True


def _remove_old(folder: Path, keep: Path) -> None:
    """Drop superseded generations, except one another process still has open (a later build removes it)."""
    for old in folder.glob("gen-*"):
        if old != keep and not _in_use(old):
            shutil.rmtree(old, ignore_errors=True)
    for stale in folder.glob(f".{CURRENT}-*"):
        stale.unlink(missing_ok=True)


def build(
    paths: Iterable[str | Path],
    store_path: str | Path,
    *,
    base: str | None = None,
    matrix: str | Path | None = None,
    strict: bool = False,
    validate: bool = True,
    on_start: Callable[[int], None] | None = None,
    on_document: Callable[[str, str | None], None] | None = None,
) -> BuildSummary:
    """Build a new graph from every document under `paths` and make it the store's current graph.

    A bad file is skipped and reported in the summary (or, with `strict`, fails the build and leaves the store
    unchanged). `on_start(number_of_files)` and `on_document(name, error_or_None)`, once per file, feed a
    progress bar.
    """
    started = time.perf_counter()
    base = base_iri(base)
    folder = Path(store_path)
    files = list(iter_paths(paths))
    if not files:
        raise DocumentError(f"{', '.join(map(str, paths))}: no documents found; give a folder holding WSIS documents")
    vocabulary = load_vocabulary(base)
    summary = BuildSummary(store=folder)
    if on_start:
        on_start(len(files))
    _prepare(folder)
    with _locked(folder):
        generation = folder / f"gen-{time.time_ns()}"
        seen: dict[str, str] = {}

        def quads() -> Iterator[ox.Quad]:
            yield from scheme_quads(vocabulary)
            yield from matrix_quads(vocabulary, matrix)
            for path, name in files:
                error = None
                try:
                    doc = load_document(path, name)
                    if doc.sha256 in seen:
                        raise DocumentError(f"{name}: same content as {seen[doc.sha256]}; skipped")
                    seen[doc.sha256] = name
                    ex = extract(doc, base)
                except DocumentError as err:
                    if strict:
                        raise
                    error = str(err)
                    summary.skipped.append(error)
                else:
                    summary.documents += 1
                    summary.warnings += ex.warnings
                    for scheme, _ in {(m.concept.scheme, m.concept.iri) for m in ex.mentions}:
                        summary.mentions[scheme] += 1
                    yield from to_quads(ex, base)
                if on_document:
                    on_document(name, error)

        try:
            store = ox.Store(str(generation))
            store.bulk_extend(quads())
            store.flush()
            summary.triples = len(store)
            if summary.documents == 0:
                raise DocumentError(f"{', '.join(map(str, paths))}: none of the {len(files)} files is a document "
                                    "wsisgraph can read; see the messages above")
            if validate:
                from .validate import validate_store_graphs

                report = validate_store_graphs(store)
                summary.validated, summary.validation_seconds = True, report.seconds
                if not report.conforms:
                    raise InvalidGraph(f"{folder}: the new graph breaks {len(report.violations)} shape constraints; "
                                       "the previous graph is kept", report)
            del store
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        _swap(folder, generation)
        _remove_old(folder, generation)
    summary.seconds = time.perf_counter() - started
    return summary
