#!/usr/bin/env python3
"""Compare SHACL engines on the shape fixtures (agreement with pySHACL) and on a bench store (time).

    python bench/run.py --docs 1000 --keep /tmp/validate-bench --skip-validate   # makes a store
    python bench/validate.py --store /tmp/validate-bench/store

For each engine: on every fixture under tests/shapes (good and bad), whether its verdict and its set of (shape,
focus node) pairs are pySHACL's; then the wall and CPU seconds (this process and its workers) to validate the
store's document graphs, and those figures extrapolated to 10,000 documents. Each engine runs in a process of its
own, one after the other, so they share the machine's conditions as far as a shared machine allows; CPU time is
the steadier figure.

- `rust` and `pyshacl` are wsisgraph's two engines, timed through `validate_store_graphs` (worker processes that
  read the store), the path `validate --store` and `build` take.
- `rust-before-loading` is the rust engine on each document's N-Quads as extraction writes them
  (`validate_document_nquads`), the check a build could make in its extraction workers before loading: the
  documents of the store's `docs` folder are extracted first (not timed), then validated one by one.
- `shacl-rust`, `pyrudof` and `pyshacl-turbo` are other SHACL engines from PyPI (not dependencies of wsisgraph:
  `pip install shacl-rust pyrudof pyshacl-turbo` to measure them), timed in one process on the same N-Triples
  batches.
- `oxigraph-sparql` evaluates SPARQL generated from the shapes by Oxigraph over the store itself (no reading
  out): one query per property shape for its value constraints (class, datatype, nodeKind, pattern, minLength,
  minInclusive, minExclusive, in, hasValue) and one for its counts (minCount, maxCount), on predicate paths only. It
  covers only part of the shapes (not uniqueLang, lessThan, qualified counts, sequence paths, sh:sparql), so its
  time is a lower bound for that approach and it reports no agreement.

Slow engines validate the first `--sample` document graphs only (their figures are scaled to the store).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "tests" / "shapes"
SH = "http://www.w3.org/ns/shacl#"
ENGINES = ["rust", "rust-before-loading", "pyshacl", "shacl-rust", "pyrudof", "pyshacl-turbo", "oxigraph-sparql"]
SLOW = {"pyshacl", "pyrudof", "pyshacl-turbo"}


def shapes_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "shapes").glob("*.ttl")))


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# -- agreement on the fixtures --------------------------------------------------------------------------------------

def _message_to_shape():
    """sh:message -> the IRI of the node shape holding it (engines that report a property shape's blank node)."""
    import rdflib
    from rdflib.namespace import RDF

    g = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    sh = rdflib.Namespace(SH)
    found = {}
    for shape in g.subjects(RDF.type, sh.NodeShape):
        for holder in [shape, *g.objects(shape, sh.property), *g.objects(shape, sh.sparql)]:
            for message in g.objects(holder, sh.message):
                found[str(message)] = str(shape)
    return found


def _shape_of(message: str, messages: dict[str, str]) -> str | None:
    import re

    message = message.strip('"')
    for known, shape in messages.items():
        pattern = re.escape(known)
        pattern = re.sub(r"\\\{\\\?\w+\\\}", ".*", pattern)  # templated SPARQL messages
        if re.fullmatch(pattern, message):
            return shape
    return None


def _iri(term: str | None) -> str | None:
    return term[1:-1] if term and term.startswith("<") and term.endswith(">") else term


def fixture_verdict(engine: str, data: str) -> tuple[bool, set[tuple[str, str]]]:
    """(conforms, {(node shape IRI, focus IRI)}) of one engine on one fixture (Turtle)."""
    import rdflib

    if engine in ("rust", "pyshacl"):
        from wsisgraph.validate import validate_graph

        graph = rdflib.Graph(bind_namespaces="none").parse(data=data, format="turtle")
        report = validate_graph(graph, engine=engine)
        expand = graph.namespace_manager
        pairs = set()
        for v in report.violations:
            shape = v.shape.replace("shape:", "https://w3id.org/wsisgraph/shapes#")
            focus = v.focus[1:-1] if v.focus.startswith("<") else str(expand.expand_curie(v.focus))
            pairs.add((shape, focus))
        return report.conforms, pairs
    messages = _message_to_shape()
    if engine == "shacl-rust":
        import shacl_rust

        result = shacl_rust.validate(data, shapes_text())
        return result["conforms"], {(_shape_of((r.get("messages") or [""])[-1], messages), _iri(r["focusNode"]))
                                    for r in result["results"]}
    if engine == "pyrudof":
        import pyrudof

        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        rudof.read_shacl(shapes_text())
        rudof.read_data(data)
        result = rudof.validate_shacl()
        return result.conforms, {(_iri(v.source_shape) if not str(v.source_shape).startswith("_:")
                                  else _shape_of(v.message or "", messages), _iri(v.focus_node))
                                 for v in result.violations}
    if engine == "pyshacl-turbo":
        import pyshacl_turbo

        shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
        conforms, results, _ = pyshacl_turbo.validate(rdflib.Graph().parse(data=data, format="turtle"),
                                                      shacl_graph=shapes, allow_warnings=True)
        sh = rdflib.Namespace(SH)
        return bool(conforms), {(_shape_of(str(results.value(r, sh.resultMessage)), messages),
                                 str(results.value(r, sh.focusNode)))
                                for r in results.subjects(rdflib.RDF.type, sh.ValidationResult)}
    raise ValueError(engine)


def agreement(engine: str) -> tuple[int, int, list[str]]:
    prefixes = (FIXTURES / "prefixes.ttl").read_text(encoding="utf-8")
    paths = sorted((FIXTURES / "good").glob("*.ttl")) + sorted((FIXTURES / "bad").glob("*.ttl"))
    same, differ = 0, []
    for path in paths:
        data = prefixes + path.read_text(encoding="utf-8")
        try:
            if fixture_verdict(engine, data) == fixture_verdict("pyshacl", data):
                same += 1
            else:
                differ.append(path.name)
        except Exception as err:  # noqa: BLE001 - an engine that fails on a fixture disagrees
            differ.append(f"{path.name} ({type(err).__name__})")
    return same, len(paths), differ


# -- time on the store -------------------------------------------------------------------------------------------

def document_graphs(store) -> list:
    return [g for g in store.named_graphs() if "/document/" in g.value]


def time_engine(engine: str, location: str, sample: int | None, docs: str | None = None) -> dict:
    import pyoxigraph as ox

    store = ox.Store.read_only(location)
    graphs = document_graphs(store)
    total = len(graphs)
    if sample:
        graphs = graphs[:sample]
    started, cpu0 = time.perf_counter(), cpu()
    problems = 0
    if engine in ("rust", "pyshacl"):
        from wsisgraph.validate import validate_store_graphs

        report = validate_store_graphs(store, names=graphs, engine=engine, location=location)
        problems = len(report.violations)
    elif engine == "rust-before-loading":
        from wsisgraph.load import iter_paths
        from wsisgraph.namespaces import base_iri
        from wsisgraph.store import _extract_one
        from wsisgraph.validate import validate_document_nquads

        files = list(iter_paths([docs]))
        # the task as build passes it (no validation: timed here)
        extracted = [_extract_one((str(path), name, base_iri(), "keywords", None, None, (), False, None, False))
                     for path, name in files]
        extracted = [e for e in extracted if "nquads" in e]
        graphs = extracted
        started, cpu0 = time.perf_counter(), cpu()
        for e in extracted:
            problems += len(validate_document_nquads(e["nquads"], e["graph"]).violations)
    elif engine == "oxigraph-sparql":
        from wsisgraph.namespaces import PREFIXES

        for query in sparql_queries():
            problems += sum(1 for _ in store.query(query, prefixes=PREFIXES))
    else:
        from wsisgraph.validate import BATCH_BYTES, _batches

        text = shapes_text()
        names = [g.value for g in graphs]
        if engine == "shacl-rust":
            import shacl_rust

            for _, data, _ in _batches(store, names, BATCH_BYTES):
                problems += len(shacl_rust.validate(data.decode(), text, data_format="nt")["results"])
        elif engine == "pyrudof":
            import pyrudof

            rudof = pyrudof.Rudof(pyrudof.RudofConfig())
            rudof.read_shacl(text)
            for _, data, _ in _batches(store, names, BATCH_BYTES):
                rudof.read_data(data.decode(), format=pyrudof.RDFFormat.NTriples)
                problems += len(rudof.validate_shacl().violations)
        elif engine == "pyshacl-turbo":
            import pyshacl_turbo
            import rdflib

            shapes = rdflib.Graph().parse(data=text, format="turtle")
            for _, data, _ in _batches(store, names, BATCH_BYTES):
                conforms, _, _ = pyshacl_turbo.validate(rdflib.Graph().parse(data=data, format="nt"),
                                                        shacl_graph=shapes, allow_warnings=True)
                problems += not conforms
    wall, seconds = time.perf_counter() - started, cpu() - cpu0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"engine": engine, "documents": len(graphs), "store_documents": total, "wall_s": round(wall, 2),
            "cpu_s": round(seconds, 2), "violations": problems, "peak_rss_mb": peak // 1024}


def sparql_queries() -> list[str]:
    """SPARQL generated from the shapes for part of their constraints (see the module docstring)."""
    import rdflib
    from rdflib.namespace import RDF

    g = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    sh = rdflib.Namespace(SH)
    queries = []
    for shape in g.subjects(RDF.type, sh.NodeShape):
        classes = " ".join(f"<{c}>" for c in g.objects(shape, sh.targetClass))
        if not classes:
            continue
        target = f"VALUES ?class {{ {classes} }} ?this rdf:type/rdfs:subClassOf* ?class ."
        for prop in g.objects(shape, sh.property):
            path = g.value(prop, sh.path)
            if not isinstance(path, rdflib.URIRef):
                continue
            bad = []
            for parameter, value in g.predicate_objects(prop):
                name = str(parameter)[len(SH):]
                if name == "datatype":
                    bad.append(f"!(isLiteral(?v) && datatype(?v) = <{value}>)")
                elif name == "nodeKind" and value == sh.IRI:
                    bad.append("!isIRI(?v)")
                elif name == "class":
                    bad.append(f"NOT EXISTS {{ ?v rdf:type/rdfs:subClassOf* <{value}> }}")
                elif name == "pattern":
                    bad.append(f"isBlank(?v) || !REGEX(STR(?v), {json.dumps(str(value))})")
                elif name == "minLength":
                    bad.append(f"isBlank(?v) || STRLEN(STR(?v)) < {value}")
                elif name == "minInclusive":
                    bad.append(f"!COALESCE(?v >= {value}, false)")
                elif name == "minExclusive":
                    bad.append(f"!COALESCE(?v > {value}, false)")
                elif name == "in":
                    items = " || ".join(f"sameTerm(?v, {term.n3()})" for term in rdflib.collection.Collection(g, value))
                    bad.append(f"!({items})")
            if bad:
                queries.append(f"SELECT ?g ?this ?v WHERE {{ GRAPH ?g {{ {target} ?this <{path}> ?v . "
                               f"FILTER ({' || '.join(f'({b})' for b in bad)}) }} }}")
            has_value = g.value(prop, sh.hasValue)
            if has_value is not None:
                queries.append(f"SELECT ?g ?this WHERE {{ GRAPH ?g {{ {target} "
                               f"FILTER NOT EXISTS {{ ?this <{path}> {has_value.n3()} }} }} }}")
            low, high = g.value(prop, sh.minCount), g.value(prop, sh.maxCount)
            if low is not None or high is not None:
                having = " || ".join(filter(None, [f"?n < {low}" if low is not None else "",
                                                   f"?n > {high}" if high is not None else ""]))
                queries.append(f"SELECT ?g ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ GRAPH ?g {{ {target} "
                               f"OPTIONAL {{ ?this <{path}> ?v }} }} }} GROUP BY ?g ?this HAVING ({having})")
    return queries


def run_one(args) -> None:
    result = time_engine(args.one, args.location, args.sample if args.one in SLOW else None, args.docs)
    if args.one not in ("oxigraph-sparql", "rust-before-loading"):
        same, total, differ = agreement(args.one)
        result.update(agree=same, fixtures=total, differ=differ)
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="a store made by bench/run.py --keep DIR (DIR/store)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, from: " + ", ".join(ENGINES))
    ap.add_argument("--sample", type=int, default=100, help="document graphs the slow engines validate")
    ap.add_argument("--docs", type=Path, help="the documents the store was built from (default: DIR/docs beside "
                                             "DIR/store), for rust-before-loading")
    ap.add_argument("--out", type=Path, help="write the rows as JSON here too")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--location", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return run_one(args)
    if not args.store:
        ap.error("give --store DIR/store (make one with bench/run.py --docs 1000 --keep DIR --skip-validate)")
    location = os.path.realpath(args.store / "current")
    rows = []
    for engine in args.engines.split(","):
        docs = args.docs or args.store.parent / "docs"
        done = subprocess.run([sys.executable, __file__, "--one", engine, "--location", location,
                               "--sample", str(args.sample), "--docs", str(docs)], capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{engine}: not measured ({last})", file=sys.stderr)
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{engine}: done", file=sys.stderr)
    print("\n| engine | fixtures agreeing with pySHACL | documents timed | wall s | CPU s | "
          "per 1,000 docs wall / CPU | 10,000 docs wall / CPU (extrapolated) | peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        per = 1000 / row["documents"]
        agree = (f"{row['agree']}/{row['fixtures']}" if "agree" in row else
                 "as rust" if row["engine"] == "rust-before-loading" else "not compared (partial)")
        print(f"| {row['engine']} | {agree} | {row['documents']} | {row['wall_s']} | {row['cpu_s']} | "
              f"{row['wall_s'] * per:.1f} / {row['cpu_s'] * per:.1f} | "
              f"{row['wall_s'] * per * 10:.0f} / {row['cpu_s'] * per * 10:.0f} | {row['peak_rss_mb']} MB |")
        if row.get("differ"):
            print(f"|  | differs on: {', '.join(row['differ'])} | | | | | | |")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
