import json

import pytest

from wsisgraph.errors import DocumentError
from wsisgraph.load import decode, iter_paths, load_document, sniff_kind


def test_seeds_are_sniffed_from_content(seed_dir):
    kinds = {p.name: load_document(p).kind for p in sorted(seed_dir.iterdir())}
    assert kinds == {"000_4a3d6c9ea7ec870d.txt": "wordpress-json", "002_0a617c45d6870c06.txt": "questionnaire-md"}


@pytest.mark.parametrize("name,kind", [
    ("post.json", "wordpress-json"), ("collection.json", "wordpress-json"), ("response-bold.md", "questionnaire-md"),
    ("response-headings.md", "questionnaire-md"), ("page.html", "html"), ("notes.md", "text"),
])
def test_fixture_kinds(fixture_docs, name, kind):
    assert load_document(fixture_docs / name).kind == kind


@pytest.mark.parametrize("text,fragment", [
    ('{"title": {"rendered": "x"', "malformed JSON"),
    ('{"name": "not wordpress"}', "not a WordPress page"),
    ("[]", "an empty list"),
    ("[" * 500 + "]" * 500, "nested deeper"),
])
def test_bad_json_is_one_clear_error(text, fragment):
    with pytest.raises(DocumentError, match=fragment) as err:
        sniff_kind(text, "bad.txt")
    assert str(err.value).startswith("bad.txt: ") and "\n" not in str(err.value)


@pytest.mark.parametrize("data,fragment", [
    (b"", "empty file"),
    (b"  \n\t ", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    ("Côte d'Ivoire".encode("latin-1"), "convert the file to UTF-8"),
])
def test_undecodable_bytes_are_refused(data, fragment):
    with pytest.raises(DocumentError, match=fragment):
        decode(data, "bad.txt")


def test_utf16_with_bom_and_utf8_bom_are_read():
    text = "# Notes\nCôte d'Ivoire"
    assert decode(text.encode("utf-16"), "x") == text
    assert decode(b"\xef\xbb\xbf" + text.encode(), "x") == text


def test_iter_paths_is_recursive_sorted_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    assert [name for _, name in iter_paths([tmp_path])] == ["a.txt", "b/z.txt"]


def test_missing_path_names_it(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        list(iter_paths([tmp_path / "nope"]))


def test_wordpress_json_is_kept_parsed(fixture_docs):
    doc = load_document(fixture_docs / "post.json")
    assert doc.json == json.loads((fixture_docs / "post.json").read_text())
    assert len(doc.sha256) == 64
