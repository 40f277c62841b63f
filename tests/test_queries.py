"""The saved queries: every header parses and every query runs on the seeds; each query's rows equal rows computed
independently, in Python, from the extraction records of a small fixture (tests/fixtures/analysts, with its own
WSIS-SDG Matrix); parameters are bound as RDF terms, so hostile values change nothing."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.errors import QueryError
from wsisgraph.extract import extract
from wsisgraph.load import load_document
from wsisgraph.query import Param, SavedQuery, bind_params, get_query, list_queries, queries_dir, resolve_notations, run_query
from wsisgraph.schemes import load_vocabulary
from wsisgraph.store import bind_as_values, build, open_store, strip_comments, values_block, with_prefixes

ROOT = Path(__file__).resolve().parent.parent
ANALYSTS = Path(__file__).resolve().parent / "fixtures" / "analysts"
MATRIX = ANALYSTS.parent / "analysts-matrix.csv"
QUERY_NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
REQUIRED = ["mentions", "respondents", "actionlines-by-stakeholder", "sdgs-by-stakeholder", "topics-by-stakeholder",
            "who-raises", "evidence", "matrix-divergence", "co-mentions", "respondents-overview"]
HOSTILE = ['x" } ; DROP ALL ; #', "x' } } DROP ALL { {", '"""\n} DROP ALL #', "<http://x> } ; CLEAR ALL",
           "\\\" ) } DELETE WHERE { ?s ?p ?o } #", "C7\" || true || \""]


# -- fixtures ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def analyst_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("analysts") / "store"
    # validate=False: shape:MatrixLink checks sh:class on the matrix graph alone, where the Action Line and SDG
    # classes (declared in graph/schemes) are absent, so any non-empty matrix fails validation today.
    build([ANALYSTS], path, matrix=MATRIX, validate=False)
    return path


@pytest.fixture(scope="module")
def records() -> dict:
    """The extraction records of every fixture document, by file name: the independent side of each test."""
    return {p.name: extract(load_document(p, p.name)) for p in sorted(ANALYSTS.glob("*.md"))}


def run(store_path: Path, name: str, **params) -> list[dict]:
    results = run_query(open_store(store_path), name, params)
    assert results["head"]["vars"] == get_query(name).columns
    return [{v: b[v]["value"] if v in b else None for v in results["head"]["vars"]}
            for b in results["results"]["bindings"]]


def as_set(rows: list[dict], *columns: str) -> Counter:
    return Counter(tuple(row[c] for c in columns) for row in rows)


def top(concept) -> str:
    """C7.4 -> C7, target 4.4 -> 4: the roll-up the queries do through skos:broader, here from the notation."""
    return concept.notation.split(".")[0] if concept.scheme in ("actionline", "sdg") else concept.notation


def named(concept, asked: str) -> bool:
    """Does this concept answer a `concept` parameter (its notation, or a narrower one)?"""
    notation, asked = concept.notation.lower(), asked.lower()
    return notation == asked or (concept.scheme in ("actionline", "sdg") and notation.startswith(asked + "."))


def own_words(records):
    """(file name, extraction, mention) for each mention outside the questionnaire's own question wording."""
    for name, ex in records.items():
        for m in ex.mentions:
            if not m.in_question:
                yield name, ex, m


def respondent(ex) -> tuple:
    r = ex.respondent
    return (r.stakeholder_type, r.country) if r else (None, None)


def label(scheme: str, notation: str) -> str:
    return load_vocabulary().get(scheme, notation).labels["en"]


# -- every query ------------------------------------------------------------------------------------------------

def test_the_required_queries_exist_and_list_shows_them():
    assert set(REQUIRED) <= set(QUERY_NAMES)
    assert len(QUERY_NAMES) >= 10
    result = CliRunner().invoke(cli, ["query", "--list"])
    assert result.exit_code == 0, result.output
    listed = dict(line.split(None, 1) for line in result.output.strip().splitlines())
    assert sorted(listed) == QUERY_NAMES
    assert all(summary.strip() for summary in listed.values())


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_header_parses_and_query_runs_on_the_seeds(name, built_store):
    query = get_query(name)
    assert query.summary and "\n" not in query.summary
    assert query.description
    assert query.columns and len(set(query.columns)) == len(query.columns)
    for param in query.params:
        assert param.type in ("string", "notation", "iri", "integer")
        assert param.default is not None, "every query runs without --param"
        assert param.description
        # pyoxigraph substitutes only projected variables, so a parameter comes back as a column
        assert param.name in query.columns
    results = run_query(open_store(built_store), name)
    assert results["head"]["vars"] == query.columns


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_help_query_shows_the_whole_header(name):
    result = CliRunner().invoke(cli, ["query", name, "--help-query"])
    assert result.exit_code == 0
    assert "#+ summary:" in result.output and "#+ columns:" in result.output
    assert "SELECT" not in result.output


def test_readme_lists_every_query_with_its_summary():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for query in list_queries():
        assert f"| `{query.name}` | {query.summary} |" in readme, query.name


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_formats(analyst_store, fmt):
    result = CliRunner().invoke(cli, ["query", "who-raises", "--store", str(analyst_store), "-p", "concept=C3",
                                      "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.output)
        assert data["head"]["vars"] == get_query("who-raises").columns
        assert all(b["concept"] == {"type": "literal", "value": "C3"} for b in data["results"]["bindings"])
    elif fmt in ("csv", "tsv"):
        table = list(csv.reader(result.output.splitlines(), delimiter="," if fmt == "csv" else "\t"))
        assert table[0] == get_query("who-raises").columns and len(table) > 1
    else:
        assert result.output.rstrip().endswith("rows)")


# -- each query against rows computed from the fixture's records -----------------------------------------------

def test_mentions(analyst_store, records):
    expected = Counter({(name, m.concept.scheme, top(m.concept), "true")
                        for name, ex in records.items() for m in ex.mentions}
                       | {(name, link.concept.scheme, top(link.concept), "false")
                          for name, ex in records.items() for link in ex.topical if link.part_key is None})
    assert as_set(run(analyst_store, "mentions"), "source", "scheme", "notation", "explicit") == expected


def test_respondents(analyst_store, records):
    expected = Counter((name, ex.respondent.name, *respondent(ex)) for name, ex in records.items() if ex.respondent)
    assert as_set(run(analyst_store, "respondents"), "source", "name", "stakeholdertype", "country") == expected


def _by_type(records, scheme: str, key) -> Counter:
    docs = defaultdict(set)
    for name, ex, m in own_words(records):
        if ex.respondent and m.concept.scheme == scheme:
            docs[(top(m.concept), *key(ex))].add(name)
    return Counter({(*k, str(len(v))): 1 for k, v in docs.items()})


def test_actionlines_by_stakeholder(analyst_store, records):
    rows = run(analyst_store, "actionlines-by-stakeholder")
    assert as_set(rows, "actionline", "stakeholdertype", "responses") == _by_type(
        records, "actionline", lambda ex: respondent(ex)[:1])
    assert all(r["label"] == label("actionline", r["actionline"]) for r in rows)
    assert ("C7", "private-sector", "1") in as_set(rows, "actionline", "stakeholdertype", "responses")  # e-health
    numbers = [int(r["actionline"][1:]) for r in rows]
    assert numbers == sorted(numbers)


def test_sdgs_by_stakeholder(analyst_store, records):
    rows = run(analyst_store, "sdgs-by-stakeholder")
    expected = _by_type(records, "sdg", lambda ex: respondent(ex)[:1])
    assert as_set(rows, "sdg", "stakeholdertype", "responses") == expected
    assert ("4", "academia", "1") in expected  # named as target 4.4
    assert all(r["label"] == label("sdg", r["sdg"]) for r in rows)


def test_topics_by_stakeholder_and_country(analyst_store, records):
    rows = run(analyst_store, "topics-by-stakeholder")
    assert as_set(rows, "topic", "stakeholdertype", "country", "responses") == _by_type(records, "topic", respondent)
    rows = run(analyst_store, "topics-by-country")
    assert as_set(rows, "topic", "country", "responses") == _by_type(records, "topic", lambda ex: respondent(ex)[1:])
    assert ("cybersecurity", "KE", "2") in as_set(rows, "topic", "country", "responses")


def test_respondents_overview(analyst_store, records):
    expected = Counter(respondent(ex) for ex in records.values() if ex.respondent)
    expected = Counter({(*k, str(n)): 1 for k, n in expected.items()})
    assert as_set(run(analyst_store, "respondents-overview"), "stakeholdertype", "country", "responses") == expected
    assert ("academia", None, "1") in expected  # a response without a country is counted too


@pytest.mark.parametrize("asked", ["C7", "c3", "4", "cybersecurity", "KE"])
def test_who_raises(analyst_store, records, asked):
    expected = Counter()
    for name, ex, m in own_words(records):
        if ex.respondent and named(m.concept, asked):
            # `concept` is the notation as the vocabulary writes it, however it was asked ("c3" -> "C3")
            expected[({"c3": "C3"}.get(asked, asked), m.concept.notation, name, ex.respondent.name, *respondent(ex), m.quote)] += 1
    expected = Counter({(*k, str(n)): 1 for k, n in expected.items()})
    rows = run(analyst_store, "who-raises", concept=asked)
    assert as_set(rows, "concept", "notation", "source", "name", "stakeholdertype", "country", "quote",
                  "mentions") == expected
    assert expected


def _part(m) -> tuple:
    if m.part is None:
        return None, None, None
    kind = {"question": "question", "answer": "answer", "field": "answer"}.get(m.part.kind, "section")
    return kind, None if m.part.number is None else str(m.part.number), m.part.heading or None


@pytest.mark.parametrize("asked", ["C3", "4", "agenda-2030"])
def test_evidence(analyst_store, records, asked):
    expected = Counter((asked, m.concept.notation, name, *_part(m), str(m.start), str(m.end), m.quote,
                        "true" if m.in_question else "false")
                       for name, ex in records.items() for m in ex.mentions if named(m.concept, asked))
    rows = run(analyst_store, "evidence", concept=asked)
    assert as_set(rows, "concept", "notation", "source", "part", "question", "section", "start", "end", "quote",
                  "questiontext") == expected
    assert expected
    for row in rows:  # the offsets point at the quote in the document's text
        ex = records[row["source"]]
        assert ex.parsed.text[int(row["start"]):int(row["end"])] == row["quote"]


def test_evidence_keeps_the_questionnaires_wording_apart(analyst_store):
    rows = run(analyst_store, "evidence", concept="agenda-2030")
    assert rows and {r["questiontext"] for r in rows} == {"true"} and {r["part"] for r in rows} == {"question"}
    assert run(analyst_store, "who-raises", concept="agenda-2030") == []


def _pairs(records, wanted) -> tuple[dict, dict]:
    """(pair -> documents naming both, pair -> parts naming both) over every document's own words."""
    in_docs, in_parts = defaultdict(set), defaultdict(set)
    for name, ex in records.items():
        concepts, parts = set(), defaultdict(set)
        for m in ex.mentions:
            if not m.in_question:
                concepts.add((m.concept.scheme, top(m.concept)))
                if m.part is not None:
                    parts[m.part.key].add((m.concept.scheme, top(m.concept)))
        for pair in wanted(concepts):
            in_docs[pair].add(name)
        for key, found in parts.items():
            for pair in wanted(found):
                in_parts[pair].add((name, key))
    return in_docs, in_parts


def test_co_mentions(analyst_store, records):
    def wanted(concepts):
        return [(a, b) for a in concepts for b in concepts if f"{a[0]} {a[1]}" < f"{b[0]} {b[1]}"]

    in_docs, in_parts = _pairs(records, wanted)
    expected = Counter({(*a, *b, str(len(d)), str(len(in_parts.get((a, b), ())))): 1 for (a, b), d in in_docs.items()})
    rows = run(analyst_store, "co-mentions")
    assert as_set(rows, "scheme1", "concept1", "scheme2", "concept2", "documents", "answers") == expected
    assert ("actionline", "C3", "sdg", "4", "2", "2") in expected
    counts = [int(r["documents"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def _matrix_pairs() -> set:
    with MATRIX.open(encoding="utf-8", newline="") as f:
        return {(row["action_line"].split(".")[0], row["sdg"]) for row in csv.DictReader(f)}


def test_matrix_divergence_with_a_matrix(analyst_store, records):
    def wanted(concepts):
        return [(a[1], b[1]) for a in concepts for b in concepts if a[0] == "actionline" and b[0] == "sdg"]

    in_docs, in_parts = _pairs(records, wanted)
    matrix = _matrix_pairs()
    expected = Counter({("not-in-matrix", al, sdg, str(len(d)), str(len(in_parts.get((al, sdg), ())))): 1
                        for (al, sdg), d in in_docs.items() if (al, sdg) not in matrix})
    expected.update({("not-in-documents", al, sdg, "0", "0"): 1 for al, sdg in matrix if (al, sdg) not in in_docs})
    rows = run(analyst_store, "matrix-divergence")
    assert as_set(rows, "status", "actionline", "sdg", "documents", "answers") == expected
    # the fixture covers each case: a pair in both (C3-4), one via a C7 sub-line (C7.4-3), one the matrix lacks
    # (C3-16), one nobody links (C1-1)
    assert ("C3", "4") in in_docs and ("C7", "3") in in_docs and ("C1", "1") not in in_docs
    assert ("not-in-matrix", "C3", "16", "1", "1") in expected
    assert ("not-in-documents", "C1", "1", "0", "0") in expected
    assert all(r["note"] is None for r in rows)


def test_matrix_divergence_by_stakeholder(analyst_store, records):
    matrix = _matrix_pairs()
    responses = defaultdict(set)  # (stakeholder type, Action Line, Goal) -> responses naming both
    for name, ex in records.items():
        if ex.respondent is None:
            continue  # web pages and notes are no response
        own = [m for m in ex.mentions if not m.in_question and m.part is not None]
        lines = {top(m.concept) for m in own if m.concept.scheme == "actionline"}
        goals = {top(m.concept) for m in own if m.concept.scheme == "sdg"}
        for line in lines:
            for goal in goals:
                responses[(ex.respondent.stakeholder_type, line, goal)].add(name)
    expected = Counter({(t, al, sdg, str(len(d)), "1" if (al, sdg) in matrix else "0"): 1
                        for (t, al, sdg), d in responses.items()})
    rows = run(analyst_store, "matrix-divergence-by-stakeholder")
    assert as_set(rows, "stakeholdertype", "actionline", "sdg", "responses", "matrix") == expected
    # the fixture has pairs the Matrix holds and pairs it lacks, from responses of several types
    assert {k[4] for k in expected} == {"0", "1"} and len({k[0] for k in expected}) >= 3


def test_matrix_divergence_says_when_no_matrix_is_loaded(no_matrix_store):
    rows = run(no_matrix_store, "matrix-divergence")
    assert rows[0]["status"] == "no-matrix" and "--matrix" in rows[0]["note"]
    assert {r["status"] for r in rows[1:]} <= {"not-in-matrix"}


def test_documents(analyst_store, records):
    expected = Counter()
    for name, ex in records.items():
        spans = {(m.start, m.end, m.concept.scheme, m.concept.notation) for m in ex.mentions}
        expected[(name, ex.document.kind, ex.parsed.title or None, ex.parsed.identifier or None,
                  ex.respondent.name if ex.respondent else None,
                  str(len({m.concept.iri for m in ex.mentions})), str(len(spans)))] += 1
    rows = run(analyst_store, "documents")
    assert as_set(rows, "source", "kind", "title", "identifier", "respondent", "concepts", "mentions") == expected
    # the counts stored at extraction equal the mentioned spans each document's graph holds (one target of a
    # Mention per span)
    counted = open_store(analyst_store).select("""
        SELECT ?source (COUNT(DISTINCT ?body) AS ?concepts) (COUNT(?span) AS ?mentions) WHERE {
          GRAPH ?doc { ?doc wsis:fileName ?source . ?m a wsis:Mention ; oa:hasBody ?body ; oa:hasTarget ?span . } }
        GROUP BY ?source""")["results"]["bindings"]
    stored = {(r["source"], r["concepts"], r["mentions"]) for r in rows if r["mentions"] != "0"}
    assert stored == {(r["source"]["value"], r["concepts"]["value"], r["mentions"]["value"]) for r in counted}


@pytest.mark.parametrize("scheme", ["actionline", "topic"])
def test_concepts(analyst_store, records, scheme):
    expected = Counter()
    for concept in load_vocabulary().in_scheme(scheme):
        docs = {name for name, _, m in own_words(records) if named(m.concept, concept.notation)}
        broader = concept.notation.split(".")[0] if "." in concept.notation else None
        expected[(scheme, concept.notation, concept.labels.get("en"), broader, str(len(docs)))] += 1
    rows = run(analyst_store, "concepts", scheme=scheme)
    assert as_set(rows, "scheme", "notation", "label", "broader", "documents") == expected


# -- parameters are terms, not text ------------------------------------------------------------------------------

def _fingerprint(store_path: Path) -> tuple:
    store = open_store(store_path)
    count = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return len(store), count["results"]["bindings"][0]["n"]["value"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_changes_nothing(analyst_store, value):
    before = _fingerprint(analyst_store)
    for query in list_queries():
        for param in query.params:
            result = CliRunner().invoke(cli, ["query", query.name, "--store", str(analyst_store), "--format", "json",
                                              "--param", f"{param.name}={value}"])
            if param.type == "notation":  # looked up first: no concept has it, and the error says so
                assert result.exit_code == 2, (query.name, result.output)
                assert result.output.startswith(f"Error: {query.name}: no concept has the notation")
                assert result.output.count("\n") == 1
                continue
            assert result.exit_code == 0, (query.name, result.output)
            data = json.loads(result.output)
            assert data["results"]["bindings"] == [], query.name  # matched as one literal, so nothing matches
    assert _fingerprint(analyst_store) == before
    assert run(analyst_store, "who-raises", concept="C3")  # and the store still answers


@pytest.mark.parametrize("value", HOSTILE + ["C3", "c3", "4", "cybersecurity"])
def test_values_binding_equals_substitution(analyst_store, value):
    """The VALUES block both stores get gives the rows pyoxigraph's substitutions (the SPARQL 1.1 meaning of
    pre-bound variables) give, hostile or not."""
    store = open_store(analyst_store)
    for query in list_queries():
        if not query.params:
            continue
        params = bind_params(query, {p.name: value for p in query.params})
        try:
            params = resolve_notations(store, query, params)
        except QueryError:
            assert value in HOSTILE
            continue
        text = with_prefixes(strip_comments(bind_as_values(query.sparql, params)))
        assert text.count(values_block(params)) == 1
        by_values = store.select(query.sparql, params)
        substituted = json.loads(_json(store, query.sparql, params))
        assert sorted(map(json.dumps, by_values["results"]["bindings"])) == \
            sorted(map(json.dumps, substituted["results"]["bindings"])), query.name


def _json(store, text: str, params) -> str:
    import pyoxigraph as ox

    from wsisgraph.namespaces import PREFIXES
    from wsisgraph.store import _term

    substitutions = {ox.Variable(name): _term(kind, value) for name, (kind, value) in params.items()}
    return store.store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True,
                             substitutions=substitutions).serialize(format=ox.QueryResultsFormat.JSON)


def test_typed_parameters_refuse_bad_values():
    query = SavedQuery(name="t", path=Path("t.rq"), sparql="SELECT ?n ?i WHERE { }",
                       params=[Param("n", "integer", "1"), Param("i", "iri", "http://example.org/x")])
    assert bind_params(query, {}) == {"n": ("integer", "1"), "i": ("iri", "http://example.org/x")}
    for given, fragment in [({"n": "1 } DROP ALL"}, "must be an integer"),
                            ({"i": "http://x> } DROP ALL { <y"}, "must be an IRI"),
                            ({"nope": "1"}, "unknown parameter 'nope'")]:
        with pytest.raises(QueryError, match=re.escape(fragment)) as err:
            bind_params(query, given)
        assert "\n" not in str(err.value)


@pytest.mark.parametrize("args, fragment", [
    (["-p", "nope=1"], "Error: who-raises: unknown parameter 'nope' (this query takes: concept)"),
    (["-p", "concept"], "is not key=value"),
])
def test_bad_parameters_are_one_line_errors(analyst_store, args, fragment):
    result = CliRunner().invoke(cli, ["query", "who-raises", "--store", str(analyst_store), *args])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_queries_dir_holds_only_rq_files():
    assert all(p.suffix == ".rq" for p in queries_dir().iterdir() if p.is_file())


def test_topical_links_lists_every_level(analyst_store, records):
    expected = Counter()
    for name, ex in records.items():
        kinds = {p.key: p.kind for p in ex.parsed.parts}
        for link in ex.topical:
            level = "document" if link.part_key is None else ("answer" if kinds[link.part_key] == "answer"
                                                               else "section")
            expected[(name, level, link.concept.scheme, link.concept.notation, str(len(link.evidence)))] += 1
    rows = run(analyst_store, "topical-links")
    assert as_set(rows, "source", "level", "scheme", "notation", "sentences") == expected
    assert {r["level"] for r in rows} >= {"document", "answer"}


@pytest.mark.parametrize("name", ["mentions", "evidence", "documents"])
def test_pages_are_slices_of_the_whole_listing(analyst_store, name):
    whole = run(analyst_store, name)
    size = max(1, len(whole) // 4)
    assert len(whole) > size
    pages = []
    for offset in range(0, len(whole), size):
        result = CliRunner().invoke(cli, ["query", name, "--store", str(analyst_store), "--format", "json",
                                          "--limit", str(size), "--offset", str(offset)], obj={})
        assert result.exit_code == 0, result.output
        pages += [{k: v["value"] for k, v in b.items()} for b in json.loads(result.stdout)["results"]["bindings"]]
    assert pages == [{k: v for k, v in row.items() if v is not None} for row in whole]


def test_a_bad_page_is_a_one_line_error(analyst_store):
    result = CliRunner().invoke(cli, ["query", "mentions", "--store", str(analyst_store), "--limit", "-1"], obj={})
    assert result.exit_code == 2 and "limit" in result.output
