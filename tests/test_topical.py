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
from wsisgraph.readers import Parsed, Part
from wsisgraph.store import build
from wsisgraph.topical import PRESETS, TopicalError, infer, proper_names, split_sentences, threshold_value

TOPICAL = FIXTURES / "topical"


def links(name, method="keywords", threshold=None):
    ex = extract(load_document(TOPICAL / name), topical=method, topical_threshold=threshold)
    return ex, {(link.concept.scheme, link.concept.notation): link for link in ex.topical if link.part_key is None}


def one_text(text, threshold=None):
    """Topical links of a text of one section, as a document of the `text` kind gives it."""
    parsed = Parsed(text=text, parts=[Part("s1", "section", 0, len(text))])
    return infer(parsed, set(), threshold=threshold)


def test_health_document_is_about_e_health_and_sdg_3_with_evidence():
    ex, found = links("health.md")
    assert {("actionline", "C7.4"), ("sdg", "3")} <= set(found)
    link = found[("sdg", "3")]
    assert link.method == "keywords-v2" and link.score >= threshold_value(None) and len(link.evidence) >= 2
    for sentence in link.evidence:
        text = ex.parsed.text[sentence.start:sentence.end].lower()
        assert sentence.terms and all(term in text for term in sentence.terms)
        assert all(weight in (1, 2, 3) for weight in sentence.terms.values())


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


def test_a_short_text_is_about_its_goal():
    found = {link.concept.notation for link in one_text(
        "Millions of households still lack safe drinking water. Many schools have no toilets.")}
    assert "6" in found


def test_each_answer_or_section_has_its_own_links_within_its_bounds():
    ex = extract(load_document(TOPICAL / "sections.md"))
    parts = {p.key: p for p in ex.parsed.parts}
    by_level = {(link.concept.notation, link.part_key): link for link in ex.topical}
    assert ("4", "s1") in by_level and ("4", None) in by_level and ("C4", "s1") in by_level
    for link in ex.topical:
        if link.part_key is not None:
            part = parts[link.part_key]
            assert all(part.start <= s.start and s.end <= part.end for s in link.evidence)


def test_a_goal_in_one_passing_section_is_not_the_documents_subject():
    """'Smart cities need urban planning': enough for its section to be about SDG 11, not for a document of
    several sections (a goal needs a section scoring twice the threshold there)."""
    ex = extract(load_document(TOPICAL / "sections.md"))
    levels = {link.part_key for link in ex.topical if link.concept.notation == "11"}
    assert levels == {"s2"}


def test_sentences_do_not_break_at_decimals_or_abbreviations():
    text = ("Some 2.6 billion people, e.g. in rural areas, are offline. Dr. Smith of the U.N. agency said so.\n"
            "- The cost fell by 3.5 per cent\nwhich helped")
    got = [text[a:b] for a, b in split_sentences(text)]
    assert got == ["Some 2.6 billion people, e.g. in rural areas, are offline.",
                   "Dr. Smith of the U.N. agency said so.",
                   "- The cost fell by 3.5 per cent\nwhich helped"]


def test_proper_names_are_not_evidence():
    names = ("The Ministry of Education met the Gender Equality Observatory. The city adopted its Climate Action Plan "
             "and the Renewable Energy Agency opened an office.")
    assert proper_names(names)
    assert {link.concept.notation for link in one_text(names)} & {"4", "5", "7", "13"} == set()
    prose = "Education and gender equality matter. Climate action and renewable energy matter too."
    assert {"4", "5", "7", "13"} <= {link.concept.notation for link in one_text(prose, "broad")}


def test_presets_trade_precision_for_recall():
    text = ("Farmers lost crops to drought. The clinic treats patients. Our office recycles paper. "
            "Teachers trained online.")
    found = {name: {(l.concept.notation, l.part_key) for l in one_text(text, name)} for name in PRESETS}
    assert found["precise"] <= found["balanced"] <= found["broad"] and found["precise"] != found["broad"]
    assert threshold_value("balanced") == PRESETS["balanced"] == threshold_value(None)
    assert threshold_value("2.5") == 2.5


@pytest.mark.parametrize("bad", ["lots", "0", "-1", "nan"])
def test_a_bad_threshold_is_refused(bad):
    with pytest.raises(TopicalError, match="topical threshold"):
        one_text("Drinking water.", bad)


def test_the_cli_refuses_a_bad_threshold_on_one_line_and_writes_nothing(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(TOPICAL), "--store", str(tmp_path / "s"), "--quiet",
                                      "--topical-threshold", "lots"], obj={})
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: topical threshold 'lots': give a positive number or one of precise, balanced, broad"]
    assert not (tmp_path / "s").exists()


def test_unknown_method_is_refused():
    ex = extract(load_document(TOPICAL / "health.md"), topical=None)
    with pytest.raises(TopicalError, match="unknown topical method"):
        infer(ex.parsed, set(), method="bm25")


def test_a_changed_threshold_re_extracts(tmp_path):
    store = tmp_path / "store"
    first = build([TOPICAL], store, validate=False)
    same = build([TOPICAL], store, validate=False, topical_threshold="balanced")
    assert same.reused == first.documents and same.extracted == 0
    broad = build([TOPICAL], store, validate=False, topical_threshold="broad")
    assert broad.extracted == first.documents and broad.reused == 0


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
    assert out.startswith("topical: 3 ") and "method keywords-v2" in out and "telemedicine" not in out.split("\n")[0]
    assert "(" in out  # matched terms are shown with each sentence
    out = CliRunner().invoke(cli, ["explain", "named.md", "9", "--store", str(topical_store)], obj={}).stdout
    assert out.startswith("matrix-implied: 9 ") and "e-health" in out
    out = CliRunner().invoke(cli, ["explain", "passing.md", "3", "--store", str(topical_store)], obj={}).stdout
    assert out.strip() == "no link between passing.md and 3"


def test_part_level_links_are_in_the_graph_but_not_in_mentions(topical_store):
    got = {(r["source"], r["scheme"], r["notation"]) for r in rows(topical_store, "mentions")}
    assert ("sections.md", "sdg", "4") in got and ("sections.md", "sdg", "11") not in got
    sparql = ("SELECT ?part WHERE { ?l a wsis:TopicalLink ; wsis:inPart ?part ; "
              "oa:hasBody <http://metadata.un.org/sdg/11> }")
    parts = CliRunner().invoke(cli, ["sparql", sparql, "--store", str(topical_store), "--format", "csv"],
                               obj={}).stdout.split()
    assert parts[1:] == ["https://w3id.org/wsisgraph/document/sections.md/s2"]
    out = CliRunner().invoke(cli, ["explain", "sections.md", "11", "--store", str(topical_store)], obj={}).stdout
    assert "(in s2)" in out and "Smart cities need urban planning." in out and "score 5" in out


def test_every_line_and_goal_has_a_profile_with_documented_sources():
    import csv

    from wsisgraph import data_path
    from wsisgraph.schemes import load_vocabulary

    path = data_path("ontology", "topical-profiles.csv")
    header = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    sources = {row["source"] for row in rows}
    assert sources == {"kos", "geneva", "wsis", "domain"}
    assert all(any(line.startswith(f"# source  {s}") or line.startswith(f"#         {s}") for line in header)
               for s in sources)
    vocabulary = load_vocabulary()
    wanted = {("sdg", str(n)) for n in range(1, 18)} | {
        ("actionline", c.notation) for c in vocabulary.in_scheme("actionline") if c.notation != "C7"}
    assert {(row["scheme"], row["notation"]) for row in rows} == wanted
