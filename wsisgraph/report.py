"""Stage 8: pictures and the analyst report, from the saved queries and the networks.

`plot_heatmap` draws responses per stakeholder type (or country) and Action Line, SDG or topic. `report` writes
one self-contained HTML file (every figure embedded as a PNG data URI, the CSS inline, no script, nothing
fetched), a Markdown twin that shows the same figures from `figures/`, and for each network an interactive view
and a GEXF file for Gephi in `networks/`. Every table and figure names the saved query behind it. Each file is
written to a temporary file beside it and renamed, the HTML and Markdown last, so they never point at a figure
that is not there. Labels of concepts and countries come from the reference vocabularies; every number comes
from a saved query.
"""
from __future__ import annotations

import base64
import datetime
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ExportError
from .export import write_atomically
from .network import notation_key, save_figure
from .query import get_query, records, run_query

HEATMAP_COLUMNS = {  # cols -> (saved query, column of the query, what the columns are)
    "actionline": ("actionlines-by-stakeholder", "actionline", "Action Line"),
    "sdg": ("sdgs-by-stakeholder", "sdg", "SDG"),
    "topic": ("topics-by-stakeholder", "topic", "topic"),
}
HEATMAP_ROWS = ("stakeholder", "country")
UNKNOWN = "unknown"


def _vocabulary():
    from .schemes import load_vocabulary

    return load_vocabulary()


def short_title(scheme: str, notation: str, vocabulary=None) -> str:
    """A concept's short English title (the first English alternative label, e.g. 'Quality education' for SDG 4),
    else its preferred label, else the notation."""
    vocabulary = vocabulary or _vocabulary()
    concept = vocabulary.get(scheme, notation)
    if concept is None:
        return notation
    alternatives = [label for label, lang in concept.alt_labels if lang == "en"]
    if scheme == "sdg" and alternatives:
        return alternatives[0]
    label = concept.labels.get("en") or (alternatives[0] if alternatives else notation)
    return label.split(":")[0] if scheme == "actionline" else label  # "ICT applications: benefits in all …"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,:;") + "…"


# -- heatmaps ---------------------------------------------------------------------------------------------------

@dataclass
class Heatmap:
    title: str
    query: str
    rows: list[tuple[str, str, int]]  # key, label, responses of that row
    columns: list[tuple[str, str]]  # key, label
    values: dict[tuple[str, str], int]
    note: str = ""
    row_noun: str = "stakeholder type"
    noun: str = "Action Line"


def heatmap_data(store, cols: str = "actionline", rows: str = "stakeholder") -> Heatmap:
    """Responses per row (stakeholder type, or country for topics) and column (Action Line, SDG, topic)."""
    if cols not in HEATMAP_COLUMNS:
        raise ExportError(f"unknown heatmap columns {cols!r}; choose one of {', '.join(HEATMAP_COLUMNS)}")
    if rows not in HEATMAP_ROWS:
        raise ExportError(f"unknown heatmap rows {rows!r}; choose one of {', '.join(HEATMAP_ROWS)}")
    if rows == "country" and cols != "topic":
        raise ExportError(f"--rows country goes with --cols topic only (saved query topics-by-country); "
                          f"not with {cols!r}")
    vocabulary = _vocabulary()
    query, column, noun = HEATMAP_COLUMNS[cols]
    row_key = "stakeholdertype"
    if rows == "country":
        query, row_key = "topics-by-country", "country"
    values: Counter = Counter()
    for r in records(run_query(store, query)):
        values[(r[row_key] or UNKNOWN, r[column])] += int(r["responses"])
    overview = records(run_query(store, "respondents-overview"))
    per_row: Counter = Counter()
    for r in overview:
        per_row[r["stakeholdertype" if rows == "stakeholder" else "country"] or UNKNOWN] += int(r["responses"])
    if rows == "stakeholder":
        keys = sorted(c.notation for c in vocabulary.in_scheme("stakeholdertype"))
        labels = {k: vocabulary.get("stakeholdertype", k).label for k in keys}
        row_list = [(k, labels[k], per_row[k]) for k in keys]
    else:
        keys = sorted(k for k in per_row if k != UNKNOWN)
        row_list = [(k, _country_name(vocabulary, k), per_row[k]) for k in keys]
    if per_row[UNKNOWN] or any(k == UNKNOWN for k, _ in values):
        row_list.append((UNKNOWN, "not known", per_row[UNKNOWN]))
    if cols == "actionline":
        col_keys = sorted((c.notation for c in vocabulary.in_scheme("actionline") if not c.broader),
                          key=notation_key)
        col_list = [(k, f"{k} {_cut(short_title('actionline', k, vocabulary), 30)}") for k in col_keys]
    elif cols == "sdg":
        col_list = [(str(k), f"{k} {_cut(short_title('sdg', str(k), vocabulary), 40)}") for k in range(1, 18)]
    else:  # topics: those named at least once, the most named first
        totals: Counter = Counter()
        for (_, c), n in values.items():
            totals[c] += n
        col_list = [(k, _cut(short_title("topic", k, vocabulary), 30))
                    for k, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))]
    row_noun = "stakeholder type" if rows == "stakeholder" else "respondent country"
    title = f"Responses naming each {noun}, by {row_noun}"
    note = "" if sum(per_row.values()) else "No responses in this store: nothing to count yet."
    if cols == "topic" and not col_list:
        note = "No response names a topic yet."
    return Heatmap(title=title, query=query, rows=row_list, columns=col_list, values=dict(values), note=note,
                   row_noun="stakeholder type" if rows == "stakeholder" else "country", noun=noun)


def _country_name(vocabulary, code: str) -> str:
    concept = vocabulary.get("country", code)
    return f"{concept.label} ({code})" if concept else code


def draw_heatmap(data: Heatmap, dpi: int = 130):
    """A matplotlib Figure: one cell per row and column, the count written in every non-empty cell. With more
    than 12 columns (SDGs, topics) the table is turned, columns down the side, so every label stays readable."""
    import textwrap

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    row_labels = [f"{label} ({n})" for _, label, n in data.rows]
    col_labels = [label for _, label in data.columns]
    matrix = np.array([[data.values.get((r, c), 0) for c, _ in data.columns] for r, _, _ in data.rows],
                      dtype=float).reshape(len(data.rows), len(data.columns))
    turned = len(data.columns) > 12
    if turned:
        matrix, row_labels, col_labels = matrix.T, col_labels, row_labels
    n_rows, n_cols = max(len(row_labels), 1), max(len(col_labels), 1)
    label_room = 0.064 * max([len(s) for s in col_labels] + [4]) + 0.45  # inches under the cells (45°)
    left_room = 0.105 * max([len(s) for s in row_labels] + [4]) + 0.4
    width = max(10.0, min(20.0, left_room + 0.62 * n_cols + 1.6))
    height = 1.25 + 0.44 * n_rows + label_room
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    cells_width = min(0.62 * n_cols, width - left_room - 1.6)
    ax = figure.add_axes((left_room / width, label_room / height, cells_width / width,
                          (0.44 * n_rows) / height))
    shown = matrix if matrix.size else np.zeros((n_rows, n_cols))
    image = ax.imshow(shown, cmap="Blues", aspect="auto", vmin=0, vmax=max(1.0, shown.max()))
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=11)
    ax.set_xticks(range(len(col_labels)), col_labels, fontsize=11, rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.tick_params(which="both", length=0)
    ax.set_xticks([x - 0.5 for x in range(1, len(col_labels))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(row_labels))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    for spine in ax.spines.values():
        spine.set_visible(False)
    limit = shown.max() or 1.0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if matrix[i, j]:
                ax.text(j, i, f"{matrix[i, j]:g}", ha="center", va="center", fontsize=10.5,
                        color="white" if matrix[i, j] > 0.55 * limit else "#0b2540")
    colourbar = figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02, aspect=25)
    colourbar.set_label("responses", fontsize=10.5)
    colourbar.locator = MaxNLocator(integer=True)
    colourbar.update_ticks()
    colourbar.ax.tick_params(labelsize=10)
    figure.text(0.012, 1 - 0.15 / height, data.title, fontsize=15, fontweight="bold", va="top")
    where = (f"{data.noun[:1].upper()}{data.noun[1:]} down the side, {data.row_noun} across" if turned else
             f"{data.row_noun[:1].upper()}{data.row_noun[1:]} down the side, {data.noun} across")
    subtitle = (f"{where}; beside each {data.row_noun}, its number of responses. A cell counts the responses of "
                f"that {data.row_noun} naming the {data.noun}. Saved query: {data.query}.")
    figure.text(0.012, 1 - 0.58 / height, "\n".join(textwrap.wrap(subtitle, int(width * 13))), fontsize=10.5,
                va="top", color="#333333")
    if data.note:
        ax.text(0.5, 0.5, data.note, transform=ax.transAxes, ha="center", va="center", fontsize=12,
                bbox={"fc": "white", "ec": "#999999"})
    return figure


def plot_heatmap(store, out: str | Path, *, rows: str = "stakeholder", cols: str = "actionline",
                 fmt: str | None = None) -> Path:
    """Write the heatmap of responses per stakeholder type and Action Line, SDG or topic as PNG or SVG."""
    fmt = fmt or Path(out).suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ExportError(f"{out}: a heatmap is written as png or svg; give --format png|svg or a .png/.svg name")
    figure = draw_heatmap(heatmap_data(store, cols, rows))
    return write_atomically(out, lambda tmp: save_figure(figure, tmp, fmt))


def draw_bars(items: list[tuple[str, int]], title: str, subtitle: str, dpi: int = 130, colour: str = "#0072B2"):
    """A horizontal bar chart, largest first, with the count at the end of each bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    items = items or [("(none)", 0)]
    height = 1.6 + 0.36 * len(items)
    figure = Figure(figsize=(9.0, height), dpi=dpi)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.33, 0.35 / height, 0.6, 1 - 1.35 / height))
    labels = [label for label, _ in items][::-1]
    values = [value for _, value in items][::-1]
    bars = ax.barh(range(len(items)), values, color=colour, height=0.68)
    ax.set_yticks(range(len(items)), labels, fontsize=10.5)
    ax.bar_label(bars, padding=3, fontsize=10)
    ax.set_xlim(0, max(values + [1]) * 1.15)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    figure.text(0.01, 1 - 0.15 / height, title, fontsize=13.5, fontweight="bold", va="top")
    figure.text(0.01, 1 - 0.55 / height, subtitle, fontsize=10, va="top", color="#333333")
    return figure


# -- the report -------------------------------------------------------------------------------------------------

@dataclass
class ReportSummary:
    out: Path
    html: Path
    markdown: Path
    figures: list[Path] = field(default_factory=list)
    tables: int = 0
    networks: list[Path] = field(default_factory=list)
    seconds: float = 0.0


class _Builder:
    """Collects the report's sections, numbering figures and tables, and writes each figure file."""

    def __init__(self, out: Path):
        self.out = out
        self.sections: list[dict[str, Any]] = []
        self.figures: list[Path] = []
        self.tables = 0

    def section(self, title: str, anchor: str, intro: str = "") -> None:
        self.sections.append({"title": title, "id": anchor, "intro": intro, "blocks": []})

    def _command(self, query: str, params: dict[str, str] | None = None) -> str:
        extra = "".join(f" -p {k}={v}" for k, v in (params or {}).items())
        return f"wsisgraph query {query} --store STORE{extra}"

    def figure(self, figure, name: str, caption: str, queries: list[str]) -> None:
        path = self.out / "figures" / f"{len(self.figures) + 1:02d}-{name}.png"
        write_atomically(path, lambda tmp: save_figure(figure, tmp, "png"))
        self.figures.append(path)
        self.sections[-1]["blocks"].append({
            "kind": "figure", "number": len(self.figures), "file": f"figures/{path.name}", "caption": caption,
            "width": round(figure.get_figwidth() * 96),  # CSS pixels: the fonts show at their nominal size
            "queries": queries, "data": base64.b64encode(path.read_bytes()).decode("ascii"),
            "alt": caption})

    def table(self, columns: list[str], rows: list[list[Any]], caption: str, queries: list[str],
              more: str = "") -> None:
        self.tables += 1
        self.sections[-1]["blocks"].append({
            "kind": "table", "number": self.tables, "columns": columns,
            "rows": [["" if v is None else str(v) for v in row] for row in rows], "caption": caption,
            "queries": queries, "more": more})

    def note(self, text: str) -> None:
        self.sections[-1]["blocks"].append({"kind": "note", "text": text})


def report(store, out_dir: str | Path, *, source: str = "", top: int = 10,
           on_step=None) -> ReportSummary:
    """Write the analyst report of STORE into OUT_DIR: report.html (self-contained), report.md, figures/,
    networks/. `on_step(text)` is told what is being done, for a progress line."""
    from . import __version__
    from .network import actor_network, build_network, draw_network, network_stats, write_network

    started = time.perf_counter()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder; give --out a folder")
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
        (out / "networks").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"{out}: cannot create the report folder ({err.strerror or err})") from None

    def step(text: str) -> None:
        if on_step:
            on_step(text)

    vocabulary = _vocabulary()
    b = _Builder(out)

    # -- the corpus
    step("corpus")
    documents = records(run_query(store, "documents"))
    overview = records(run_query(store, "respondents-overview"))
    kinds = Counter(d["kind"] for d in documents)
    by_type: Counter = Counter()
    by_country: Counter = Counter()
    for r in overview:
        by_type[r["stakeholdertype"] or UNKNOWN] += int(r["responses"])
        by_country[r["country"] or UNKNOWN] += int(r["responses"])
    responses = sum(by_type.values())
    b.section("The corpus", "corpus",
              f"{len(documents)} documents, of which {responses} are responses to the call for inputs.")
    b.figure(draw_bars(kinds.most_common(), "Documents by kind",
                       f"What wsisgraph read each file as. {len(documents)} documents. Saved query: documents."),
             "documents-by-kind", "Documents by kind (questionnaire-md: a call-for-inputs response; wordpress-json: "
             "ITU web pages).", ["documents"])
    type_labels = {c.notation: c.label for c in vocabulary.in_scheme("stakeholdertype")}
    b.figure(draw_bars([(type_labels.get(k, k), n) for k, n in by_type.most_common()],
                       "Responses by stakeholder type",
                       f"{responses} responses. Saved query: respondents-overview.", colour="#D55E00"),
             "respondents-by-type", "Responses by the respondent's stakeholder type.", ["respondents-overview"])
    countries = by_country.most_common()
    shown = countries[:25]
    b.figure(draw_bars([(_country_name(vocabulary, k) if k != UNKNOWN else "not known", n) for k, n in shown],
                       "Responses by country" + (f" (the {len(shown)} with most responses)" if len(countries) > 25
                                                 else ""),
                       f"{responses} responses from {len([k for k in by_country if k != UNKNOWN])} countries. "
                       "Saved query: respondents-overview.", colour="#009E73"),
             "respondents-by-country", "Responses by the respondent's country (ISO 3166-1).",
             ["respondents-overview"])
    b.table(["kind", "documents"], [[k, n] for k, n in kinds.most_common()], "Documents by kind.", ["documents"])
    b.table(["stakeholder type", "country", "responses"],
            [[type_labels.get(r["stakeholdertype"], r["stakeholdertype"] or "not known"),
              _country_name(vocabulary, r["country"]) if r["country"] else "not known", r["responses"]]
             for r in overview], "Responses by stakeholder type and country.", ["respondents-overview"])

    # -- what each stakeholder type names
    step("heatmaps")
    b.section("Action Lines, SDGs and topics by stakeholder type", "by-stakeholder",
              "How many responses of each stakeholder type name each Action Line, SDG and topic in their own "
              "answers (the questionnaire's question wording left out; C7.4 counts as C7, target 4.4 as SDG 4).")
    for cols, name in (("actionline", "Action Lines"), ("sdg", "SDGs"), ("topic", "topics")):
        data = heatmap_data(store, cols)
        b.figure(draw_heatmap(data), f"heatmap-{cols}", f"Responses naming each of the {name}, by stakeholder "
                 "type (beside each type, its number of responses).", [data.query])

    # -- emerging topics
    step("topics")
    topic_rows = records(run_query(store, "topics-by-stakeholder"))
    topic_total: Counter = Counter()
    topic_types: dict[str, Counter] = defaultdict(Counter)
    for r in topic_rows:
        topic_total[r["topic"]] += int(r["responses"])
        topic_types[r["topic"]][type_labels.get(r["stakeholdertype"], r["stakeholdertype"] or "not known")] += int(
            r["responses"])
    named_docs = {r["notation"]: int(r["documents"]) for r in records(run_query(store, "concepts", {"scheme": "topic"}))}
    ranked = sorted(topic_total, key=lambda t: (-topic_total[t], -named_docs.get(t, 0), t))
    b.section("Emerging topics and who raises them", "topics",
              "The topics of the topic scheme (artificial intelligence, quantum, data governance, …) that responses "
              "name, the most raised first, with the respondents who raise them and their words.")
    rows = []
    for t in ranked[:top]:
        raisers: dict[str, dict] = {}
        for r in records(run_query(store, "who-raises", {"concept": t})):
            entry = raisers.setdefault(r["source"], {"name": r["name"] or r["source"], "type": r["stakeholdertype"],
                                                     "country": r["country"], "quotes": []})
            if r["quote"] not in entry["quotes"]:
                entry["quotes"].append(r["quote"])
        who = "; ".join(
            f"{e['name']} ({', '.join(x for x in (type_labels.get(e['type'], e['type']), e['country']) if x)}):"
            f" “{_cut(' '.join(e['quotes'][0].split()), 60)}”" for e in raisers.values())
        types = ", ".join(f"{k} {v}" for k, v in topic_types[t].most_common())
        rows.append([short_title("topic", t, vocabulary), topic_total[t], named_docs.get(t, 0), types, who])
    if rows:
        b.table(["topic", "responses", "documents", "responses by stakeholder type", "who raises it, in their words"],
                rows, f"The {len(rows)} topics most raised in responses (`documents` also counts web pages).",
                ["topics-by-stakeholder", "concepts", "who-raises"],
                more=(f"{len(ranked) - len(rows)} more topics are named; `wsisgraph query topics-by-stakeholder` "
                      "lists them all.") if len(ranked) > len(rows) else "")
    else:
        b.note("No response names a topic of the topic scheme yet.")

    # -- divergence from the WSIS-SDG Matrix
    step("matrix")
    divergence = records(run_query(store, "matrix-divergence"))
    b.section("Divergence from the WSIS-SDG Matrix", "matrix",
              "Action Line - SDG pairs that documents link (naming both, or topically about both) against the pairs "
              "of the WSIS-SDG Matrix.")
    al_sdg = build_network(store, "al-sdg")
    no_matrix = any(r["status"] == "no-matrix" for r in divergence)
    if no_matrix:
        b.note("No WSIS-SDG Matrix is loaded (the matrix file holds no rows), so every "
               "pair documents link counts as not in the Matrix. Load one with "
               "`wsisgraph build DOCS --store STORE --matrix FILE.csv` (columns action_line,sdg,targets,source).")
    b.figure(draw_network(al_sdg), "network-al-sdg",
             "Action Lines (left) and SDGs (right): edges from documents (explicit and topical links), from the "
             "Matrix, or both; width by weight." + (" No Matrix is loaded: every edge comes from documents."
                                                    if no_matrix else ""), ["network-al-sdg"])
    pairs = [r for r in divergence if r["status"] != "no-matrix"]
    for status, caption in (("not-in-matrix", "Pairs documents link that the Matrix does not (most documents "
                                               "first; explicit mentions only)."),
                            ("not-in-documents", "Matrix pairs no document links explicitly.")):
        selected = [r for r in pairs if r["status"] == status]
        if selected:
            b.table(["Action Line", "SDG", "documents", "answers"],
                    [[f"{r['actionline']} {short_title('actionline', r['actionline'], vocabulary)}",
                      f"{r['sdg']} {short_title('sdg', r['sdg'], vocabulary)}", r["documents"], r["answers"]]
                     for r in selected[:25]], caption, ["matrix-divergence"],
                    more=f"{len(selected) - 25} more; `wsisgraph query matrix-divergence` lists them all."
                    if len(selected) > 25 else "")
        elif status == "not-in-documents" and not no_matrix:
            b.note("Every Matrix pair is linked by at least one document.")

    # -- the networks
    b.section("Networks", "networks",
              "The graph as networks (networkx): node size by weighted degree, metrics on every node, Louvain "
              "communities (seed 42). Each has an interactive view and a GEXF file for Gephi in `networks/`; "
              "`wsisgraph network KIND --store STORE --format graphml|gexf|json|png|svg|html` writes them too.")
    networks = [out / "networks" / "al-sdg.html", out / "networks" / "al-sdg.gexf"]
    write_network(al_sdg, networks[0])
    write_network(al_sdg, networks[1])
    for kind, caption in (("co-mention", "Concepts named in the same answer or page section."),
                          ("actor", "Organizations linked by the concepts they share (Jaccard); colour: community."),
                          ("actor-concept", "Organizations and the concepts they name (bipartite).")):
        step(f"network {kind}")
        if kind == "actor":  # projected from actor-concept, so that its queries (the slowest) run once
            actor_concept = build_network(store, "actor-concept")
            graph = actor_network(actor_concept)
        else:
            graph = actor_concept if kind == "actor-concept" else build_network(store, kind)
        stats = network_stats(graph, top=top)
        b.figure(draw_network(graph), f"network-{kind}", f"{graph.graph['title']}: {caption} Edge weight: "
                 f"{graph.graph['weight']}.", graph.graph["queries"].split(", "))
        for fmt in ("html", "gexf"):
            networks.append(write_network(graph, out / "networks" / f"{kind}.{fmt}"))
        actors = kind != "co-mention"
        top_rows = []
        for node in stats["top"]["weighted_degree"]:
            d = graph.nodes[node["id"]]
            kind_of = (", ".join(x for x in (type_labels.get(d["stakeholdertype"], d["stakeholdertype"]),
                                             d["country"]) if x) or d["role"]) if d["role"] != "concept" else d["scheme"]
            top_rows.append([d["label"], kind_of, f"{d['weighted_degree']:g}", d["degree"],
                             f"{d['betweenness']:.3f}", f"{d['eigenvector']:.3f}", d["community"]])
        b.table(["node", "type, country" if actors else "scheme", "weighted degree", "degree", "betweenness",
                 "eigenvector", "community"], top_rows,
                f"{graph.graph['title']}: the {len(top_rows)} nodes of highest weighted degree"
                f"{' (the top actors)' if actors else ''}. Eigenvector centrality: {graph.graph['eigenvector_scope']}.",
                graph.graph["queries"].split(", "))
        community_rows = []
        for c in stats["communities"][:8]:
            names = [m["label"] for m in c["members"]]
            community_rows.append([c["community"], c["size"], "; ".join(names[:10])
                                   + (f"; … and {len(names) - 10} more" if len(names) > 10 else "")])
        b.table(["community", "nodes", "members (by weighted degree)"], community_rows,
                f"{graph.graph['title']}: Louvain communities (modularity {stats['modularity']:.3f}).",
                graph.graph["queries"].split(", "),
                more=f"{len(stats['communities']) - 8} smaller communities; `wsisgraph network stats {kind}` "
                     "lists them all." if len(stats["communities"]) > 8 else "")

    # -- the two documents
    step("writing")
    context = {
        "title": "WSIS process documents: an analyst report",
        "source": source, "version": __version__, "date": datetime.date.today().isoformat(),
        "documents": len(documents), "responses": responses, "sections": b.sections,
        "commands": {q: b._command(q) for q in _queries_used(b.sections)},
        "summaries": {q: get_query(q).summary for q in _queries_used(b.sections)},
    }
    env = _environment()
    html_text = env.get_template("report.html.j2").render(**context)
    markdown_text = _environment(markdown=True).get_template("report.md.j2").render(**context)
    html_path = write_atomically(out / "report.html", lambda tmp: Path(tmp).write_text(html_text, encoding="utf-8"))
    md_path = write_atomically(out / "report.md", lambda tmp: Path(tmp).write_text(markdown_text, encoding="utf-8"))
    return ReportSummary(out=out, html=html_path, markdown=md_path, figures=b.figures, tables=b.tables,
                         networks=networks, seconds=time.perf_counter() - started)


def _queries_used(sections) -> list[str]:
    seen: dict[str, None] = {}
    for section in sections:
        for block in section["blocks"]:
            for q in block.get("queries", []):
                seen.setdefault(q, None)
    return list(seen)


def _environment(markdown: bool = False):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
                      autoescape=False if markdown else select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    env.filters["code"] = _inline_code
    return env


def _inline_code(text: str):
    """HTML of a text in which `backquoted` parts are code."""
    import re

    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`]+)`", lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))
