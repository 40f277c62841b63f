"""Issue 15 (hardening): one bad file never stops a build, no input stalls it or makes it explode, two documents
never share an IRI, exit codes say what happened, and the misuses found by the attack get one clear line.

The fuzz test of the readers and the gazetteer (§2) is tests/test_fuzz.py.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
import wsisgraph.extract as extraction
from wsisgraph.cli import cli
from wsisgraph.errors import DocumentError
from wsisgraph.extract import extract
from wsisgraph.graph import to_quads
from wsisgraph.load import load_document
from wsisgraph.readers.html import html_blocks

GOOD = "# Notes\n\nWe discuss C3 and SDG 4 here.\n"
PAGE = {"id": 7, "type": "page", "link": "https://example.org/p", "date": "2024-01-01T00:00:00",
        "modified": "2024-01-02T00:00:00", "title": {"rendered": "A page about C7"},
        "content": {"rendered": "<p>We work on C5 and SDG 4.</p>"}}


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), obj={})


def folder(tmp_path: Path, files: dict[str, str | bytes], name: str = "docs") -> Path:
    docs = tmp_path / name
    for rel, content in files.items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return docs


def skipped(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("skipped ")]


# -- §1 one bad file never aborts the build -------------------------------------------------------------------

SURROGATES = {  # field -> (where the escape goes, the field as the message names it)
    "link": (lambda page: page.update(link="https://example.org/\ud800x"), "link"),
    "type": (lambda page: page.update(type="pa\ud800ge"), "type"),
    "id": (lambda page: page.update(id="7\udfff"), "id"),
    "date": (lambda page: page.update(date="2024-\ud800"), "date"),
    "modified": (lambda page: page.update(modified="\udbff2024"), "modified"),
    "title": (lambda page: page["title"].update(rendered="Before \ud800 after C7"), "title.rendered"),
    "content": (lambda page: page["content"].update(rendered="<p>C5 \ud800 and SDG 4</p>"), "content.rendered"),
}


@pytest.mark.parametrize("field", sorted(SURROGATES))
def test_lone_surrogate_is_one_document_error_and_the_others_build(tmp_path, field):
    page = json.loads(json.dumps(PAGE))
    SURROGATES[field][0](page)
    # json.dumps writes the lone surrogate as the escape "\ud800", as a broken exporter does
    docs = folder(tmp_path, {"bad.json": json.dumps(page), "good.md": GOOD})
    result = run("build", docs, "--store", tmp_path / "s", "--quiet", "--no-validate")
    assert result.exit_code == 0, result.output
    [line] = skipped(result)
    assert line.startswith(f"skipped bad.json: {SURROGATES[field][1]} holds a lone surrogate \\u")
    assert "built 1 documents" in result.stderr and "(1 skipped)" in result.stderr
    strict = run("build", docs, "--store", tmp_path / "s2", "--quiet", "--no-validate", "--strict")
    assert strict.exit_code == 2
    assert strict.stderr.strip().splitlines() == [line.replace("skipped ", "Error: ", 1)
                                                  + " (--strict: the store is unchanged)"]


def test_surrogate_pair_escape_is_text(tmp_path):
    page = json.loads(json.dumps(PAGE))
    page["title"]["rendered"] = "Emoji \U0001F600 and C7"
    doc = folder(tmp_path, {"ok.json": json.dumps(page)}) / "ok.json"  # "\ud83d\ude00": a valid pair
    ex = extract(load_document(doc, "ok.json"))
    assert ex.parsed.title == "Emoji \U0001F600 and C7"


def test_file_name_that_is_not_utf8_is_skipped_in_one_line(tmp_path):
    docs = folder(tmp_path, {"good.md": GOOD})
    with open(os.fsencode(docs) + b"/caf\xe9 notes.md", "wb") as handle:
        handle.write(b"# Cafe\n\nC4 here\n")
    result = run("build", docs, "--store", tmp_path / "s", "--quiet", "--no-validate")
    assert result.exit_code == 0, result.output
    assert skipped(result) == ["skipped caf\\xe9 notes.md: the file name is not UTF-8 (byte 0xe9), so it cannot name "
                               "the document; rename the file"]
    assert "built 1 documents" in result.stderr


@pytest.mark.parametrize("depth", [300, 3000])
def test_deep_html_keeps_its_text(depth):
    markup = "<p>first C3</p>" + "<div>" * depth + "deep text C7" + "</div>" * depth + "<h2>Head</h2><p>after</p>"
    warnings: list[str] = []
    blocks = html_blocks(markup, warnings, "x.json: content")
    assert blocks == [("block", "first C3"), ("block", "deep text C7"), ("heading", "Head"), ("block", "after")]
    # lxml reads 2048 levels with huge_tree; deeper markup is read flat, and the user is told
    assert (len(warnings) == 1 and "nested deeper than the 2048 elements" in warnings[0]) == (depth > 2048)


def test_deep_wordpress_content_builds_with_a_warning(tmp_path):
    page = json.loads(json.dumps(PAGE))
    page["content"]["rendered"] = "<div>" * 3000 + "<p>We work on C5.</p>" + "</div>" * 3000
    doc = folder(tmp_path, {"deep.json": json.dumps(page)}) / "deep.json"
    ex = extract(load_document(doc, "deep.json"))
    assert "C5" in {m.concept.notation for m in ex.mentions}
    assert any(w.startswith("deep.json: content is nested deeper") for w in ex.warnings)


def test_html_with_an_xml_declaration_keeps_its_text(tmp_path):
    doc = folder(tmp_path, {"x.html": '<?xml version="1.0" encoding="utf-8"?>\n<html><head><title>T</title></head>'
                                      "<body><h1>Digital inclusion</h1><p>We work on C5.</p></body></html>"}) / "x.html"
    ex = extract(load_document(doc, "x.html"))
    assert ex.parsed.title == "T" and "We work on C5." in ex.parsed.text


# -- §2 no input stalls a build or makes it explode ------------------------------------------------------------

def test_time_limit_skips_the_slow_document_in_one_line(tmp_path):
    # a megabyte of prose takes seconds of processor time to extract, a short note milliseconds: the limit stops only
    # the first
    prose = "Broadband networks connect rural hospitals and schools to e-government services. " * 13_000
    docs = folder(tmp_path, {"big.md": "# Report\n\n" + prose, "small.md": GOOD})
    result = run("build", docs, "--store", tmp_path / "s", "--quiet", "--no-validate", "--document-time-limit", "0.3")
    assert result.exit_code == 0, result.output
    assert skipped(result) == ["skipped big.md: took more than 0.3 s of processor time to extract; skipped (the "
                               "limit is --document-time-limit)"]
    assert "built 1 documents" in result.stderr
    strict = run("build", docs, "--store", tmp_path / "s2", "--quiet", "--no-validate", "--strict",
                 "--document-time-limit", "0.3")
    assert strict.exit_code == 2 and "big.md: took more than 0.3 s of processor time" in strict.stderr


def test_time_limit_outside_the_main_thread_stops_between_stages(tmp_path):
    doc = folder(tmp_path, {"big.md": "# Report\n\n" + "Hospitals need broadband. " * 20_000}) / "big.md"
    document = load_document(doc, "big.md")
    caught = []

    def work():
        try:
            with extraction.Deadline(0.001, "big.md") as deadline:  # no timer outside the main thread: checks only
                extract(document, deadline=deadline)
        except DocumentError as err:
            caught.append(str(err))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert caught == ["big.md: took more than 0.001 s of processor time to extract (reading); skipped (the limit "
                      "is --document-time-limit)"]


def test_mentions_beyond_the_caps_are_counted_not_stored(tmp_path):
    # 100 KB of "C7 ICT": 14,600 mentions of C7 in one section, then five sections of 20, then 100 sections of 1
    text = ("# Notes\n\n" + "C7 ICT " * 14_600 + "".join(f"\n\n## Part {n}\n\n" + "C7 " * 20 for n in range(5))
            + "".join(f"\n\n## More {n}\n\nC7" for n in range(100)))
    doc = folder(tmp_path, {"c7.md": text}) / "c7.md"
    ex = extract(load_document(doc, "c7.md"))
    per_part = Counter((m.part.key, m.concept.notation) for m in ex.mentions)
    per_concept = Counter(m.concept.notation for m in ex.mentions)
    assert max(per_part.values()) == extraction.MAX_MENTIONS_PER_PART
    assert per_concept["C7"] == extraction.MAX_MENTIONS_PER_DOCUMENT < extraction.MAX_MENTIONS_PER_PART + 5 * 20 + 100
    assert ex.capped == 14_600 + 100 + 100 - extraction.MAX_MENTIONS_PER_DOCUMENT
    assert any(f"{ex.capped:,} mentions counted but not stored" in w and "C7" in w for w in ex.warnings)
    quads = list(to_quads(ex, "https://w3id.org/wsisgraph/"))
    assert len(quads) < 5_000  # 15 quads a mention: 220,000 before the caps
    [count] = [q.object.value for q in quads if q.predicate.value.endswith("#mentionCount")]
    assert int(count) == 14_800


def test_mentions_in_all_and_parts_beyond_their_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "MAX_MENTIONS", 120)  # the cap on all concepts together, made small
    text = "".join(f"## Part {n}\n\nC{n % 11 + 1} and SDG {n % 17 + 1}\n\n" for n in range(6_000))
    doc = folder(tmp_path, {"parts.md": text}) / "parts.md"
    ex = extract(load_document(doc, "parts.md"))
    parts = ex.parsed.parts
    assert len(parts) == extraction.MAX_PARTS and parts[-1].kind == "section"
    assert parts[-1].end == len(ex.parsed.text) and "Part 5999" in ex.parsed.text[parts[-1].start:]  # no text lost
    assert len(ex.mentions) == 120 and ex.capped == 12_000 - 120
    assert any("6,000 parts" in w and "the last 1,001 are kept as one section" in w for w in ex.warnings)
    assert any("11,880 mentions counted but not stored" in w and "120 in all" in w for w in ex.warnings)


def test_topical_evidence_beyond_the_cap_is_left_out_with_a_warning(tmp_path):
    text = "# Notes\n\n" + "Telemedicine helps hospitals treat patients in rural clinics. " * 120
    doc = folder(tmp_path, {"tele.md": text}) / "tele.md"
    ex = extract(load_document(doc, "tele.md"))
    assert ex.topical and all(len(link.evidence) == extraction.MAX_EVIDENCE for link in ex.topical)
    assert any("strongest evidence sentences" in w for w in ex.warnings)


def test_questions_from_100_on_are_questions(tmp_path):
    lines = ["# Call for Inputs: Response", "", "1. Organization name", "", "Big Survey Org", ""]
    for n in range(2, 131):
        lines += [f"{n}. What about item {n}?", "", f"Answer {n}." + (" 2025: will we get there?" if n == 5 else ""),
                  ""]
    doc = folder(tmp_path, {"long.md": "\n".join(lines)}) / "long.md"
    parsed = extract(load_document(doc, "long.md"), topical=None).parsed
    answers = {p.key: parsed.text[p.start:p.end] for p in parsed.parts if p.kind == "answer"}
    assert answers["a99"] == "Answer 99." and answers["a100"] == "Answer 100." and answers["a130"] == "Answer 130."
    assert "2025" in answers["a5"] and "q2025" not in {p.key for p in parsed.parts}


# -- §3 two documents never share an IRI -------------------------------------------------------------------------

def test_same_relative_name_in_two_folders_is_refused_naming_both(tmp_path):
    d1 = folder(tmp_path, {"x.txt": GOOD}, "d1")
    d2 = folder(tmp_path, {"x.txt": GOOD.replace("C3", "C5")}, "d2")
    result = run("build", d1, d2, "--store", tmp_path / "s", "--quiet")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {d1 / 'x.txt'} and {d2 / 'x.txt'}: two different files named x.txt, which would be one document "
        "(one IRI); build the folder that holds both, so that each is named by its path under it, or rename one"]
    assert not (tmp_path / "s" / "current").exists()
    # the folder that holds both names them d1/x.txt and d2/x.txt; the same file given twice is one document
    assert run("build", tmp_path, "--store", tmp_path / "s", "--quiet", "--no-validate").exit_code == 0
    names = run("query", "documents", "--store", tmp_path / "s", "--format", "csv").stdout
    assert "d1/x.txt" in names and "d2/x.txt" in names
    twice = run("build", d1, d1 / "x.txt", "--store", tmp_path / "s3", "--quiet", "--no-validate")
    assert twice.exit_code == 0 and "built 1 documents" in twice.stderr and not skipped(twice)


# -- §5 exit codes ---------------------------------------------------------------------------------------------

def test_ctrl_c_exits_130_with_one_line(tmp_path):
    # enough distinct documents that the build is still running when the interrupt comes
    docs = folder(tmp_path, {f"{n:03d}.md": f"# Note {n}\n\n" + "We work on C5 and SDG 4 in rural areas. " * 100
                             for n in range(80)})
    process = subprocess.Popen([sys.executable, "-m", "wsisgraph", "build", str(docs), "--store", str(tmp_path / "s")],
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert process.stderr.read(len("extracting")) == "extracting"  # the progress bar: the build has started
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        deadline = time.monotonic() + 60
        while len(children.read_text().split()) < 2 and time.monotonic() < deadline:  # the extraction workers
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # as the terminal does: the whole process group, workers included
        rest = process.stderr.read()
        assert process.wait(timeout=120) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    lines = [line for line in rest.strip().splitlines() if line.strip()]
    assert lines[-1:] == ["interrupted (Ctrl-C)"] and "Traceback" not in rest, rest
    assert not (tmp_path / "s" / "current").exists()


# -- §7 misuse -------------------------------------------------------------------------------------------------

def test_explain_unknown_document_is_an_error(built_store):
    result = run("explain", "nosuch.txt", "C7", "--store", built_store)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: nosuch.txt: no document of this name in the store; list them with "
                                     "`wsisgraph query documents --store STORE`")


@pytest.mark.parametrize("typed", ["seeds/002_0a617c45d6870c06.txt", "./seeds/002_0a617c45d6870c06.txt",
                                   str(ROOT / "seeds" / "002_0a617c45d6870c06.txt")])
def test_explain_accepts_the_path_of_a_built_document(built_store, typed):
    by_name = run("explain", "002_0a617c45d6870c06.txt", "C7", "--store", built_store)
    by_path = run("explain", typed, "C7", "--store", built_store)
    assert by_path.exit_code == 0 and by_path.stdout == by_name.stdout and "explicit: C7" in by_name.stdout


@pytest.mark.parametrize("suffix, first", [(".nt", r"<[^>]+> <[^>]+> "), (".nq", r"<[^>]+> <[^>]+> .* <[^>]+> \.$"),
                                           (".trig", r"@prefix "), (".jsonld", r'\{\s*"@context"')])
def test_export_takes_the_format_from_the_extension(built_store, tmp_path, suffix, first):
    out = tmp_path / f"g{suffix}"
    result = run("export", "--store", built_store, "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert re.match(first, text.splitlines()[0] if suffix != ".jsonld" else text)
    unknown = run("export", "--store", built_store, "--out", tmp_path / "g.xyz")
    assert unknown.exit_code == 2 and "cannot tell the RDF format from the extension .xyz" in unknown.stderr


def test_build_skips_what_wsisgraph_wrote(built_store, tmp_path, seed_dir):
    docs = tmp_path / "docs"
    shutil.copytree(seed_dir, docs / "seeds")
    out = docs / "out"
    out.mkdir()
    # the report also writes networks/*.gexf and *.html
    for args in (["export", "--out", out / "g.ttl"], ["export", "--out", out / "g.nt"], ["export", "--out", out / "g.jsonld"],
                 ["network", "al-sdg", "--out", out / "n.graphml"], ["network", "al-sdg", "--out", out / "n.json"],
                 ["network", "al-sdg", "--out", out / "n.svg"]):
        assert run(*args, "--store", built_store).exit_code == 0
    assert run("publish", "--store", built_store, docs / "site").exit_code == 0
    assert run("report", "--store", built_store, "--out", docs / "report", "--quiet").exit_code == 0
    result = run("build", docs, "--store", tmp_path / "s", "--quiet", "--no-validate")
    assert result.exit_code == 0, result.output
    lines = skipped(result)
    expected = {"out/g.ttl": "RDF (Turtle or TriG)", "out/g.nt": "RDF (N-Triples or N-Quads)",
                "out/g.jsonld": "RDF (JSON-LD)", "out/n.graphml": "a network file (GraphML or GEXF)",
                "out/n.json": "a network file (node-link JSON)", "out/n.svg": "an SVG image",
                "site/": "a linked-data site wsisgraph published", "report/report.html": "an HTML page wsisgraph wrote",
                "report/report.md": "the analyst report", "report/networks/co-mention.gexf": "a network file",
                "report/networks/co-mention.html": "an HTML page wsisgraph wrote"}
    for name, what in expected.items():
        assert any(line.startswith(f"skipped {name}: {what}") for line in lines), (name, lines)
    # the report's figures are PNG (binary files, skipped as such): nothing of the report or the site is read as a
    # document
    for line in lines:
        if not any(line.startswith(f"skipped {name}:") for name in expected):
            assert ((line.startswith("skipped report/figures/") and "binary file" in line)
                    or (line.startswith("skipped report/networks/") and "wsisgraph" in line)), line
    assert "built 2 documents" in result.stderr


def test_strict_refuses_a_wordpress_field_of_the_wrong_type(tmp_path):
    for field, value, message in (("title", {"rendered": 42}, "title.rendered is a number, not text"),
                                  ("content", {"rendered": ["<p>x</p>"]}, "content.rendered is a list, not text")):
        page = dict(PAGE, **{field: value})
        docs = folder(tmp_path, {"page.json": json.dumps(page)}, f"docs-{field}")
        lenient = run("build", docs, "--store", tmp_path / f"s-{field}", "--quiet", "--no-validate")
        assert lenient.exit_code == 0 and f"warning: page.json: {message}; left out" in lenient.stderr
        strict = run("build", docs, "--store", tmp_path / f"t-{field}", "--quiet", "--no-validate", "--strict")
        assert strict.exit_code == 2
        assert strict.stderr.strip() == (f"Error: page.json: {message} (--strict: the store is "
                                         "unchanged)")


@pytest.mark.parametrize("base", ["example.org/wsis/", "wsis", "http://exa mple.org/"])
def test_base_that_is_not_an_absolute_iri_is_one_line(tmp_path, seed_dir, base):
    result = run("build", seed_dir, "--store", tmp_path / "s", "--base", base, "--quiet")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Error: {base!r} (--base): not an absolute IRI; give one such as "
                                     "https://example.org/wsisgraph/")


def _full_disk_build(tmp_path, seed_dir, preexec=None, store=None):
    store = store or tmp_path / "s"
    return store, subprocess.run([sys.executable, "-m", "wsisgraph", "build", str(seed_dir), "--store", str(store),
                                  "--quiet", "--no-validate"], capture_output=True, text=True, preexec_fn=preexec)


def test_a_write_that_fails_during_build_is_one_line(tmp_path, seed_dir):
    """A real failing write: the file size limit (RLIMIT_FSIZE) makes the store's writes fail with EFBIG, as a
    full disk fails them with ENOSPC, without mounting anything."""
    import resource

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    store, result = _full_disk_build(tmp_path, seed_dir, limit)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: {store}: cannot write the store (File too large); free some space or choose another --store (the "
        "previous graph is kept)"]


def test_full_disk_during_build_is_one_line(tmp_path, seed_dir):
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root); the RLIMIT_FSIZE test covers the failing write")
    try:
        store, result = _full_disk_build(tmp_path, seed_dir, store=mount / "store")
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [
            f"Error: {store}: cannot write the store (No space left on device); free some space or choose another "
            "--store (the previous graph is kept)"]
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_repeated_param_is_an_error(built_store):
    result = run("query", "evidence", "--store", built_store, "--param", "concept=C7", "--param", "concept=4")
    assert result.exit_code == 2
    assert "concept is given twice ('C7' and '4'); give each parameter once" in result.stderr


def test_terminal_control_characters_are_escaped_in_tables(tmp_path):
    docs = folder(tmp_path, {"r.md": "# Call for Inputs: Response\n\n1. Organization name\n\nEvil\x1b[2J\x1b]0;pwned\x07 "
                                     "Org\u202e\n\n2. Organization type\n\nAcademia\n\n3. What is done? C5\n"})
    assert run("build", docs, "--store", tmp_path / "s", "--quiet", "--no-validate").exit_code == 0
    for args in (["query", "respondents"], ["sparql", "SELECT ?n WHERE { ?d wsis:respondentName ?n }"]):
        table = run(*args, "--store", tmp_path / "s").stdout
        assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
        assert "Evil\\x1b[2J\\x1b]0;pwned\\x07 Org\\u202e" in table
    raw = json.loads(run("query", "respondents", "--store", tmp_path / "s", "--format", "json").stdout)
    assert raw["results"]["bindings"][0]["name"]["value"] == "Evil\x1b[2J\x1b]0;pwned\x07 Org\u202e"
