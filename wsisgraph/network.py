"""Stage 8: the graph as networks to measure and draw, built with networkx from saved queries.

Four kinds, each from the edge list of a saved query (queries/network-*.rq, also runnable with `wsisgraph query`):

- `co-mention`: concepts (Action Lines, SDGs, topics, events, frameworks) linked when named in the same answer or
  page section; weight = the number of such places (`network-co-mention`).
- `actor-concept`: bipartite; organizations (respondents, and reference organizations named in an answer or
  section) to the concepts they name or are named with; weight = the number of places (`network-actor-concept`,
  `network-actors`).
- `actor`: the projection of `actor-concept` onto the organizations; weight = the Jaccard index of their concept
  sets, `shared` = the number of concepts they share.
- `al-sdg`: the 11 Action Lines and 17 Goals; an edge where documents (explicit mentions and topical links) or the
  WSIS-SDG Matrix link them, `origin` documents, matrix or both; weight = documents + 1 for the Matrix
  (`network-al-sdg`).

Co-mention and actor networks count explicit mentions in the respondents' and pages' own text: the
questionnaire's question wording is the same in every response and would link every respondent to the same
concepts. Concepts are rolled up (C7.4 as C7, target 4.4 as Goal 4).

Every node carries label, scheme, notation, role, stakeholdertype, country (empty strings where they do not
apply, since GraphML and GEXF hold no null), degree, weighted_degree, betweenness (shortest paths with edge length
1/weight; sampled sources on big networks), eigenvector (in the largest connected component; 0.0 elsewhere and on a graph without edges, as the
graph attribute `eigenvector_scope` says) and community (Louvain, seed 42, numbered by size). Drawings use
matplotlib's Agg backend (a dense network is drawn by its backbone of strongest edges; the files keep every
edge); `html` is a self-contained interactive view (inline SVG and JavaScript, nothing fetched). networkx and
matplotlib are imported inside the functions that need them.
"""
from __future__ import annotations

import json
import math
import weakref
from collections import Counter
from pathlib import Path
from typing import Any

from .errors import ExportError
from .export import write_atomically
from .query import records, run_query

KINDS = {
    "co-mention": "concepts named in the same answer or page section",
    "actor-concept": "organizations to the concepts they name (bipartite)",
    "actor": "organizations linked by the concepts they share (Jaccard)",
    "al-sdg": "Action Lines to SDGs, from documents and from the WSIS-SDG Matrix",
}
FORMATS = ("graphml", "gexf", "json", "png", "svg", "html")
SEED = 42
#: Betweenness is exact while nodes x edges stays under this, else estimated from sampled sources (seeded).
BETWEENNESS_WORK = 2_000_000
#: Eigenvector centrality from a dense eigendecomposition up to this many nodes, else by power iteration.
EIGEN_DENSE = 2000
#: Drawings and the HTML view show at most this many edges: each node's strongest first (a backbone).
DRAWN_EDGES = 2500

TITLES = {
    "co-mention": "Co-mention network",
    "actor-concept": "Actor-concept network",
    "actor": "Actor network",
    "al-sdg": "Action Lines and SDGs",
}
WEIGHTS = {
    "co-mention": "answers or page sections naming both concepts",
    "actor-concept": "answers or page sections where the organization names (or is named with) the concept",
    "actor": "Jaccard index of the two organizations' concept sets",
    "al-sdg": "documents linking both (explicit or topical), plus 1 when the WSIS-SDG Matrix links them",
}
QUERIES = {
    "co-mention": ("network-co-mention",),
    "actor-concept": ("network-actor-concept", "network-actors"),
    "actor": ("network-actor-concept", "network-actors"),
    "al-sdg": ("network-al-sdg",),
}
CONCEPT_SCHEMES = ("actionline", "sdg", "topic", "event", "framework")
#: Colours of the categories nodes are drawn in (colour-blind-safe where it matters: Okabe-Ito first).
CATEGORY_COLOURS = {
    "actionline": "#0072B2",
    "sdg": "#009E73",
    "topic": "#E69F00",
    "event": "#CC79A7",
    "framework": "#8C6D31",
    "respondent": "#222222",
    "named organization": "#999999",
}
CATEGORY_NAMES = {
    "actionline": "Action Line", "sdg": "SDG", "topic": "topic", "event": "event", "framework": "framework",
    "respondent": "respondent", "named organization": "named organization",
}
ORIGIN_STYLE = {  # al-sdg edges: colour, line style, legend
    "both": ("#009E73", "solid", "documents and the Matrix"),
    "documents": ("#0072B2", "solid", "documents only (not in the Matrix)"),
    "matrix": ("#D55E00", "dashed", "the Matrix only (no document)"),
}


# -- building ---------------------------------------------------------------------------------------------------

def _concept_label(scheme: str, notation: str, label: str) -> str:
    if scheme == "actionline":
        return f"{notation} {label}" if label and label != notation else notation
    if scheme == "sdg":
        return f"SDG {notation} {label}" if label and label != notation else f"SDG {notation}"
    return label or notation


def _concept_attrs(scheme: str, notation: str, label: str) -> dict[str, Any]:
    return {"label": _concept_label(scheme, notation, label), "scheme": scheme, "notation": notation,
            "role": "concept", "stakeholdertype": "", "country": "", "bipartite": 1}


def build_network(store, kind: str) -> "Any":
    """The network KIND of a store (embedded or remote) as a networkx Graph, with every node metric computed."""
    if kind not in KINDS:
        raise ExportError(f"unknown network kind {kind!r}; choose one of {', '.join(KINDS)}")
    builder = {"co-mention": _co_mention, "actor-concept": _actor_concept,
               "actor": lambda store: _project(_actor_concept(store)), "al-sdg": _al_sdg}[kind]
    return _finish(builder(store), kind)


def actor_network(actor_concept) -> "Any":
    """The `actor` network projected from an `actor-concept` network already built: the same graph as
    build_network(store, "actor") without running its queries again (the slowest of the saved queries)."""
    return _finish(_project(actor_concept), "actor")


def _finish(graph, kind: str):
    graph.graph.update(kind=kind, title=TITLES[kind], weight=WEIGHTS[kind], queries=", ".join(QUERIES[kind]))
    add_metrics(graph)
    return graph


def _new_graph():
    import networkx as nx

    return nx.Graph()


def _co_mention(store):
    graph = _new_graph()
    for row in records(run_query(store, "network-co-mention")):
        for n in ("1", "2"):
            graph.add_node(row[f"concept{n}"], **_concept_attrs(row[f"scheme{n}"], row[f"notation{n}"], row[f"label{n}"]))
        places = int(row["places"])
        graph.add_edge(row["concept1"], row["concept2"], weight=places, places=places,
                       documents=int(row["documents"]))
    graph.graph["description"] = ("Concepts (Action Lines, SDGs, topics, events, frameworks) linked when named in "
                                  "the same answer or page section; explicit mentions outside the questionnaire's "
                                  "question wording, concepts rolled up (C7.4 as C7, target 4.4 as SDG 4).")
    return graph


def _actors(store) -> dict[str, dict[str, Any]]:
    actors = {}
    for row in records(run_query(store, "network-actors")):
        notation = row["actor"].rstrip("/").rsplit("/", 1)[-1] if "named" in row["role"] else ""
        actors[row["actor"]] = {
            "label": row["name"], "scheme": "organization", "notation": notation, "role": row["role"],
            "stakeholdertype": row["stakeholdertype"], "country": row["country"], "bipartite": 0,
            "responses": int(row["responses"] or 0)}
    return actors


def _actor_concept(store):
    graph = _new_graph()
    actors = _actors(store)
    for iri, attrs in actors.items():
        if attrs["responses"]:  # every respondent is a node, even one that names no concept
            graph.add_node(iri, **attrs)
    for row in records(run_query(store, "network-actor-concept")):
        actor = row["actor"]
        if actor not in graph:
            attrs = actors.get(actor) or {"label": actor, "scheme": "organization", "notation": "",
                                          "role": "named", "stakeholdertype": "", "country": "", "bipartite": 0,
                                          "responses": 0}
            graph.add_node(actor, **attrs)
        graph.add_node(row["concept"], **_concept_attrs(row["scheme"], row["notation"], row["label"]),
                       responses=0)
        places = int(row["places"])
        graph.add_edge(actor, row["concept"], weight=places, places=places, documents=int(row["documents"]),
                       written=int(row["written"]), named=int(row["named"]))
    graph.graph["description"] = ("Organizations (respondents, and reference organizations named in an answer or "
                                  "page section) linked to the concepts they name or are named with; explicit "
                                  "mentions outside the questionnaire's question wording.")
    return graph


def _project(full):
    from networkx.algorithms import bipartite

    actors = [n for n, d in full.nodes(data=True) if d["role"] != "concept"]
    graph = bipartite.overlap_weighted_projected_graph(full, actors, jaccard=True)
    for u, v, data in graph.edges(data=True):
        data["weight"] = round(float(data["weight"]), 6)
        data["shared"] = len(set(full[u]) & set(full[v]))
    for n in graph:
        graph.nodes[n]["concepts"] = full.degree(n)
        graph.nodes[n].pop("bipartite", None)
    graph.graph.clear()
    graph.graph["description"] = ("Organizations linked when they name (or are named with) the same concepts; "
                                  "weight = Jaccard index of their concept sets, shared = concepts in common. "
                                  "The projection of the actor-concept network.")
    return graph


def _al_sdg(store):
    graph = _new_graph()
    matrix_links = 0
    for row in records(run_query(store, "network-al-sdg")):
        graph.add_node(row["actionline"], **_concept_attrs("actionline", row["alnotation"], row["allabel"]))
        graph.add_node(row["sdg"], **_concept_attrs("sdg", row["sdgnotation"], row["sdglabel"]))
        graph.nodes[row["sdg"]]["bipartite"] = 0
        documents, matrix = int(row["documents"]), int(row["matrix"])
        matrix_links += matrix
        if documents or matrix:
            origin = "both" if documents and matrix else ("documents" if documents else "matrix")
            graph.add_edge(row["actionline"], row["sdg"], weight=documents + matrix, documents=documents,
                           explicit=int(row["explicit"]), matrix=matrix, origin=origin)
    graph.graph["matrix_links"] = matrix_links
    graph.graph["description"] = (
        "Action Lines (C1..C11) and SDGs (1..17); an edge where documents link both (explicit mentions outside "
        "the questionnaire's question wording, or topical links) or the WSIS-SDG Matrix does; origin = documents, "
        "matrix or both." + ("" if matrix_links else
                              " No WSIS-SDG Matrix is loaded (the matrix file holds no rows), so "
                              "every edge comes from documents; load one with `wsisgraph build --matrix FILE.csv`."))
    return graph


# -- metrics ----------------------------------------------------------------------------------------------------

def add_metrics(graph) -> None:
    """degree, weighted_degree, betweenness, eigenvector and community on every node (see the module notes)."""
    import networkx as nx

    for n in graph:
        graph.nodes[n]["degree"] = graph.degree(n)
        graph.nodes[n]["weighted_degree"] = round(float(graph.degree(n, weight="weight")), 6)

    n_nodes, n_edges = graph.number_of_nodes(), graph.number_of_edges()
    if n_edges:
        # exact up to about BETWEENNESS_WORK edge visits, else estimated from sampled sources (seeded)
        sample = None if n_nodes * n_edges <= BETWEENNESS_WORK else max(50, min(n_nodes, BETWEENNESS_WORK // n_edges))
        sample = None if sample is not None and sample >= n_nodes else sample
        between = nx.betweenness_centrality(graph, k=sample, seed=SEED if sample else None,
                                            weight=lambda u, v, d: 1.0 / d["weight"] if d["weight"] else math.inf)
        graph.graph["betweenness"] = ("estimated from %d sampled sources (seed %d)" % (sample, SEED) if sample
                                      else "exact") + "; edge length 1/weight, normalized"
    else:
        between = dict.fromkeys(graph, 0.0)
        graph.graph["betweenness"] = "0: the network has no edges"
    for n, value in between.items():
        graph.nodes[n]["betweenness"] = round(value, 6)

    eigen = dict.fromkeys(graph, 0.0)
    if graph.number_of_edges():
        component = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(map(str, c))))[0]
        sub = graph.subgraph(component)
        eigen.update(_eigenvector(sub))
        graph.graph["eigenvector_scope"] = (
            "all nodes (the network is connected)" if len(component) == n_nodes else
            f"the largest connected component ({len(component)} of {n_nodes} nodes); 0.0 elsewhere, where it is "
            "not defined")
    else:
        graph.graph["eigenvector_scope"] = "not defined: the network has no edges (0.0 everywhere)"
    for n, value in eigen.items():
        graph.nodes[n]["eigenvector"] = round(value, 6)

    for number, members in enumerate(communities(graph)):
        for n in members:
            graph.nodes[n]["community"] = number
    graph.graph["communities"] = "Louvain (networkx louvain_communities, weight, seed %d), numbered by size" % SEED


def _eigenvector(sub) -> dict:
    """Eigenvector centrality of a connected graph (weighted), scaled to unit length as networkx does: the Perron
    vector of the adjacency matrix from numpy's eigh up to EIGEN_DENSE nodes, else power iteration on A + I
    (networkx's own method, vectorised). networkx's pure-Python power iteration crawls on bipartite graphs (two
    eigenvalues of equal size: thousands of iterations), hence numpy here."""
    import networkx as nx
    import numpy as np

    nodes = list(sub)
    if len(nodes) <= EIGEN_DENSE:
        values, vectors = np.linalg.eigh(nx.to_numpy_array(sub, nodelist=nodes, weight="weight"))
        vector = np.abs(vectors[:, int(np.argmax(values))])
    else:
        index = {n: i for i, n in enumerate(nodes)}
        edges = [(index[u], index[v], float(d.get("weight", 1.0))) for u, v, d in sub.edges(data=True)]
        us, vs, ws = (np.array(column) for column in zip(*edges))
        vector = np.full(len(nodes), 1.0 / len(nodes))
        for _ in range(10000):
            following = vector.copy()
            np.add.at(following, us, ws * vector[vs])
            np.add.at(following, vs, ws * vector[us])
            following /= np.linalg.norm(following) or 1.0
            done = np.abs(following - vector).sum() < len(nodes) * 1e-9
            vector = following
            if done:
                break
    return dict(zip(nodes, (vector / (np.linalg.norm(vector) or 1.0)).tolist()))


def communities(graph) -> list[list]:
    """Louvain communities (seeded, so repeatable), largest first, ties broken by their first member."""
    import networkx as nx

    if graph.number_of_edges():
        found = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    else:
        found = [{n} for n in graph]
    return sorted((sorted(c, key=str) for c in found), key=lambda c: (-len(c), str(c[0])))


# -- statistics -------------------------------------------------------------------------------------------------

METRICS = (("weighted_degree", "weighted degree"), ("degree", "degree"), ("betweenness", "betweenness"),
           ("eigenvector", "eigenvector centrality"))


def _ranked(graph, key: str, nodes=None) -> list:
    nodes = list(graph) if nodes is None else list(nodes)
    return sorted(nodes, key=lambda n: (-graph.nodes[n][key], -graph.nodes[n]["weighted_degree"],
                                        graph.nodes[n]["label"]))


def network_stats(graph, top: int = 10) -> dict:
    """What `wsisgraph network stats` prints: sizes, the top nodes per metric, the communities and their members."""
    import networkx as nx

    def node(n) -> dict:
        d = graph.nodes[n]
        return {"id": n, "label": d["label"], "scheme": d["scheme"], "role": d["role"],
                "stakeholdertype": d["stakeholdertype"], "country": d["country"],
                **{key: d[key] for key, _ in METRICS}, "community": d["community"]}

    groups = {}
    for n in graph:
        groups.setdefault(graph.nodes[n]["community"], []).append(n)
    modularity = (nx.community.modularity(graph, [set(m) for m in groups.values()], weight="weight")
                  if graph.number_of_edges() else 0.0)
    return {
        "kind": graph.graph["kind"], "title": graph.graph["title"], "queries": graph.graph["queries"],
        "weight": graph.graph["weight"], "description": graph.graph.get("description", ""),
        "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
        "density": round(nx.density(graph), 6) if graph.number_of_nodes() > 1 else 0.0,
        "components": nx.number_connected_components(graph) if graph.number_of_nodes() else 0,
        "eigenvector_scope": graph.graph["eigenvector_scope"], "betweenness": graph.graph["betweenness"],
        "matrix_links": graph.graph.get("matrix_links"),
        "top": {key: [node(n) for n in _ranked(graph, key)[:top] if graph.nodes[n][key] > 0]
                for key, _ in METRICS},
        "modularity": round(modularity, 6),
        "communities": [{"community": c, "size": len(members),
                         "members": [node(n) for n in _ranked(graph, "weighted_degree", members)]}
                        for c, members in sorted(groups.items())],
    }


def format_stats(stats: dict, width: int = 100) -> str:
    """The statistics as plain text, one block per metric and one line group per community."""
    import textwrap

    def number(value) -> str:
        return f"{value:g}" if isinstance(value, int) or float(value).is_integer() else f"{value:.4f}"

    lines = [f"{stats['title']} ({stats['kind']}): {stats['nodes']} nodes, {stats['edges']} edges, "
             f"{stats['components']} connected component{'s' if stats['components'] != 1 else ''}, "
             f"density {stats['density']:.4f}",
             f"weight: {stats['weight']}", f"from saved queries: {stats['queries']}"]
    if stats.get("matrix_links") == 0:
        lines.append("note: no WSIS-SDG Matrix is loaded; every edge comes from documents "
                     "(load one with `wsisgraph build DOCS --store STORE --matrix FILE.csv`)")
    for key, title in METRICS:
        note = {"eigenvector": f" ({stats['eigenvector_scope']})", "betweenness": f" ({stats['betweenness']})"}
        lines += ["", f"top nodes by {title}{note.get(key, '')}:"]
        rows = stats["top"][key]
        if not rows:
            lines.append("  (none above 0)")
        label_width = min(60, max(len(r["label"]) for r in rows)) if rows else 0
        for rank, r in enumerate(rows, start=1):
            label = r["label"] if len(r["label"]) <= label_width else r["label"][: label_width - 1] + "…"
            what = r["scheme"] if r["role"] == "concept" else (r["stakeholdertype"] or r["role"])
            lines.append(f"  {rank:>3}  {label.ljust(label_width)}  {what:<26}  {number(r[key])}")
    lines += ["", f"communities (Louvain, seed {SEED}; modularity {stats['modularity']:.3f}), members by "
                  "weighted degree:"]
    for c in stats["communities"]:
        head = f"  {c['community']:>3}  ({c['size']} node{'s' if c['size'] != 1 else ''}): "
        body = "; ".join(m["label"] for m in c["members"])
        lines += textwrap.wrap(body, width=width, initial_indent=head, subsequent_indent=" " * len(head))
    return "\n".join(lines) + "\n"


# -- writing ----------------------------------------------------------------------------------------------------

def format_for(out: str | Path, fmt: str | None) -> str:
    """The output format: as given, else from the file name's extension."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown network format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(out).suffix.lower().lstrip(".")
    suffix = {"htm": "html", "xml": "graphml"}.get(suffix, suffix)
    if suffix not in FORMATS:
        raise ExportError(f"{out}: cannot tell the format from the extension; give --format "
                          f"({', '.join(FORMATS)})")
    return suffix


def write_network(graph, out: str | Path, fmt: str | None = None, *, color_by: str | None = None,
                  labels: int | None = None) -> Path:
    """Write the network in FMT (graphml, gexf, json, png, svg, html; default from OUT's extension)."""
    import networkx as nx

    fmt = format_for(out, fmt)
    if fmt == "graphml":
        return write_atomically(out, lambda tmp: nx.write_graphml(graph, tmp, encoding="utf-8"))
    if fmt == "gexf":
        return write_atomically(out, lambda tmp: nx.write_gexf(_with_viz(graph, color_by), tmp))
    if fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
        return write_atomically(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    if fmt == "html":
        text = html_view(graph, color_by=color_by)
        return write_atomically(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    figure = draw_network(graph, color_by=color_by, labels=labels)
    return write_atomically(out, lambda tmp: save_figure(figure, tmp, fmt))


def save_figure(figure, path: str | Path, fmt: str) -> None:
    """Save a matplotlib Figure as png or svg, with no timestamps, so the same network gives the same bytes."""
    metadata = {"Software": None} if fmt == "png" else {"Date": None}
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "wsisgraph", "svg.fonttype": "path"}):
        figure.savefig(path, format=fmt, dpi=figure.dpi, metadata=metadata)


# -- drawing ----------------------------------------------------------------------------------------------------

def default_color_by(graph) -> str:
    return "community" if graph.graph.get("kind") == "actor" else "scheme"


def category(data: dict) -> str:
    if data["role"] == "concept":
        return data["scheme"]
    return "respondent" if data["role"].startswith("respondent") else "named organization"


def community_colours(graph, limit: int = 10) -> dict[int, str]:
    """A colour for each of the `limit` largest communities of more than one node; grey for the rest."""
    import matplotlib

    palette = [matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab10"].colors]
    sizes = Counter(d["community"] for _, d in graph.nodes(data=True))
    big = [c for c, size in sorted(sizes.items()) if size > 1][:limit]
    return {c: palette[i % len(palette)] for i, c in enumerate(big)}


def node_colours(graph, color_by: str) -> dict:
    if color_by == "community":
        colours = community_colours(graph)
        return {n: colours.get(d["community"], "#BBBBBB") for n, d in graph.nodes(data=True)}
    if color_by != "scheme":
        raise ExportError(f"unknown colouring {color_by!r}; choose scheme or community")
    return {n: CATEGORY_COLOURS.get(category(d), "#BBBBBB") for n, d in graph.nodes(data=True)}


def short_label(data: dict, limit: int = 28) -> str:
    """The label drawn beside a node, at most `limit` characters: an organization's acronym when its name is long
    (the one in parentheses, or a reference organization's notation), an Action Line's title up to its colon,
    else the label cut with an ellipsis."""
    import re

    label = data["label"]
    if len(label) <= limit:
        return label
    if data.get("scheme") == "actionline" and ":" in label and len(label.split(":")[0]) <= limit:
        return label.split(":")[0]  # "C7 ICT applications", not "C7 ICT applications: benefi…"
    if data.get("scheme") == "organization":
        acronym = re.search(r"\(([^()]{2,14})\)\s*$", label)
        if acronym:
            return acronym.group(1)
        if data.get("notation") and len(data["notation"]) <= 8:
            return data["notation"].upper()
    return label[: limit - 1].rstrip(" ,:;") + "…"


def drawn_edges(graph, limit: int = DRAWN_EDGES) -> list:
    """The edges a drawing shows: every edge up to `limit`; beyond that a backbone, each node's strongest edges
    (as many per node as the limit allows, at least two), the strongest first. The files keep every edge."""
    edges = list(graph.edges(data=True))
    if len(edges) <= limit:
        return edges
    per_node = max(2, limit // max(1, graph.number_of_nodes()))
    keep = set()
    for n in graph:
        strongest = sorted(graph[n].items(), key=lambda item: (-item[1]["weight"], str(item[0])))[:per_node]
        keep.update(frozenset((n, m)) for m, _ in strongest)
    chosen = [e for e in edges if frozenset(e[:2]) in keep]
    return sorted(chosen, key=lambda e: (-e[2]["weight"], str(e[0]), str(e[1])))[:limit]


def _backbone(graph):
    """The graph with only the drawn edges (itself when every edge is drawn)."""
    edges = drawn_edges(graph)
    if len(edges) == graph.number_of_edges():
        return graph
    thin = graph.__class__()
    thin.graph.update(graph.graph)
    thin.add_nodes_from(graph.nodes(data=True))
    thin.add_edges_from(edges)
    return thin


_LAYOUTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def layout(graph) -> dict:
    """Node positions in [0, 1] x [0, 1], the same every time: two columns for al-sdg; otherwise each connected
    component of five or more nodes laid out by ForceAtlas2 (spring layout on networkx < 3.4), side by side,
    and the smaller components in a grid of cells along the bottom. Kept per graph object, so the drawing, the
    HTML view and the GEXF file of one network share one layout (and it is computed once)."""
    key = (graph.number_of_nodes(), graph.number_of_edges())
    cached = _LAYOUTS.get(graph)
    if cached is None or cached[0] != key:
        cached = (key, _layout(graph))
        _LAYOUTS[graph] = cached
    return cached[1]


def _layout(graph) -> dict:
    import networkx as nx

    if graph.graph.get("kind") == "al-sdg":
        return _columns(graph)
    graph = _backbone(graph)  # a dense network is laid out by its strongest edges
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(map(str, c))))
    large = [c for c in components if len(c) >= 5]
    small = [c for c in components if len(c) < 5]
    positions: dict = {}
    per_row = max(1, min(len(small), 10))
    rows = math.ceil(len(small) / per_row) if small else 0
    strip = 0.0 if not small else (1.0 if not large else min(0.3, 0.08 * rows))
    top = 1.0 - strip
    boxes = []  # (left, bottom, width, height) of each large component
    if len(large) <= 3:  # side by side, widths by the square root of their sizes
        total = sum(math.sqrt(len(c)) for c in large) or 1.0
        x0 = 0.0
        for c in large:
            width = math.sqrt(len(c)) / total
            height = min(top, width * 1.15) if len(large) > 1 else top
            boxes.append((x0, strip + (top - height) / 2, width, height))
            x0 += width
    else:  # in a grid, largest first
        columns = math.ceil(math.sqrt(len(large)))
        grid_rows = math.ceil(len(large) / columns)
        for i in range(len(large)):
            row, col = divmod(i, columns)
            boxes.append((col / columns, strip + top * (1 - (row + 1) / grid_rows), 1 / columns, top / grid_rows))
    for c, (left, bottom, width, height) in zip(large, boxes):
        pos = _force_layout(graph.subgraph(c))
        xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
        span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
        for n, (x, y) in pos.items():
            positions[n] = (float(left + width * (0.04 + 0.92 * (x - min(xs)) / span_x)),
                            float(bottom + height * (0.03 + 0.94 * (y - min(ys)) / span_y)))
    cell_w, cell_h = 1.0 / per_row, (strip / rows if rows else 0.0)
    for i, c in enumerate(small):
        row, col = divmod(i, per_row)
        cx, cy = (col + 0.5) * cell_w, strip - (row + 0.5) * cell_h
        members = sorted(c, key=lambda n: graph.nodes[n]["label"])
        radius = 0.0 if len(members) == 1 else min(cell_w, cell_h or cell_w) * 0.28
        for j, n in enumerate(members):
            angle = math.pi / 2 + 2 * math.pi * j / len(members) if len(members) > 2 else math.pi * j
            positions[n] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle) * 0.8)
    return positions


def _force_layout(sub) -> dict:
    import networkx as nx

    if hasattr(nx, "forceatlas2_layout"):
        # node_size (ForceAtlas2's "prevent overlap"), growing with weighted degree: keeps the hubs apart
        top = max((d.get("weighted_degree", 0) for _, d in sub.nodes(data=True)), default=0) or 1.0
        sizes = {n: 3.0 * (0.3 + math.sqrt(d.get("weighted_degree", 0) / top)) for n, d in sub.nodes(data=True)}
        return nx.forceatlas2_layout(sub, max_iter=300, seed=SEED, weight="weight", node_size=sizes)
    return nx.spring_layout(sub, weight="weight", seed=SEED, iterations=200, k=1.8 / math.sqrt(len(sub)))


def _columns(graph) -> dict:
    left = sorted((n for n, d in graph.nodes(data=True) if d["scheme"] == "actionline"),
                  key=lambda n: notation_key(graph.nodes[n]["notation"]))
    right = sorted((n for n, d in graph.nodes(data=True) if d["scheme"] != "actionline"),
                   key=lambda n: notation_key(graph.nodes[n]["notation"]))
    positions = {}
    for column, x in ((left, 0.0), (right, 1.0)):
        for i, n in enumerate(column):
            positions[n] = (x, 1.0 - (i + 0.5) / max(len(column), 1))
    return positions


def notation_key(notation: str) -> tuple:
    """Sort key of a notation by its number: C2 before C10, 4.4 after 4."""
    digits = "".join(ch if ch.isdigit() or ch == "." else " " for ch in notation).split()
    try:
        return (float(digits[0]) if digits else math.inf, notation)
    except ValueError:
        return (math.inf, notation)


def _size_range(graph, smallest: float = 40.0, largest: float = 1400.0) -> tuple[float, float]:
    crowd = min(1.0, math.sqrt(60 / max(1, graph.number_of_nodes())))
    return max(10.0, smallest * crowd), largest * crowd


def node_sizes(graph, smallest: float = 40.0, largest: float = 1400.0) -> dict:
    """Marker areas (points²) proportional to weighted degree, with a floor so every node shows; smaller on
    networks of more than 60 nodes, so that they fit the same page."""
    smallest, largest = _size_range(graph, smallest, largest)
    top = max((d["weighted_degree"] for _, d in graph.nodes(data=True)), default=0) or 1.0
    return {n: smallest + (largest - smallest) * d["weighted_degree"] / top for n, d in graph.nodes(data=True)}


def draw_network(graph, *, color_by: str | None = None, labels: int | None = None, size=(12.0, 9.0), dpi=150):
    """A matplotlib Figure of the network: node size by weighted degree, colour by scheme or community, labels on
    the most central nodes (placed so they do not overlap), a legend and a title."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    kind = graph.graph.get("kind", "")
    color_by = color_by or default_color_by(graph)
    figure = Figure(figsize=size, dpi=dpi, layout=None)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.02, 0.03, 0.70 if kind != "al-sdg" else 0.96, 0.86))
    ax.set_axis_off()
    _title(figure, graph, color_by)
    if graph.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "No nodes: nothing in the graph links these concepts yet.", ha="center", va="center",
                fontsize=14, transform=ax.transAxes)
        return figure
    if kind == "al-sdg":
        _draw_columns(figure, ax, graph)
        return figure
    pos = layout(graph)
    colours = node_colours(graph, color_by)
    sizes = node_sizes(graph)
    _draw_edges(ax, graph, pos)
    order = sorted(graph, key=lambda n: graph.nodes[n]["weighted_degree"])  # the big ones on top
    ax.scatter([pos[n][0] for n in order], [pos[n][1] for n in order], s=[sizes[n] for n in order],
               c=[colours[n] for n in order], edgecolors="white", linewidths=0.8, zorder=3)
    ax.set_xlim(-0.04, 1.04)
    ax.set_ylim(min(p[1] for p in pos.values()) - 0.05, 1.04)
    # every node of a small network, else the top quarter (at least 15, at most 30)
    count = labels if labels is not None else (
        graph.number_of_nodes() if graph.number_of_nodes() <= 40 else min(30, max(15, graph.number_of_nodes() // 4)))
    ranked = _ranked(graph, "weighted_degree")[:count]
    if kind == "actor-concept" and labels is None:  # the respondents are what analysts look for: label them too
        ranked += [n for n in _ranked(graph, "weighted_degree")
                   if graph.nodes[n]["role"].startswith("respondent") and n not in ranked][:20]
    shown = place_labels(figure, ax, [(pos[n], short_label(graph.nodes[n]), math.sqrt(sizes[n]) / 2)
                                      for n in ranked])
    _legend(figure, graph, color_by, labelled=shown, ranked=len(ranked))
    return figure


def _title(figure, graph, color_by: str) -> None:
    kind = graph.graph.get("kind", "")
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    figure.text(0.02, 0.975, f"{graph.graph.get('title', kind)}: {nodes} nodes, {edges} edges",
                fontsize=17, fontweight="bold", va="top")
    lines = [f"Edge weight: {graph.graph.get('weight', '')}."]
    if kind == "al-sdg":
        if graph.graph.get("matrix_links"):
            lines.append(f"The WSIS-SDG Matrix links {graph.graph['matrix_links']} pairs. Node size: weighted degree.")
        else:
            lines.append("No WSIS-SDG Matrix loaded: every edge comes from documents. Node size: weighted degree.")
    else:
        lines.append(f"Node size: weighted degree. Colour: {'Louvain community' if color_by == 'community' else 'scheme'}."
                     f" Saved queries: {graph.graph.get('queries', '')}.")
    shown = len(drawn_edges(graph))
    if shown < edges:
        lines.append(f"Drawn: the {shown} strongest edges of {edges} (each node's strongest); the files hold all.")
    figure.text(0.02, 0.935, "\n".join(lines), fontsize=10.5, va="top", color="#333333")


def _draw_edges(ax, graph, pos) -> None:
    from matplotlib.collections import LineCollection

    if not graph.number_of_edges():
        return
    top = max(d["weight"] for _, _, d in graph.edges(data=True)) or 1
    edges = sorted(drawn_edges(graph), key=lambda e: e[2]["weight"])
    segments = [(pos[u], pos[v]) for u, v, _ in edges]
    widths = [0.4 + 4.0 * d["weight"] / top for _, _, d in edges]
    alphas = [0.18 + 0.5 * d["weight"] / top for _, _, d in edges]
    colours = [(0.35, 0.35, 0.4, a) for a in alphas]
    ax.add_collection(LineCollection(segments, linewidths=widths, colors=colours, zorder=1))


_DIRECTIONS = ((1, 0, "left", "center"), (-1, 0, "right", "center"), (0, 1, "center", "bottom"),
               (0, -1, "center", "top"), (0.7, 0.7, "left", "bottom"), (-0.7, 0.7, "right", "bottom"),
               (0.7, -0.7, "left", "top"), (-0.7, -0.7, "right", "top"))


def place_labels(figure, ax, items, fontsize: float = 9.5, force: int = 5) -> int:
    """Label nodes in the order given (most important first). Each label goes to the first spot, on rings ever
    farther around its node (with a leader line beyond the first), where it overlaps no label placed before and no
    other labelled node; a label with no free spot is left out, except that the first `force` labels are placed
    at the nearest spot clear of other labels. items: ((x, y), text, marker radius in points). Returns the
    number of labels placed."""
    from matplotlib.transforms import Bbox

    renderer = figure.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    scale = figure.dpi / 72
    centres = [ax.transData.transform(xy) for xy, _, _ in items]
    obstacles = [Bbox.from_extents(cx - r * scale, cy - r * scale, cx + r * scale, cy + r * scale)
                 for (cx, cy), (_, _, r) in zip(centres, items)]
    placed: list = []

    def label_at(xy, offset, ha, va, leader: bool, radius: float):
        return ax.annotate(
            text, xy, xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize=fontsize, zorder=5,
            color="#111111", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
            arrowprops={"arrowstyle": "-", "color": "#666666", "lw": 0.7, "shrinkA": 0, "shrinkB": radius}
            if leader else None)

    for i, ((x, y), text, radius) in enumerate(items):
        rings = [radius + 2, radius + 16, radius + 32, radius + 52]
        fallback = None
        chosen = None
        for ring, distance in enumerate(rings):
            for dx, dy, ha, va in _DIRECTIONS:
                artist = label_at((x, y), (dx * distance, dy * distance), ha, va, ring > 0, radius)
                box = artist.get_window_extent(renderer).expanded(1.03, 1.06)
                inside = (box.x0 >= axes_box.x0 - 2 and box.x1 <= axes_box.x1 + 2 and box.y0 >= axes_box.y0 - 2
                          and box.y1 <= axes_box.y1 + 2)
                free_of_labels = inside and not any(box.overlaps(b) for b in placed)
                if free_of_labels and not any(box.overlaps(o) for j, o in enumerate(obstacles) if j != i):
                    chosen = (artist, box)
                    break
                if free_of_labels and fallback is None and i < force:
                    fallback = (dx * distance, dy * distance, ha, va, ring)
                artist.remove()
            if chosen:
                break
        if chosen is None and fallback is not None:
            dx, dy, ha, va, ring = fallback
            artist = label_at((x, y), (dx, dy), ha, va, ring > 0, radius)
            chosen = (artist, artist.get_window_extent(renderer).expanded(1.03, 1.06))
        if chosen:
            placed.append(chosen[1])
    return len(placed)


def _legend(figure, graph, color_by: str, labelled: int, ranked: int) -> None:
    from matplotlib.lines import Line2D

    handles = []
    if color_by == "community":
        members: dict[int, list] = {}
        for n in _ranked(graph, "weighted_degree"):
            members.setdefault(graph.nodes[n]["community"], []).append(n)
        shown = community_colours(graph)
        for c, colour in shown.items():
            names = short_label(graph.nodes[members[c][0]], 22)
            if len(members[c]) > 1 and len(names) + len(short_label(graph.nodes[members[c][1]], 22)) <= 24:
                names += ", " + short_label(graph.nodes[members[c][1]], 22)
            more = ", …" if len(members[c]) > 1 else ""
            handles.append(Line2D([], [], marker="o", ls="", ms=10, mfc=colour, mec="white",
                                  label=f"{c}: {len(members[c])} nodes\n{names}{more}"))
        rest = len(members) - len(shown)
        if rest:
            handles.append(Line2D([], [], marker="o", ls="", ms=10, mfc="#BBBBBB", mec="white",
                                  label=f"{rest} other communit{'ies' if rest != 1 else 'y'}\n(one node each)"))
        title = "Louvain community"
    else:
        present = Counter(category(d) for _, d in graph.nodes(data=True))
        for key, colour in CATEGORY_COLOURS.items():
            if present[key]:
                handles.append(Line2D([], [], marker="o", ls="", ms=10, mfc=colour, mec="white",
                                      label=f"{CATEGORY_NAMES[key]} ({present[key]})"))
        title = "Nodes, by scheme"
    figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.75, 0.87), fontsize=10,
                  title=title, title_fontsize=11, frameon=False, alignment="left", labelspacing=0.7)
    # node size scale: three reference markers
    top = max((d["weighted_degree"] for _, d in graph.nodes(data=True)), default=0)
    if top:
        marks = sorted({_round_nice(top), _round_nice(top / 2), _round_nice(top / 8)} - {0}, reverse=True)
        low, high = _size_range(graph)
        scale = [Line2D([], [], marker="o", ls="", color="#888888", mec="white",
                        ms=math.sqrt(low + (high - low) * min(m, top) / top), label=f"{m:g}") for m in marks]
        figure.legend(handles=scale, loc="lower left", bbox_to_anchor=(0.75, 0.12), fontsize=10,
                      title="Weighted degree", title_fontsize=11, frameon=False, labelspacing=1.4,
                      borderpad=1.0, alignment="left")
    import textwrap

    note = (f"Labels: the {labelled} nodes of highest weighted degree"
            + (" and the respondents" if graph.graph.get("kind") == "actor-concept" else "")
            + (f" that fit (of {ranked} tried)." if labelled < ranked else ".") + " Edge width and shade: weight.")
    figure.text(0.755, 0.03, "\n".join(textwrap.wrap(note, 40)), fontsize=9, color="#555555", va="bottom")


def _round_nice(value: float) -> float:
    if value <= 0:
        return 0
    if value < 1:
        return round(value, 2)
    magnitude = 10 ** math.floor(math.log10(value))
    return max(1, round(value / magnitude * 2) / 2 * magnitude)


def _draw_columns(figure, ax, graph) -> None:
    """al-sdg: Action Lines in a column on the left, Goals on the right, edges coloured by origin."""
    from matplotlib.lines import Line2D

    pos = _columns(graph)
    sizes = node_sizes(graph, smallest=30, largest=700)
    ax.set_position((0.01, 0.10, 0.98, 0.79))
    ax.set_xlim(-1.0, 2.0)
    ax.set_ylim(-0.01, 1.01)
    top = max((d["weight"] for _, _, d in graph.edges(data=True)), default=1) or 1
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (e[2]["origin"] != "matrix", e[2]["weight"])):
        colour, style, _ = ORIGIN_STYLE[d["origin"]]
        ax.plot([pos[u][0], pos[v][0]], [pos[u][1], pos[v][1]], color=colour, ls=style, zorder=1,
                lw=0.8 + 4.0 * d["weight"] / top, alpha=0.75 if d["origin"] != "documents" else 0.45)
    for n, d in graph.nodes(data=True):
        x, y = pos[n]
        ax.scatter([x], [y], s=[sizes[n]], c=[CATEGORY_COLOURS[d["scheme"]]], edgecolors="white", zorder=3)
        right = d["scheme"] != "actionline"
        gap = math.sqrt(sizes[n]) / 2 + 4
        ax.annotate(short_label(d, 50), (x, y), xytext=(gap if right else -gap, 0), textcoords="offset points",
                    ha="left" if right else "right", va="center", fontsize=10,
                    color="#111111" if d["degree"] else "#999999")
    handles = [Line2D([], [], color=c, ls=s, lw=2.5, label=text) for c, s, text in ORIGIN_STYLE.values()]
    counts = Counter(d["origin"] for _, _, d in graph.edges(data=True))
    for handle, origin in zip(handles, ORIGIN_STYLE):
        handle.set_label(f"{handle.get_label()}: {counts[origin]}")
    figure.legend(handles=handles, loc="lower center", ncols=3, fontsize=10.5, frameon=False,
                  bbox_to_anchor=(0.5, 0.0), title="Edges, by origin (width: weight; grey labels: unlinked)",
                  title_fontsize=11)


# -- the interactive view ----------------------------------------------------------------------------------------

def _with_viz(graph, color_by: str | None):
    """A copy with GEXF viz data (position, size, colour), so Gephi opens it laid out as the drawing."""
    import matplotlib.colors

    copy = graph.copy()
    pos = layout(graph)
    colours = node_colours(graph, color_by or default_color_by(graph))
    sizes = node_sizes(graph)
    for n, data in copy.nodes(data=True):
        r, g, b = (int(round(255 * c)) for c in matplotlib.colors.to_rgb(colours[n]))
        x, y = pos.get(n, (0.5, 0.5))
        data["viz"] = {"position": {"x": round(x * 1000, 2), "y": round(y * 1000, 2), "z": 0.0},
                       "size": round(math.sqrt(sizes[n]) / 2, 2), "color": {"r": r, "g": g, "b": b, "a": 1.0}}
    return copy


def html_view(graph, *, color_by: str | None = None) -> str:
    """One HTML file with the network as inline SVG drawn by a little inline JavaScript: positions from the same
    layout as the drawings; hover shows a node's attributes and neighbours, the wheel zooms, dragging pans, the
    search box highlights matching nodes. Nothing is fetched from the network."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    color_by = color_by or default_color_by(graph)
    pos = layout(graph)
    colours = node_colours(graph, color_by)
    sizes = node_sizes(graph, smallest=30, largest=1200)
    index = {n: i for i, n in enumerate(graph)}
    rank = {n: i for i, n in enumerate(_ranked(graph, "weighted_degree"))}
    nodes = []
    for n, d in graph.nodes(data=True):
        x, y = pos.get(n, (0.5, 0.5))
        if graph.graph.get("kind") == "al-sdg":  # the two columns closer together, room for the labels
            x = 0.3 + 0.4 * x
        nodes.append({"id": n, "x": round(60 + x * 880, 2), "y": round(40 + (1 - y) * 620, 2),
                      "r": round(math.sqrt(sizes[n]) / 2.4, 2), "c": colours[n], "rank": rank[n],
                      "left": graph.graph.get("kind") == "al-sdg" and d["scheme"] == "actionline",
                      "label": d["label"], "short": short_label(d, 44 if graph.graph.get("kind") == "al-sdg" else 30),
                      "attrs": {k: v for k, v in d.items() if k not in ("label", "bipartite")}})
    top = max((d["weight"] for _, _, d in graph.edges(data=True)), default=1) or 1
    edges = []
    for u, v, d in drawn_edges(graph):
        colour, style = "#5a5a66", "solid"
        if "origin" in d:
            colour, style, _ = ORIGIN_STYLE[d["origin"]]
        edges.append({"s": index[u], "t": index[v], "w": round(0.5 + 4 * d["weight"] / top, 2), "c": colour,
                      "dash": style == "dashed", "attrs": dict(d)})
    if color_by == "community":
        legend = [(f"community {c}", colour) for c, colour in community_colours(graph).items()]
    else:
        present = Counter(category(d) for _, d in graph.nodes(data=True))
        legend = [(f"{CATEGORY_NAMES[k]} ({present[k]})", c) for k, c in CATEGORY_COLOURS.items() if present[k]]
    edge_legend = []
    if graph.graph.get("kind") == "al-sdg":
        counts = Counter(d["origin"] for _, _, d in graph.edges(data=True))
        edge_legend = [(f"{text}: {counts[origin]}", colour, style)
                       for origin, (colour, style, text) in ORIGIN_STYLE.items()]
    labelled = graph.number_of_nodes() if graph.graph.get("kind") == "al-sdg" else 20
    data = json.dumps({"nodes": nodes, "edges": edges, "labelled": labelled}, ensure_ascii=False,
                      separators=(",", ":"))
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--")
    env = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
                      autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("network.html.j2").render(
        title=graph.graph.get("title", ""), kind=graph.graph.get("kind", ""),
        description=graph.graph.get("description", ""), weight=graph.graph.get("weight", ""),
        queries=graph.graph.get("queries", ""), nodes=graph.number_of_nodes(), edges=graph.number_of_edges(),
        drawn=len(edges),
        legend=legend, edge_legend=edge_legend, data=data, colour_note="Louvain community" if color_by == "community" else "scheme")
