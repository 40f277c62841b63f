"""Every shape has a conforming fixture and a violating one that it catches (DASH-style: the expected shapes are
written in each bad file as `# expect: shape:X`); the shapes are valid SHACL; the seeds' graph conforms."""
import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH
from click.testing import CliRunner

from wsisgraph import data_path
from wsisgraph.cli import cli
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
    report = validate_graph(load(path), name=path.name)
    assert report.conforms, report.text()


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_fixture_is_caught_by_its_shape(path):
    expected = set(re.search(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.M).group(1).split())
    report = validate_graph(load(path), name=path.name)
    assert not report.conforms
    assert {v.shape for v in report.violations} == expected, report.text()
    assert all(v.message for v in report.violations)


def test_shapes_are_valid_shacl():
    import pyshacl

    for path in sorted(data_path("shapes").glob("*.ttl")):
        conforms, _, text = pyshacl.validate(rdflib.Graph().parse(path), meta_shacl=True,
                                             shacl_graph=rdflib.Graph().parse(path))
        assert conforms, (path.name, text)


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


def test_store_validation_catches_a_broken_document_graph(tmp_path, seed_dir):
    """Document graphs are validated in batches: a violation in one of them is still found and reported."""
    import os

    import pyoxigraph as ox

    from wsisgraph.store import build

    store = tmp_path / "store"
    build([seed_dir], store, validate=False)
    generation = ox.Store(os.path.realpath(store / "current"))
    doc = ox.NamedNode("https://w3id.org/wsisgraph/document/002_0a617c45d6870c06.txt")
    generation.add(ox.Quad(doc, ox.NamedNode("https://w3id.org/wsisgraph/ontology#documentKind"), ox.Literal("pdf"), doc))
    del generation
    result = CliRunner().invoke(cli, ["validate", "--store", str(store), "--format", "json"], obj={})
    assert result.exit_code == 1
    import json

    violations = json.loads(result.stdout)["violations"]
    assert {v["shape"] for v in violations} == {"shape:Document"}
    assert all("002_0a617c45d6870c06.txt" in v["focus"] for v in violations)
