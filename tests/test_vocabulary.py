"""Your own vocabularies (`build --vocabulary FILE`): a CSV in the reference format or a SKOS Turtle file adds
topics (or labels for existing concepts) that get IRIs under the base, pass the shapes, are found in text by the
build (in worker processes too), show in queries and the report, and re-extract documents when they change. A bad
file is one line naming file, row and problem."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.errors import ReferenceDataError
from wsisgraph.gazetteer import load_gazetteer
from wsisgraph.query import records, run_query
from wsisgraph.report import report
from wsisgraph.schemes import load_vocabulary
from wsisgraph.store import build, open_store

HERE = Path(__file__).resolve().parent / "fixtures" / "vocabulary"
CSV = HERE / "our-topics.csv"
TTL = HERE / "surveillance.ttl"
DOCS = HERE / "docs"
BASE = "https://w3id.org/wsisgraph/"


@pytest.fixture(scope="module")
def vocabulary_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("vocabulary") / "store"
    result = CliRunner().invoke(cli, ["build", str(DOCS), "--store", str(store), "--vocabulary", str(CSV),
                                      "--vocabulary", str(TTL), "--quiet"], obj={})
    assert result.exit_code == 0, result.output  # validated against the shapes: build validates by default
    assert "valid" in result.stderr
    return store


def _found(text: str, *extra) -> set:
    return {(c.scheme, c.notation) for m in load_gazetteer(None, extra).find(text) for c in m.concepts}


def test_the_build_finds_the_new_topics_and_labels(vocabulary_store):
    rows = records(run_query(open_store(vocabulary_store), "mentions"))
    found = {(r["scheme"], r["notation"]) for r in rows if r["explicit"] == "true"}
    # new topics from the CSV and the SKOS file; C5 by its new label 'consumer trust'; quantum by 'quantum sensing'
    assert {("topic", "submarine-cables"), ("topic", "spyware"), ("topic", "internet-shutdowns"),
            ("actionline", "C5"), ("topic", "quantum")} <= found
    # without the files, none of these is found in the same text
    text = (DOCS / "response-vocabulary.md").read_text(encoding="utf-8")
    assert not _found(text) & {("topic", "submarine-cables"), ("topic", "spyware"), ("actionline", "C5")}


def test_new_concepts_get_iris_under_the_base_and_sit_in_two_schemes(vocabulary_store):
    store = open_store(vocabulary_store)
    rows = store.select("""
        SELECT ?c ?scheme ?label WHERE {
          GRAPH <https://w3id.org/wsisgraph/graph/schemes> {
            ?c skos:notation "spyware" ; a wsis:Topic ; skos:inScheme ?scheme ; skos:prefLabel ?label . } }""")
    found = {(r["c"]["value"], r["scheme"]["value"], r["label"]["value"], r["label"].get("xml:lang"))
             for r in rows["results"]["bindings"]}
    spyware = BASE + "topic/spyware"
    assert {c for c, _, _, _ in found} == {spyware}
    assert {s for _, s, _, _ in found} == {BASE + "scheme/topic", BASE + "vocabulary/surveillance"}
    assert {(label, lang) for _, _, label, lang in found} == {("Spyware", "en"), ("Logiciel espion", "fr")}
    assert store.select(f"ASK {{ <{spyware}> skos:exactMatch <https://example.org/vocab/spyware> }}")["boolean"]
    assert store.select(f"""ASK {{ <{BASE}vocabulary/surveillance> a skos:ConceptScheme ;
                                     skos:prefLabel "Surveillance and civic space"@en ;
                                     dct:source "surveillance.ttl" }}""")["boolean"]
    # an existing concept keeps its IRI and gains the labels as alternatives
    assert store.select(f"""ASK {{ <{BASE}actionline/C5> skos:altLabel "consumer trust"@en .
                                   <{BASE}topic/quantum> skos:altLabel "quantum sensing"@en .
                                   <{BASE}topic/digital-public-infrastructure> skos:altLabel
                                       "digital public rails"@en }}""")["boolean"]
    concepts = {r["notation"]: r for r in records(run_query(store, "concepts", {"scheme": "topic"}))}
    assert concepts["submarine-cables"]["label"] == "Submarine cables" and concepts["submarine-cables"]["documents"] == "1"


def test_the_report_shows_the_new_topic(vocabulary_store, tmp_path):
    summary = report(open_store(vocabulary_store), tmp_path / "r")
    markdown = summary.markdown.read_text(encoding="utf-8")
    topics = markdown.split("## Emerging topics", 1)[1].split("## ", 1)[0]
    assert "| Submarine cables | 1 | 1 | Civil Society 1 | Pacific Cable Watch (Civil Society, FJ): “submarine cable” |" \
        in topics
    assert "| Spyware | 1 |" in topics


def test_the_vocabulary_reaches_a_worker_process():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from wsisgraph.store import _extract_one

    path = DOCS / "response-vocabulary.md"
    vocabulary = load_vocabulary(None, (str(CSV), str(TTL)))
    # topical, threshold, matrix, vocabularies, strict, time limit, validation
    task = (str(path), path.name, BASE, None, None, None, vocabulary.extra, False, None, False)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result = pool.submit(_extract_one, task).result(timeout=300)
    assert b"<https://w3id.org/wsisgraph/topic/submarine-cables>" in result["nquads"]
    assert result["mentions"]["topic"] >= 3


def test_the_cache_and_the_build_follow_changes_of_the_file(tmp_path):
    vocabulary = tmp_path / "mine.csv"
    vocabulary.write_text("notation,label\nsubmarine-cables,submarine cable\n", encoding="utf-8")
    assert ("topic", "submarine-cables") in _found("A submarine cable landed.", str(vocabulary))
    assert ("topic", "subsea-cables") not in _found("A subsea cable landed.", str(vocabulary))
    store = tmp_path / "store"
    first = build([DOCS], store, vocabularies=[vocabulary], validate=False)
    again = build([DOCS], store, vocabularies=[vocabulary], validate=False)
    assert (first.extracted, again.extracted, again.reused) == (1, 0, 1)
    vocabulary.write_text("notation,label\nsubsea-cables,subsea cable\n", encoding="utf-8")
    os.utime(vocabulary, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    assert ("topic", "subsea-cables") in _found("A subsea cable landed.", str(vocabulary))
    changed = build([DOCS], store, vocabularies=[vocabulary], validate=False)
    assert changed.extracted == 1  # a changed vocabulary file re-extracts every document
    rows = records(run_query(open_store(store), "concepts", {"scheme": "topic"}))
    assert "subsea-cables" in {r["notation"] for r in rows} and "submarine-cables" not in {r["notation"] for r in rows}


BAD = [
    ("v.csv", "notation,labels\nx,y\n", "v.csv: not a vocabulary CSV (missing column label)"),
    ("v.csv", "notation,label\nok-one,fine\n,no notation\n", "v.csv:3: no notation"),
    ("v.csv", "notation,label\nQuantum AI,quantum AI\n", "v.csv:2: notation 'Quantum AI' must be lower-case words "
                                                        "joined by hyphens (such as 'quantum-ai')"),
    ("v.csv", "notation,label,scheme\nx,thing,widgets\n", "v.csv:2: unknown scheme 'widgets'"),
    ("v.csv", "notation,label,scheme\n4,learning,sdg\n", "v.csv:2: SDG labels come from the UN SDG KOS"),
    ("v.csv", "notation,label,scheme\nC12,new line,actionline\n", "v.csv:2: no WSIS Action Lines concept 'C12'"),
    ("v.csv", "notation,label\nsame,one\nsame,two\n", "v.csv:3: topic 'same' is given twice (first at "),
    ("v.csv", "notation,label\nshort,a\n", "v.csv:2: label 'a' is too short"),
    ("v.csv", "notation,label\nnew-topic,\n", "v.csv:2: a new concept needs a label"),
    ("v.csv", b"notation,label\nx,caf\xe9\n", "v.csv: not UTF-8 text"),
    ("v.ttl", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<x> a skos:Concept ;;; .\n",
     "v.ttl: not valid Turtle"),
    ("v.ttl", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<http://e.org/s> a skos:ConceptScheme .\n",
     "v.ttl: no skos:Concept in the file"),
    ("v.ttl", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<http://e.org/a> a skos:Concept ; "
              "skos:prefLabel \"one\"@en, \"two\"@en .\n",
     "v.ttl: concept <http://e.org/a>: more than one skos:prefLabel in one language"),
    ("v.txt", "notation,label\nx,y\n", "v.txt: a vocabulary is a CSV file"),
    ("missing.csv", None, "missing.csv: cannot read the vocabulary"),
]


@pytest.mark.parametrize("name, content, message", BAD, ids=[m.split(": ", 1)[-1][:40] for _, _, m in BAD])
def test_a_bad_vocabulary_is_one_line_naming_file_row_and_problem(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(ReferenceDataError) as err:
        load_vocabulary(None, (str(path),))
    assert str(err.value).startswith(str(tmp_path) + "/") and message in str(err.value)
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["build", str(DOCS), "--store", str(store), "--vocabulary", str(path),
                                      "--quiet"], obj={})
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"Error: {path}") and message in result.stderr
    assert not store.exists()
