"""Networks: every kind in every format, read back with networkx; edge weights against counts from independent
SPARQL over the store (the Mention nodes where a saved query reads the summary links, and the other way round);
repeatable Louvain; an empty WSIS-SDG Matrix handled; the command line."""
from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from wsisgraph.cli import NETWORK_FORMATS, NETWORK_KINDS, cli
from wsisgraph.errors import ExportError
from wsisgraph.network import FORMATS, KINDS, build_network, format_stats, network_stats, write_network
from wsisgraph.store import build, open_store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CONCEPT_SCHEMES = ("actionline", "sdg", "topic", "event", "framework")
NODE_ATTRIBUTES = {"label", "scheme", "notation", "role", "stakeholdertype", "country", "degree", "weighted_degree",
                   "betweenness", "eigenvector", "community"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def rich_store(tmp_path_factory) -> Path:
    """Seeds, the layout fixtures and the analysts' responses (types, countries), with a small WSIS-SDG Matrix."""
    path = tmp_path_factory.mktemp("network") / "store"
    build([SEEDS, FIXTURES / "docs", FIXTURES / "analysts"], path, matrix=FIXTURES / "analysts-matrix.csv",
          validate=False)
    return path


@pytest.fixture(scope="module")
def networks(rich_store) -> dict:
    store = open_store(rich_store)
    return {kind: build_network(store, kind) for kind in KINDS}


def select(store_path: Path, sparql: str) -> list[dict[str, str]]:
    results = open_store(store_path).select(sparql)
    return [{k: v["value"] for k, v in b.items()} for b in results["results"]["bindings"]]


def weights(graph) -> dict[frozenset, float]:
    return {frozenset((u, v)): d["weight"] for u, v, d in graph.edges(data=True)}


# -- every kind, every format ------------------------------------------------------------------------------------

def test_the_cli_knows_every_kind_and_format():
    assert NETWORK_KINDS == tuple(KINDS)
    assert NETWORK_FORMATS == FORMATS


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_writes_graphml_gexf_and_png_that_read_back(kind, networks, tmp_path):
    graph = networks[kind]
    assert graph.number_of_nodes() and graph.number_of_edges()
    for fmt in ("graphml", "gexf", "png"):
        write_network(graph, tmp_path / f"{kind}.{fmt}")
    gexf = nx.read_gexf(tmp_path / f"{kind}.gexf")
    graphml = nx.read_graphml(tmp_path / f"{kind}.graphml")
    for back in (gexf, graphml):
        assert set(back) == set(graph)
        assert back.number_of_edges() == graph.number_of_edges()
        for node, data in back.nodes(data=True):
            assert data["label"] and data["label"] == graph.nodes[node]["label"]
            assert NODE_ATTRIBUTES <= set(data), (node, NODE_ATTRIBUTES - set(data))
            for key in NODE_ATTRIBUTES:
                assert data[key] == graph.nodes[node][key], (node, key)
        for u, v, data in back.edges(data=True):
            assert data["weight"] == pytest.approx(graph.edges[u, v]["weight"])
    assert "viz" in next(iter(gexf.nodes(data=True)))[1]  # laid out and coloured as the drawing, for Gephi
    png = (tmp_path / f"{kind}.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    import matplotlib.image

    pixels = matplotlib.image.imread(tmp_path / f"{kind}.png")
    assert pixels.shape[0] >= 800 and pixels.shape[1] >= 1200


@pytest.mark.parametrize("kind", list(KINDS))
def test_json_svg_and_html(kind, networks, tmp_path):
    graph = networks[kind]
    for fmt in ("json", "svg", "html"):
        write_network(graph, tmp_path / f"{kind}.{fmt}")
    data = json.loads((tmp_path / f"{kind}.json").read_text(encoding="utf-8"))
    assert len(data["nodes"]) == graph.number_of_nodes() and len(data["edges"]) == graph.number_of_edges()
    assert nx.node_link_graph(data, edges="edges").number_of_edges() == graph.number_of_edges()
    assert (tmp_path / f"{kind}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    html = (tmp_path / f"{kind}.html").read_text(encoding="utf-8")
    assert_self_contained(html)
    view = view_data(html)
    assert len(view["nodes"]) == graph.number_of_nodes() and len(view["edges"]) == graph.number_of_edges()


def view_data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S).group(1))


def svg_markers(svg: str, gid: str) -> int:
    """The markers matplotlib drew in the group GID: one path or <use> each (the <defs> it may share aside)."""
    from xml.etree import ElementTree

    ns = "{http://www.w3.org/2000/svg}"
    group = ElementTree.fromstring(svg.encode("utf-8")).find(f".//{ns}g[@id='{gid}']")
    if group is None:
        return 0
    shared = {id(e) for defs in group.iter(f"{ns}defs") for e in defs.iter()}
    return sum(1 for e in group.iter() if e.tag in (f"{ns}path", f"{ns}use") and id(e) not in shared)


@pytest.mark.parametrize("kind", ["actor", "actor-concept"])
def test_respondents_are_drawn_apart_from_organizations_only_named(kind, networks, tmp_path):
    """Squares for the organizations that wrote a response (role respondent or respondent+named), circles for the
    rest, in the drawing, its legend, the HTML view and the GEXF file; whatever the colouring."""
    from xml.etree import ElementTree

    from wsisgraph.drawing import draw_network

    graph = networks[kind].copy()
    graph.graph.update(networks[kind].graph)
    named = sorted(n for n, d in graph.nodes(data=True) if d["role"] == "named")
    graph.nodes[named[0]]["role"] = "respondent+named"  # a respondent that others name is still a respondent
    respondents = {n for n, d in graph.nodes(data=True) if d["role"].startswith("respondent")}
    organizations = {n for n, d in graph.nodes(data=True) if d["role"] != "concept"}
    assert len(respondents) > 1 and organizations - respondents
    for colour in ("scheme", "community"):
        write_network(graph, tmp_path / f"{kind}.html", color_by=colour)
        html = (tmp_path / f"{kind}.html").read_text(encoding="utf-8")
        shapes = {n["id"]: n["shape"] for n in view_data(html)["nodes"]}
        assert {n for n, shape in shapes.items() if shape == "square"} == respondents
        assert set(shapes.values()) == {"square", "circle"}
        assert re.search(rf'class="dot square"[^>]*></span>respondent \({len(respondents)}\)', html)
        assert "squares: respondents" in html
        legends = [t.get_text() for legend in draw_network(graph, color_by=colour).legends
                   for t in legend.get_texts()]
        assert f"respondent ({len(respondents)})" in legends
        write_network(graph, tmp_path / f"{kind}.svg", color_by=colour)
        assert svg_markers((tmp_path / f"{kind}.svg").read_text(encoding="utf-8"), "respondents") == len(respondents)
    write_network(graph, tmp_path / f"{kind}.gexf")
    viz = "{*}shape"  # in the viz namespace of the GEXF version networkx writes
    shapes = {node.get("id"): node.find(viz).get("value")
              for node in ElementTree.parse(tmp_path / f"{kind}.gexf").iter() if node.find(viz) is not None}
    assert {n for n, shape in shapes.items() if shape == "square"} == respondents and len(shapes) == len(graph)


def test_networks_without_organizations_have_no_shapes(networks, tmp_path):
    graph = networks["co-mention"]
    write_network(graph, tmp_path / "co.html")
    write_network(graph, tmp_path / "co.svg")
    html = (tmp_path / "co.html").read_text(encoding="utf-8")
    assert {n["shape"] for n in view_data(html)["nodes"]} == {"circle"} and "squares:" not in html
    assert svg_markers((tmp_path / "co.svg").read_text(encoding="utf-8"), "respondents") == 0


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.references: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "data", "poster", "action") and value:
                self.references.append(value)
            if name == "style" and value:
                self.references += re.findall(r"url\(([^)]*)\)", value)


def assert_self_contained(html: str) -> None:
    """The page parses and loads nothing over the network (no http(s) src, href, url(), @import)."""
    parser = _Resources()
    parser.feed(html)
    parser.close()
    remote = [r for r in parser.references if re.match(r"\s*['\"]?(https?:)?//", r)]
    assert not remote, remote
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(https?:)?//", html)


# -- weights against independent counts --------------------------------------------------------------------------

#: Each answer or page section and the concepts it names, rolled up, read from the parts' dct:subject summary
#: links (the al-sdg query reads the Mention nodes instead; co-mention and actor-concept read these links, so
#: their tests count from the Mention nodes, below).
PART_CONCEPTS = """
SELECT ?part ?doc ?concept ?scheme WHERE {
  ?part dct:subject ?concept ; dct:isPartOf ?in . ?in dct:isPartOf? ?doc . ?doc a wsis:Document .
  FILTER NOT EXISTS { ?concept skos:broader ?up . }
  ?concept skos:inScheme/wsis:schemeKey ?scheme .
}"""


def mention_concepts(store_path: Path) -> list[dict[str, str]]:
    """The same rows from the Mention nodes (outside the questionnaire's question wording), rolled up here in
    Python along skos:broader (the co-mention and actor-concept queries read the summary links instead)."""
    broader = {r["c"]: r["b"] for r in select(store_path, "SELECT ?c ?b WHERE { ?c skos:broader ?b }")}
    scheme = {r["c"]: r["key"]
              for r in select(store_path, "SELECT ?c ?key WHERE { ?c skos:inScheme/wsis:schemeKey ?key }")}

    def top(concept: str) -> str:
        while concept in broader:
            concept = broader[concept]
        return concept

    # each span's part: the part whose wsis:start..wsis:end holds it
    parts = defaultdict(list)
    for r in select(store_path, "SELECT ?doc ?part ?s ?e WHERE { GRAPH ?doc { ?part wsis:start ?s ; wsis:end ?e } }"):
        parts[r["doc"]].append((int(r["s"]), int(r["e"]), r["part"]))
    rows = set()
    for r in select(store_path, """
        SELECT ?doc ?body ?target WHERE {
          GRAPH ?doc { ?m a wsis:Mention ; oa:hasBody ?body ; oa:hasTarget ?target .
                       FILTER NOT EXISTS { ?m wsis:inQuestionText true } } }"""):
        start, end = map(int, r["target"].split("#char=")[1].split(","))
        for s, e, part in parts[r["doc"]]:
            if s <= start and end <= e:
                rows.add((part, r["doc"], r["body"]))
    return [{"part": part, "doc": doc, "concept": top(body), "scheme": scheme.get(top(body), "")}
            for part, doc, body in rows]


def test_co_mention_weights_equal_independent_counts(rich_store, networks):
    concepts = defaultdict(set)
    for row in mention_concepts(rich_store):
        if row["scheme"] in CONCEPT_SCHEMES:
            concepts[row["part"]].add(row["concept"])
    expected = Counter(frozenset(pair) for names in concepts.values() for pair in combinations(sorted(names), 2))
    assert weights(networks["co-mention"]) == dict(expected)
    assert all(d["places"] == d["weight"] for _, _, d in networks["co-mention"].edges(data=True))


def test_actor_concept_weights_equal_independent_counts(rich_store, networks):
    respondent = {r["doc"]: r["org"] for r in select(
        rich_store, "SELECT ?doc ?org WHERE { GRAPH ?doc { ?doc wsis:respondent ?org } }")}
    places = defaultdict(set)  # (actor, concept) -> parts
    by_part = defaultdict(lambda: {"doc": None, "concepts": set(), "orgs": set()})
    for row in mention_concepts(rich_store):
        part = by_part[row["part"]]
        part["doc"] = row["doc"]
        if row["scheme"] in CONCEPT_SCHEMES:
            part["concepts"].add(row["concept"])
        elif row["scheme"] == "organization":
            part["orgs"].add(row["concept"])
    for key, part in by_part.items():
        actors = set(part["orgs"]) | ({respondent[part["doc"]]} if part["doc"] in respondent else set())
        for actor in actors:
            for concept in part["concepts"]:
                places[(actor, concept)].add(key)
    expected = {frozenset(pair): len(parts) for pair, parts in places.items()}
    graph = networks["actor-concept"]
    assert weights(graph) == expected
    assert nx.is_bipartite(graph)
    assert {d["role"] for _, d in graph.nodes(data=True)} >= {"concept", "respondent", "named"}
    # every respondent is a node with its stakeholder type and country
    for row in select(rich_store, "SELECT ?org ?type WHERE { GRAPH ?doc { ?doc wsis:respondent ?org . "
                                  "?org org:classification/skos:notation ?type } }"):
        assert graph.nodes[row["org"]]["stakeholdertype"] == row["type"]


def test_actor_weights_are_the_jaccard_index_of_concept_sets(networks):
    bipartite = networks["actor-concept"]
    actors = [n for n, d in bipartite.nodes(data=True) if d["role"] != "concept"]
    expected = {}
    for a, b in combinations(actors, 2):
        sa, sb = set(bipartite[a]), set(bipartite[b])
        if sa & sb:
            expected[frozenset((a, b))] = pytest.approx(len(sa & sb) / len(sa | sb), abs=1e-6)
    graph = networks["actor"]
    assert set(graph) == set(actors)
    assert weights(graph) == expected
    for u, v, d in graph.edges(data=True):
        assert d["shared"] == len(set(bipartite[u]) & set(bipartite[v]))


def test_al_sdg_weights_equal_independent_counts(rich_store, networks):
    lines = {r["c"] for r in select(rich_store, "SELECT ?c WHERE { ?c a wsis:ActionLine . "
                                                "FILTER NOT EXISTS { ?c skos:broader ?u } }")}
    goals = {r["c"] for r in select(rich_store, "SELECT ?c WHERE { ?c a wsis:SDG }")}
    about = defaultdict(set)
    for row in select(rich_store, PART_CONCEPTS):  # named in the documents' own text
        about[row["doc"]].add(row["concept"])
    for row in select(rich_store, "SELECT ?doc ?concept WHERE { ?doc schema:about ?concept }"):  # topical
        about[row["doc"]].add(row["concept"])
    documents = Counter(frozenset((line, goal)) for concepts in about.values()
                        for line in concepts & lines for goal in concepts & goals)
    matrix = {frozenset((r["line"], r["goal"])) for r in select(rich_store, """
        SELECT DISTINCT ?line ?goal WHERE {
          GRAPH <https://w3id.org/wsisgraph/graph/wsis-sdg-matrix> { ?al skos:related ?goal }
          ?al skos:broader? ?line . FILTER NOT EXISTS { ?line skos:broader ?u } }""")}
    assert len(matrix) == 4  # tests/fixtures/analysts-matrix.csv: C3-4, C7.4-3 (as C7), C1-1, C9-16
    expected = {pair: documents[pair] + (pair in matrix) for pair in set(documents) | matrix}
    graph = networks["al-sdg"]
    assert weights(graph) == expected
    assert graph.number_of_nodes() == 28 and set(graph) == lines | goals
    for u, v, d in graph.edges(data=True):
        pair = frozenset((u, v))
        assert d["matrix"] == (pair in matrix) and d["documents"] == documents[pair]
        assert d["origin"] == ("both" if d["matrix"] and d["documents"] else "matrix" if d["matrix"] else "documents")
    assert graph.graph["matrix_links"] == 4


# -- metrics -----------------------------------------------------------------------------------------------------

def test_metrics_on_every_node(networks):
    for kind, graph in networks.items():
        assert {"eigenvector_scope", "betweenness", "communities", "kind", "weight", "queries"} <= set(graph.graph)
        for node, d in graph.nodes(data=True):
            assert d["degree"] == graph.degree(node)
            assert d["weighted_degree"] == pytest.approx(graph.degree(node, weight="weight"), abs=1e-5)
            assert 0 <= d["betweenness"] <= 1 and 0 <= d["eigenvector"] <= 1
            assert isinstance(d["community"], int)
        # communities partition the nodes and are numbered by size
        sizes = Counter(d["community"] for _, d in graph.nodes(data=True))
        assert sorted(sizes) == list(range(len(sizes)))
        assert [sizes[c] for c in sorted(sizes)] == sorted(sizes.values(), reverse=True)


def test_louvain_and_the_files_are_repeatable(rich_store, tmp_path):
    store = open_store(rich_store)
    for kind in ("co-mention", "actor"):
        first, second = build_network(store, kind), build_network(store, kind)
        assert nx.get_node_attributes(first, "community") == nx.get_node_attributes(second, "community")
        for n, graph in (("a", first), ("b", second)):
            write_network(graph, tmp_path / f"{kind}-{n}.graphml")
            write_network(graph, tmp_path / f"{kind}-{n}.png")
        assert (tmp_path / f"{kind}-a.graphml").read_bytes() == (tmp_path / f"{kind}-b.graphml").read_bytes()
        assert (tmp_path / f"{kind}-a.png").read_bytes() == (tmp_path / f"{kind}-b.png").read_bytes()


def test_the_actor_network_is_the_same_whatever_the_hash_seed(rich_store, tmp_path):
    """networkx's projection adds edges in the order of a set of strings: the files and the layout must not follow
    a process's hash seed."""
    import subprocess
    import sys

    program = ("import json, sys; from wsisgraph.store import open_store; from wsisgraph.network import "
               "build_network, write_network; from wsisgraph.drawing import layout; "
               "graph = build_network(open_store(sys.argv[1]), 'actor'); write_network(graph, sys.argv[2]); "
               "print(json.dumps(layout(graph)))")
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / f"actor-{seed}.graphml"
        done = subprocess.run([sys.executable, "-c", program, str(rich_store), str(out)], capture_output=True,
                              text=True, env={**os.environ, "PYTHONHASHSEED": seed}, timeout=300)
        assert done.returncode == 0, done.stderr
        runs.append((out.read_bytes(), done.stdout))
    assert runs[0] == runs[1]


def test_stats_list_top_nodes_and_every_community_member(networks):
    graph = networks["co-mention"]
    stats = network_stats(graph, top=5)
    assert all(len(rows) <= 5 for rows in stats["top"].values())
    assert stats["top"]["weighted_degree"][0]["weighted_degree"] == max(
        d["weighted_degree"] for _, d in graph.nodes(data=True))
    assert sum(c["size"] for c in stats["communities"]) == graph.number_of_nodes()
    text = format_stats(stats)
    assert "top nodes by betweenness" in text and "communities (Louvain, seed 42" in text
    flat = " ".join(text.split())
    for _, d in graph.nodes(data=True):
        assert d["label"] in flat


# -- an empty WSIS-SDG Matrix ------------------------------------------------------------------------------------

def test_an_empty_matrix_gives_document_edges_only_and_says_so(no_matrix_store, tmp_path):
    graph = build_network(open_store(no_matrix_store), "al-sdg")
    assert graph.graph["matrix_links"] == 0 and graph.number_of_nodes() == 28
    assert all(d["origin"] == "documents" and d["matrix"] == 0 for _, _, d in graph.edges(data=True))
    assert "No WSIS-SDG Matrix is loaded" in graph.graph["description"]
    assert "no WSIS-SDG Matrix is loaded" in format_stats(network_stats(graph))
    for fmt in ("png", "gexf", "graphml", "html"):
        write_network(graph, tmp_path / f"al-sdg.{fmt}")
    assert (tmp_path / "al-sdg.png").read_bytes().startswith(PNG_SIGNATURE)
    if not graph.number_of_edges():  # the seeds name no SDG: eigenvector centrality is not defined
        assert "not defined" in graph.graph["eigenvector_scope"]
        assert all(d["eigenvector"] == 0.0 for _, d in graph.nodes(data=True))


def test_every_kind_builds_on_the_seeds(built_store):
    store = open_store(built_store)
    for kind in KINDS:
        graph = build_network(store, kind)
        assert graph.number_of_nodes(), kind


# -- errors and the command line ---------------------------------------------------------------------------------

def test_library_errors_name_the_thing(networks, tmp_path):
    with pytest.raises(ExportError, match="unknown network kind 'people'"):
        build_network(None, "people")
    with pytest.raises(ExportError, match=r"out\.txt: cannot tell the format"):
        write_network(networks["actor"], tmp_path / "out.txt")
    with pytest.raises(ExportError, match="does not exist"):
        write_network(networks["actor"], tmp_path / "missing" / "out.png")
    assert not list(tmp_path.glob(".*.tmp"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj={})


def test_cli_writes_a_network_and_prints_stats(rich_store, tmp_path):
    out = tmp_path / "co.gexf"
    result = run("network", "co-mention", "--store", rich_store, "--out", out)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and nx.read_gexf(out).number_of_nodes()
    result = run("network", "write", "al-sdg", "--store", rich_store, "--format", "png", "--out", tmp_path / "a.img")
    assert result.exit_code == 0 and (tmp_path / "a.img").read_bytes().startswith(PNG_SIGNATURE)
    result = run("network", "stats", "actor", "--store", rich_store, "--top", "3")
    assert result.exit_code == 0, result.output
    assert "top nodes by weighted degree" in result.stdout and "communities" in result.stdout
    data = json.loads(run("network", "stats", "al-sdg", "--store", rich_store, "--format", "json").stdout)
    assert data["kind"] == "al-sdg" and data["matrix_links"] == 4


def test_cli_errors_are_one_line(rich_store, tmp_path):
    result = run("network", "people", "--store", rich_store, "--out", tmp_path / "x.png")
    assert result.exit_code == 2 and "'people' is not one of" in result.output
    result = run("network", "actor", "--store", rich_store, "--out", tmp_path / "x.txt")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ") and "x.txt" in result.stderr
    result = run("network", "stats", "actor", "--store", tmp_path / "nothing")
    assert result.exit_code == 2 and "no such store" in result.stderr


@pytest.mark.parametrize("args", [["network"], ["network", "write"], ["network", "stats"], ["plot"],
                                  ["plot", "heatmap"], ["report"]])
def test_help_ends_with_an_example(args):
    result = run(*args, "--help")
    assert result.exit_code == 0
    assert re.search(rf"^\s+wsisgraph {args[0]} .*--store", result.output, re.M), result.output


@pytest.mark.parametrize("dense", [True, False])
def test_eigenvector_centrality_equals_networkx(dense, monkeypatch):
    import wsisgraph.network as network

    graph = nx.karate_club_graph()
    monkeypatch.setattr(network, "EIGEN_DENSE", 10_000 if dense else 0)
    ours = network._eigenvector(graph)
    theirs = nx.eigenvector_centrality(graph, weight="weight", tol=1e-10, max_iter=5000)
    assert ours == pytest.approx(theirs, abs=1e-5)
    # a bipartite graph, where networkx's power iteration crawls, still gets its Perron vector
    star = nx.complete_bipartite_graph(3, 40)
    nx.set_edge_attributes(star, 1, "weight")
    values = network._eigenvector(star)
    assert values[0] == pytest.approx(values[1]) and values[0] > values[10] > 0


def test_a_dense_network_is_drawn_by_its_backbone(tmp_path):
    from wsisgraph.drawing import drawn_edges
    from wsisgraph.network import add_metrics

    graph = nx.complete_graph(120)  # 7140 edges
    for i, (u, v) in enumerate(graph.edges()):
        graph.edges[u, v]["weight"] = 1 + (u * v) % 7
    for n in graph:
        graph.nodes[n].update(label=f"node {n}", scheme="topic", notation=str(n), role="concept",
                              stakeholdertype="", country="")
    graph.graph.update(kind="co-mention", title="Dense", weight="test", queries="none")
    add_metrics(graph)
    shown = drawn_edges(graph)
    assert len(shown) <= 2500 and {n for e in shown for n in e[:2]} == set(graph)
    write_network(graph, tmp_path / "dense.png")
    write_network(graph, tmp_path / "dense.html")
    html = (tmp_path / "dense.html").read_text(encoding="utf-8")
    assert "strongest edges of 7140" in html
    write_network(graph, tmp_path / "dense.graphml")
    assert nx.read_graphml(tmp_path / "dense.graphml").number_of_edges() == 7140


def test_network_files_do_not_load_the_drawings(tmp_path):
    """drawing imports network, never the reverse: GraphML and JSON are written without drawing.py or matplotlib,
    and importing drawing.py does not load matplotlib either (it is imported where a figure is made)."""
    import subprocess
    import sys

    program = """
import sys
import networkx as nx
from wsisgraph.network import add_metrics, write_network
graph = nx.path_graph(4)
nx.set_edge_attributes(graph, 1, "weight")
for n in graph:
    graph.nodes[n].update(label=str(n), scheme="topic", notation=str(n), role="concept", stakeholdertype="", country="")
add_metrics(graph)
write_network(graph, sys.argv[1] + "/a.graphml")
write_network(graph, sys.argv[1] + "/a.json")
loaded = [m for m in ("wsisgraph.drawing", "matplotlib") if m in sys.modules]
import wsisgraph.drawing
print(loaded, "matplotlib" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", program, str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "False"]
    assert nx.read_graphml(tmp_path / "a.graphml").number_of_edges() == 3


def test_drawn_labels_are_short_and_say_what_the_node_is():
    from wsisgraph.drawing import short_label

    line = {"scheme": "actionline", "label": "C7 ICT applications: benefits in all aspects of life"}
    assert short_label(line) == "C7 ICT applications"
    org = {"scheme": "organization", "notation": "",
           "label": "Centro de Investigación en Tecnologías de la Información (CITIC)"}
    assert short_label(org) == "CITIC"
    long_topic = {"scheme": "topic", "label": "Digital public infrastructure and digital public goods"}
    assert short_label(long_topic) == "Digital public infrastructu…" and len(short_label(long_topic)) <= 28
    assert short_label({"scheme": "sdg", "label": "SDG 4 Quality education"}) == "SDG 4 Quality education"


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(networks, tmp_path, monkeypatch):
    out = tmp_path / "co.graphml"
    write_network(networks["co-mention"], out)
    before = out.read_bytes()

    def half_then_fail(graph, path, **kwargs):
        Path(path).write_text("<graphml")  # a partial file, then the writer breaks
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nx, "write_graphml", half_then_fail)
    with pytest.raises(ExportError, match=r"co\.graphml: cannot write \(No space left on device\)"):
        write_network(networks["co-mention"], out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["co.graphml"]


def test_the_actor_network_projected_from_a_built_actor_concept_network_is_the_same(networks):
    from wsisgraph.network import actor_network

    projected = actor_network(networks["actor-concept"])
    assert dict(projected.nodes(data=True)) == dict(networks["actor"].nodes(data=True))
    assert weights(projected) == weights(networks["actor"]) and projected.graph == networks["actor"].graph
