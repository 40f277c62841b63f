"""Every export format parses back with rdflib to the same graph; quad formats keep one named graph per document."""
from __future__ import annotations

import io
import json
import re

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st
from rdflib.compare import isomorphic

from wsisgraph.cli import cli
from wsisgraph.export import FORMATS, JsonLdCompactor, export, load_context, store_base
from wsisgraph.namespaces import DEFAULT_BASE, PREFIXES
from wsisgraph.store import open_store

RDFLIB_FORMAT = {"turtle": "turtle", "trig": "trig", "nt": "nt", "nq": "nquads", "jsonld": "json-ld"}
OX_FORMAT = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nt": ox.RdfFormat.N_TRIPLES,
             "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


@pytest.fixture(scope="module")
def store(built_store):
    return open_store(built_store)


def as_rdflib(quads):
    """Quads as rdflib graphs: the union, and each named graph by name."""
    union, named = rdflib.Graph(), {}
    for quad in quads:
        triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
        union.add(triple)
        named.setdefault(getattr(quad.graph_name, "value", ""), rdflib.Graph()).add(triple)
    return union, named


@pytest.fixture(scope="module")
def graphs(store):
    return as_rdflib(store.store)


@pytest.fixture(scope="module")
def exports(store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    paths = {}
    for fmt in RDFLIB_FORMAT:
        paths[fmt] = folder / f"graph.{fmt}"
        export(store, fmt, paths[fmt])
    return paths


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld"])
def test_triple_formats_round_trip_to_the_union(exports, graphs, fmt):
    parsed = rdflib.Graph().parse(exports[fmt], format=RDFLIB_FORMAT[fmt])
    union, _ = graphs
    assert len(parsed) == len(union)
    assert isomorphic(parsed, union)


@pytest.mark.parametrize("fmt", ["trig", "nq"])
def test_quad_formats_round_trip_graph_by_graph(exports, graphs, fmt):
    dataset = rdflib.Dataset()
    dataset.parse(exports[fmt], format=RDFLIB_FORMAT[fmt])
    _, named = graphs
    parsed = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    assert set(parsed) == set(named)
    for name, graph in named.items():
        assert isomorphic(parsed[name], graph), name


def test_trig_holds_a_graph_per_document_plus_the_schemes_matrix_and_statistics(exports, store):
    dataset = rdflib.Dataset()
    dataset.parse(exports["trig"], format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    documents = {str(row["d"]["value"]) for row in store.select(
        "SELECT ?d WHERE { ?d a wsis:Document }")["results"]["bindings"]}
    assert len(documents) == 2
    assert documents <= names
    assert f"{DEFAULT_BASE}graph/schemes" in names
    assert names - documents <= {f"{DEFAULT_BASE}graph/schemes", f"{DEFAULT_BASE}graph/wsis-sdg-matrix",
                                 f"{DEFAULT_BASE}graph/statistics"}
    text = exports["trig"].read_text(encoding="utf-8")
    for document in documents:
        assert f"<{document}> {{" in text


def _has_blank(quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


@pytest.mark.parametrize("fmt", list(RDFLIB_FORMAT))
def test_export_reimported_into_a_store_gives_the_same_graph(exports, store, fmt):
    """Loaded into a new store, an export gives back the same quads (triples, for the triple formats):
    exactly where no blank node is involved, up to blank node names (isomorphic) for the rest."""
    again = ox.Store()
    again.load(path=str(exports[fmt]), format=OX_FORMAT[fmt])  # blank nodes get new names on load
    if FORMATS[fmt][1]:
        before, after = set(store.store), set(again)
    else:
        before = {ox.Quad(*q.triple) for q in store.store}
        after = set(again)
    plain = lambda quads: {q for q in quads if not _has_blank(q)}  # noqa: E731
    assert plain(after) == plain(before)
    blank_before, blank_after = as_rdflib(q for q in before if _has_blank(q)), \
        as_rdflib(q for q in after if _has_blank(q))
    assert len(blank_before[0]) == len(blank_after[0]) > 0
    assert blank_before[1].keys() == blank_after[1].keys()
    for name, graph in blank_before[1].items():
        assert isomorphic(blank_after[1][name], graph), name


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_every_prefix_used_is_declared(exports, fmt):
    text = exports[fmt].read_text(encoding="utf-8")
    declared = set(re.findall(r"^@prefix ([A-Za-z][\w-]*): ", text, flags=re.M))
    assert declared <= set(PREFIXES)
    assert not re.search(r"\bns\d+:", text)
    # strip IRIs and string literals, then every remaining `name:` must be a declared prefix
    bare = re.sub(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|<[^>\s]*>', " ", text)
    used = set(re.findall(r"(?<![\w:@/#.-])([A-Za-z][\w-]*):", bare))
    assert used <= declared, used - declared


def test_jsonld_is_compact_with_the_ontology_context(exports):
    document = json.loads(exports["jsonld"].read_text(encoding="utf-8"))
    assert document["@context"] == load_context()
    nodes = document["@graph"]
    keys = {key for node in nodes for key in node}
    assert not [key for key in keys if key.startswith(("http://", "https://"))]  # every predicate is short
    assert {"id", "type", "prefLabel", "hasBody", "isPartOf", "respondentName"} <= keys
    prefixes = {key.split(":", 1)[0] for key in keys if ":" in key}
    assert prefixes <= set(load_context()), prefixes
    response = next(n for n in nodes if n.get("respondentName") == "Ocgrow Group")
    assert set(response["type"]) == {"Document", "Response"}
    assert isinstance(response["textLength"], int)


def test_context_file_matches_the_prefix_table():
    context = load_context()
    assert {key: value for key, value in context.items() if key in PREFIXES} == PREFIXES
    ontology = rdflib.Graph().parse(str(__import__("wsisgraph").data_path("ontology", "wsisgraph.ttl")))
    wsis = PREFIXES["wsis"]
    declared = {str(s)[len(wsis):] for s in ontology.subjects() if str(s).startswith(wsis)}
    for key, value in context.items():
        iri = value if isinstance(value, str) else value.get("@id", "")
        if iri.startswith("wsis:"):
            assert iri[5:] in declared, key


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "nt"])
def test_exports_are_deterministic(store, fmt):
    first, second = io.BytesIO(), io.BytesIO()
    export(store, fmt, first)
    export(store, fmt, second)
    assert first.getvalue() == second.getvalue()


def test_jsonld_to_stdout_parses(built_store):
    result = CliRunner().invoke(cli, ["export", "--store", str(built_store), "--format", "jsonld", "--out", "-"],
                                obj={})
    assert result.exit_code == 0, result.output
    graph = rdflib.Graph().parse(data=result.stdout_bytes, format="json-ld")
    assert (None, rdflib.URIRef(PREFIXES["wsis"] + "respondentName"), rdflib.Literal("Ocgrow Group")) in graph


def test_store_base_is_read_from_the_schemes_graph(store):
    assert store_base(store.store) == DEFAULT_BASE


# -- generated literals survive the JSON-LD compactor ---------------------------------------------------------------

S = ox.NamedNode("https://example.org/s")
PREDICATES = [ox.NamedNode(PREFIXES["skos"] + "prefLabel"),   # a plain term
              ox.NamedNode(PREFIXES["skos"] + "broader"),     # a term coerced to @id
              ox.NamedNode(PREFIXES["wsis"] + "start"),       # a compact IRI
              ox.NamedNode("https://example.org/p")]          # a full IRI
DATATYPES = ["string", "integer", "boolean", "decimal", "dateTime", "https://example.org/dt"]

literals = st.one_of(
    st.builds(lambda text, lang: ox.Literal(text, language=lang), st.text(max_size=20),
              st.sampled_from(["en", "fr", "es-419"])),
    st.builds(lambda text, dt: ox.Literal(text, datatype=ox.NamedNode(
        dt if "://" in dt else "http://www.w3.org/2001/XMLSchema#" + dt)),
        st.one_of(st.text(max_size=20), st.integers().map(str), st.sampled_from(["007", "+5", "-0", "true", "1"])),
        st.sampled_from(DATATYPES)),
)
objects = st.one_of(literals, st.sampled_from([ox.NamedNode("http://metadata.un.org/sdg/4"),
                                               ox.NamedNode("https://example.org/o#x"), ox.BlankNode("b1")]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PREDICATES), objects), min_size=1, max_size=6))
def test_generated_literals_survive_jsonld(pairs):
    triples = sorted({ox.Triple(S, p, o) for p, o in pairs}, key=str)
    document = {"@context": load_context(), **JsonLdCompactor().node(S, triples)}
    parsed = set(ox.parse(json.dumps(document).encode("utf-8"), format=ox.RdfFormat.JSON_LD))
    assert {str(t) for t in parsed} == {str(t) for t in triples}


def test_an_export_removes_what_a_killed_export_left(built_store, tmp_path):
    """A killed export leaves its temporary file (`.NAME.PID.XXXX.tmp`); the next export of that file removes it,
    and leaves the file of a write still running."""
    import os
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = tmp_path / f".g.nt.{ended.stdout.strip()}.abc123.tmp"
    running = tmp_path / f".g.nt.{os.getpid()}.def456.tmp"
    for leftover in (killed, running):
        leftover.write_text("half", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--store", str(built_store), "--out", str(tmp_path / "g.nt")], obj={})
    assert result.exit_code == 0, result.output
    assert not killed.exists() and running.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["g.nt", running.name])
