"""Topical links: what a document is about without naming it, with evidence, score and method; and
matrix-implied links kept apart from both kinds of mention."""
import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from wsisgraph.cli import cli
from wsisgraph.extract import extract
from wsisgraph.load import load_document
from wsisgraph.topical import infer

TOPICAL = FIXTURES / "topical"


def links(name, method="keywords"):
    ex = extract(load_document(TOPICAL / name), topical=method)
    return ex, {(link.concept.scheme, link.concept.notation): link for link in ex.topical}


def test_health_document_is_about_e_health_and_sdg_3_with_evidence():
    ex, found = links("health.md")
    assert {("actionline", "C7.4"), ("sdg", "3")} <= set(found)
    link = found[("sdg", "3")]
    assert link.method == "keywords-v1" and link.score > 0 and len(link.evidence) >= 2
    for sentence in link.evidence:
        text = ex.parsed.text[sentence.start:sentence.end]
        assert sentence.terms and all(term in text.lower() for term in sentence.terms)


def test_one_passing_word_is_not_enough():
    _, found = links("passing.md")
    assert found == {}


def test_named_concepts_are_not_linked_again():
    ex, found = links("named.md")
    named = {(m.concept.scheme, m.concept.notation) for m in ex.mentions}
    assert ("sdg", "3") in named and ("actionline", "C7") in named
    assert ("sdg", "3") not in found and ("actionline", "C7.4") not in found


def test_question_text_is_not_evidence(seed_dir):
    ex = extract(load_document(seed_dir / "002_0a617c45d6870c06.txt"))
    question_spans = [(p.start, p.end) for p in ex.parsed.parts if p.kind in ("question", "header", "title")]
    for link in ex.topical:
        for s in link.evidence:
            assert not any(a <= s.start < b for a, b in question_spans)


def test_bm25_method_links_with_its_own_name():
    ex = extract(load_document(TOPICAL / "health.md"), topical=None)
    for link in infer(ex.parsed, set(), method="bm25"):
        assert link.method == "bm25-v1" and link.evidence


def test_unknown_method_is_refused():
    ex = extract(load_document(TOPICAL / "health.md"), topical=None)
    with pytest.raises(ValueError, match="unknown topical method"):
        infer(ex.parsed, set(), method="magic")


@pytest.fixture(scope="module")
def topical_store(tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    for path in TOPICAL.iterdir():
        shutil.copy(path, docs / path.name)
    matrix = tmp_path_factory.mktemp("matrix") / "matrix.csv"
    matrix.write_text("action_line,sdg,targets,source\nC7,3,3.8,fixture\nC7.4,9,,fixture\n", encoding="utf-8")
    store = tmp_path_factory.mktemp("store") / "s"
    result = CliRunner().invoke(cli, ["build", str(docs), "--store", str(store), "--matrix", str(matrix), "--quiet"],
                                obj={})
    assert result.exit_code == 0, result.output
    assert "valid" in result.stderr  # every topical link passed the TopicalLink shape
    return store


def rows(store, *args):
    result = CliRunner().invoke(cli, ["query", *args, "--store", str(store), "--format", "json"], obj={})
    assert result.exit_code == 0, result.output
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(result.stdout)["results"]["bindings"]]


def test_mentions_query_reports_topical_links_as_not_explicit(topical_store):
    got = {(r["source"], r["scheme"], r["notation"], r["explicit"]) for r in rows(topical_store, "mentions")}
    assert ("health.md", "sdg", "3", "false") in got
    assert ("health.md", "actionline", "C7", "false") in got  # C7.4 is reported as C7
    assert ("named.md", "sdg", "3", "true") in got and ("named.md", "sdg", "3", "false") not in got
    assert not any(r[0] == "passing.md" for r in got)


def test_matrix_implied_links_are_kept_apart(topical_store):
    implied = CliRunner().invoke(cli, [
        "sparql", "SELECT ?doc ?sdg WHERE { GRAPH ?doc { ?l a wsis:MatrixImpliedLink ; oa:hasBody ?sdg ; "
        "oa:hasTarget ?target } }", "--store", str(topical_store), "--format", "csv"], obj={}).stdout
    # named.md names C7 (matrix: C7 -> SDG 3, already named, so nothing) and e-health C7.4 (matrix: -> SDG 9)
    lines = set(implied.splitlines()[1:])
    assert any(line.endswith("named.md,http://metadata.un.org/sdg/9") for line in lines)
    assert not any("sdg/3" in line for line in lines)
    got = {(r["source"], r["scheme"], r["notation"]) for r in rows(topical_store, "mentions")}
    assert ("named.md", "sdg", "9") not in got  # never counted as a mention of either kind


def test_explain_prints_every_kind_of_link(topical_store):
    out = CliRunner().invoke(cli, ["explain", "health.md", "3", "--store", str(topical_store)], obj={}).stdout
    assert out.startswith("topical: 3 ") and "method keywords-v1" in out and "telemedicine" not in out.split("\n")[0]
    assert "(" in out  # matched terms are shown with each sentence
    out = CliRunner().invoke(cli, ["explain", "named.md", "9", "--store", str(topical_store)], obj={}).stdout
    assert out.startswith("matrix-implied: 9 ") and "e-health" in out
    out = CliRunner().invoke(cli, ["explain", "passing.md", "3", "--store", str(topical_store)], obj={}).stdout
    assert out.strip() == "no link between passing.md and 3"
