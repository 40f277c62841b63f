"""The analyst report and the heatmaps: figures that exist and decode, HTML that parses and loads nothing from the
network, every figure and table naming a saved query that exists, an empty WSIS-SDG Matrix said so."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.errors import ExportError
from wsisgraph.query import get_query, run_query
from wsisgraph.report import heatmap_data, plot_heatmap, report
from wsisgraph.store import build, open_store

from test_network import PNG_SIGNATURE, assert_self_contained

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def analyst_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "store"
    build([SEEDS, FIXTURES / "analysts"], path, matrix=FIXTURES / "analysts-matrix.csv", validate=False)
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
    assert not (tmp_path / "r" / "report.html").exists() and not (tmp_path / "r" / "report.md").exists()
    assert not list((tmp_path / "r").rglob(".*.tmp"))
