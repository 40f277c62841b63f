"""The WSIS-SDG Matrix as data: the vendored 119 rows, each with its source; a `--matrix` file whose targets are
separated by spaces, commas or semicolons; the links the reference notes leave unsettled are not rows."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import ROOT
from wsisgraph.cli import cli
from wsisgraph.errors import ReferenceDataError
from wsisgraph.graph import matrix_quads
from wsisgraph.schemes import load_vocabulary
from wsisgraph.store import open_store

REFERENCE = ROOT / "ontology" / "reference" / "wsis-sdg-matrix.csv"
WSIS = "https://w3id.org/wsisgraph/ontology#"
SOURCE = "http://purl.org/dc/terms/source"
#: wsis-sdg-matrix.md: links only one of the source's two files gives; they must not be rows
UNSETTLED = {("C2", "8"), ("C3", "4"), ("C4", "8"), ("C7.6", "14"), ("C7.6", "16"), ("C8", "5"), ("C8", "9"),
             ("C9", "5")}


def _links(quads) -> dict[str, dict]:
    """Matrix link IRI -> its Action Line and SDG notations, targets and sources, read from the quads."""
    vocabulary = load_vocabulary()
    by_iri = {c.iri: c.notation for c in vocabulary.concepts.values() if c.scheme in ("actionline", "sdg")}
    links: dict[str, dict] = defaultdict(lambda: {"targets": set(), "sources": []})
    for q in quads:
        p, o = q.predicate.value, q.object
        if p == WSIS + "actionLine":
            links[q.subject.value]["actionline"] = by_iri[o.value]
        elif p == WSIS + "sdg":
            links[q.subject.value]["sdg"] = by_iri[o.value]
        elif p == WSIS + "target":
            links[q.subject.value]["targets"].add(by_iri[o.value])
        elif p == SOURCE:
            links[q.subject.value]["sources"].append(o.value)
    return dict(links)


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_vendored_matrix_has_119_rows_each_with_its_source():
    rows = _rows(REFERENCE)
    assert len(rows) == 119
    links = _links(matrix_quads(load_vocabulary()))
    assert len(links) == 119
    by_pair = {(link["actionline"], link["sdg"]): link for link in links.values()}
    for row in rows:
        link = by_pair[(row["action_line"], row["sdg"])]
        assert link["sources"] == [row["source"]] and row["source"].startswith("https://")
        assert link["targets"] == set(row["targets"].split())
    assert not UNSETTLED & set(by_pair)
    # wsis-sdg-matrix.md: rows per line
    per_line = defaultdict(int)
    for line, _ in by_pair:
        per_line[line] += 1
    assert per_line["C3"] == 16 and per_line["C7.7"] == 10 and per_line["C11"] == 1


@pytest.mark.parametrize("targets", ["9.1 9.a 9.c", "9.1,9.a,9.c", "9.1;9.a;9.c", "9.1, 9.a; 9.c", " 9.1 ;9.a,9.c "])
def test_a_matrix_file_takes_targets_separated_by_spaces_commas_or_semicolons(tmp_path, targets):
    path = tmp_path / "matrix.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["action_line", "sdg", "targets", "source"])
        writer.writerow(["C2", "9", targets, "our review, 2025"])
        writer.writerow(["C7.4", "3", "", "https://example.org/e-health"])
    links = _links(matrix_quads(load_vocabulary(), path))
    assert sorted((v["actionline"], v["sdg"], tuple(sorted(v["targets"])), tuple(v["sources"]))
                  for v in links.values()) == [("C2", "9", ("9.1", "9.a", "9.c"), ("our review, 2025",)),
                                               ("C7.4", "3", (), ("https://example.org/e-health",))]


@pytest.mark.parametrize("row, problem", [
    ("C12,9,,x", "unknown Action Line 'C12'"),
    ("C2,9,9.1;9.z,x", "unknown SDG target '9.z'"),
    ("C2,9,4.4,x", "target '4.4' is not a target of SDG 9"),
])
def test_a_bad_matrix_row_is_named(tmp_path, row, problem):
    path = tmp_path / "matrix.csv"
    path.write_text(f"action_line,sdg,targets,source\nC1,1,,x\n{row}\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as err:
        list(matrix_quads(load_vocabulary(), path))
    assert str(err.value).startswith(f"{path}:3: ") and problem in str(err.value)


def test_build_with_a_matrix_file_keeps_each_rows_source(tmp_path):
    matrix = tmp_path / "m.csv"
    matrix.write_text("action_line,sdg,targets,source\nC2,9,9.1;9.c,row one\nC7.4,3,\"3.8, 3.d\",row two\n"
                      "C9,16,16.10 16.7,row three\n", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# A note\n\nBroadband (C2) matters for SDG 9.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(docs), "--store", str(tmp_path / "s"), "--matrix", str(matrix),
                                      "--quiet"], obj={})
    assert result.exit_code == 0, result.output
    store = open_store(tmp_path / "s")
    graph = ox.NamedNode("https://w3id.org/wsisgraph/graph/wsis-sdg-matrix")
    links = _links(q for q in store.store.quads_for_pattern(None, None, None, graph))
    assert {(v["actionline"], v["sdg"]): (v["targets"], v["sources"]) for v in links.values()} == {
        ("C2", "9"): ({"9.1", "9.c"}, ["row one"]), ("C7.4", "3"): ({"3.8", "3.d"}, ["row two"]),
        ("C9", "16"): ({"16.10", "16.7"}, ["row three"])}
