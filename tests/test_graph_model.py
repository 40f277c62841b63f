"""The graph model of mentions: compact Web Annotations whose targets are RFC 5147 fragment IRIs of each document's
extracted text. What the graph says must round-trip to what extraction found."""
from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
from hypothesis import given, settings, strategies as st

from conftest import FIXTURES, SEEDS
from wsisgraph.extract import extract
from wsisgraph.graph import fragment_iri, parse_fragment, to_quads
from wsisgraph.load import iter_paths, load_document
from wsisgraph.namespaces import base_iri
from wsisgraph.store import build, open_store


def _graph_spans(store_path) -> dict[str, Counter]:
    """file name -> (concept, start, end, quote, in question text, part) of every mention target: the quote cut from
    the stored text, the part the one whose wsis:start..wsis:end holds the span."""
    store = open_store(store_path)
    rows = store.select("""
        SELECT ?name ?body ?target ?text ?flag WHERE {
          GRAPH ?doc { ?doc wsis:fileName ?name ; wsis:extractedText/rdf:value ?text .
                       ?m a wsis:Mention ; oa:hasBody ?body ; oa:hasTarget ?target .
                       OPTIONAL { ?m wsis:inQuestionText ?flag } } }""")["results"]["bindings"]
    parts = store.select("""
        SELECT ?name ?part ?start ?end WHERE {
          GRAPH ?doc { ?doc wsis:fileName ?name . ?part wsis:start ?start ; wsis:end ?end } }""")["results"]["bindings"]
    spans: dict[str, list] = {}
    for p in parts:
        spans.setdefault(p["name"]["value"], []).append(
            (int(p["start"]["value"]), int(p["end"]["value"]), p["part"]["value"].rsplit("/", 1)[-1]))
    found: dict[str, Counter] = {}
    for r in rows:
        name = r["name"]["value"]
        start, end = parse_fragment(r["target"]["value"])
        holding = [key for s, e, key in spans.get(name, []) if s <= start and end <= e]
        assert len(holding) <= 1
        found.setdefault(name, Counter())[(
            r["body"]["value"], start, end, r["text"]["value"][start:end], "flag" in r,
            holding[0] if holding else None)] += 1
    return found


def test_mention_offsets_and_quotes_round_trip_to_the_text(fixture_store):
    found = _graph_spans(fixture_store)
    expected: dict[str, Counter] = {}
    for path, name in iter_paths([FIXTURES / "docs"]):
        try:
            ex = extract(load_document(path, name))
        except Exception:  # noqa: BLE001 - bad fixtures are skipped by the build too
            continue
        spans = {(m.concept.iri, m.start, m.end, m.quote, m.in_question,
                  m.part.key.rsplit("/", 1)[-1] if m.part else None) for m in ex.mentions}
        if spans:
            expected[name] = Counter(spans)
        for m in ex.mentions:
            assert ex.parsed.text[m.start:m.end] == m.quote
    assert found == expected


def test_one_annotation_per_concept_with_a_target_per_span():
    ex = extract(load_document(SEEDS / "002_0a617c45d6870c06.txt"))
    base = base_iri()
    quads = list(to_quads(ex, base))
    mentions = {q.subject for q in quads if q.predicate.value.endswith("#type") and q.object.value.endswith("#Mention")}
    keys = {(m.concept.iri, m.in_question) for m in ex.mentions}
    assert len(mentions) == len(keys) and any(flag for _, flag in keys) and not all(flag for _, flag in keys)
    targets = [q for q in quads if q.predicate.value == "http://www.w3.org/ns/oa#hasTarget" and q.subject in mentions]
    assert len(targets) == len({(m.concept.iri, m.start, m.end) for m in ex.mentions})
    # every target is a fragment of this document's own text, in its named graph
    doc = quads[0].graph_name.value
    assert all(t.object.value.startswith(doc + "/text#char=") and t.graph_name.value == doc for t in targets)
    assert parse_fragment(fragment_iri(doc, 3, 9)) == (3, 9) and parse_fragment(doc) is None


def test_fewer_quads_per_mention_than_a_target_with_two_selectors():
    ex = extract(load_document(SEEDS / "002_0a617c45d6870c06.txt"))
    quads = list(to_quads(ex, base_iri()))
    per_mention = sum(1 for q in quads if "/mention/" in q.subject.value) / len({(m.start, m.end, m.concept.iri)
                                                                                   for m in ex.mentions})
    assert per_mention <= 6, per_mention  # 15 with a target node, a position and a quote selector


def test_topical_links_point_into_the_text(tmp_path):
    build([FIXTURES / "topical"], tmp_path / "store", validate=False)
    rows = open_store(tmp_path / "store").select("""
        SELECT ?doc ?target ?len WHERE { GRAPH ?doc { ?l a wsis:TopicalLink ; oa:hasTarget ?target .
                                                     ?doc wsis:textLength ?len } }""")["results"]["bindings"]
    assert rows
    for r in rows:
        start, end = parse_fragment(r["target"]["value"])
        assert r["target"]["value"].startswith(r["doc"]["value"] + "/text#") and 0 <= start < end <= int(r["len"]["value"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), st.sampled_from([None, "en", "fr"]))
def test_any_text_survives_the_n_quads_writer(text, lang):
    from wsisgraph.graph import _lit

    line = f"<https://e.org/s> <https://e.org/p> {_lit(text, lang)} <https://e.org/g> .\n".encode("utf-8")
    (quad,) = ox.parse(line, format=ox.RdfFormat.N_QUADS)
    assert quad.object.value == text and quad.object.language == lang


def test_matrix_implied_links_are_what_the_matrix_and_the_named_action_lines_give(tmp_path):
    """Recomputed independently with SPARQL over the stored mentions and the 119-row reference matrix."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in list(SEEDS.iterdir()) + list((FIXTURES / "docs").iterdir()) + list((FIXTURES / "topical").iterdir()):
        (docs / path.name).write_bytes(path.read_bytes())
    build([docs], tmp_path / "store", validate=False)
    store = open_store(tmp_path / "store")
    expected = {(r["doc"]["value"], r["sdg"]["value"]) for r in store.select("""
        SELECT DISTINCT ?doc ?sdg WHERE {
          GRAPH ?doc { ?mention a wsis:Mention ; oa:hasBody ?named . }
          ?named a wsis:ActionLine .
          ?row a wsis:MatrixLink ; wsis:actionLine ?line ; wsis:sdg ?sdg .
          FILTER (?named = ?line || EXISTS { ?named skos:broader ?line })
          FILTER NOT EXISTS { GRAPH ?doc { ?explicit a wsis:Mention ; oa:hasBody ?sdg . } }
        }""")["results"]["bindings"]}
    found = {(r["doc"]["value"], r["sdg"]["value"]) for r in store.select("""
        SELECT ?doc ?sdg WHERE { GRAPH ?doc { ?link a wsis:MatrixImpliedLink ; oa:hasBody ?sdg } }""")[
        "results"]["bindings"]}
    assert expected and found == expected
