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
graph attribute `eigenvector_scope` says) and community (Louvain, seed 42, numbered by size). This module builds,
measures and writes them as GraphML, GEXF and node-link JSON; `drawing.py` draws them (PNG, SVG, the HTML view).
networkx is imported inside the functions that need it.
"""
from __future__ import annotations

import json
import math
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
    projected = bipartite.overlap_weighted_projected_graph(full, actors, jaccard=True)
    # networkx adds the edges in the order of a set of strings, which changes with the hash seed of each process;
    # in the actors' order instead, so the files and the layout are the same from one run to the next
    position = {n: i for i, n in enumerate(actors)}
    graph = _new_graph()
    graph.add_nodes_from(projected.nodes(data=True))
    graph.add_edges_from(sorted(((u, v, d) if position[u] < position[v] else (v, u, d)
                                 for u, v, d in projected.edges(data=True)),
                                key=lambda e: (position[e[0]], position[e[1]])))
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


def ranked_nodes(graph, key: str, nodes=None) -> list:
    """The nodes (all, or NODES) by KEY, then weighted degree, highest first, then by label: the order of the
    statistics, of the labels drawn and of the legends."""
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
        "top": {key: [node(n) for n in ranked_nodes(graph, key)[:top] if graph.nodes[n][key] > 0]
                for key, _ in METRICS},
        "modularity": round(modularity, 6),
        "communities": [{"community": c, "size": len(members),
                         "members": [node(n) for n in ranked_nodes(graph, "weighted_degree", members)]}
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
    if fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
        return write_atomically(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    # GEXF carries the drawing's layout and colours: drawing imports this module, so it is imported here, not at
    # the top (no import cycle, and GraphML/JSON never load matplotlib)
    from . import drawing

    if fmt == "gexf":
        return write_atomically(out, lambda tmp: nx.write_gexf(drawing.with_viz(graph, color_by), tmp))
    if fmt == "html":
        text = drawing.html_view(graph, color_by=color_by)
        return write_atomically(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    figure = drawing.draw_network(graph, color_by=color_by, labels=labels)
    return write_atomically(out, lambda tmp: drawing.save_figure(figure, tmp, fmt))
