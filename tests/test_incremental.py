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
