"""Stage 4: the graph on disk, in an embedded pyoxigraph (RocksDB) store.

A store folder holds generations and a `current` link:

    STORE/current -> gen-1732300000000000000/   (the store readers open)
    STORE/.lock                                 (held while a build runs)
    STORE/gen-.../wsisgraph-readers.lock        (held, shared, by every reader of that generation)

`build` writes a complete new generation beside the current one with the bulk loader and only then swaps the
`current` link (an atomic rename), so a build that fails or is killed leaves the previous graph readable and
unchanged. Older generations are removed after the swap, each only if the build can lock it exclusively at once:
one a reader still has open is left for a later build. A generation is first renamed to `.trash-gen-...` and then
removed, so nobody ever opens a half-removed one. A reader locks the generation `current` names and then checks
that it is still there (a build may have removed it in between; then it takes the new one): it sees the old graph
or the new one, never neither.
"""
from __future__ import annotations

import errno
import hashlib
import json
import fcntl
import os
import re
import shutil
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from .errors import DocumentError, InvalidGraph, QueryError, StoreError
from .extract import Deadline, extract, prepare
from . import data_path
from .graph import document_iri, matrix_by_line, matrix_graph, matrix_quads, scheme_quads, schemes_graph, to_nquads
from .load import iter_paths, load_document
from . import statistics
from .namespaces import PREFIXES, base_iri
from .schemes import load_vocabulary
from .topical import threshold_value

CURRENT = "current"
LOCK = ".lock"
READERS = "wsisgraph-readers.lock"
TRASH = ".trash-"


@dataclass
class BuildSummary:
    store: Path
    documents: int = 0
    triples: int = 0  # of the reference graphs and the documents' graphs
    mentions: Counter = field(default_factory=Counter)  # scheme -> (document, concept) pairs
    validated: bool = False
    validation_seconds: float = 0.0
    extracted: int = 0  # documents (re-)extracted by this build
    reused: int = 0  # documents whose graph was kept, unchanged
    removed: int = 0  # graphs dropped: documents changed or no longer given
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


class Generation:
    """A generation held for reading: its folder, and the shared lock that keeps builds from removing it."""

    def __init__(self, location: Path, handle: int | None):
        self.location = location
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                os.close(handle)  # releases the lock
            except OSError:
                pass


def _readers_lock(location: Path) -> int | None:
    """A descriptor of the generation's readers' lock file; None when the generation is gone. A generation built
    before readers took locks gets the file now."""
    try:
        return os.open(location / READERS, os.O_RDONLY)
    except FileNotFoundError:
        pass
    try:
        return os.open(location / READERS, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:
        return None
    except OSError:
        return -1  # cannot be created (a store on read-only media): nothing can remove it either


def hold_generation(path: str | Path, attempts: int = 100) -> Generation:
    """The generation `path` (a store folder) names now, locked so that no build removes it until released."""
    path = Path(path)
    for _ in range(attempts):
        location = _resolve(path)
        if location == path:  # a bare Oxigraph folder: no generations, nothing removes it
            return Generation(location, None)
        handle = _readers_lock(location)
        if handle is None:
            continue  # removed since `current` named it: `current` names a newer one now
        if handle == -1:
            return Generation(location, None)
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            here = os.stat(location / READERS)
            mine = os.fstat(handle)
            if (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino):
                return Generation(location, handle)
        except OSError:
            pass  # a build holds it to remove it, or removed it while we locked
        os.close(handle)
    raise StoreError(f"{path}: the store kept changing while it was being opened; try again")


class EmbeddedStore:
    """A read-only view of a built store, for queries and exports.

    It holds the generation it opened until closed (or collected): a build meanwhile makes a new one current but
    does not remove this one. Keep the EmbeddedStore while you use its `.store` or a result iterator."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(f"{self.path}: no such store; build one with `wsisgraph build DOCS --store {self.path}`")
        self.generation = hold_generation(self.path)
        self.location = self.generation.location
        try:
            self.store = ox.Store.read_only(str(self.location))
        except OSError as err:
            self.generation.release()
            raise StoreError(f"{self.path}: cannot open the store ({err})") from None

    def is_current(self) -> bool:
        """Is this still the generation the store names (no build has made a newer one current)?"""
        try:
            return _resolve(self.path) == self.location
        except StoreError:
            return True

    def close(self) -> None:
        """Close the store and release its generation (a later build may remove it)."""
        self.store = None
        generation = self.__dict__.get("generation")
        if generation is not None:
            generation.release()

    def __enter__(self) -> "EmbeddedStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def query(self, sparql: str, substitutions: dict | None = None):
        """Run SPARQL over the union of all graphs; a syntax error becomes a QueryError."""
        try:
            return self.store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True,
                                    substitutions=substitutions)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err}") from None

    def select(self, sparql: str, params: dict[str, tuple[str, str]] | None = None) -> dict:
        """A SELECT or ASK query, parameters bound as terms; the W3C SPARQL 1.1 JSON results as a dict.

        Parameters are bound by a VALUES block, as for a remote endpoint: Oxigraph plans a query before it applies
        `substitutions`, so a bound document or concept still scanned the whole corpus (seconds to minutes on
        thousands of documents); a VALUES block is planned as the small input it is (milliseconds)."""
        result = self.query(bind_as_values(sparql, params))
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
    if kind.startswith("typed:"):
        return ox.Literal(value, datatype=ox.NamedNode(kind.removeprefix("typed:")))
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


def _closed() -> None:
    """Make sure the build's writer is closed before its generation becomes current. A reference cycle can keep it
    open after `del`: pySHACL's parser keeps tracebacks whose frames reach the validation's, which holds the store.
    An open writer goes on compacting and deletes files a reader of the new generation still expects ("Corruption:
    ... .sst: No such file"), in this process or any other."""
    import gc

    gc.collect()


def _in_use(generation: Path) -> bool:
    """Is another process (a writable server) holding this generation's RocksDB lock?"""
    try:
        with open(generation / "LOCK", "a") as handle:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.lockf(handle, fcntl.LOCK_UN)
        return False
    except OSError:
        return True


def _remove_if_unused(folder: Path, old: Path) -> None:
    """Remove a superseded generation unless a reader holds it: lock it exclusively without waiting, rename it
    out of the way while locked, then delete it."""
    try:
        handle = os.open(old / READERS, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # a reader has it open: a later build removes it
        if _in_use(old):
            return
        trash = folder / f"{TRASH}{old.name}"
        try:
            os.rename(old, trash)
        except OSError:
            return
    finally:
        os.close(handle)
    shutil.rmtree(trash, ignore_errors=True)


def _remove_old(folder: Path, keep: Path) -> None:
    """Drop superseded generations, except those another process still has open (a later build removes them),
    and what a killed build left half-removed."""
    for trash in folder.glob(f"{TRASH}*"):
        shutil.rmtree(trash, ignore_errors=True)
    for old in folder.glob("gen-*"):
        if old != keep:
            _remove_if_unused(folder, old)
    for stale in folder.glob(f".{CURRENT}-*"):
        stale.unlink(missing_ok=True)


def _fingerprint(base: str, matrix: str | Path | None, topical: str | None, threshold: float | None = None,
                 vocabularies=()) -> str:
    """What a stored document graph depends on besides the document: code version, base IRI, topical method and
    threshold, and the reference data. A build whose fingerprint differs from the store's re-extracts every
    document."""
    from . import __version__

    digest = hashlib.sha256(f"{__version__}|{base}|{topical}|{threshold}".encode())
    for path in sorted(data_path("ontology").rglob("*")) + sorted(data_path("shapes").glob("*.ttl")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    for path in ([matrix] if matrix else []) + list(vocabularies):
        try:
            digest.update(Path(path).name.encode() + Path(path).read_bytes())
        except OSError:
            pass  # reported, with the file's name, when the file is read
    return digest.hexdigest()


def _copy_generation(current: Path, generation: Path, attempts: int = 5) -> None:
    """Copy the current generation into the new one (hard links: instant). A writable server (`serve
    --writable`) may compact the current generation meanwhile, removing a file the read-only view had just
    listed: the copy then starts again from a fresh view."""
    import pyoxigraph as ox

    for attempt in range(attempts):
        shutil.rmtree(generation, ignore_errors=True)
        try:
            ox.Store.read_only(str(current)).backup(str(generation))
            return
        except (RuntimeError, OSError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _extract_one(task: tuple[str, str, str, str | None, float | None, str | None, tuple[str, ...], bool,
                              float | None, bool]) -> dict:
    """Worker: one file into N-Quads bytes and the counts the summary needs (or the one-line error), within the
    document's time limit; with `check`, its graph validated from those bytes (the shapes' verdict on it as a
    named graph of the store, without reading it back)."""
    path, name, base, topical, threshold, matrix, vocabularies, strict, time_limit, check = task
    prepare(base, topical, vocabularies)
    implied = matrix_by_line(base, matrix)  # read once per process, before the document's clock starts
    try:
        with Deadline(time_limit, name) as deadline:
            doc = load_document(Path(path), name)
            ex = extract(doc, base, topical=topical, topical_threshold=threshold, vocabularies=vocabularies,
                         strict=strict, deadline=deadline)
            data = to_nquads(ex, base, implied)
    except DocumentError as err:
        return {"name": name, "error": str(err)}
    mentions = Counter(scheme for scheme, _ in {(m.concept.scheme, m.concept.iri) for m in ex.mentions})
    result = {"name": name, "sha256": doc.sha256, "nquads": data, "triples": data.count(b"\n"),
              "mentions": dict(mentions), "warnings": ex.warnings, "graph": document_iri(name, base),
              "summary": statistics.summarize(ex, base, vocabularies)}
    if check:
        from .validate import validate_document_nquads

        report = validate_document_nquads(data, result["graph"])
        if report.conforms:
            report.report_graph = None  # only the counts travel back
        result["validation"] = report
    return result


def _submit(pool, task):
    """`pool.submit`, with Ctrl-C held off while it may start a worker process. The worker inherits the blocked
    signal, so Ctrl-C, which the terminal sends to every process of the group, stops the build with one line and no
    worker prints a traceback of its own; and the build itself is not interrupted halfway through starting one
    (the new process would read a truncated start-up message and print a traceback). Another thread of this
    process may take the signal for the main thread, hence the handler that only records it."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return pool.submit(_extract_one, task)
    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return pool.submit(_extract_one, task)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        signal.signal(signal.SIGINT, previous)
        if interrupted:
            raise KeyboardInterrupt


def _extracted(tasks: list, workers: int) -> Iterator[dict]:
    """Results in file order, from worker processes when there is enough work to pay for starting them."""
    if workers <= 1 or len(tasks) < 64:
        yield from map(_extract_one, tasks)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may already run pyoxigraph's threads. At most `ahead` tasks are in flight:
    # Executor.map submits every task at once, and when loading lags behind extraction the finished N-Quads
    # (~150 KB a document) pile up in the parent (1.5 GB at 10,000 documents). Enough that the workers go on
    # while the parent bulk-loads a batch (32: the parent waited 11 s of a 32 s build at 1,000 documents; 128: 4 s)
    ahead = workers * 128
    from .processes import pool_options

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), **pool_options()) as pool:
        pending = deque()
        try:
            for task in tasks:
                pending.append(_submit(pool, task))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException:  # Ctrl-C or a failed build: drop the queued documents instead of extracting them all
            pool.shutdown(wait=False, cancel_futures=True)
            raise


MANIFEST = "wsisgraph-manifest.json"
LOAD_BATCH_BYTES = 32 * 1024 * 1024  # N-Quads handed to the bulk loader at a time: bounds its memory


def build(
    paths: Iterable[str | Path],
    store_path: str | Path,
    *,
    base: str | None = None,
    matrix: str | Path | None = None,
    vocabularies: Iterable[str | Path] = (),
    strict: bool = False,
    validate: bool = True,
    topical: str | None = "keywords",
    topical_threshold: str | float | None = None,
    workers: int | None = None,
    time_limit: float | None = 30.0,
    on_start: Callable[[int], None] | None = None,
    on_document: Callable[[str, str | None], None] | None = None,
) -> BuildSummary:
    """Build the graph of every document under `paths` and make it the store's current graph.

    Incremental: a document whose file name and content hash are those the current graph was built from (with the
    same code, base IRI, topical method and threshold, reference data and vocabulary files) keeps its named graph;
    changed and new documents are extracted (in `workers` processes, default one per CPU); documents no longer
    given leave the graph. The new graph is written beside the current one and switched to only when complete and
    valid. `vocabularies`: CSV or SKOS Turtle files whose concepts and labels are added (schemes.add_vocabulary).

    A bad file is skipped and reported in the summary (or, with `strict`, fails the build and leaves the store
    unchanged); so is a document whose extraction takes longer than `time_limit` seconds. `on_start(number_of_files)`
    and `on_document(name, error_or_None)`, once per file, feed a progress bar.
    """
    started = time.perf_counter()
    threshold = threshold_value(topical_threshold) if topical else None  # a bad value fails before any work
    base = base_iri(base)
    folder = Path(store_path)
    files = list(iter_paths(paths))
    if not files:
        raise DocumentError(f"{', '.join(map(str, paths))}: no documents found; give a folder holding WSIS documents")
    vocabulary = load_vocabulary(base, tuple(vocabularies))  # a bad vocabulary file fails here, before any work
    vocabularies = vocabulary.extra  # absolute paths, for the worker processes
    summary = BuildSummary(store=folder)
    if on_start:
        on_start(len(files))
    _prepare(folder)
    fingerprint = _fingerprint(base, matrix, topical, threshold, vocabularies)
    with _locked(folder):
        current = (folder / CURRENT).resolve() if (folder / CURRENT).exists() else None
        manifest = _read_manifest(current)
        previous = manifest["documents"] if manifest.get("fingerprint") == fingerprint else {}
        index = statistics.index(base, vocabularies)
        before = statistics.Totals.load(index, current) if previous else None
        if before is None:
            previous = {}  # a store without (complete) running statistics: build it afresh
        totals = before.copy() if before is not None else statistics.Totals(index)
        generation = folder / f"gen-{time.time_ns()}"
        results = None
        try:
            kept, tasks, seen = {}, [], {}
            for path, name in files:  # hashing is cheap: it decides what to extract, and finds duplicates
                try:
                    sha = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError as err:
                    sha = f"unreadable:{err}"
                if sha in seen:
                    error = f"{name}: same content as {seen[sha]}; skipped"
                    if strict:
                        raise DocumentError(error)
                    summary.skipped.append(error)
                    if on_document:
                        on_document(name, error)
                    continue
                seen[sha] = name
                if previous.get(name, {}).get("sha256") == sha:
                    kept[name] = previous[name]
                    if on_document:
                        on_document(name, None)
                else:
                    tasks.append((str(path), name, base, topical, threshold, str(matrix) if matrix else None,
                                  vocabularies, strict, time_limit, validate))
            if previous:
                _copy_generation(current, generation)
                store = ox.Store(str(generation))
                for name, entry in previous.items():
                    if name not in kept:
                        store.remove_graph(ox.NamedNode(entry["graph"]))
                        totals.add(entry["summary"], -1)
                summary.removed = sum(1 for name in previous if name not in kept)
            else:
                store = ox.Store(str(generation))
                reference = list(scheme_quads(vocabulary)) + list(matrix_quads(vocabulary, matrix))
                store.bulk_extend(reference)
                manifest = {"reference_triples": len(reference)}
            documents = dict(kept)
            batch: list[bytes] = []
            size = 0
            checked = []  # validation reports of the documents, from their extraction
            results = _extracted(tasks, workers or os.cpu_count() or 1)
            for result in results:
                error = result.get("error")
                if error:
                    if strict:
                        raise DocumentError(error)
                    summary.skipped.append(error)
                else:
                    documents[result["name"]] = {key: result[key] for key in
                                                 ("sha256", "graph", "triples", "mentions", "summary")}
                    totals.add(result["summary"])
                    summary.warnings += result["warnings"]
                    if "validation" in result:
                        checked.append(result["validation"])
                    batch.append(result["nquads"])
                    size += len(result["nquads"])
                    if size >= LOAD_BATCH_BYTES:
                        store.bulk_load(input=b"".join(batch), format=ox.RdfFormat.N_QUADS)
                        batch, size = [], 0
                if on_document:
                    on_document(result["name"], error)
            if batch:
                store.bulk_load(input=b"".join(batch), format=ox.RdfFormat.N_QUADS)
            summary.extracted = len(tasks) - sum(1 for r in tasks if r[1] not in documents)
            summary.reused = len(kept)
            summary.documents = len(documents)
            if summary.documents == 0:
                raise DocumentError(f"{', '.join(map(str, paths))}: none of the {len(files)} files is a document "
                                    "wsisgraph can read; see the messages above")
            statistics.write(store, before, totals, base)
            for entry in documents.values():
                for scheme, count in entry["mentions"].items():
                    summary.mentions[scheme] += count
            summary.triples = manifest.get("reference_triples", 0) + sum(e["triples"] for e in documents.values())
            store.flush()
            if summary.extracted > max(100, len(documents) // 2):  # mostly new: compacted, every query reads
                store.optimize()  # it 2 to 4 times faster (a fresh bulk load leaves many overlapping files)
            if validate:  # the new documents were checked as they were extracted; the reference graphs here
                from .validate import merge, validate_store_graphs

                references = [] if previous else [schemes_graph(base), matrix_graph(base)]
                report = merge(checked + [validate_store_graphs(store, names=references, location=generation)])
                summary.validated, summary.validation_seconds = True, report.seconds
                if not report.conforms:
                    raise InvalidGraph(f"{folder}: the new graph breaks {len(report.violations)} shape constraints; "
                                       "the previous graph is kept", report)
            store.flush()
            del store
            _closed()
            totals.save(generation)
            (generation / READERS).touch()
            (generation / MANIFEST).write_text(json.dumps({
                "fingerprint": fingerprint, "reference_triples": manifest.get("reference_triples", 0),
                "documents": documents}), encoding="utf-8")
        except BaseException:
            if results is not None:  # stop the workers now (Ctrl-C, --strict), not when the generator is collected
                results.close()
            shutil.rmtree(generation, ignore_errors=True)
            raise
        _swap(folder, generation)
        _remove_old(folder, generation)
    summary.seconds = time.perf_counter() - started
    return summary


def _read_manifest(generation: Path | None) -> dict:
    """What the current generation was built from (name -> hash, graph, counts), or nothing."""
    if generation is None:
        return {}
    try:
        return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# -- remote stores: a SPARQL 1.1 endpoint, the Graph Store Protocol, the Oxigraph server ------------------------

#: Comments, strings and IRIs (skipped when looking for the query's outer group), parentheses, WHERE and braces.
_SPARQL_TOKENS = re.compile(
    r'#[^\n]*|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>'
    r"|(?P<where>\bWHERE\s*\{)|(?P<open>\{)|(?P<close>\})|(?P<paren>[()])",
    re.I,
)
_PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", re.I | re.M)


def values_block(params: dict[str, tuple[str, str]]) -> str:
    """`VALUES (?a ?b) { (term term) }`: each value serialised as an RDF term in N-Triples syntax by pyoxigraph,
    which escapes quotes, backslashes and line breaks, so a value can never end the literal or the block."""
    names = sorted(params)
    terms = " ".join(str(_term(*params[name])) for name in names)
    return f"VALUES ({' '.join('?' + name for name in names)}) {{ ({terms}) }}"


def bind_as_values(sparql: str, params: dict[str, tuple[str, str]] | None) -> str:
    """The query with its parameters bound by a VALUES block at the top of its outer WHERE group.

    A remote endpoint has no substitutions option; a VALUES block joined with the outer group gives the same
    rows as pyoxigraph's substitutions for a parameter used in that group (the saved queries use them there).
    """
    if not params:
        return sparql
    depth = parens = 0
    first_group = None
    for token in _SPARQL_TOKENS.finditer(sparql):
        kind = token.lastgroup
        if kind == "paren":
            parens += 1 if token.group() == "(" else -1
        elif kind in ("where", "open"):
            if depth == 0 and parens == 0:
                if kind == "where":
                    first_group = token.end()
                    break
                first_group = token.end() if first_group is None else first_group
            depth += 1
        elif kind == "close":
            depth -= 1
    if first_group is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return f"{sparql[:first_group]}\n  {values_block(params)}\n{sparql[first_group:]}"


def strip_comments(sparql: str) -> str:
    """The query without its `#` comments (strings and IRIs holding a `#` are kept). SPARQLWrapper guesses the
    query form from the first keyword it sees and misses every other line of a comment block, so a header word
    such as "load" would turn a SELECT into an update request."""
    return _SPARQL_TOKENS.sub(lambda m: "" if m.group().startswith("#") else m.group(), sparql)


def with_prefixes(sparql: str) -> str:
    """The project's prefixes declared in front of the query (a remote endpoint does not know them), except the
    ones the query declares itself."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(sparql)}
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return prologue + sparql


# RemoteStore, push and the rest of the remote side live in remote.py; these names stay importable from here
# (loaded on first use: remote.py imports this module).
_REMOTE = ("RemoteStore", "PushSummary", "push", "oxigraph_binary", "check_port")


def __getattr__(name: str):
    if name in _REMOTE:
        from . import remote

        return getattr(remote, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
