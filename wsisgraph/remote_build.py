"""`build DOCS --remote GSP_URL --endpoint QUERY_URL`: keep a remote store of record up to date without a local copy
of the whole graph, so that extraction can be spread over machines (shards) while one server holds the graph.

What a remote build does, in order:

1. Reads what the remote store holds, through the query endpoint (queries/remote/documents.rq, paged): every
   document graph's content hash, the folder it was built from (`wsis:builtFrom`) and the fingerprint of the build
   that made it (`wsis:buildFingerprint`: code version, base IRI, topical method, reference data); and the marks
   on the shared graphs (markers.rq): the reference graphs' fingerprint, the statistics graph's documents digest.
2. Decides, for the files under the given folders: a document whose graph the remote store holds with the same
   hash, folder and fingerprint is left alone; others are extracted (in worker processes, as `build` does). A
   build manages only the documents of its own folders: it deletes a remote document whose `wsis:builtFrom` is
   one of its folders' names and whose file is gone (or can no longer be read), never another folder's. A file
   whose document the remote store holds as built from another folder is an error that names both, before
   anything is sent. A graph without `wsis:builtFrom` (one `push` copied) belongs to no folder: it is never
   deleted, and the build whose folder holds its file takes it over (extracts it again).
3. Extracts the changed documents (their matrix-implied links included, as `build` writes them) into a temporary
   on-disk pyoxigraph store, with the reference graphs when those are to be sent, and validates the new graphs:
   nothing is sent until every changed document is extracted and valid.
4. Sends, through the SPARQL 1.1 Graph Store HTTP Protocol: the reference graphs when their fingerprint differs
   from this build's (graph/wsis-sdg-matrix, then graph/schemes carrying the fingerprint), a PUT of N-Triples
   per changed document, a DELETE per removed one.
5. Recomputes the statistics from the summaries of every document in the remote store, this build's and other
   folders' alike (summaries.rq, paged: the same summaries `statistics.summarize` makes at extraction), and
   PUTs the whole statistics graph, marked with the digest of the documents it counts. A build that changed
   nothing compares that digest with the remote documents it read in step 1: equal, it sends nothing at all;
   different (another build raced it), it sends the statistics graph alone.

The library never prints: progress goes through the callbacks.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from . import data_path, statistics
from .errors import DocumentError, InvalidGraph, StoreError
from .graph import document_iri, matrix_graph, matrix_quads, scheme_quads, schemes_graph
from .load import iter_paths
from .namespaces import WSIS, base_iri
from .remote import _URL, RemoteStore, _Auth, display_url, exchange, remote_limits
from .schemes import load_vocabulary
from .topical import threshold_value
from .store import LOAD_BATCH_BYTES, _extracted, _fingerprint

PAGE_ROWS = {"documents": 5000, "summaries": 2000}  # the LIMIT of each paged query (kept in step with its file)
PROBE_GRAPH = "urn:x-wsisgraph:graph-store-probe"  # a graph no build writes
_RDF_TYPES = ("application/n-triples", "text/turtle", "application/rdf+xml", "application/ld+json",
              "application/n-quads", "application/trig", "text/n3", "text/plain")


@dataclass
class RemoteBuildSummary:
    target: str  # the Graph Store URL, without its password
    documents: int = 0  # documents of this build's folders in the remote store afterwards
    extracted: int = 0  # of them, (re-)extracted and sent by this build
    reused: int = 0  # of them, left as the remote store held them
    removed: int = 0  # remote documents of this build's folders deleted (file gone or no longer readable)
    remote_documents: int = 0  # documents of every folder in the remote store, as the statistics count them
    graphs_sent: int = 0  # HTTP PUTs
    graphs_deleted: int = 0  # HTTP DELETEs
    triples_sent: int = 0
    reference_replaced: bool = False
    statistics_updated: bool = False
    mentions: Counter = field(default_factory=Counter)  # scheme -> (document, concept) pairs, extracted documents
    validated: bool = False
    validation_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _Remote:
    """One remote document as documents.rq reads it."""
    hash: str
    built_from: str | None
    fingerprint: str | None


# -- the Graph Store HTTP Protocol -------------------------------------------------------------------------------

class GraphStore:
    """PUT and DELETE of named graphs (SPARQL 1.1 Graph Store HTTP Protocol), each exchange with the deadline and
    answer limit of `remote_limits`; every failure is one line naming the URL and the graph."""

    def __init__(self, url: str, timeout: float | None = None, max_bytes: int | None = None):
        if not _URL.match(url or ""):
            raise StoreError(f"{url!r}: not the http(s) URL of a Graph Store Protocol endpoint "
                             "(e.g. http://127.0.0.1:7878/store)")
        self.url = url
        self.where = display_url(url)
        self.timeout, self.max_bytes = remote_limits(timeout, max_bytes)
        self._auth = _Auth.from_url(url)
        self._separator = "&" if "?" in url else "?"
        self.requests: Counter = Counter()  # method -> how many were sent

    def _send(self, method: str, iri: str, body: bytes | None = None):
        if self._auth is not None and self._auth.challenge is None and method != "GET":
            self.probe()  # learn the authentication challenge first: Virtuoso resets a large unauthorised PUT
        # no Accept on a DELETE: Virtuoso answers one that asks for N-Triples with 406
        headers = ({"Content-Type": "application/n-triples"} if body is not None
                   else {"Accept": "application/n-triples"} if method == "GET" else {})
        self.requests[method] += 1
        return exchange(method, f"{self.url}{self._separator}{urllib.parse.urlencode({'graph': iri})}", body=body,
                        headers=headers, timeout=self.timeout, max_bytes=self.max_bytes,
                        service="Graph Store endpoint", auth=self._auth, where=f"{self.where}, {method} of <{iri}>")

    def _refused(self, response) -> StoreError | None:
        if response.status in (401, 403):
            return StoreError(f"{self.where}: the Graph Store refused access (HTTP {response.status}); give a user "
                              "and password in the URL (http://USER:PASSWORD@HOST/...) if it needs them")
        return None

    def _not_a_graph_store(self, response, what: str) -> StoreError:
        detail = response.text()
        return StoreError(f"{self.where}: not a Graph Store Protocol endpoint (HTTP {response.status} "
                          f"{response.reason} on {what}{'; ' + detail if detail else ''}); give its Graph Store "
                          "URL: Oxigraph /store, Fuseki /DATASET/data, Virtuoso /sparql-graph-crud-auth")

    def probe(self, iri: str = PROBE_GRAPH) -> None:
        """A GET of a graph no build writes: a Graph Store answers 404 (or the graph, as RDF); a query endpoint,
        a web page or a server that wants a password answers otherwise. Also learns the server's authentication
        challenge, so no graph is sent twice."""
        response = self._send("GET", iri)
        refused = self._refused(response)
        if refused:
            raise refused
        if response.status == 404 or (200 <= response.status < 300 and (
                not response.content_type or response.content_type in _RDF_TYPES)):
            return
        raise self._not_a_graph_store(response, "a GET of a graph")

    def put(self, iri: str, body: bytes) -> None:
        response = self._send("PUT", iri, body)
        if 200 <= response.status < 300:
            return
        refused = self._refused(response)
        if refused:
            raise refused
        if response.status in (404, 405, 501):
            raise self._not_a_graph_store(response, "a PUT")
        detail = response.text()
        raise StoreError(f"{self.where}: PUT of graph <{iri}> failed with HTTP {response.status} {response.reason}"
                         + (f" ({detail})" if detail else ""))

    def delete(self, iri: str) -> None:
        response = self._send("DELETE", iri)
        if 200 <= response.status < 300 or response.status == 404:  # 404: already gone
            return
        refused = self._refused(response)
        if refused:
            raise refused
        if response.status in (405, 501):
            raise self._not_a_graph_store(response, "a DELETE")
        detail = response.text()
        raise StoreError(f"{self.where}: DELETE of graph <{iri}> failed with HTTP {response.status} "
                         f"{response.reason}" + (f" ({detail})" if detail else ""))


# -- reading the remote store ------------------------------------------------------------------------------------

def _query(name: str) -> str:
    return data_path("queries", "remote", f"{name}.rq").read_text(encoding="utf-8")


def _pages(remote: RemoteStore, name: str) -> Iterable[dict]:
    """Every row of a paged query (a keyset on STR(?graph): no OFFSET, no page over the query's LIMIT)."""
    sparql, size, after = _query(name), PAGE_ROWS[name], ""
    while True:
        rows = remote.select(sparql, {"after": ("string", after)})["results"]["bindings"]
        yield from rows
        if len(rows) < size:
            return
        after = rows[-1]["graph"]["value"]


def _value(row: dict, name: str) -> str | None:
    term = row.get(name)
    return term["value"] if term is not None else None


def read_documents(remote: RemoteStore) -> dict[str, _Remote]:
    """Every document graph of the remote store: IRI -> hash, folder, fingerprint."""
    return {row["graph"]["value"]: _Remote(_value(row, "hash") or "", _value(row, "from"), _value(row, "fingerprint"))
            for row in _pages(remote, "documents")}


def read_markers(remote: RemoteStore, base: str) -> tuple[str | None, str | None]:
    """(fingerprint of the reference graphs, digest of the documents the statistics count), None when absent."""
    rows = remote.select(_query("markers"), {"schemes": ("iri", schemes_graph(base).value),
                                             "statistics": ("iri", statistics.statistics_graph(base).value)})
    fingerprint = digest = None
    for row in rows["results"]["bindings"]:
        fingerprint = _value(row, "fingerprint") or fingerprint
        digest = _value(row, "digest") or digest
    return fingerprint, digest


def documents_digest(documents: Iterable[tuple[str, str, str | None]]) -> str:
    """SHA-256 of (IRI, content hash, build fingerprint) of every document, in IRI order."""
    digest = hashlib.sha256()
    for iri, sha, fingerprint in sorted(documents):
        digest.update(f"{iri}\t{sha}\t{fingerprint or ''}\n".encode("utf-8"))
    return digest.hexdigest()


def summary_from_row(row: dict, base: str, ix: statistics.Index) -> dict:
    """One row of summaries.rq as the summary dict `statistics.summarize` makes from the extraction (concepts
    numbered by `ix`). Links to concepts this version does not know are left out (a graph built from other
    reference data)."""
    parts: dict[str, set[int]] = {}
    for line in (_value(row, "parts") or "").split("\n"):
        part, _, concept = line.partition("\t")
        if concept in ix.position:
            parts.setdefault(part, set()).add(ix.position[concept])
    about = {ix.position[iri] for iri in (_value(row, "abouts") or "").split("\n") if iri in ix.position}
    response = _value(row, "response") is not None

    def notation(iri: str | None, prefix: str) -> str | None:
        return iri[len(prefix):] if iri and iri.startswith(prefix) else None

    return {"response": response,
            "type": notation(_value(row, "type"), f"{base}stakeholder-type/") if response else None,
            "country": notation(_value(row, "country"), f"{base}country/") if response else None,
            "parts": [sorted(p) for p in parts.values()], "about": sorted(about)}


def read_summaries(remote, base: str, vocabularies=()) -> tuple[dict[str, dict], str]:
    """The statistics summary of every document in the store (IRI -> summary) and the digest of those documents.
    `remote` is a RemoteStore or an EmbeddedStore (both answer `select`)."""
    summaries, documents = {}, []
    ix = statistics.index(base, vocabularies)
    for row in _pages(remote, "summaries"):
        iri = row["graph"]["value"]
        summaries[iri] = summary_from_row(row, base, ix)
        documents.append((iri, _value(row, "hash") or "", _value(row, "fingerprint")))
    return summaries, documents_digest(documents)


# -- the build ---------------------------------------------------------------------------------------------------

def _shard_name(root: Path) -> str:
    name = root.resolve().name
    if not name:
        raise DocumentError(f"{root}: a folder without a name cannot be a shard of a remote store; give a named "
                            "folder (its name is recorded as each document's wsis:builtFrom)")
    return name


def _dump(store: ox.Store, graph: ox.NamedNode, extra: Iterable[ox.Triple] = ()) -> bytes:
    body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
    extra = list(extra)
    return body + (ox.serialize(extra, format=ox.RdfFormat.N_TRIPLES) if extra else b"")


def build_remote(
    paths: Iterable[str | Path],
    graph_store: str,
    endpoint: str,
    *,
    base: str | None = None,
    matrix: str | Path | None = None,
    vocabularies: Iterable[str | Path] = (),
    strict: bool = False,
    validate: bool = True,
    topical: str | None = "keywords",
    topical_threshold: str | float | None = None,
    time_limit: float | None = None,
    workers: int | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_document: Callable[[str, str | None], None] | None = None,
    on_send: Callable[[int], None] | None = None,
    on_graph: Callable[[str, str], None] | None = None,
) -> RemoteBuildSummary:
    """Bring the remote store behind `graph_store` (SPARQL 1.1 Graph Store Protocol) and `endpoint` (its SPARQL
    query endpoint, whose default graph is the union of the named graphs) up to date with the documents under
    `paths`, sending only what changed (see the module's docstring).

    `on_start(number_of_files)` and `on_document(name, error_or_None)` feed an extraction progress bar;
    `on_send(number_of_requests)` and `on_graph(method, graph_iri)`, once per PUT or DELETE, a sending one.
    A bad file is skipped and reported in the summary (with `strict`, the build fails and sends nothing); so is a
    document whose extraction takes more than `time_limit` seconds of processor time.
    """
    started = time.perf_counter()
    threshold = threshold_value(topical_threshold) if topical else None  # a bad value fails before any work
    base = base_iri(base)
    roots = [Path(p) for p in paths]
    files = list(iter_paths(roots))
    if not files:
        raise DocumentError(f"{', '.join(map(str, roots))}: no documents found; give a folder holding WSIS documents")
    shard_of_root = {root: _shard_name(root) for root in roots}
    shards = set(shard_of_root.values())
    vocabulary = load_vocabulary(base, tuple(vocabularies))  # a bad vocabulary file fails here, before any work
    vocabularies = vocabulary.extra  # absolute paths, for the worker processes
    remote = RemoteStore(endpoint, timeout, max_bytes, adhoc=True)  # its queries name their graphs
    target = GraphStore(graph_store, timeout, max_bytes)
    summary = RemoteBuildSummary(target=target.where)
    fingerprint = _fingerprint(base, matrix, topical, threshold, vocabularies)

    existing = read_documents(remote)
    reference_fingerprint, statistics_digest = read_markers(remote, base)
    if existing or reference_fingerprint:
        remote.check_dataset()  # a default graph that is not the union: one line, before anything is sent

    if on_start:
        on_start(len(files))
    # validated below, in one store with the reference graphs
    extraction = (base, topical, threshold, str(matrix) if matrix else None, vocabularies, strict, time_limit, False)
    local, tasks, kept = _plan(files, roots, shard_of_root, existing, extraction, fingerprint, strict, summary,
                               on_document)

    reference_stale = reference_fingerprint != fingerprint
    if tasks or reference_stale or any(r.built_from in shards and iri not in local for iri, r in existing.items()):
        target.probe()  # something will be sent: a wrong URL or password fails here, before extraction
    with tempfile.TemporaryDirectory(prefix="wsisgraph-remote-") as scratch:
        work = ox.Store(scratch) if tasks or reference_stale else None
        built: dict[str, str] = {}  # IRI of each extracted document -> its name
        if work is not None:
            if reference_stale:
                work.bulk_extend(list(scheme_quads(vocabulary)) + list(matrix_quads(vocabulary, matrix)))
            _extract(work, tasks, local, fingerprint, workers, strict, summary, built, on_document)
            if validate and (built or reference_stale):
                from .validate import validate_store_graphs

                names = [ox.NamedNode(iri) for iri in built]
                if reference_stale:
                    names += [schemes_graph(base), matrix_graph(base)]
                report = validate_store_graphs(work, names=names)
                summary.validated, summary.validation_seconds = True, report.seconds
                if not report.conforms:
                    raise InvalidGraph(f"{target.where}: the new graphs break {len(report.violations)} shape "
                                       "constraints; nothing was sent", report)
        present = set(kept) | set(built)
        if not present:  # every file failed: refuse, rather than delete every document of these folders
            raise DocumentError(f"{', '.join(map(str, roots))}: none of the {len(files)} files is a document "
                                "wsisgraph can read; see the messages above; nothing was sent")
        removed = sorted(iri for iri, r in existing.items() if r.built_from in shards and iri not in present)
        summary.extracted, summary.reused, summary.removed = len(built), len(kept), len(removed)
        summary.documents = len(present)

        # -- sending: nothing at all when nothing changed and the statistics count what the store holds
        requests = len(built) + len(removed) + (2 if reference_stale else 0)
        after = {iri: (r.hash, r.fingerprint) for iri, r in existing.items() if iri not in removed}
        after.update({iri: (local[iri][3], fingerprint) for iri in built})
        statistics_stale = bool(requests) or statistics_digest != documents_digest(
            (iri, sha, fp) for iri, (sha, fp) in after.items())
        if on_send:
            on_send(requests + (1 if statistics_stale else 0))
        if (requests or statistics_stale) and not target.requests:
            target.probe()

        def put(iri: str, body: bytes) -> None:
            target.put(iri, body)
            summary.graphs_sent += 1
            summary.triples_sent += body.count(b"\n")
            if on_graph:
                on_graph("PUT", iri)

        if reference_stale:
            fingerprint_triple = ox.Triple(schemes_graph(base), ox.NamedNode(str(WSIS.buildFingerprint)),
                                           ox.Literal(fingerprint))
            put(matrix_graph(base).value, _dump(work, matrix_graph(base)))
            put(schemes_graph(base).value, _dump(work, schemes_graph(base), [fingerprint_triple]))
            summary.reference_replaced = True
            if reference_fingerprint is not None:
                summary.warnings.append(
                    "the remote reference graphs were written by a build with another wsisgraph version, base IRI, "
                    "topical method or reference data; replaced with this build's (every machine building into "
                    "one store should use the same)")
            remote.check_dataset()
        for iri in built:
            put(iri, _dump(work, ox.NamedNode(iri)))
        for iri in removed:
            target.delete(iri)
            summary.graphs_deleted += 1
            if on_graph:
                on_graph("DELETE", iri)
        del work  # closed before its folder is removed
    if statistics_stale:
        body, summary.remote_documents = statistics_graph_body(remote, base, vocabularies)
        put(statistics.statistics_graph(base).value, body)
        summary.statistics_updated = True
    else:
        summary.remote_documents = len(after)
    summary.seconds = time.perf_counter() - started
    return summary


def _plan(files, roots, shard_of_root, existing, extraction, fingerprint, strict, summary, on_document):
    """Which files to extract (tasks, as store._extract_one takes them) and which remote documents to keep as
    they are; refuses a file whose document another folder built. `local` maps each document IRI to (file, name,
    folder, hash)."""
    base = extraction[0]
    shards = set(shard_of_root.values())
    local: dict[str, tuple[Path, str, str, str]] = {}
    for path, name in files:
        root = next(r for r in roots if r == path or r in path.parents)
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as err:
            sha = f"unreadable:{err}"  # extraction reports it, naming the file
        local[document_iri(name, base)] = (path, name, shard_of_root[root], sha)
    conflicts = [(name, iri, existing[iri].built_from, shard) for iri, (_, name, shard, _) in local.items()
                 if iri in existing and existing[iri].built_from not in (None, shard)]
    if conflicts:
        name, iri, theirs, ours = conflicts[0]
        more = f" (and {len(conflicts) - 1} more documents)" if len(conflicts) > 1 else ""
        raise StoreError(f"{name}: the remote store holds <{iri}> built from folder {theirs!r}, and this build's "
                         f"folder {ours!r} has a file of that name too{more}; two folders hold a document of the "
                         "same name: rename one, or build both as one folder")
    # a file with the content of a document another folder keeps is a duplicate, as within one build
    others = {r.hash: iri for iri, r in existing.items() if r.built_from not in shards and iri not in local}
    seen: dict[str, str] = {}
    tasks, kept = [], []
    for iri, (path, name, shard, sha) in local.items():
        first = seen.get(sha) or (f"{others[sha]} (in the remote store)" if sha in others else None)
        if first is not None:
            error = f"{name}: same content as {first}; skipped"
            if strict:
                raise DocumentError(error)
            summary.skipped.append(error)
            if on_document:
                on_document(name, error)
            continue
        seen[sha] = name
        held = existing.get(iri)
        if held and (held.hash, held.built_from, held.fingerprint) == (sha, shard, fingerprint):
            kept.append(iri)
            if on_document:
                on_document(name, None)
        else:
            tasks.append((str(path), name, *extraction))
    return local, tasks, kept


def statistics_graph_body(remote, base: str, vocabularies=()) -> tuple[bytes, int]:
    """The whole statistics graph as N-Triples, recomputed from the summaries of every document `remote` holds
    (every folder's), marked with the digest of those documents; and how many documents it counts."""
    summaries, digest = read_summaries(remote, base, vocabularies)
    totals = statistics.Totals(statistics.index(base, vocabularies))
    for one in summaries.values():
        totals.add(one)
    graph = statistics.statistics_graph(base)
    nquads = "".join(lines for _, lines in statistics.observations(totals, None, base)).encode("utf-8")
    triples = [q.triple for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)]
    triples.append(ox.Triple(graph, ox.NamedNode(str(WSIS.documentsDigest)), ox.Literal(digest)))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(summaries)


def _extract(work: ox.Store, tasks: list, local: dict, fingerprint: str, workers: int | None, strict: bool,
             summary: RemoteBuildSummary, built: dict[str, str], on_document) -> None:
    """Extract `tasks` into `work`, each document graph marked with its folder and this build's fingerprint."""
    built_from, build_fingerprint = (str(ox.NamedNode(str(WSIS[name]))) for name in ("builtFrom", "buildFingerprint"))
    batch: list[bytes] = []
    size = 0
    for result in _extracted(tasks, workers or os.cpu_count() or 1):
        error = result.get("error")
        if error:
            if strict:
                raise DocumentError(error)
            summary.skipped.append(error)
        else:
            iri = result["graph"]
            node = str(ox.NamedNode(iri))
            marks = (f"{node} {built_from} {ox.Literal(local[iri][2])} {node} .\n"
                     f"{node} {build_fingerprint} {ox.Literal(fingerprint)} {node} .\n").encode("utf-8")
            batch += [result["nquads"], marks]
            size += len(result["nquads"])
            built[iri] = result["name"]
            summary.warnings += result["warnings"]
            for scheme, count in result["mentions"].items():
                summary.mentions[scheme] += count
            if size >= LOAD_BATCH_BYTES:
                work.bulk_load(input=b"".join(batch), format=ox.RdfFormat.N_QUADS)
                batch, size = [], 0
        if on_document:
            on_document(result["name"], error)
    if batch:
        work.bulk_load(input=b"".join(batch), format=ox.RdfFormat.N_QUADS)
