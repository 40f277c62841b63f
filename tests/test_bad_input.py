"""Bad input: one clear line naming the file, a non-zero exit under --strict, nothing lost or half-written."""
import fcntl
import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from wsisgraph.cli import cli

BAD = FIXTURES / "bad"
EXPECTED = {
    "truncated.json": "malformed JSON",
    "malformed.json": "malformed JSON",
    "not-wordpress.json": "not a WordPress page",
    "wrong-array.json": "not a WordPress page",
    "empty-array.json": "an empty list",
    "deeply-nested.json": "nested deeper than",
    "empty.txt": "empty file",
    "whitespace.md": "empty file",
    "binary.png": "binary file",
    "nul-bytes.md": "binary file",
    "latin1.md": "convert the file to UTF-8",
    "utf16-no-bom.md": "binary file",
    "utf16-bom-binary.png": "binary file behind a UTF-16 byte-order mark",
}


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), obj={})


def snapshot(store):
    result = run("export", "--store", store, "--format", "nq", "--out", "-")
    assert result.exit_code == 0, result.output
    return sorted(result.stdout.splitlines())


@pytest.fixture
def good_store(tmp_path, built_store):
    """A fresh copy of the seeds' store for each test (its `current` link is relative, so it survives the copy)."""
    store = tmp_path / "store"
    shutil.copytree(built_store, store, symlinks=True)
    return store


def test_corpus_is_complete():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_fails_strict_build_in_one_line_and_changes_nothing(good_store, tmp_path, name):
    before = snapshot(good_store)
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(BAD / name, docs / name)
    result = run("build", docs, "--store", good_store, "--strict", "--quiet")
    assert result.exit_code == 2  # 1 is "does not conform"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {name}: ") and EXPECTED[name] in lines[0]
    assert "Traceback" not in result.output
    assert snapshot(good_store) == before


def test_folder_with_bad_files_builds_the_good_ones(tmp_path, seed_dir):
    docs = tmp_path / "docs"
    shutil.copytree(BAD, docs / "bad")
    shutil.copytree(seed_dir, docs / "good")
    store = tmp_path / "store"
    result = run("build", docs, "--store", store, "--quiet")
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == len(EXPECTED)
    for name, fragment in EXPECTED.items():
        assert any(line.startswith(f"skipped bad/{name}: ") and fragment in line for line in skipped), name
    assert f"built 2 documents" in result.stderr and f"({len(EXPECTED)} skipped)" in result.stderr


def test_only_bad_files_is_an_error_and_keeps_the_store(good_store, tmp_path):
    before = snapshot(good_store)
    result = run("build", BAD, "--store", good_store, "--quiet")
    assert result.exit_code == 2 and f"none of the {len(EXPECTED)} files is a document" in result.stderr
    assert snapshot(good_store) == before


def test_same_document_twice_is_reported_once(tmp_path, seed_dir):
    docs = tmp_path / "docs"
    shutil.copytree(seed_dir, docs / "a")
    shutil.copytree(seed_dir, docs / "b")
    result = run("build", docs, "--store", tmp_path / "s", "--quiet")
    assert result.exit_code == 0
    assert result.stderr.count("same content as a/") == 2 and "(2 skipped)" in result.stderr
    strict = run("build", docs, "--store", tmp_path / "s2", "--quiet", "--strict")
    assert strict.exit_code == 2 and "same content as" in strict.stderr


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("build", tmp_path / "empty", "--store", tmp_path / "s")
    assert result.exit_code == 2 and "no documents found" in result.stderr


def test_response_with_missing_fields_is_built_with_a_warning(tmp_path):
    doc = tmp_path / "docs" / "partial.md"
    doc.parent.mkdir()
    doc.write_text("# Call for Inputs: Response\n\n## Respondent\n\n1. Organization name\n\nLonely Org\n\n"
                   "## Questions\n\n4. What are the main achievements? N/A\n", encoding="utf-8")
    result = run("build", doc.parent, "--store", tmp_path / "s", "--quiet")
    assert result.exit_code == 0, result.output
    assert "gives no organization type" in result.stderr
    rows = json.loads(run("query", "respondents", "--store", tmp_path / "s", "--format", "json").stdout)
    [row] = rows["results"]["bindings"]
    assert row["name"]["value"] == "Lonely Org" and row["stakeholdertype"]["value"] == "other" and "country" not in row


def test_unwritable_store_path(tmp_path, seed_dir):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("build", seed_dir, "--store", blocker / "store")
    assert result.exit_code == 2 and "cannot write here" in result.stderr


def test_store_path_that_is_a_file(tmp_path, seed_dir):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("build", seed_dir, "--store", blocker)
    assert result.exit_code == 2 and "is not a folder" in result.stderr


def test_non_store_folder_is_not_overwritten(tmp_path, seed_dir):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.docx").write_text("x")
    result = run("build", seed_dir, "--store", folder)
    assert result.exit_code == 2 and "holds no wsisgraph store" in result.stderr
    assert (folder / "thesis.docx").exists()


def test_store_in_use_by_another_build(good_store, seed_dir):
    before = snapshot(good_store)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        f"h = open({str(good_store / '.lock')!r}, 'a+')\n"
        "fcntl.flock(h, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = run("build", seed_dir, "--store", good_store, "--quiet")
        assert result.exit_code == 2 and "another wsisgraph build is writing this store" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert snapshot(good_store) == before


def test_debug_shows_the_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["--debug", "build", str(tmp_path / "missing"), "--store", str(tmp_path / "s")],
                                obj={})
    assert result.exit_code != 0 and result.exception is not None  # re-raised for --debug


def test_export_to_missing_folder_writes_nothing(good_store, tmp_path):
    result = run("export", "--store", good_store, "--out", tmp_path / "nope" / "x.ttl")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "nope").exists()
