"""Stage 8: pictures and the analyst report, from the saved queries and the networks.

`plot_heatmap` draws responses per stakeholder type (or country) and Action Line, SDG or topic. `report` writes
one self-contained HTML file (every figure embedded as a PNG data URI, the CSS inline, no script, nothing
fetched), a Markdown twin that shows the same figures from `figures/`, and for each network an interactive view
and a GEXF file for Gephi in `networks/`, linked from both. Every table and figure names the saved query behind
it; a chart with nothing to show (a heatmap without cells, a network without edges) is one sentence saying why.
The report folder is built beside OUT and swapped in whole (outdir.replacing), like the site. Labels of concepts
and countries come from the reference vocabularies (else from the store, for concepts of `build --vocabulary`
files); every number comes from a saved query. Text from documents is escaped in both files.
"""
from __future__ import annotations

import base64
import datetime
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ExportError
from .export import write_atomically
from .drawing import notation_key, save_figure
from .outdir import replacing
from .query import document_title, get_query, records, run_query

HEATMAP_COLUMNS = {  # cols -> (saved query, column of the query, what the columns are)
    "actionline": ("actionlines-by-stakeholder", "actionline", "Action Line"),
    "sdg": ("sdgs-by-stakeholder", "sdg", "SDG"),
    "topic": ("topics-by-stakeholder", "topic", "topic"),
}
HEATMAP_ROWS = ("stakeholder", "country")
_A_NOUN = {"Action Line": "an Action Line", "SDG": "an SDG", "topic": "a topic"}
UNKNOWN = "unknown"


def _vocabulary():
    from .schemes import load_vocabulary

    return load_vocabulary()


def short_title(scheme: str, notation: str, vocabulary=None, fallback: str = "") -> str:
    """A concept's short English title (the first English alternative label, e.g. 'Quality education' for SDG 4),
    else its preferred label, else `fallback` (the label a query read from the store: concepts of a vocabulary
    given to `build --vocabulary`), else the notation."""
    vocabulary = vocabulary or _vocabulary()
    concept = vocabulary.get(scheme, notation)
    if concept is None:
        return fallback or notation
    alternatives = [label for label, lang in concept.alt_labels if lang == "en"]
    if scheme == "sdg" and alternatives:
        return alternatives[0]
    label = concept.labels.get("en") or (alternatives[0] if alternatives else notation)
    return label.split(":")[0] if scheme == "actionline" else label  # "ICT applications: benefits in all …"


_PLURALS = {"Matrix pair": "Matrix pairs", "stakeholder type": "stakeholder types"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 response', '2 responses', '1 country', '3 countries', '0 documents'."""
    if count == 1:
        return f"1 {noun}"
    if many is None:
        many = _PLURALS.get(noun)
    if many is None:
        if noun.endswith("y") and noun[-2:-1] not in "aeiou":
            many = noun[:-1] + "ies"
        elif noun.endswith(("s", "x", "ch", "sh")):
            many = noun + "es"
        else:
            many = noun + "s"
    return f"{count:,} {many}"


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

    @property
    def empty(self) -> bool:
        """No cell counts anything: the report says so in a sentence instead of drawing an empty grid."""
        return not any(self.values.values())


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
    labels: dict[str, str] = {}  # the labels the query read from the store
    for r in records(run_query(store, query)):
        values[(r[row_key] or UNKNOWN, r[column])] += int(r["responses"])
        labels.setdefault(r[column], r.get("label") or "")
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
        col_list = [(k, _cut(short_title("topic", k, vocabulary, labels.get(k, "")), 30))
                    for k, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))]
    row_noun = "stakeholder type" if rows == "stakeholder" else "respondent country"
    title = f"Responses naming each {noun}, by {row_noun}"
    note = "" if sum(per_row.values()) else "No responses in this store: nothing to count yet."
    if not note and not any(values.values()):
        note = f"No response names {_A_NOUN.get(noun, noun)} in its own answers yet."
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


# -- the Action Line x SDG grid ----------------------------------------------------------------------------------

#: the colours of the al-sdg drawing (network.ORIGIN_STYLE), so the two figures read alike
GRID_BOTH, GRID_ADDED, GRID_MATRIX, GRID_TOPICAL = "#009E73", "#0072B2", "#F6D3BC", "#EDB48F"


def draw_matrix_grid(cells: dict[tuple[str, str], dict], lines: list[tuple[str, str]], goals: list[tuple[str, str]],
                     title: str, subtitle: str, dpi: int = 130):
    """Action Lines down the side, Goals across; a cell per pair: green where the Matrix links it and documents
    name both, blue where documents name both and the Matrix does not, pale orange where only the Matrix links
    it (darker, marked t, when documents link it topically); the number is the documents naming both."""
    import textwrap

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    n_rows, n_cols = len(lines), len(goals)
    left_room = 0.098 * max([len(label) for _, label in lines] + [4]) + 0.35
    label_room = 0.062 * max([len(label) for _, label in goals] + [4]) + 0.4
    cell = 0.5
    width = max(10.0, left_room + cell * n_cols + 0.4)
    top_room = 1.0
    legend_room = 0.75
    height = top_room + cell * n_rows + label_room + legend_room
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((left_room / width, (label_room + legend_room) / height, cell * n_cols / width,
                          cell * n_rows / height))
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    for i, (line, _) in enumerate(lines):
        for j, (goal, _) in enumerate(goals):
            found = cells.get((line, goal))
            colour, text, text_colour = "white", "", "#0b2540"
            if found:
                explicit, matrix, linking = found["explicit"], found["matrix"], found["documents"]
                if explicit and matrix:
                    colour, text, text_colour = GRID_BOTH, f"{explicit:g}", "white"
                elif explicit:
                    colour, text, text_colour = GRID_ADDED, f"{explicit:g}", "white"
                elif matrix:
                    colour, text = (GRID_TOPICAL, "t") if linking else (GRID_MATRIX, "")
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=colour, edgecolor="#d9d9d9", linewidth=0.8))
            if text:
                ax.text(j, i, text, ha="center", va="center", fontsize=10, color=text_colour,
                        fontstyle="italic" if text == "t" else "normal")
    ax.set_yticks(range(n_rows), [label for _, label in lines], fontsize=10.5)
    ax.set_xticks(range(n_cols), [label for _, label in goals], fontsize=10.5, rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    figure.text(0.012, 1 - 0.15 / height, title, fontsize=15, fontweight="bold", va="top")
    figure.text(0.012, 1 - 0.55 / height, "\n".join(textwrap.wrap(subtitle, int(width * 13))), fontsize=10.5,
                va="top", color="#333333")
    handles = [Patch(facecolor=GRID_BOTH, label="in the Matrix, and named by documents"),
               Patch(facecolor=GRID_ADDED, label="named by documents, not in the Matrix"),
               Patch(facecolor=GRID_MATRIX, edgecolor="#d9d9d9", label="in the Matrix, named by no document"),
               Patch(facecolor=GRID_TOPICAL, label="t: in the Matrix, linked by documents only topically")]
    figure.legend(handles=handles, loc="lower left", bbox_to_anchor=(left_room / width * 0.25, 0.1 / height),
                  ncol=2, fontsize=10, frameon=False, handlelength=1.4, columnspacing=1.6)
    return figure


# -- the report -------------------------------------------------------------------------------------------------

REPORT_MARKER = ".wsisgraph-report"
#: what a report folder holds: one written before reports had a marker is still recognised as a report
REPORT_FILES = {"report.html", "report.md", "figures", "networks", REPORT_MARKER}
#: why a network can have no edges, said instead of drawing it
NO_EDGES = {
    "co-mention": "no answer or page section names two concepts together",
    "actor": "no two organizations name a concept in common",
    "actor-concept": "no organization names a concept in its own text, or is named together with one",
    "al-sdg": "no document links an Action Line with an SDG, and the WSIS-SDG Matrix adds no pair",
}
ROLES = {"respondent": "wrote a response", "respondent+named": "wrote a response; also named in others' text",
         "named": "named in the text"}


@dataclass
class ReportSummary:
    out: Path
    html: Path
    markdown: Path
    figures: list[Path] = field(default_factory=list)
    tables: int = 0
    networks: list[Path] = field(default_factory=list)
    seconds: float = 0.0


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


class _Builder:
    """Collects the report's sections, numbering figures and tables, and writes each figure file into the
    folder being built."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.sections: list[dict[str, Any]] = []
        self.figures: list[Path] = []  # relative to the folder
        self.tables = 0

    def section(self, title: str, anchor: str, intro: str = "") -> None:
        self.sections.append({"title": title, "id": anchor, "intro": intro, "blocks": []})

    def _command(self, query: str, params: dict[str, str] | None = None) -> str:
        extra = "".join(f" -p {k}={v}" for k, v in (params or {}).items())
        return f"wsisgraph query {query} --store STORE{extra}"

    def figure(self, figure, name: str, caption: str, queries: list[str]) -> None:
        relative = Path("figures") / f"{len(self.figures) + 1:02d}-{name}.png"
        save_figure(figure, self.folder / relative, "png")
        self.figures.append(relative)
        self.sections[-1]["blocks"].append({
            "kind": "figure", "number": len(self.figures), "file": relative.as_posix(), "caption": caption,
            "width": round(figure.get_figwidth() * 96),  # CSS pixels: the fonts show at their nominal size
            "queries": queries, "data": base64.b64encode((self.folder / relative).read_bytes()).decode("ascii"),
            "alt": caption})

    def table(self, columns: list[str], rows: list[list[Any]], caption: str, queries: list[str],
              more: str = "") -> None:
        self.tables += 1
        cells = [["" if v is None else str(v) for v in row] for row in rows]
        # a column is right-aligned when every cell of it is a number (not a list of Goals that may hold one)
        numeric = [i for i in range(len(columns))
                   if any(row[i] for row in cells) and all(_NUMBER.fullmatch(row[i]) for row in cells if row[i])]
        self.sections[-1]["blocks"].append({
            "kind": "table", "number": self.tables, "columns": columns, "rows": cells, "numeric": numeric,
            "caption": caption, "queries": queries, "more": more})

    def note(self, text: str) -> None:
        self.sections[-1]["blocks"].append({"kind": "note", "text": text})

    def files(self, lead: str, links: list[tuple[str, str]]) -> None:
        """Links to files of the report folder: (relative path, what it is)."""
        self.sections[-1]["blocks"].append({"kind": "files", "lead": lead,
                                            "links": [{"href": h, "what": w} for h, w in links]})


def _holds_a_report(folder: Path) -> bool:
    return {p.name for p in folder.iterdir()} <= REPORT_FILES


def report(store, out_dir: str | Path, *, source: str = "", top: int = 10,
           on_step=None) -> ReportSummary:
    """Write the analyst report of STORE into OUT_DIR: report.html (self-contained), report.md, figures/,
    networks/. The report is built in a hidden folder beside OUT_DIR and swapped in whole when complete, so a
    failed or killed run leaves the previous report as it was (and the next run removes what a killed one
    left); OUT_DIR is replaced only if it is missing, empty or holds a report. `on_step(text)` is told what is
    being done, for a progress line."""
    from . import __version__

    started = time.perf_counter()
    out = Path(out_dir)

    def step(text: str) -> None:
        if on_step:
            on_step(text)

    with replacing(out, marker=REPORT_MARKER, marker_text=f"wsisgraph {__version__} analyst report\n",
                   ours=_holds_a_report, what="report") as folder:
        (folder / "figures").mkdir()
        (folder / "networks").mkdir()
        b = _Builder(folder)
        vocabulary = _vocabulary()
        type_labels = {c.notation: c.label for c in vocabulary.in_scheme("stakeholdertype")}
        step("corpus")
        documents, responses = _corpus(store, b, vocabulary, type_labels)
        step("heatmaps")
        _by_stakeholder(store, b)
        step("topics")
        _topics(store, b, vocabulary, type_labels, top)
        step("matrix")
        from .network import build_network

        al_sdg = build_network(store, "al-sdg")
        _matrix(store, b, vocabulary, type_labels, al_sdg)
        networks = _networks(store, b, type_labels, top, al_sdg, step)
        step("writing")
        context = {
            "title": "WSIS process documents: an analyst report",
            "source": source, "version": __version__, "date": datetime.date.today().isoformat(),
            "documents": plural(len(documents), "document"), "responses": plural(responses, "response"),
            "sections": b.sections,
            "commands": {q: b._command(q) for q in _queries_used(b.sections)},
            "summaries": {q: get_query(q).summary for q in _queries_used(b.sections)},
        }
        html_text = _environment().get_template("report.html.j2").render(**context)
        markdown_text = _environment(markdown=True).get_template("report.md.j2").render(**context)
        (folder / "report.html").write_text(html_text, encoding="utf-8")
        (folder / "report.md").write_text(markdown_text, encoding="utf-8")
    return ReportSummary(out=out, html=out / "report.html", markdown=out / "report.md",
                         figures=[out / f for f in b.figures], tables=b.tables,
                         networks=[out / n for n in networks], seconds=time.perf_counter() - started)


def _type_label(type_labels: dict[str, str], notation: str) -> str:
    return type_labels.get(notation, notation) if notation else "Type not known"


def _corpus(store, b: _Builder, vocabulary, type_labels) -> tuple[list[dict], int]:
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
              f"{plural(len(documents), 'document')}, of which {plural(responses, 'is a response', 'are responses')}"
              " to the call for inputs.")
    b.figure(draw_bars(kinds.most_common(), "Documents by kind",
                       f"What wsisgraph read each file as. {plural(len(documents), 'document')}. "
                       "Saved query: documents."),
             "documents-by-kind", "Documents by kind (questionnaire-md: a call-for-inputs response; wordpress-json: "
             "ITU web pages).", ["documents"])
    if not responses:
        b.note("No document in this store is a response to the call for inputs, so there are no charts of "
               "respondents by stakeholder type or country.")
    else:
        b.figure(draw_bars([(_type_label(type_labels, k if k != UNKNOWN else ""), n)
                            for k, n in by_type.most_common()],
                           "Responses by stakeholder type",
                           f"{plural(responses, 'response')}. Saved query: respondents-overview.", colour="#D55E00"),
                 "respondents-by-type", "Responses by the respondent's stakeholder type.", ["respondents-overview"])
        countries = by_country.most_common()
        shown = countries[:25]
        known = len([k for k in by_country if k != UNKNOWN])
        b.figure(draw_bars([(_country_name(vocabulary, k) if k != UNKNOWN else "not known", n) for k, n in shown],
                           "Responses by country" + (f" (the {len(shown)} with most responses)"
                                                     if len(countries) > 25 else ""),
                           f"{plural(responses, 'response')} from {plural(known, 'country')}. "
                           "Saved query: respondents-overview.", colour="#009E73"),
                 "respondents-by-country", "Responses by the respondent's country (ISO 3166-1).",
                 ["respondents-overview"])
    b.table(["kind", "documents"], [[k, n] for k, n in kinds.most_common()], "Documents by kind.", ["documents"])
    if responses:
        b.table(["stakeholder type", "country", "responses"],
                [[_type_label(type_labels, r["stakeholdertype"]),
                  _country_name(vocabulary, r["country"]) if r["country"] else "not known", r["responses"]]
                 for r in overview], "Responses by stakeholder type and country.", ["respondents-overview"])
        who = {r["source"]: r for r in records(run_query(store, "respondents"))}
        rows = []
        for d in sorted((d for d in documents if d["respondent"]),
                        key=lambda d: (int(d["identifier"]) if d["identifier"].isdigit() else 10**9,
                                       d["respondent"].casefold(), d["source"])):
            r = who.get(d["source"], {})
            rows.append([document_title(d["title"], d["respondent"], d["identifier"], d["source"]),
                         _type_label(type_labels, r.get("stakeholdertype", "")),
                         _country_name(vocabulary, r["country"]) if r.get("country") else "not known",
                         d["concepts"] or "0", d["source"]])
        b.table(["response", "stakeholder type", "country", "concepts named", "file"], rows[:25],
                "The responses, each named by its number and respondent (every response carries the "
                "questionnaire's title).", ["documents", "respondents"],
                more=f"{plural(len(rows) - 25, 'more response')}; `wsisgraph query respondents` lists them all."
                if len(rows) > 25 else "")
    return documents, responses


def _by_stakeholder(store, b: _Builder) -> None:
    b.section("Action Lines, SDGs and topics by stakeholder type", "by-stakeholder",
              "How many responses of each stakeholder type name each Action Line, SDG and topic in their own "
              "answers (the questionnaire's question wording left out; C7.4 counts as C7, target 4.4 as SDG 4).")
    for cols, name in (("actionline", "Action Lines"), ("sdg", "SDGs"), ("topic", "topics")):
        data = heatmap_data(store, cols)
        if data.empty:
            b.note(f"No heatmap of {name}: {data.note[:1].lower()}{data.note[1:]} (saved query `{data.query}`)")
            continue
        b.figure(draw_heatmap(data), f"heatmap-{cols}", f"Responses naming each of the {name}, by stakeholder "
                 "type (beside each type, its number of responses).", [data.query])


def _topics(store, b: _Builder, vocabulary, type_labels, top: int) -> None:
    topic_rows = records(run_query(store, "topics-by-stakeholder"))
    topic_total: Counter = Counter()
    topic_types: dict[str, Counter] = defaultdict(Counter)
    labels: dict[str, str] = {}
    for r in topic_rows:
        topic_total[r["topic"]] += int(r["responses"])
        topic_types[r["topic"]][_type_label(type_labels, r["stakeholdertype"])] += int(r["responses"])
        labels.setdefault(r["topic"], r["label"])
    named_docs = {r["notation"]: int(r["documents"])
                  for r in records(run_query(store, "concepts", {"scheme": "topic"}))}
    ranked = sorted(topic_total, key=lambda t: (-topic_total[t], -named_docs.get(t, 0), t))
    b.section("Emerging topics and who raises them", "topics",
              "The topics of the topic scheme (artificial intelligence, quantum, data governance, …, and those of "
              "any vocabulary given to `build --vocabulary`) that responses name, the most raised first, with the "
              "respondents who raise them and their words.")
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
        rows.append([short_title("topic", t, vocabulary, labels.get(t, "")), topic_total[t], named_docs.get(t, 0),
                     types, who])
    if rows:
        b.table(["topic", "responses", "documents", "responses by stakeholder type", "who raises it, in their words"],
                rows, f"The {plural(len(rows), 'topic')} most raised in responses (`documents` also counts web "
                "pages).", ["topics-by-stakeholder", "concepts", "who-raises"],
                more=(f"{plural(len(ranked) - len(rows), 'more topic is', 'more topics are')} named; "
                      "`wsisgraph query topics-by-stakeholder` lists them all.") if len(ranked) > len(rows) else "")
    else:
        b.note("No response names a topic of the topic scheme yet.")


def _pair(line: str, goal: str) -> str:
    return f"{line}–SDG {goal}"


def _matrix(store, b: _Builder, vocabulary, type_labels, al_sdg) -> None:
    divergence = records(run_query(store, "matrix-divergence"))
    by_type_rows = records(run_query(store, "matrix-divergence-by-stakeholder"))
    overview = records(run_query(store, "respondents-overview"))
    no_matrix = any(r["status"] == "no-matrix" for r in divergence)
    added = [r for r in divergence if r["status"] == "not-in-matrix"]
    unnamed = [r for r in divergence if r["status"] == "not-in-documents"]
    # every pair of the al-sdg network: documents (explicit or topical), explicit, matrix
    cells: dict[tuple[str, str], dict] = {}
    for u, v, d in al_sdg.edges(data=True):
        line, goal = (u, v) if al_sdg.nodes[u]["scheme"] == "actionline" else (v, u)
        cells[(al_sdg.nodes[line]["notation"], al_sdg.nodes[goal]["notation"])] = d
    matrix_pairs = {pair for pair, d in cells.items() if d["matrix"]}
    both = {pair for pair in matrix_pairs if cells[pair]["explicit"]}
    topical_only = {(r["actionline"], r["sdg"]) for r in unnamed if cells.get((r["actionline"], r["sdg"]), {}).get(
        "documents")}
    b.section("Divergence from the WSIS-SDG Matrix", "matrix",
              "The WSIS-SDG Matrix links each Action Line to the SDGs it serves (ITU and the Action Line "
              "facilitators; the rows loaded at `build`, from `ontology/reference/wsis-sdg-matrix.csv` unless "
              "`--matrix` gave another file). A document links a pair when it names both the Action Line and the "
              "SDG in its own text (the questionnaire's question wording left out; C7.4 counts as C7, target 4.4 "
              "as SDG 4). Where documents and the Matrix part ways: the pairs documents add, and the Matrix pairs "
              "nobody writes about.")
    if no_matrix:
        b.note("No WSIS-SDG Matrix is loaded (the matrix file holds no rows), so every pair documents link "
               "counts as not in the Matrix. Load one with `wsisgraph build DOCS --store STORE --matrix FILE.csv` "
               "(columns action_line,sdg,targets,source).")
    else:
        b.note(f"The Matrix links {plural(len(matrix_pairs), 'pair')} of an Action Line and an SDG (C7 sub-lines "
               f"counted as C7). Documents name {plural(len(both) + len(added), 'pair')}: "
               f"{len(both)} of them the Matrix links too, and {len(added)} it does not (the pairs documents "
               f"add). {plural(len(unnamed), 'Matrix pair is', 'Matrix pairs are')} named by no document; "
               f"topical links (documents about a line or goal without naming it) reach "
               f"{len(topical_only)} of those.")
    lines = sorted({c.notation for c in vocabulary.in_scheme("actionline") if not c.broader}, key=notation_key)
    line_list = [(k, f"{k} {_cut(short_title('actionline', k, vocabulary), 34)}") for k in lines]
    goal_list = [(str(k), f"{k} {_cut(short_title('sdg', str(k), vocabulary), 30)}") for k in range(1, 18)]
    if not cells:
        b.note(f"No grid of Action Lines and SDGs: {NO_EDGES['al-sdg']}.")
    else:
        b.figure(draw_matrix_grid(cells, line_list, goal_list,
                                  "Action Line – SDG pairs: the Matrix and the documents",
                                  "A cell is a pair; its number counts the documents naming both (explicit mentions "
                                  "in their own text). Saved queries: matrix-divergence, network-al-sdg."),
                 "matrix-grid", "The WSIS-SDG Matrix against the documents, pair by pair: green where both link the "
                 "pair, blue where documents add it, pale orange where only the Matrix has it (marked t when "
                 "documents are about both only by topical links).", ["matrix-divergence", "network-al-sdg"])
    # the pairs documents add, with who adds them
    by_pair: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for r in by_type_rows:
        by_pair[(r["actionline"], r["sdg"])][_type_label(type_labels, r["stakeholdertype"])] += int(r["responses"])
    if added:
        rows = []
        for r in added[:20]:
            types = by_pair.get((r["actionline"], r["sdg"]), Counter())
            others = int(r["documents"]) - sum(types.values())
            rows.append([f"{r['actionline']} {short_title('actionline', r['actionline'], vocabulary)}",
                         f"{r['sdg']} {short_title('sdg', r['sdg'], vocabulary)}", r["documents"],
                         ", ".join(f"{k} {v}" for k, v in types.most_common()) or "none", others, r["answers"]])
        b.table(["Action Line", "SDG", "documents", "responses by stakeholder type", "other documents",
                 "answers naming both"], rows,
                "The pairs documents add: named together by documents, not linked by the Matrix (most documents "
                "first). `other documents` are web pages and other documents that are no response; "
                "`answers naming both` counts answers or page sections that name the two together.",
                ["matrix-divergence", "matrix-divergence-by-stakeholder"],
                more=f"{plural(len(added) - 20, 'more pair')}; `wsisgraph query matrix-divergence` lists them all."
                if len(added) > 20 else "")
    elif not no_matrix:
        b.note("Documents add no pair: every pair they name, the Matrix links too.")
    # per stakeholder type
    responses_of: Counter = Counter()
    for r in overview:
        responses_of[r["stakeholdertype"]] += int(r["responses"])
    per_type: dict[str, list[dict]] = defaultdict(list)
    for r in by_type_rows:
        per_type[r["stakeholdertype"]].append(r)
    if responses_of:
        rows = []
        for notation, n in sorted(responses_of.items(), key=lambda item: (-item[1], _type_label(type_labels,
                                                                                                  item[0]))):
            pairs = per_type.get(notation, [])
            in_matrix = [r for r in pairs if r["matrix"] == "1"]
            extra = sorted((r for r in pairs if r["matrix"] != "1"), key=lambda r: -int(r["responses"]))
            shown = ", ".join(_pair(r["actionline"], r["sdg"]) + (f" ({r['responses']})" if r["responses"] != "1"
                                                                  else "") for r in extra[:8])
            if len(extra) > 8:
                shown += f" and {len(extra) - 8} more"
            row = [_type_label(type_labels, notation), n, len(pairs), shown or "none"]
            if not no_matrix:
                row[3:3] = [len(in_matrix)]
                row.append(f"{len(matrix_pairs) - len(in_matrix)} of {len(matrix_pairs)}")
            rows.append(row)
        columns = ["stakeholder type", "responses", "pairs named", "pairs added (responses, where more than 1)"]
        if not no_matrix:
            columns[3:3] = ["of them in the Matrix"]
            columns.append("Matrix pairs not written about")
        b.table(columns, rows, "By stakeholder type: the pairs the responses of each type name, those the Matrix "
                "links too, the pairs they add, and how many Matrix pairs no response of the type names.",
                ["matrix-divergence-by-stakeholder", "respondents-overview"])
    # the Matrix pairs nobody writes about, by Action Line
    if not no_matrix and matrix_pairs:
        rows = []
        for line, _ in line_list:
            goals = sorted((g for (al, g) in matrix_pairs if al == line), key=int)
            if not goals:
                continue
            silent = [g for g in goals if (line, g) not in both]
            topical = [g for g in silent if (line, g) in topical_only]
            rows.append([f"{line} {short_title('actionline', line, vocabulary)}", ", ".join(goals),
                         ", ".join(g for g in goals if (line, g) in both) or "none",
                         ", ".join(silent) or "none", ", ".join(topical) or "none"])
        b.table(["Action Line", "Matrix SDGs", "named by documents", "named by no document",
                 "of those, linked topically"], rows,
                "The Matrix pairs nobody writes about, by Action Line: the SDGs the Matrix links to each line, "
                "those that documents name together with it, and those no document names with it (the last column: "
                "documents about both by topical links only).", ["matrix-divergence", "network-al-sdg"])


def _networks(store, b: _Builder, type_labels, top: int, al_sdg, step) -> list[Path]:
    from .drawing import draw_network
    from .network import actor_network, build_network, network_stats, write_network

    b.section("Networks", "networks",
              "The graph as networks (networkx): node size by weighted degree, metrics on every node, Louvain "
              "communities (seed 42). Each has an interactive view (open it in a browser) and a GEXF file (open "
              "it in Gephi), linked below each figure; `wsisgraph network KIND --store STORE --format "
              "graphml|gexf|json|png|svg|html` writes them too.")
    written: list[Path] = []
    captions = {
        "al-sdg": "Action Lines (left) and SDGs (right); edges from documents (explicit and topical links), from "
                  "the Matrix, or both; width by weight.",
        "co-mention": "concepts named in the same answer or page section.",
        "actor": "organizations linked by the concepts they share (Jaccard); colour: community; squares: the "
                 "respondents (organizations that wrote a response), circles: those only named. The tables "
                 "below rank the respondents and the organizations only named in the text apart.",
        "actor-concept": "organizations and the concepts they name (bipartite); squares: the respondents.",
    }
    actor_concept = None
    for kind in ("al-sdg", "co-mention", "actor", "actor-concept"):
        step(f"network {kind}")
        if kind == "al-sdg":
            graph = al_sdg
        elif kind == "actor":  # projected from actor-concept, so that its queries (the slowest) run once
            actor_concept = build_network(store, "actor-concept")
            graph = actor_network(actor_concept)
        elif kind == "actor-concept":
            graph = actor_concept
        else:
            graph = build_network(store, kind)
        title = graph.graph["title"]
        queries = graph.graph["queries"].split(", ")
        if graph.number_of_edges():
            b.figure(draw_network(graph), f"network-{kind}", f"{title}: {captions[kind]} Edge weight: "
                     f"{graph.graph['weight']}." + (" No Matrix is loaded: every edge comes from documents."
                                                    if kind == "al-sdg" and not graph.graph["matrix_links"] else ""),
                     queries)
        else:
            b.note(f"The {title} has no edges: {NO_EDGES[kind]}, so there is nothing to draw "
                   f"({plural(graph.number_of_nodes(), 'node')}, saved {'query' if len(queries) == 1 else 'queries'} "
                   f"{', '.join(f'`{q}`' for q in queries)}).")
        for fmt in ("html", "gexf"):
            relative = Path("networks") / f"{kind}.{fmt}"
            write_network(graph, b.folder / relative, fmt)
            written.append(relative)
        b.files(f"{title}:", [(f"networks/{kind}.html", "interactive view"),
                              (f"networks/{kind}.gexf", "GEXF, for Gephi")])
        if kind == "al-sdg" or not graph.number_of_edges():
            continue
        stats = network_stats(graph, top=max(top, graph.number_of_nodes()))
        ranked = stats["top"]["weighted_degree"]

        def metrics(node: dict) -> list:
            d = graph.nodes[node["id"]]
            weight = d["weighted_degree"]
            return [f"{weight:g}" if float(weight).is_integer() else f"{weight:.3f}", d["degree"],
                    f"{d['betweenness']:.3f}", f"{d['eigenvector']:.3f}", d["community"]]

        names = ["weighted degree", "degree", "betweenness", "eigenvector", "community"]
        scope = f"Eigenvector centrality: {graph.graph['eigenvector_scope']}."
        if kind == "co-mention":
            rows = [[graph.nodes[n["id"]]["label"], graph.nodes[n["id"]]["scheme"], *metrics(n)] for n in ranked[:top]]
            b.table(["concept", "scheme", *names], rows,
                    f"{title}: the {plural(len(rows), 'concept')} of highest weighted degree. {scope}", queries)
        else:
            respondents = [n for n in ranked if graph.nodes[n["id"]]["role"].startswith("respondent")]
            named = [n for n in ranked if graph.nodes[n["id"]]["role"] == "named"]
            rows = []
            for n in respondents[:top]:
                d = graph.nodes[n["id"]]
                rows.append([d["label"], _type_label(type_labels, d["stakeholdertype"]), d["country"] or "not known",
                             ROLES.get(d["role"], d["role"]), *metrics(n)])
            if rows:
                b.table(["respondent", "stakeholder type", "country", "role", *names], rows,
                        f"{title}: the respondents, the organizations that wrote a response, ranked among "
                        f"themselves by weighted degree ({_shown(len(rows), len(respondents))}). {scope}", queries)
            rows = []
            for n in named[:top]:
                d = graph.nodes[n["id"]]
                rows.append([d["label"], _type_label(type_labels, d["stakeholdertype"]), *metrics(n)])
            if rows:
                b.table(["organization", "stakeholder type", *names], rows,
                        f"{title}: the organizations named in the text (reference organizations an answer or page "
                        f"section names; they wrote no response here), ranked among themselves by weighted degree "
                        f"({_shown(len(rows), len(named))}). {scope}", queries)
        community_rows = []
        for c in stats["communities"][:8]:
            members = [m["label"] + (" (respondent)" if m["role"].startswith("respondent") else "")
                       for m in c["members"]]
            community_rows.append([c["community"], c["size"], "; ".join(members[:10])
                                   + (f"; … and {len(members) - 10} more" if len(members) > 10 else "")])
        b.table(["community", "nodes", "members (by weighted degree)"], community_rows,
                f"{title}: Louvain communities (modularity {stats['modularity']:.3f}).", queries,
                more=f"{plural(len(stats['communities']) - 8, 'smaller community', 'smaller communities')}; "
                     f"`wsisgraph network stats {kind}` lists them all." if len(stats["communities"]) > 8 else "")
    return written


def _shown(shown: int, of: int) -> str:
    return f"all {of}" if shown == of else f"the first {shown} of {of}"


def _queries_used(sections) -> list[str]:
    seen: dict[str, None] = {}
    for section in sections:
        for block in section["blocks"]:
            for q in block.get("queries", []):
                seen.setdefault(q, None)
            for q in re.findall(r"saved quer(?:y|ies) ((?:`[a-z0-9-]+`(?:, )?)+)", block.get("text", "")):
                for name in re.findall(r"`([a-z0-9-]+)`", q):
                    seen.setdefault(name, None)
    return list(seen)


def _environment(markdown: bool = False):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
                      autoescape=False if markdown else select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = markdown_text
    env.filters["code"] = _inline_code
    return env


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#!])")


def markdown_text(text) -> str:
    """Text from documents (names, quotes, labels) as inert Markdown: on one line, HTML's `<`, `>` and `&` as
    entities (so a `<script>` or `<img onerror=…>` in a document stays text in any Markdown viewer), and
    Markdown's own marks escaped (no link, emphasis or table cell can be made from a document)."""
    import html

    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def _inline_code(text: str):
    """HTML of a text in which `backquoted` parts are code."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`]+)`", lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))
