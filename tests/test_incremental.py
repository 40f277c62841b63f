"""Incremental builds: unchanged documents keep their graph, changed ones are re-extracted, deleted ones leave;
the result is the graph a fresh build of the same folder gives."""
import shutil

from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.store import build


def snapshot(store):
    result = CliRunner().invoke(cli, ["export", "--store", str(store), "--format", "nq", "--out", "-"], obj={})
    assert result.exit_code == 0, result.output
    return sorted(result.stdout.splitlines())


def corpus(tmp_path, seed_dir, fixture_docs):
    docs = tmp_path / "docs"
    shutil.copytree(fixture_docs, docs)
    for path in seed_dir.iterdir():
        shutil.copy(path, docs / path.name)
    return docs


def test_rebuild_extracts_only_what_changed_and_matches_a_fresh_build(tmp_path, seed_dir, fixture_docs):
    docs = corpus(tmp_path, seed_dir, fixture_docs)
    store = tmp_path / "store"
    first = build([docs], store, validate=False)
    assert first.extracted == first.documents and first.reused == 0

    again = build([docs], store, validate=False)
    assert (again.extracted, again.reused, again.removed) == (0, first.documents, 0)

    notes = docs / "notes.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\nThe ITU and UNESCO met in Kenya.\n", encoding="utf-8")
    (docs / "page.html").unlink()
    changed = build([docs], store, validate=True)
    assert changed.extracted == 1 and changed.removed == 2 and changed.documents == first.documents - 1
    assert changed.validated

    fresh = tmp_path / "fresh"
    build([docs], fresh, validate=False)
    assert snapshot(store) == snapshot(fresh)


def test_a_different_method_re_extracts_everything(tmp_path, seed_dir, fixture_docs):
    docs = corpus(tmp_path, seed_dir, fixture_docs)
    store = tmp_path / "store"
    first = build([docs], store, validate=False)
    other = build([docs], store, validate=False, topical=None)
    assert other.extracted == first.documents and other.reused == 0
    rows = CliRunner().invoke(cli, ["query", "mentions", "--store", str(store), "--format", "csv"], obj={}).stdout
    assert ",false" not in rows  # no topical links were kept from the earlier build


def test_worker_processes_give_the_same_graph(tmp_path, seed_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    template = (seed_dir / "002_0a617c45d6870c06.txt").read_text(encoding="utf-8")
    for i in range(70):  # enough for the build to start worker processes
        (docs / f"r{i:03}.md").write_text(template.replace("Ocgrow Group", f"Ocgrow {i}"), encoding="utf-8")
    build([docs], tmp_path / "one", validate=False, workers=1)
    build([docs], tmp_path / "two", validate=False, workers=2)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def _select(store, sparql):
    from wsisgraph.store import open_store

    return [{k: v["value"] for k, v in b.items()} for b in open_store(store).select(sparql)["results"]["bindings"]]


def test_statistics_equal_counts_from_the_mentions_after_adding_changing_and_removing(tmp_path, seed_dir,
                                                                                      fixture_docs):
    from collections import Counter, defaultdict
    from itertools import combinations

    docs = corpus(tmp_path, seed_dir, fixture_docs)
    store = tmp_path / "store"
    build([docs], store, validate=False)
    notes = docs / "notes.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\nThe ITU and UNESCO met in Kenya on SDG 4.\n",
                     encoding="utf-8")
    (docs / "page.html").unlink()
    (docs / "added.md").write_text("# Added\n\nQuantum computing and cybersecurity matter for C5 and SDG 9.\n",
                                   encoding="utf-8")
    headings = docs / "response-headings.md"  # a response naming Action Lines and Goals: counted out and in again
    headings.write_text(headings.read_text(encoding="utf-8") + "\nWe also work on SDG 5.\n", encoding="utf-8")
    summary = build([docs], store, validate=False)
    assert summary.extracted == 3 and summary.removed == 3  # the old graphs of the two changed, and the page

    # recomputed from the mention annotations: each span's part follows from the offsets; own words only
    broader = {r["c"]: r["b"] for r in _select(store, "SELECT ?c ?b WHERE { ?c skos:broader ?b }")}
    parts = defaultdict(list)
    for r in _select(store, "SELECT ?doc ?part ?s ?e WHERE { GRAPH ?doc { ?part wsis:start ?s ; wsis:end ?e } }"):
        parts[r["doc"]].append((int(r["s"]), int(r["e"]), r["part"]))
    named = defaultdict(set)  # (doc, part) -> concepts, as named and rolled up
    for r in _select(store, """SELECT ?doc ?body ?t WHERE { GRAPH ?doc { ?m a wsis:Mention ; oa:hasBody ?body ;
                               oa:hasTarget ?t . FILTER NOT EXISTS { ?m wsis:inQuestionText true } } }"""):
        start, end = map(int, r["t"].split("#char=")[1].split(","))
        for s, e, part in parts[r["doc"]]:
            if s <= start and end <= e:
                named[(r["doc"], part)].update({r["body"], broader.get(r["body"], r["body"])})
    by_doc = defaultdict(set)
    for (doc, _), concepts in named.items():
        by_doc[doc] |= concepts
    documents = Counter(c for concepts in by_doc.values() for c in concepts)
    top = lambda cs: sorted(c for c in cs if c not in broader)  # noqa: E731
    pairs = Counter(p for concepts in by_doc.values() for p in combinations(top(concepts), 2))
    places = Counter(p for concepts in named.values() for p in combinations(top(concepts), 2))

    stored = {r["c"]: int(r["n"]) for r in _select(
        store, "SELECT ?c ?n WHERE { ?o a wsis:DocumentCount ; wsis:concept ?c ; wsis:documents ?n }")}
    assert stored == dict(documents)
    stored_pairs = {(r["a"], r["b"]): (int(r["d"]), int(r["p"])) for r in _select(store, """
        SELECT ?a ?b ?d ?p WHERE { ?o a wsis:PairCount ; wsis:firstConcept ?a ; wsis:secondConcept ?b ;
                                      wsis:documents ?d ; wsis:places ?p }""")}
    assert stored_pairs == {pair: (n, places[pair]) for pair, n in pairs.items()}
    assert any(p for p in places.values())

    # responses naming an Action Line and a Goal, per stakeholder type (None: no type given)
    lines = {r["c"] for r in _select(store, "SELECT ?c WHERE { ?c a wsis:ActionLine }")} - set(broader)
    goals = {r["c"] for r in _select(store, """SELECT ?c WHERE { ?c a wsis:SDG ; skos:notation ?n .
                                                 FILTER (DATATYPE(?n) = sdgo:SDGCodeCompact) }""")}
    types = {r["doc"]: r.get("type") for r in _select(store, """SELECT ?doc ?type WHERE { GRAPH ?doc {
        ?doc a wsis:Response . OPTIONAL { ?doc wsis:respondent ?org . ?org org:classification ?type } } }""")}
    responses = Counter((types[doc], line, goal) for doc, concepts in by_doc.items() if doc in types
                        for line in concepts & lines for goal in concepts & goals)
    stored_responses = {(r.get("type"), r["a"], r["b"]): int(r["n"]) for r in _select(store, """
        SELECT ?type ?a ?b ?n WHERE { ?o a wsis:ActionLineSDGResponseCount ; wsis:firstConcept ?a ;
            wsis:secondConcept ?b ; wsis:responses ?n . OPTIONAL { ?o wsis:stakeholderType ?type } }""")}
    assert stored_responses == dict(responses) and responses
