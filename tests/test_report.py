"""The analyst report and the heatmaps: figures that exist and decode, HTML that parses and loads nothing from the
network, every figure and table naming a saved query that exists, an empty WSIS-SDG Matrix said so."""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.errors import ExportError
from wsisgraph.query import get_query, records, run_query
from wsisgraph.report import heatmap_data, plot_heatmap, report
from wsisgraph.store import build, open_store

from test_network import PNG_SIGNATURE, assert_self_contained

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def analyst_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "store"
    build([SEEDS, FIXTURES / "analysts", FIXTURES / "hostile"], path, matrix=FIXTURES / "analysts-matrix.csv",
          validate=False)
    return path


@pytest.fixture(scope="module")
def written(analyst_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report"
    steps = []
    summary = report(open_store(analyst_store), out, source=str(analyst_store), on_step=steps.append)
    return summary, steps


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[str] = []
        self.stack: list[str] = []
        self.captions: list[str] = []
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag in ("figcaption", "caption"):
            self._caption = []

    def handle_endtag(self, tag):
        if tag in ("figcaption", "caption") and self._caption is not None:
            self.captions.append("".join(self._caption))
            self._caption = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)


def test_the_report_has_figures_that_exist_and_decode(written):
    import matplotlib.image

    summary, steps = written
    assert len(summary.figures) >= 4
    for figure in summary.figures:
        assert figure.read_bytes().startswith(PNG_SIGNATURE)
        assert matplotlib.image.imread(figure).shape[0] > 200
    assert {p.name for p in (summary.out / "figures").iterdir()} >= {f.name for f in summary.figures}
    assert steps[0] == "corpus" and "writing" in steps


def test_the_html_is_self_contained_and_names_its_queries(written):
    summary, _ = written
    html = summary.html.read_text(encoding="utf-8")
    assert_self_contained(html)
    page = _Page()
    page.feed(html)
    page.close()
    assert len(page.images) == len(summary.figures)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)  # embedded: opens offline
    assert len(page.captions) == len(summary.figures) + summary.tables
    for caption in page.captions:
        named = re.search(r"Saved quer(?:y|ies): ([a-z0-9, -]+)\.", caption)
        assert named, caption
        for name in re.split(r",\s*", named.group(1)):
            get_query(name.strip())  # each exists
    for heading in ("The corpus", "by stakeholder type", "Emerging topics and who raises them",
                    "Divergence from the WSIS-SDG Matrix", "Networks"):
        assert heading in html


def test_the_markdown_twin_shows_the_same_figures(written):
    summary, _ = written
    markdown = summary.markdown.read_text(encoding="utf-8")
    linked = re.findall(r"!\[[^\]]*\]\((figures/[^)]+)\)", markdown)
    assert len(linked) == len(summary.figures)
    assert all((summary.out / link).exists() for link in linked)
    assert markdown.count("Saved quer") == len(summary.figures) + summary.tables
    assert not re.search(r"\]\(https?://", markdown)


def test_the_report_links_its_networks(written):
    summary, _ = written
    names = {p.name for p in summary.networks}
    assert {"co-mention.html", "actor.gexf", "actor-concept.html", "al-sdg.gexf"} <= names
    for path in summary.networks:
        assert path.exists()
        if path.suffix == ".html":
            assert_self_contained(path.read_text(encoding="utf-8"))
    page = lxml.html.parse(str(summary.html)).getroot()
    links = set(page.xpath("//a/@href"))
    markdown = summary.markdown.read_text(encoding="utf-8")
    for path in summary.networks:  # each file is a link, in both documents, and the link resolves
        relative = path.relative_to(summary.out).as_posix()
        assert relative in links and f"]({relative})" in markdown
        assert (summary.out / relative).is_file()
    assert {"figures/", "networks/", "#networks"} <= links


def test_counts_read_as_english(built_store, tmp_path):
    summary = report(open_store(built_store), tmp_path / "r")  # the seeds: 2 documents, 1 response, 1 country
    text = summary.markdown.read_text(encoding="utf-8") + lxml.html.parse(str(summary.html)).getroot().text_content()
    assert "2 documents, 1 response" in text and "1 is a response" in text
    assert not re.search(r"\b1 (responses|documents|countries|respondents|organizations|pairs|topics|concepts|"
                         r"are)\b", text)
    assert not re.search(r"\b(0|[2-9]|\d\d+) (response|document|country|respondent|organization|pair|topic|"
                         r"concept)\b(?![-\w])", text)


def test_a_response_is_named_by_its_number_and_respondent(written):
    summary, _ = written
    markdown = summary.markdown.read_text(encoding="utf-8")
    assert "| Response 83: Ocgrow Group |" in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| Response ")]
    assert len(rows) == 6  # the seed response, the analysts' four and the hostile one, each by its respondent
    assert "Call for Inputs on the WSIS+20 Review" not in "".join(rows)


def test_the_actor_tables_keep_respondents_and_named_organizations_apart(written, analyst_store):
    summary, _ = written
    page = lxml.html.parse(str(summary.html)).getroot()
    respondents = {r["name"] for r in records(run_query(open_store(analyst_store), "respondents"))}
    tables = {t.xpath("string(caption)").split(":")[0].split(". ", 1)[1] + ("/respondents" if "the respondents" in
                                                           t.xpath("string(caption)") else "/named"): t
              for t in page.xpath("//section[@id='networks']//table") if "ranked among themselves"
              in t.xpath("string(caption)")}
    assert set(tables) == {"Actor network/respondents", "Actor network/named", "Actor-concept network/respondents",
                           "Actor-concept network/named"}
    for key, table in tables.items():
        names = [row.xpath("string(td[1])") for row in table.xpath("tbody/tr")]
        roles = [row.xpath("string(td[4])") for row in table.xpath("tbody/tr")]
        assert names
        if key.endswith("respondents"):
            assert set(names) == respondents and all(r.startswith("wrote a response") for r in roles)
        else:
            assert not set(names) & respondents


def test_empty_charts_are_one_sentence(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# A note\n\nThe panel discussed quantum computing.\n", encoding="utf-8")
    build([docs], tmp_path / "store", validate=False)
    summary = report(open_store(tmp_path / "store"), tmp_path / "r")
    markdown = summary.markdown.read_text(encoding="utf-8")
    # no respondents, no heatmap cells, no co-mention or actor edges; the Matrix alone still fills its grid and al-sdg
    assert [f.name for f in summary.figures] == ["01-documents-by-kind.png", "02-matrix-grid.png",
                                                 "03-network-al-sdg.png"]
    for sentence in ("no charts of respondents", "No heatmap of Action Lines: no responses in this store",
                     "No heatmap of topics", "The Co-mention network has no edges: no answer or page section names "
                     "two concepts together", "The Actor network has no edges", "The Actor-concept network has no "
                     "edges"):
        assert sentence in markdown, sentence
    assert "(none)" not in markdown


def test_text_from_documents_is_escaped_in_both_files(written):
    summary, _ = written
    markdown = summary.markdown.read_text(encoding="utf-8")
    html = summary.html.read_text(encoding="utf-8")
    # the hostile response's name carries <script> and <img onerror>: text in both files, never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evil &lt;img src=x onerror=alert(2)&gt;" in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<\s*(script|img)\b", markdown, re.I) and not re.search(r"<\s*script\b", html, re.I)
    page = lxml.html.document_fromstring(html)
    assert not page.xpath("//script|//*[@onerror]")
    assert all(src.startswith("data:image/png;base64,") for src in page.xpath("//img/@src"))
    # a name cannot break a Markdown table: every row has as many cells as its header
    for block in re.findall(r"((?:^\|.*\|[ \t]*\n)+)", markdown, re.M):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
        assert len(widths) == 1, block


def test_consistent_matrix_tables(written, analyst_store):
    summary, _ = written
    page = lxml.html.parse(str(summary.html)).getroot()
    divergence = records(run_query(open_store(analyst_store), "matrix-divergence"))
    silent = {(r["actionline"], r["sdg"]) for r in divergence if r["status"] == "not-in-documents"}
    added = {(r["actionline"], r["sdg"]) for r in divergence if r["status"] == "not-in-matrix"}
    tables = [t for t in page.xpath("//section[@id='matrix']//table")]
    by_line = next(t for t in tables if "nobody writes about" in t.xpath("string(caption)"))
    shown = set()
    for row in by_line.xpath("tbody/tr"):
        line = row.xpath("string(td[1])").split()[0]
        cell = row.xpath("string(td[4])")
        shown |= {(line, g) for g in cell.split(", ") if cell != "none"}
    assert shown == silent
    adds = next(t for t in tables if "The pairs documents add" in t.xpath("string(caption)"))
    assert {(r.xpath("string(td[1])").split()[0], r.xpath("string(td[2])").split()[0])
            for r in adds.xpath("tbody/tr")} == added


def test_an_empty_matrix_is_said_in_the_report(no_matrix_store, tmp_path):
    summary = report(open_store(no_matrix_store), tmp_path / "r")
    html = summary.html.read_text(encoding="utf-8")
    assert "No WSIS-SDG Matrix is loaded" in html
    assert "No WSIS-SDG Matrix is loaded" in summary.markdown.read_text(encoding="utf-8")
    assert len(summary.figures) >= 4


def test_the_report_folder_must_be_a_folder(built_store, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        report(open_store(built_store), target)


# -- heatmaps ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cols", ["actionline", "sdg", "topic"])
def test_heatmap_cells_equal_the_query_counts(analyst_store, cols):
    store = open_store(analyst_store)
    data = heatmap_data(store, cols)
    results = run_query(store, data.query)
    key = {"actionline": "actionline", "sdg": "sdg", "topic": "topic"}[cols]
    expected = Counter()
    for b in results["results"]["bindings"]:
        expected[(b["stakeholdertype"]["value"] if "stakeholdertype" in b else "unknown", b[key]["value"])] += int(
            b["responses"]["value"])
    assert {k: v for k, v in data.values.items() if v} == dict(expected)
    assert {r for r, _, _ in data.rows} >= {r for r, _ in expected}
    assert {c for c, _ in data.columns} >= {c for _, c in expected}
    if cols == "actionline":
        assert [c for c, _ in data.columns] == [f"C{i}" for i in range(1, 12)]
    if cols == "sdg":
        assert [c for c, _ in data.columns] == [str(i) for i in range(1, 18)]


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_plot_heatmap_writes_png_and_svg(analyst_store, tmp_path, fmt):
    out = plot_heatmap(open_store(analyst_store), tmp_path / f"h.{fmt}", cols="sdg")
    if fmt == "png":
        assert out.read_bytes().startswith(PNG_SIGNATURE)
    else:
        assert ET.parse(out).getroot().tag.endswith("svg")


def test_heatmap_errors(analyst_store, tmp_path):
    store = open_store(analyst_store)
    with pytest.raises(ExportError, match="--rows country goes with --cols topic"):
        heatmap_data(store, "sdg", "country")
    with pytest.raises(ExportError, match="png or svg"):
        plot_heatmap(store, tmp_path / "h.gif")
    assert heatmap_data(store, "topic", "country").rows


def test_cli_plot_and_report(analyst_store, tmp_path):
    result = CliRunner().invoke(cli, ["plot", "heatmap", "--rows", "stakeholder", "--cols", "topic", "--store",
                                      str(analyst_store), "--out", str(tmp_path / "t.png")], obj={})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.png").read_bytes().startswith(PNG_SIGNATURE)
    result = CliRunner().invoke(cli, ["report", "--store", str(analyst_store), "--out", str(tmp_path / "r"),
                                      "--quiet", "--top", "3"], obj={})
    assert result.exit_code == 0, result.output
    assert "figures" in result.stderr and (tmp_path / "r" / "report.html").exists()


def test_cli_bad_report_and_plot_targets_are_one_line_errors(analyst_store, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    for args in (["report", "--store", analyst_store, "--out", target],
                 ["plot", "heatmap", "--store", analyst_store, "--out", tmp_path / "h.gif"],
                 ["plot", "heatmap", "--store", analyst_store, "--out", tmp_path / "missing" / "h.png"]):
        result = CliRunner().invoke(cli, [str(a) for a in args], obj={})
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"] and target.read_text() == "x"


def test_a_report_that_fails_writes_no_report_file(analyst_store, tmp_path, monkeypatch):
    import wsisgraph.network

    def broken(*args, **kwargs):
        raise ExportError("network: broken on purpose")

    monkeypatch.setattr(wsisgraph.network, "build_network", broken)
    with pytest.raises(ExportError, match="broken on purpose"):
        report(open_store(analyst_store), tmp_path / "r")
    assert list(tmp_path.iterdir()) == []  # neither a report nor a hidden folder


def _files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_failed_report_keeps_the_old_one_whole(written, tmp_path, monkeypatch, analyst_store):
    import shutil

    import wsisgraph.drawing

    out = tmp_path / "r"
    shutil.copytree(written[0].out, out)
    before = _files(out)
    calls = {"n": 0}
    real = wsisgraph.drawing.draw_network

    def broken(*args, **kwargs):  # fails after the heatmaps and the first network figure are written
        calls["n"] += 1
        if calls["n"] > 1:
            raise ExportError("network: broken on purpose")
        return real(*args, **kwargs)

    monkeypatch.setattr(wsisgraph.drawing, "draw_network", broken)
    with pytest.raises(ExportError, match="broken on purpose"):
        report(open_store(analyst_store), out)
    assert _files(out) == before  # no new figure beside the old report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_only_a_report_folder_is_replaced(built_store, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty and holds no wsisgraph report"):
        report(open_store(built_store), mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_a_killed_report_leaves_the_old_one_and_the_next_run_clears_its_leftovers(written, built_store, tmp_path):
    """Also: the old report was written before reports had a marker file, and OUT is a symbolic link to it."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    real = tmp_path / "r"
    shutil.copytree(written[0].out, real)
    (real / ".wsisgraph-report").unlink()  # a report of an earlier version: recognised by what it holds
    out = tmp_path / "link"
    out.symlink_to(real)
    before = _files(real)
    proc = subprocess.Popen([sys.executable, "-m", "wsisgraph", "report", "--store", str(built_store), "--out",
                             str(out), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline \
                and not any(tmp_path.glob(".r.tmp-*/figures/*.png")):
            time.sleep(0.02)
        assert proc.poll() is None, "report ended before it could be killed"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    left = [p.name for p in tmp_path.iterdir() if p.name not in ("r", "link")]
    assert left and all(name.startswith(".r.tmp-") for name in left)
    assert _files(real) == before  # the new figures are in the hidden folder, not beside the old report
    summary = report(open_store(built_store), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "r"]
    assert out.is_symlink() and os.readlink(out) == str(real)
    assert summary.html.read_text(encoding="utf-8").startswith("<!DOCTYPE") and (real / ".wsisgraph-report").is_file()
