"""Every shape has a conforming fixture and a violating one that it catches (DASH-style: the expected shapes are
written in each bad file as `# expect: shape:X`), by pySHACL, the reference engine; the rust engine gives the same
violations on every fixture; the shapes are valid SHACL; the seeds' graph conforms."""
import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH
from click.testing import CliRunner

from wsisgraph import data_path
from wsisgraph.cli import cli
from wsisgraph.errors import ShapeError
from wsisgraph.validate import shapes_graph, validate_graph

HERE = Path(__file__).resolve().parent / "shapes"
PREFIXES = (HERE / "prefixes.ttl").read_text(encoding="utf-8")
SHAPE_NS = "https://w3id.org/wsisgraph/shapes#"
BAD = sorted((HERE / "bad").glob("*.ttl"))
GOOD = sorted((HERE / "good").glob("*.ttl"))


def load(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + path.read_text(encoding="utf-8"), format="turtle")


def node_shapes() -> set[str]:
    g = shapes_graph()
    return {str(s)[len(SHAPE_NS):] for s in g.subjects(RDF.type, SH.NodeShape) if str(s).startswith(SHAPE_NS)}


def test_every_shape_has_a_bad_fixture():
    covered = {p.name.split("__")[0] for p in BAD}
    assert node_shapes() <= covered, node_shapes() - covered


def test_good_fixtures_exercise_every_targeted_shape():
    g = shapes_graph()
    data = rdflib.Graph()
    for path in GOOD:
        data += load(path)
    for shape in g.subjects(RDF.type, SH.NodeShape):
        for cls in g.objects(shape, SH.targetClass):
            assert (None, RDF.type, cls) in data, (shape, cls)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_fixture_conforms(path):
    report = validate_graph(load(path), name=path.name, engine="pyshacl")
    assert report.conforms, report.text()


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_fixture_is_caught_by_its_shape(path):
    expected = set(re.search(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.M).group(1).split())
    report = validate_graph(load(path), name=path.name, engine="pyshacl")
    assert not report.conforms
    assert {v.shape for v in report.violations} == expected, report.text()
    assert all(v.message for v in report.violations)


def violations(report) -> set[tuple[str, str, str, str, str, str]]:
    return {(v.shape, v.focus, v.path, v.value, v.message, v.severity) for v in report.violations}


@pytest.mark.parametrize("path", GOOD + BAD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rust_engine_reports_what_pyshacl_reports(path):
    """The fast engine's verdict and violations (shape, focus node, path, value, message, severity) are
    pySHACL's."""
    graph = load(path)
    reference = validate_graph(graph, name=path.name, engine="pyshacl")
    fast = validate_graph(graph, name=path.name, engine="rust")
    assert fast.conforms == reference.conforms
    assert {(v.shape, v.focus) for v in fast.violations} == {(v.shape, v.focus) for v in reference.violations}
    assert violations(fast) == violations(reference)
    if not fast.conforms:  # a standard report: one sh:ValidationResult per violation
        for report in (fast, reference):
            results = set(report.report_graph.subjects(RDF.type, SH.ValidationResult))
            assert len(results) == len(report.violations)
            assert (None, SH.conforms, rdflib.Literal(False)) in report.report_graph
        assert components(fast) == components(reference)


def components(report) -> set[str]:
    """The constraint components of a report's results, from its standard report graph."""
    g = report.report_graph
    return {str(c).split("#")[1] for r in g.subjects(RDF.type, SH.ValidationResult)
            for c in g.objects(r, SH.sourceConstraintComponent)}


def test_bad_fixtures_break_every_component_the_rust_engine_is_trusted_with():
    """So the comparison above covers each of them; a parameter added to RUST_PARAMETERS needs a bad fixture."""
    from wsisgraph.validate import RUST_PARAMETERS

    structural = {"targetClass", "property", "path", "message", "select", "prefixes", "declare", "prefix", "namespace",
                  "qualifiedMinCount", "qualifiedMaxCount"}
    expected = set()
    for parameter in RUST_PARAMETERS:
        name = str(parameter).split("#")[1]
        if name == "qualifiedValueShape":
            expected |= {"QualifiedMinCountConstraintComponent", "QualifiedMaxCountConstraintComponent"}
        elif name == "sparql":
            expected.add("SPARQLConstraintComponent")
        elif name not in structural:
            expected.add(name[0].upper() + name[1:] + "ConstraintComponent")
    for engine in ("pyshacl", "rust"):
        seen = set().union(*(components(validate_graph(load(path), engine=engine)) for path in BAD))
        assert expected <= seen, (engine, expected - seen)


def test_a_sequence_path_is_named_in_both_engines():
    path = HERE / "bad" / "Response__no-stakeholder-type.ttl"
    for engine in ("pyshacl", "rust"):
        report = validate_graph(load(path), engine=engine)
        assert {v.path for v in report.violations} == {"wsis:respondent/org:classification"}, engine


def test_rust_engine_refuses_a_parameter_it_was_not_checked_on(tmp_path):
    """A shape file using a SHACL parameter outside RUST_PARAMETERS is an error naming the file and the parameter,
    never a silent pass; pySHACL still validates with it."""
    (tmp_path / "extra.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/S> a sh:NodeShape ; sh:targetClass <https://example.org/C> ;\n"
        "  sh:property [ sh:path <https://example.org/p> ; sh:maxLength 3 ] .\n", encoding="utf-8")
    data = rdflib.Graph().parse(data="<https://example.org/x> a <https://example.org/C> ; "
                                     "<https://example.org/p> \"toolong\" .", format="turtle")
    with pytest.raises(ShapeError, match=r"^extra\.ttl: sh:maxLength is not among"):
        validate_graph(data, engine="rust", shapes=tmp_path)
    assert not validate_graph(data, engine="pyshacl", shapes=tmp_path).conforms


def test_shapes_are_valid_shacl():
    """Each shapes file conforms to SHACL's own shapes (SHACL-SHACL, as pySHACL ships them), which catch a
    malformed shape (a count that is not an integer, a path that is not one) a validation would silently skip."""
    import pyshacl

    meta = rdflib.Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl")
    broken = rdflib.Graph().parse(format="turtle", data=(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . "
        "<http://example.org/S> a sh:NodeShape ; sh:property [ sh:path <http://example.org/p> ; sh:minCount 'x' ] ."))
    assert not pyshacl.validate(broken, shacl_graph=meta)[0]  # the check can fail
    for path in sorted(data_path("shapes").glob("*.ttl")):
        conforms, _, text = pyshacl.validate(_short_lists(rdflib.Graph().parse(path)), shacl_graph=meta)
        assert conforms, (path.name, text)


def _short_lists(shapes: rdflib.Graph) -> rdflib.Graph:
    """The shapes with each sh:in list cut to its first three members: SHACL-SHACL checks a list's form, the same
    at any length, and pySHACL takes 5 s over the 249 countries (test_country_shape_lists_every_iso_country
    checks the members)."""
    from rdflib.collection import Collection

    for shape, head in list(shapes.subject_objects(SH["in"])):
        members = list(Collection(shapes, head))[:3]
        shapes.remove((shape, SH["in"], head))
        Collection(shapes, head).clear()
        short = rdflib.BNode()
        Collection(shapes, short, members)
        shapes.add((shape, SH["in"], short))
    return shapes


def test_country_shape_lists_every_iso_country():
    import pycountry

    g = shapes_graph()
    shape = rdflib.URIRef(SHAPE_NS + "Country")
    prop = next(p for p in g.objects(shape, SH.property) if (p, SH["in"], None) in g)
    listed = {str(x) for x in rdflib.collection.Collection(g, g.value(prop, SH["in"]))}
    assert listed == {c.alpha_2 for c in pycountry.countries}


def test_seed_store_validates(built_store):
    result = CliRunner().invoke(cli, ["validate", "--store", str(built_store)], obj={})
    assert result.exit_code == 0 and result.stdout.startswith("conforms: 5 graphs")  # two documents, schemes, matrix, statistics


@pytest.mark.parametrize("fmt", ["text", "json", "turtle"])
def test_validate_file_reports_and_exits_1(tmp_path, fmt):
    bad = tmp_path / "bad.ttl"
    bad.write_text(PREFIXES + (HERE / "bad" / "SDG__notation-18-no-label.ttl").read_text(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(bad), "--format", fmt], obj={})
    assert result.exit_code == 1
    if fmt == "text":
        assert "shape:SDG" in result.stdout and "focus <http://metadata.un.org/sdg/18>" in result.stdout
    elif fmt == "json":
        import json

        data = json.loads(result.stdout)
        assert data["conforms"] is False and {v["shape"] for v in data["violations"]} == {"shape:SDG", "shape:Concept"}
    else:
        report = rdflib.Graph().parse(data=result.stdout, format="turtle")
        assert (None, SH.conforms, rdflib.Literal(False)) in report


def test_validate_unreadable_file_is_one_line(tmp_path):
    bad = tmp_path / "x.ttl"
    bad.write_text("this is not turtle <<<", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(bad)], obj={})
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: {bad}: not RDF")


@pytest.mark.parametrize("engine", ["rust", "pyshacl"])
def test_store_validation_catches_a_broken_document_graph(tmp_path, seed_dir, engine):
    """Document graphs are validated in batches: a violation in one of them is still found and reported, naming
    its document's graph."""
    import os

    import pyoxigraph as ox

    from wsisgraph.store import build

    store = tmp_path / "store"
    build([seed_dir], store, validate=False)
    generation = ox.Store(os.path.realpath(store / "current"))
    doc = ox.NamedNode("https://w3id.org/wsisgraph/document/002_0a617c45d6870c06.txt")
    generation.add(ox.Quad(doc, ox.NamedNode("https://w3id.org/wsisgraph/ontology#documentKind"), ox.Literal("pdf"), doc))
    del generation
    result = CliRunner().invoke(cli, ["validate", "--store", str(store), "--format", "json", "--engine", engine],
                                obj={})
    assert result.exit_code == 1
    import json

    report = json.loads(result.stdout)
    assert report["engine"] == engine and report["graphs"] == 5
    violations = report["violations"]
    assert {v["shape"] for v in violations} == {"shape:Document"}
    assert all("002_0a617c45d6870c06.txt" in v["focus"] for v in violations)
    assert {v["graph"] for v in violations} == {doc.value}


def test_workers_read_the_store_and_name_each_violation_graph(tmp_path, seed_dir, monkeypatch):
    """On a store on disk, worker processes open it read-only and validate their own share of the graphs; the
    merged report counts every graph and names the document graph of each violation."""
    import os

    import pyoxigraph as ox

    from wsisgraph import validate as validation
    from wsisgraph.store import build

    store = tmp_path / "store"
    build([seed_dir], store, validate=False)
    location = os.path.realpath(store / "current")
    generation = ox.Store(location)
    doc = ox.NamedNode("https://w3id.org/wsisgraph/document/000_4a3d6c9ea7ec870d.txt")
    text = ox.NamedNode(doc.value + "/text")
    generation.remove(next(generation.quads_for_pattern(text, ox.NamedNode("http://purl.org/dc/terms/format"),
                                                        None, doc)))
    del generation
    monkeypatch.setattr(validation, "GRAPHS_PER_TASK", 1)  # one task per document graph: the pool is used
    report = validation.validate_store_graphs(ox.Store.read_only(location), workers=2, location=location)
    assert not report.conforms and report.graphs == 5
    assert {(v.shape, v.focus, v.graph) for v in report.violations} == {
        ("shape:ExtractedText", f"<{text.value}>", doc.value)}


def test_inference_needs_the_reference_engine(tmp_path):
    good = tmp_path / "good.ttl"
    good.write_text(PREFIXES + (HERE / "good" / "concepts.ttl").read_text(encoding="utf-8"), encoding="utf-8")
    refused = CliRunner().invoke(cli, ["validate", str(good), "--inference", "rdfs"], obj={})
    assert refused.exit_code == 2 and "--inference rdfs is pySHACL's: add --engine pyshacl" in refused.stderr
    done = CliRunner().invoke(cli, ["validate", str(good), "--inference", "rdfs", "--engine", "pyshacl"], obj={})
    assert done.exit_code == 0 and done.stdout.startswith("conforms: 1 graphs") and "(pyshacl)" in done.stdout


@pytest.mark.parametrize("engine", ["rust", "pyshacl"])
def test_a_document_graph_checked_before_loading(seed_dir, engine):
    """A document's N-Quads as extraction writes them give the verdict its named graph gets in the store."""
    from wsisgraph.extract import extract
    from wsisgraph.graph import document_iri, matrix_by_line, to_nquads
    from wsisgraph.load import load_document
    from wsisgraph.namespaces import base_iri
    from wsisgraph.validate import validate_document_nquads

    base, name = base_iri(), "002_0a617c45d6870c06.txt"
    data = to_nquads(extract(load_document(seed_dir / name, name), base), base, matrix_by_line(base, None))
    graph = document_iri(name, base)
    good = validate_document_nquads(data, graph, engine=engine)
    assert good.conforms and good.triples == data.count(b"\n") > 100
    bad = validate_document_nquads(data.replace(b'"text/plain"', b'"text/html"'), graph, engine=engine)
    assert not bad.conforms
    assert {(v.shape, v.focus, v.graph) for v in bad.violations} == {
        ("shape:ExtractedText", f"<{graph}/text>", graph)}
    with pytest.raises(ShapeError, match="quads of other graphs"):
        validate_document_nquads(data + b"<https://e.org/s> <https://e.org/p> <https://e.org/o> <https://e.org/g> .\n",
                                 graph, engine=engine)


def test_a_reference_graph_is_read_when_it_holds_a_focus_node(tmp_path, seed_dir):
    """The statistics graph targets no shape and is passed without being read out; one that holds an instance of a
    targeted class (here through a subclass declared beside it) is validated like any other graph."""
    import os

    import pyoxigraph as ox

    from wsisgraph.store import build
    from wsisgraph.validate import validate_store_graphs

    store = tmp_path / "store"
    build([seed_dir], store, validate=False)
    location = os.path.realpath(store / "current")
    generation = ox.Store(location)
    stats = ox.NamedNode("https://w3id.org/wsisgraph/graph/statistics")
    triples = sum(1 for _ in generation.quads_for_pattern(None, None, None, stats))
    report = validate_store_graphs(generation, names=[stats])
    assert report.conforms and report.graphs == 1 and report.triples == triples > 0
    odd, sub = ox.NamedNode("https://example.org/odd"), ox.NamedNode("https://example.org/Sub")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    generation.add(ox.Quad(sub, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                           ox.NamedNode("https://w3id.org/wsisgraph/ontology#ExtractedText"), stats))
    generation.add(ox.Quad(odd, rdf_type, sub, stats))
    for engine in ("rust", "pyshacl"):
        report = validate_store_graphs(generation, names=[stats], engine=engine)
        assert not report.conforms and {(v.shape, v.focus, v.graph) for v in report.violations} == {
            ("shape:ExtractedText", "<https://example.org/odd>", stats.value)}, engine


def test_build_validates_each_new_document_as_it_is_extracted(tmp_path, seed_dir, monkeypatch):
    """build checks each new document's graph from the N-Quads its extraction made: a document whose graph breaks
    a shape fails the build, naming that graph, and the previous graph stays current."""
    import os
    import shutil

    from wsisgraph import store as stores
    from wsisgraph.errors import InvalidGraph

    docs = tmp_path / "docs"
    shutil.copytree(seed_dir, docs)
    store = tmp_path / "store"
    stores.build([docs], store)
    before = os.path.realpath(store / "current")
    name = "002_0a617c45d6870c06.txt"
    (docs / name).write_text((docs / name).read_text(encoding="utf-8") + "\nWSIS Action Line C5.\n", encoding="utf-8")
    to_nquads = stores.to_nquads

    def broken(ex, base, implied):  # a document kind the shapes do not allow
        data = to_nquads(ex, base, implied)
        doc = f"<{stores.document_iri(ex.document.name, base)}>"
        return data + f'{doc} <https://w3id.org/wsisgraph/ontology#documentKind> "pdf" {doc} .\n'.encode()

    monkeypatch.setattr(stores, "to_nquads", broken)
    with pytest.raises(InvalidGraph) as failed:
        stores.build([docs], store)
    violations = failed.value.report.violations
    assert violations and {v.graph for v in violations} == {stores.document_iri(name, stores.base_iri(None))}
    assert os.path.realpath(store / "current") == before
