"""Validation: the SHACL shapes in shapes/ checked with pySHACL.

pySHACL works on rdflib graphs, which are slow to build, so a store is validated graph by graph: each document's
named graph on its own (every shape about documents, parts and mentions holds inside one document's graph), and
the schemes graph once. Cost therefore grows linearly with the number of documents.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import rdflib
from rdflib.namespace import RDF, SH

from . import data_path
from .errors import ShapeError, WsisgraphError

REPORT_FORMATS = ("text", "json", "turtle")


@dataclass
class Violation:
    graph: str  # the named graph (document) or file it was found in
    shape: str
    focus: str
    path: str
    value: str
    message: str
    severity: str


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    graphs: int = 0
    triples: int = 0
    seconds: float = 0.0
    report_graph: rdflib.Graph = field(default_factory=rdflib.Graph)

    def text(self) -> str:
        if self.conforms:
            return f"conforms: {self.graphs} graphs, {self.triples} triples checked in {self.seconds:.1f} s\n"
        lines = [f"does not conform: {len(self.violations)} violations in {self.graphs} graphs "
                 f"({self.triples} triples, {self.seconds:.1f} s)"]
        by_shape: dict[str, list[Violation]] = {}
        for v in self.violations:
            by_shape.setdefault(v.shape, []).append(v)
        for shape, items in sorted(by_shape.items()):
            lines.append(f"\n{shape} ({len(items)})")
            for v in items[:50]:
                lines.append(f"  {v.severity}: {v.message}")
                lines.append(f"    focus {v.focus}" + (f"  path {v.path}" if v.path else "")
                             + (f"  value {v.value}" if v.value else "") + f"  in {v.graph}")
            if len(items) > 50:
                lines.append(f"  ... and {len(items) - 50} more")
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        return json.dumps({"conforms": self.conforms, "graphs": self.graphs, "triples": self.triples,
                           "violations": [v.__dict__ for v in self.violations]}, ensure_ascii=False, indent=1) + "\n"

    def turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(data_path("shapes").glob("*.ttl")):
        try:
            graph.parse(path, format="turtle")
        except Exception as err:  # rdflib raises many kinds of parse error
            raise ShapeError(f"{path.name}: cannot parse the shapes ({err})") from None
    return graph


@lru_cache(maxsize=1)
def ontology_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data_path("ontology", "wsisgraph.ttl"), format="turtle")


def _short(node, graph: rdflib.Graph) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.BNode):
        # a property shape is a blank node: name it by its node shape and path
        path = graph.value(node, SH.path)
        return f"[property {_short(path, graph)}]" if path is not None else "[blank node]"
    if isinstance(node, rdflib.URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # noqa: BLE001 - no prefix fits: the full IRI
            return f"<{node}>"
    return str(node)


def validate_graph(data: rdflib.Graph, name: str = "graph", inference: str = "none") -> ValidationReport:
    """Validate one rdflib graph against shapes/; returns the report, never prints."""
    import pyshacl

    started = time.perf_counter()
    shapes = shapes_graph()
    try:
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology_graph() if inference != "none" else None,
            inference=inference, advanced=False, allow_warnings=True)
    except Exception as err:  # pySHACL reports shape errors with its own exception classes
        raise ShapeError(f"{name}: validation could not run ({type(err).__name__}: {err})") from None
    report = ValidationReport(conforms=bool(conforms), graphs=1, triples=len(data), report_graph=results)
    for result in results.subjects(RDF.type, SH.ValidationResult):
        source = results.value(result, SH.sourceShape)
        node_shape = source
        if isinstance(source, rdflib.BNode):  # a property shape: report the node shape that holds it
            node_shape = next(shapes.subjects(SH.property, source), source)
        report.violations.append(Violation(
            graph=name,
            shape=_short(node_shape, shapes),
            focus=_short(results.value(result, SH.focusNode), data),
            path=_short(results.value(result, SH.resultPath), data),
            value=_short(results.value(result, SH.value), data),
            message=str(results.value(result, SH.resultMessage) or ""),
            severity=_short(results.value(result, SH.resultSeverity), shapes).replace("sh:", ""),
        ))
    report.seconds = time.perf_counter() - started
    return report


def merge(reports: Iterable[ValidationReport]) -> ValidationReport:
    total = ValidationReport(conforms=True)
    for r in reports:
        total.conforms = total.conforms and r.conforms
        total.violations += r.violations
        total.graphs += r.graphs
        total.triples += r.triples
        total.seconds += r.seconds
        if not r.conforms:
            total.report_graph += r.report_graph
    if total.conforms:
        total.report_graph = ValidationReport(conforms=True).report_graph
        total.report_graph.add((rdflib.BNode(), RDF.type, SH.ValidationReport))
    return total


#: Document graphs are validated together up to this many triples per pySHACL call: the shapes hold inside each
#: document's graph and IRIs are document-scoped, and one call on fifty documents costs far less than fifty calls.
BATCH_TRIPLES = 60_000


def _validate_batch(task: tuple[str, int, bytes, str]) -> ValidationReport:
    """Worker: N-Triples of one or more graphs, validated in one pySHACL call."""
    name, graphs, data, inference = task
    graph = rdflib.Graph(bind_namespaces="core")
    from .namespaces import PREFIXES

    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    graph.parse(data=data, format="nt")
    report = validate_graph(graph, name=name, inference=inference)
    report.graphs = graphs
    return report


def validate_store_graphs(store, names: Iterable | None = None, inference: str = "none",
                          workers: int | None = None) -> ValidationReport:
    """Validate the named graphs of a pyoxigraph Store (or only `names`): document graphs in batches, each other
    graph (the schemes, the matrix) on its own, in worker processes when there are several batches."""
    import os

    import pyoxigraph as ox

    started = time.perf_counter()
    graphs = list(names) if names is not None else list(store.named_graphs())
    tasks, batch, size, labels = [], [], 0, []

    def flush() -> None:
        nonlocal batch, size, labels
        if batch:
            label = labels[0] if len(labels) == 1 else f"{labels[0]} and {len(labels) - 1} more graphs"
            tasks.append((label, len(labels), ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES), inference))
        batch, size, labels = [], 0, []

    for graph in graphs:
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        name = graph.value if isinstance(graph, ox.NamedNode) else str(graph)
        if "/document/" not in name:  # reference graphs: alone
            tasks.append((name, 1, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), inference))
            continue
        if size + len(triples) > BATCH_TRIPLES:
            flush()
        batch += triples
        size += len(triples)
        labels.append(name)
    flush()
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(tasks) > 2:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from .processes import pool_options

        with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
                                 **pool_options()) as pool:
            reports = list(pool.map(_validate_batch, tasks))
    else:
        reports = [_validate_batch(task) for task in tasks]
    total = merge(reports)
    total.seconds = time.perf_counter() - started  # wall time: the workers' times overlap
    return total


def validate_files(paths: Iterable[str | Path], inference: str = "none") -> ValidationReport:
    """Validate RDF files (any syntax rdflib reads; named graphs are merged)."""
    reports = []
    for path in paths:
        path = Path(path)
        graph = rdflib.Dataset()
        try:
            fmt = rdflib.util.guess_format(str(path)) or "turtle"
            graph.parse(path, format=fmt)
        except FileNotFoundError:
            raise WsisgraphError(f"{path}: no such file") from None
        except Exception as err:  # noqa: BLE001 - any parser error is the file's fault
            raise WsisgraphError(f"{path}: not RDF that rdflib can read ({type(err).__name__}: "
                                 f"{str(err).splitlines()[0] if str(err) else ''})") from None
        union = rdflib.Graph()
        for s, p, o, _ in graph.quads((None, None, None, None)):
            union.add((s, p, o))
        reports.append(validate_graph(union, name=str(path), inference=inference))
    return merge(reports)
