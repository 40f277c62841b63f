"""Validation: the SHACL shapes in shapes/ checked graph by graph, by one of two engines.

- `rust` (the default): the `shacl` package from PyPI, a SHACL engine written in Rust. It gives pySHACL's verdict,
  shapes, focus nodes, paths and messages on every fixture under tests/shapes (a test runs both engines on each),
  for 1/15 to 1/25 of pySHACL's CPU time on a store (bench/validate.py). It is trusted only with the constraint
  parameters those fixtures exercise (`RUST_PARAMETERS`): a shape file using any other SHACL parameter is refused
  with a `ShapeError` naming the file and the parameter, never validated half-way.
- `pyshacl`: the reference engine, on rdflib graphs (`wsisgraph validate --engine pyshacl`); it also does RDFS
  inference with the ontology (`--inference rdfs`).

A store is validated graph by graph: each document's named graph (every shape about documents, parts and links
holds inside one document's graph, and their IRIs are minted under the document's), and each reference graph
(schemes, matrix, statistics) on its own. Document graphs are validated a few at a time (`BATCH_BYTES` of
N-Triples), which bounds memory; when a store is on disk, worker processes open it read-only and read their own
graphs, so reading (Oxigraph decodes every term, which costs two to four times what the rust engine's checks
cost) is spread over the CPUs as well.
"""
from __future__ import annotations

import json
import os
import re
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
ENGINES = ("rust", "pyshacl")
DEFAULT_ENGINE = "rust"

#: The SHACL parameters the rust engine is trusted with: those of shapes/, each checked against pySHACL by the
#: fixtures under tests/shapes (good and bad), plus the structural ones (targets, paths, messages, declarations).
RUST_PARAMETERS = frozenset(SH[name] for name in (
    # constraint components
    "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive", "minLength",
    "pattern", "uniqueLang", "lessThan", "in", "hasValue", "qualifiedValueShape", "qualifiedMinCount",
    "qualifiedMaxCount", "sparql",
    # what shapes are made of
    "targetClass", "property", "path", "message", "select", "prefixes", "declare", "prefix", "namespace",
))
#: Every parameter of SHACL Core and SHACL-SPARQL that changes what a shape checks or targets; one of these outside
#: RUST_PARAMETERS in a shape file stops the rust engine.
SHACL_PARAMETERS = frozenset(SH[name] for name in (
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target", "property", "path", "node", "not",
    "and", "or", "xone", "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive",
    "maxExclusive", "maxInclusive", "minLength", "maxLength", "pattern", "flags", "languageIn", "uniqueLang",
    "equals", "disjoint", "lessThan", "lessThanOrEquals", "hasValue", "in", "closed", "ignoredProperties",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "sparql",
    "select", "ask", "prefixes", "declare", "prefix", "namespace", "message", "severity", "deactivated",
    "inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath", "rule", "condition",
    "entailment", "shapesGraph",
))

#: Document graphs are validated together up to about this many bytes of N-Triples per engine call (the shapes
#: hold inside each document's graph and IRIs are document-scoped). Small batches: both engines run the sh:sparql
#: constraint once per document over the whole batch, so their cost grows with the square of a batch; measured on
#: 300 bench documents, the rust engine costs the same CPU one graph at a time as in 256 KB batches (a few
#: documents), 20% more in 1 MB batches, 40% more in 8 MB and twice as much in 32 MB ones.
BATCH_BYTES = 256 * 1024
#: Document graphs handed to a worker at a time (it batches them again by BATCH_BYTES).
GRAPHS_PER_TASK = 100


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
    engine: str = DEFAULT_ENGINE

    def text(self) -> str:
        if self.conforms:
            return (f"conforms: {self.graphs} graphs, {self.triples} triples checked in {self.seconds:.1f} s"
                    f" ({self.engine})\n")
        lines = [f"does not conform: {len(self.violations)} violations in {self.graphs} graphs "
                 f"({self.triples} triples, {self.seconds:.1f} s, {self.engine})"]
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
                           "engine": self.engine, "violations": [v.__dict__ for v in self.violations]},
                          ensure_ascii=False, indent=1) + "\n"

    def turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")


def _check_engine(engine: str, inference: str = "none") -> None:
    if engine not in ENGINES:
        raise ShapeError(f"{engine}: no such validation engine; use one of {', '.join(ENGINES)}")
    if engine != "pyshacl" and inference != "none":
        raise ShapeError(f"--inference {inference} is pySHACL's (the ontology's RDFS inference); "
                         "add --engine pyshacl")


def shape_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or data_path("shapes")).glob("*.ttl"))


@lru_cache(maxsize=4)
def shapes_graph(folder: Path | None = None) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in shape_files(folder):
        try:
            graph.parse(path, format="turtle")
        except Exception as err:  # rdflib raises many kinds of parse error
            raise ShapeError(f"{path.name}: cannot parse the shapes ({err})") from None
    return graph


def unsupported_parameters(folder: Path | None = None) -> list[tuple[str, str]]:
    """(file name, sh:parameter) for each SHACL parameter in the shape files that the rust engine is not trusted
    with (see RUST_PARAMETERS)."""
    found = []
    for path in shape_files(folder):
        graph = rdflib.Graph().parse(path, format="turtle")
        for parameter in sorted(set(graph.predicates()) & (SHACL_PARAMETERS - RUST_PARAMETERS)):
            found.append((path.name, "sh:" + str(parameter)[len(str(SH)):]))
    return found


@lru_cache(maxsize=4)
def rust_shapes(folder: Path | None = None):
    """The shapes compiled by the rust engine, once per process; a ShapeError for a parameter it is not trusted
    with."""
    import shacl

    shapes_graph(folder)  # parse errors name the file
    unsupported = unsupported_parameters(folder)
    if unsupported:
        name, parameter = unsupported[0]
        raise ShapeError(f"{name}: {parameter} is not among the constraint parameters the rust engine has been "
                         "checked on against pySHACL; validate with --engine pyshacl, or add good and bad fixtures "
                         "for it under tests/shapes and to RUST_PARAMETERS")
    text = "\n".join(path.read_text(encoding="utf-8") for path in shape_files(folder))
    try:
        return shacl.Shapes.from_turtle(text)
    except Exception as err:  # the engine's own errors: name the folder
        raise ShapeError(f"{folder or 'shapes/'}: the rust engine cannot compile the shapes ({err})") from None


@lru_cache(maxsize=1)
def ontology_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data_path("ontology", "wsisgraph.ttl"), format="turtle")


def _namespaces() -> rdflib.namespace.NamespaceManager:
    from .namespaces import PREFIXES

    manager = rdflib.namespace.NamespaceManager(rdflib.Graph(), bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        manager.bind(prefix, ns, override=True)
    return manager


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


_IRI = re.compile(r"<([^<>\s]*)>")


def _path_text(sparql_path: str, graph: rdflib.Graph) -> str:
    """A property path in SPARQL syntax with full IRIs, as the rust engine writes it (`(<a>/<b>)`), with prefixed
    names and without outer parentheses: `wsis:respondent/org:classification`."""
    text = _IRI.sub(lambda m: _short(rdflib.URIRef(m.group(1)), graph), sparql_path)
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _sparql_path(node, graph: rdflib.Graph) -> str:
    """A SHACL path node of `graph` in SPARQL property path syntax, full IRIs (the rust engine's form)."""
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if (node, RDF.first, None) in graph:
        items = list(rdflib.collection.Collection(graph, node))
        return "(" + "/".join(_sparql_path(item, graph) for item in items) + ")"
    for predicate, wrap in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
                            (SH.zeroOrOnePath, "{}?")):
        inner = graph.value(node, predicate)
        if inner is not None:
            return wrap.format(_sparql_path(inner, graph))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_sparql_path(i, graph) for i in rdflib.collection.Collection(graph, alternatives)) + ")"
    return "[blank node]"


def _conforming_report() -> rdflib.Graph:
    graph = rdflib.Graph()
    node = rdflib.BNode()
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.add((node, SH.conforms, rdflib.Literal(True)))
    return graph


# -- the engines: one graph (or one batch of document graphs) at a time ---------------------------------------------

def _pyshacl(data: rdflib.Graph, name: str, inference: str, folder: Path | None, locate=None) -> ValidationReport:
    import pyshacl

    shapes = shapes_graph(folder)
    try:
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology_graph() if inference != "none" else None,
            inference=inference, advanced=False, allow_warnings=True)
    except Exception as err:  # pySHACL reports shape errors with its own exception classes
        raise ShapeError(f"{name}: validation could not run ({type(err).__name__}: {err})") from None
    report = ValidationReport(conforms=bool(conforms), graphs=1, triples=len(data), engine="pyshacl",
                              report_graph=results if not conforms else _conforming_report())
    for result in results.subjects(RDF.type, SH.ValidationResult):
        source = results.value(result, SH.sourceShape)
        node_shape = source
        if isinstance(source, rdflib.BNode):  # a property shape: report the node shape that holds it
            node_shape = next(shapes.subjects(SH.property, source), source)
        path = results.value(result, SH.resultPath)
        focus = results.value(result, SH.focusNode)
        report.violations.append(Violation(
            graph=locate(focus) if locate else name,
            shape=_short(node_shape, shapes),
            focus=_short(focus, data),
            path=_path_text(_sparql_path(path, results), data) if path is not None else "",
            value=_short(results.value(result, SH.value), data),
            message=str(results.value(result, SH.resultMessage) or ""),
            severity=_short(results.value(result, SH.resultSeverity), shapes).replace("sh:", ""),
        ))
    return report


def _rust(ntriples: bytes, name: str, names: rdflib.Graph, folder: Path | None, locate=None) -> ValidationReport:
    from rdflib.util import from_n3

    shapes = rust_shapes(folder)
    try:
        result = shapes.validate_text(ntriples.decode("utf-8"), format="ntriples", allow_warnings=True)
    except Exception as err:  # noqa: BLE001 - the engine's errors: name the graph
        raise ShapeError(f"{name}: validation could not run ({type(err).__name__}: {err})") from None
    report = ValidationReport(conforms=bool(result.conforms), graphs=1, engine="rust")
    if result.conforms:
        report.report_graph = _conforming_report()
        return report
    report.report_graph = rdflib.Graph().parse(data=result.serialize("ntriples"), format="nt")
    shape_names = shapes_graph(folder)
    for r in result.results:
        root = from_n3(r.root_shape) if r.root_shape else None
        focus = from_n3(r.focus_node)
        report.violations.append(Violation(
            graph=locate(focus) if locate else name,
            shape=_short(root, shape_names) if isinstance(root, rdflib.URIRef) else "[blank node]",
            focus=_short(focus, names),
            path=_path_text(r.path, names) if r.path else "",
            value=_short(from_n3(r.value), names) if r.value else "",
            message=r.message or "",
            severity=r.severity,
        ))
    return report


def validate_graph(data: rdflib.Graph, name: str = "graph", inference: str = "none",
                   engine: str = DEFAULT_ENGINE, shapes: Path | None = None) -> ValidationReport:
    """Validate one rdflib graph against the shapes (shapes/, or the folder `shapes`); returns the report, never
    prints. RDFS inference is pySHACL's: `inference="rdfs"` needs `engine="pyshacl"`."""
    _check_engine(engine, inference)
    started = time.perf_counter()
    if engine == "pyshacl":
        report = _pyshacl(data, name, inference, shapes)
    else:
        report = _rust(data.serialize(format="nt", encoding="utf-8"), name, data, shapes)
        report.triples = len(data)
    report.seconds = time.perf_counter() - started
    return report


def merge(reports: Iterable[ValidationReport], engine: str = DEFAULT_ENGINE) -> ValidationReport:
    total = ValidationReport(conforms=True, engine=engine)
    for r in reports:
        total.conforms = total.conforms and r.conforms
        total.violations += r.violations
        total.graphs += r.graphs
        total.triples += r.triples
        total.seconds += r.seconds
        if not r.conforms:
            total.report_graph += r.report_graph
    if total.conforms:
        total.report_graph = _conforming_report()
    for prefix, ns in _namespaces().namespaces():
        total.report_graph.bind(prefix, ns, override=True)
    return total


# -- stores: graph by graph, in batches, in worker processes ------------------------------------------------------

def _locator(graphs: list[str], store):
    """focus node -> the named graph of `graphs` it belongs to: the graph whose IRI it is or is minted under,
    else one where it is a subject, else (a blank node) the batch."""
    import pyoxigraph as ox

    label = graphs[0] if len(graphs) == 1 else f"{graphs[0]} and {len(graphs) - 1} more graphs"

    def locate(focus) -> str:
        if len(graphs) == 1 or not isinstance(focus, rdflib.URIRef):
            return label
        iri = str(focus)
        for graph in graphs:
            if iri == graph or iri.startswith(graph + "/"):
                return graph
        if store is not None:
            for graph in graphs:
                if next(store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.NamedNode(graph)), None):
                    return graph
        return label

    return locate


def _validate_batch(graphs: list[str], data: bytes, triples: int, engine: str, inference: str,
                    store=None) -> ValidationReport:
    """One engine call on the N-Triples of `graphs` (document graphs, or one reference graph); each violation
    names the graph it was found in."""
    names = rdflib.Graph(bind_namespaces="core")
    names.namespace_manager = _namespaces()
    locate = _locator(graphs, store)
    if engine == "pyshacl":
        graph = rdflib.Graph(bind_namespaces="core")
        graph.namespace_manager = names.namespace_manager
        graph.parse(data=data, format="nt")
        report = _pyshacl(graph, graphs[0], inference, None, locate)
    else:
        report = _rust(data, graphs[0], names, None, locate)
    report.graphs, report.triples = len(graphs), triples
    return report


_OPEN: dict[str, object] = {}


def _open_read_only(location: str):
    import pyoxigraph as ox

    if location not in _OPEN:
        _OPEN.clear()
        _OPEN[location] = ox.Store.read_only(location)
    return _OPEN[location]


def _batches(store, graphs: list[str], limit: int):
    """(graph IRIs, N-Triples, triples) of consecutive document graphs, up to `limit` bytes each."""
    import pyoxigraph as ox

    batch, chunks, size, triples = [], [], 0, 0
    for graph in graphs:
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        if batch and size + len(data) > limit:
            yield batch, b"".join(chunks), triples
            batch, chunks, size, triples = [], [], 0, 0
        batch.append(graph)
        chunks.append(data)
        size += len(data)
        triples += data.count(b"\n")
    if batch:
        yield batch, b"".join(chunks), triples


@lru_cache(maxsize=1)
def _target_classes() -> tuple[str, ...] | None:
    """Every class the shapes target (sh:targetClass, or a node shape that is itself a class), or None when a shape
    targets nodes some other way."""
    from rdflib.namespace import OWL, RDFS

    shapes = shapes_graph()
    if any((None, p, None) in shapes for p in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)):
        return None
    classes = set(shapes.objects(None, SH.targetClass))
    for kind in (SH.NodeShape, SH.PropertyShape):
        classes |= {s for s in shapes.subjects(RDF.type, kind)
                    if (s, RDF.type, RDFS.Class) in shapes or (s, RDF.type, OWL.Class) in shapes}
    return tuple(sorted(str(c) for c in classes))


def _reports(store, graphs: list[str], engine: str, inference: str):
    """The reports of `graphs` (consecutive document graphs, or one reference graph), a few graphs at a time. A
    graph holding no instance of any targeted class has no focus node, so it conforms without being read out (the
    statistics graph: 27 MB of N-Triples at 1,000 documents)."""
    classes = _target_classes()
    if len(graphs) == 1 and "/document/" not in graphs[0] and classes is not None and inference == "none":
        values = " ".join(f"<{c}>" for c in classes)
        if not store.query(f"ASK {{ GRAPH <{graphs[0]}> {{ VALUES ?class {{ {values} }} "
                           "?node <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
                           "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?class } }"):
            count = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graphs[0]}> {{ ?s ?p ?o }} }}")))
            yield ValidationReport(conforms=True, graphs=1, triples=int(count["n"].value), engine=engine,
                                   report_graph=_conforming_report())
            return
    for batch, data, triples in _batches(store, graphs, BATCH_BYTES):
        yield _validate_batch(batch, data, triples, engine, inference, store)


def _validate_task(task: tuple[str, list[str], str, str]) -> ValidationReport:
    """Worker: open the store at `location` read-only (once per process) and validate the named graphs of one
    task, a few at a time."""
    location, graphs, engine, inference = task
    started = time.perf_counter()
    store = _open_read_only(location)
    report = merge(list(_reports(store, graphs, engine, inference)), engine)
    report.seconds = time.perf_counter() - started
    return report


def validate_store_graphs(store, names: Iterable | None = None, inference: str = "none",
                          workers: int | None = None, engine: str = DEFAULT_ENGINE,
                          location: str | Path | None = None, on_graphs=None) -> ValidationReport:
    """Validate the named graphs of a pyoxigraph Store (or only `names`): document graphs in batches, each other
    graph (schemes, matrix, statistics) on its own, in worker processes when there are many.

    `location` is the store's folder when it is on disk (the parent's writes must be flushed): workers then open
    it read-only and read their graphs themselves. `on_graphs(n)` is called as each n graphs are done."""
    import pyoxigraph as ox

    _check_engine(engine, inference)
    if engine == "rust":
        rust_shapes()  # a shape error before any worker starts
    started = time.perf_counter()
    graphs = [g.value if isinstance(g, ox.NamedNode) else str(g)
              for g in (names if names is not None else store.named_graphs())]
    documents = [g for g in graphs if "/document/" in g]
    reference = [g for g in graphs if "/document/" not in g]
    chunks = [documents[i:i + GRAPHS_PER_TASK] for i in range(0, len(documents), GRAPHS_PER_TASK)]
    chunks += [[g] for g in reference]  # alone: their shapes hold across the whole graph
    workers = min(workers or os.cpu_count() or 1, len(chunks))
    if location is not None and workers > 1 and len(documents) > GRAPHS_PER_TASK:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from .processes import pool_options

        tasks = [(str(location), chunk, engine, inference) for chunk in chunks]
        reports = []
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), **pool_options()) as pool:
            for report in pool.map(_validate_task, tasks):
                reports.append(report)
                if on_graphs:
                    on_graphs(report.graphs)
    else:  # in this process: a small store, or one only in memory
        reports = []
        for chunk in chunks:
            for report in _reports(store, chunk, engine, inference):
                reports.append(report)
                if on_graphs:
                    on_graphs(report.graphs)
    total = merge(reports, engine)
    total.seconds = time.perf_counter() - started  # wall time: the workers' times overlap
    return total


def validate_document_nquads(data: bytes, graph: str, engine: str = DEFAULT_ENGINE) -> ValidationReport:
    """Validate one document's graph from the N-Quads extraction made for it (every quad in `graph`), before it is
    loaded: the same check as validating that named graph in the store, without reading it back (reading costs
    Oxigraph two to four times what the rust engine's checks cost)."""
    _check_engine(engine)
    started = time.perf_counter()
    suffix = f" <{graph}> .\n".encode()  # a raw line break only ever ends a quad
    if data.count(suffix) != data.count(b"\n"):
        raise ShapeError(f"{graph}: the N-Quads hold quads of other graphs; validate them graph by graph")
    ntriples = data.replace(suffix, b" .\n")
    report = _validate_batch([graph], ntriples, data.count(b"\n"), engine, "none")
    report.seconds = time.perf_counter() - started
    return report


def validate_files(paths: Iterable[str | Path], inference: str = "none",
                   engine: str = DEFAULT_ENGINE) -> ValidationReport:
    """Validate RDF files (any syntax rdflib reads; named graphs are merged)."""
    _check_engine(engine)
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
        reports.append(validate_graph(union, name=str(path), inference=inference, engine=engine))
    return merge(reports, engine)
