"""Stage 8, drawn: the networks of `network.py` as pictures and as an interactive page.

- `draw_network`: a matplotlib Figure (Agg backend, no display): node size by weighted degree, colour by scheme or
  Louvain community, respondents (organizations that wrote a response) as squares and every other node as a
  circle, labels on the most central nodes placed so they do not overlap, a legend and a title; `al-sdg` is drawn
  as two columns, Action Lines left and Goals right, edges coloured by origin. `save_figure` writes it as PNG or
  SVG with no timestamps, so the same network gives the same bytes.
- `html_view`: one self-contained HTML file (inline SVG and JavaScript, nothing fetched) with the same layout.
- `with_viz`: a copy of the network carrying GEXF viz data (position, size, colour), so Gephi opens it
  laid out as the drawing (respondents as squares).

A dense network is drawn (and shown in the HTML view) by its backbone of strongest edges; the GraphML, GEXF and
JSON files keep every edge. Layouts are seeded (ForceAtlas2, `network.SEED`) and kept per graph object, so the
drawing, the HTML view and the GEXF file of one network share one layout. This module imports `network`, never
the reverse (`network.write_network` imports it inside the function); matplotlib is imported inside the functions
that need it, so importing this module stays cheap.
"""
from __future__ import annotations

import json
import math
import weakref
from collections import Counter
from pathlib import Path

from .errors import ExportError
from .network import SEED, ranked_nodes

#: Drawings and the HTML view show at most this many edges: each node's strongest first (a backbone).
DRAWN_EDGES = 2500
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
#: Respondents are squares of the same area as a circle of the same size (matplotlib sizes a square by its side,
#: a circle by its diameter); in the legends, with their meaning.
SQUARE_AREA = math.pi / 4
SHAPE_NAMES = {"square": "respondent", "circle": "named in the text only"}
ORIGIN_STYLE = {  # al-sdg edges: colour, line style, legend
    "both": ("#009E73", "solid", "documents and the Matrix"),
    "documents": ("#0072B2", "solid", "documents only (not in the Matrix)"),
    "matrix": ("#D55E00", "dashed", "the Matrix only (no document)"),
}


# -- saving ----------------------------------------------------------------------------------------------------

def save_figure(figure, path: str | Path, fmt: str) -> None:
    """Save a matplotlib Figure as png or svg, with no timestamps, so the same network gives the same bytes."""
    metadata = {"Software": None} if fmt == "png" else {"Date": None}
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "wsisgraph", "svg.fonttype": "path"}):
        figure.savefig(path, format=fmt, dpi=figure.dpi, metadata=metadata)


# -- drawing ----------------------------------------------------------------------------------------------------

def default_color_by(graph) -> str:
    return "community" if graph.graph.get("kind") == "actor" else "scheme"


def is_respondent(data: dict) -> bool:
    """An organization that wrote a response (role respondent or respondent+named), drawn as a square."""
    return data.get("role", "").startswith("respondent")


def category(data: dict) -> str:
    if data["role"] == "concept":
        return data["scheme"]
    return "respondent" if is_respondent(data) else "named organization"


def shape_counts(graph) -> Counter:
    """How many organizations are respondents (squares) and how many are only named (circles); empty when the
    network has no organizations (co-mention, al-sdg)."""
    return Counter("square" if is_respondent(d) else "circle" for _, d in graph.nodes(data=True)
                   if d.get("role", "concept") != "concept")


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
    circles = [n for n in order if not is_respondent(graph.nodes[n])]
    squares = [n for n in order if is_respondent(graph.nodes[n])]  # the respondents, on top of the others
    for nodes, marker, area, gid in ((circles, "o", 1.0, None), (squares, "s", SQUARE_AREA, "respondents")):
        if nodes:
            ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], s=[sizes[n] * area for n in nodes],
                       c=[colours[n] for n in nodes], marker=marker, edgecolors="white", linewidths=0.8, zorder=3,
                       gid=gid)
    ax.set_xlim(-0.04, 1.04)
    ax.set_ylim(min(p[1] for p in pos.values()) - 0.05, 1.04)
    # every node of a small network, else the top quarter (at least 15, at most 30)
    count = labels if labels is not None else (
        graph.number_of_nodes() if graph.number_of_nodes() <= 40 else min(30, max(15, graph.number_of_nodes() // 4)))
    order = ranked_nodes(graph, "weighted_degree")
    ranked = order[:count]
    if kind == "actor-concept" and labels is None:  # the respondents are what analysts look for: label them too
        ranked += [n for n in order if is_respondent(graph.nodes[n]) and n not in ranked][:20]
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
        for n in ranked_nodes(graph, "weighted_degree"):
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
                square = key == "respondent"
                handles.append(Line2D([], [], marker="s" if square else "o", ls="",
                                      ms=10 * math.sqrt(SQUARE_AREA) if square else 10, mfc=colour, mec="white",
                                      label=f"{CATEGORY_NAMES[key]} ({present[key]})"))
        title = "Nodes, by scheme"
    figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.75, 0.87), fontsize=10,
                  title=title, title_fontsize=11, frameon=False, alignment="left", labelspacing=0.7)
    shapes = shape_counts(graph)
    if color_by == "community" and shapes["square"]:  # the colours say community: the shape says who wrote
        figure.legend(handles=[Line2D([], [], marker="s" if shape == "square" else "o", ls="", mfc="#888888",
                                      mec="white", ms=10 * math.sqrt(SQUARE_AREA) if shape == "square" else 10,
                                      label=f"{text} ({shapes[shape]})")
                               for shape, text in SHAPE_NAMES.items() if shapes[shape]],
                      loc="upper left", bbox_to_anchor=(0.75, 0.985), fontsize=10, title="Organizations, by shape",
                      title_fontsize=11, frameon=False, alignment="left", labelspacing=0.5)
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

def with_viz(graph, color_by: str | None):
    """A copy with GEXF viz data (position, size, colour; shape square for respondents, disc for the other nodes
    of an actor network), so Gephi opens it laid out as the drawing."""
    import matplotlib.colors

    copy = graph.copy()
    pos = layout(graph)
    colours = node_colours(graph, color_by or default_color_by(graph))
    sizes = node_sizes(graph)
    shaped = bool(shape_counts(graph)["square"])
    for n, data in copy.nodes(data=True):
        r, g, b = (int(round(255 * c)) for c in matplotlib.colors.to_rgb(colours[n]))
        x, y = pos.get(n, (0.5, 0.5))
        data["viz"] = {"position": {"x": round(x * 1000, 2), "y": round(y * 1000, 2), "z": 0.0},
                       "size": round(math.sqrt(sizes[n]) / 2, 2), "color": {"r": r, "g": g, "b": b, "a": 1.0}}
        if shaped:
            data["viz"]["shape"] = "square" if is_respondent(data) else "disc"
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
    rank = {n: i for i, n in enumerate(ranked_nodes(graph, "weighted_degree"))}
    nodes = []
    for n, d in graph.nodes(data=True):
        x, y = pos.get(n, (0.5, 0.5))
        if graph.graph.get("kind") == "al-sdg":  # the two columns closer together, room for the labels
            x = 0.3 + 0.4 * x
        nodes.append({"id": n, "x": round(60 + x * 880, 2), "y": round(40 + (1 - y) * 620, 2),
                      "r": round(math.sqrt(sizes[n]) / 2.4, 2), "c": colours[n], "rank": rank[n],
                      "shape": "square" if is_respondent(d) else "circle",
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
    shapes = shape_counts(graph)
    if color_by == "community":
        legend = [(f"community {c}", colour, "circle") for c, colour in community_colours(graph).items()]
        if shapes["square"]:
            legend += [(f"{text} ({shapes[shape]})", "#888888", shape) for shape, text in SHAPE_NAMES.items()
                       if shapes[shape]]
    else:
        present = Counter(category(d) for _, d in graph.nodes(data=True))
        legend = [(f"{CATEGORY_NAMES[k]} ({present[k]})", c, "square" if k == "respondent" else "circle")
                  for k, c in CATEGORY_COLOURS.items() if present[k]]
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
        legend=legend, edge_legend=edge_legend, data=data, colour_note="Louvain community" if color_by == "community" else "scheme",
        shape_note="squares: respondents (organizations that wrote a response)" if shapes["square"] else "")
