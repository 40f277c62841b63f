"""No input stalls extraction (issue 15 §2): adversarial shapes and property-based text through the readers and
the gazetteer, each case within a generous time bound, and nothing raised but DocumentError.

The explicit shapes are the ones that took seconds to minutes before the regular expressions were made linear
(a Markdown heading followed by 3,000 spaces: 32 s; a 100 KB data: URI: 77 s; a 30 KB indented line: 18 s;
`[a` x 30,000: 11 s). The bound is far above what a linear pass needs (well under a second each here) and far
below what the quadratic forms took, so a regression fails without making the test slow or flaky.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from wsisgraph.errors import DocumentError
from wsisgraph.extract import extract
from wsisgraph.gazetteer import load_gazetteer
from wsisgraph.load import Document, sniff_kind
from wsisgraph.readers import reader_for

BOUND = 5.0  # seconds per case
QUESTIONNAIRE = "# Call for inputs: Response\n\n1. Organization name\n\nFuzz Org\n\n"


def document(text: str, name: str = "fuzz.md") -> Document:
    kind, parsed = sniff_kind(text, name)
    return Document(path=Path(name), name=name, text=text, sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                    kind=kind, json=parsed)


def wordpress(content: str, title: str = "Fuzz page") -> str:
    return json.dumps({"id": 1, "type": "page", "title": {"rendered": title}, "content": {"rendered": content}})


ATTACKS = {
    "heading followed by 3,000 spaces": "# Heading" + " " * 3000 + "x\n\nC7 text\n",
    "heading of 3,000 spaces then hashes": "## a" + " " * 3000 + "#" * 3 + " x\n",
    "100 KB data: URI in Markdown": "Notes on C7\n\n![logo](data:image/png;base64," + "A" * 100_000 + ")\n",
    "100 KB data: URI in running text": "see data:text/plain," + "a" * 100_000 + " and SDG 4\n",
    "100 KB e-mail-like run": "contact " + "a.b-c+" * 17_000 + " now\n",
    "30 KB indented line in a response": QUESTIONNAIRE + "2. What is done?\n\n" + " " * 30_000 + "x\n",
    "30 KB indented bold line in a response": QUESTIONNAIRE + "**" + " " * 30_000 + "x\n",
    "`[a` x 30,000 in a response": QUESTIONNAIRE + "2. What is done?\n\n" + "[a" * 30_000 + "\n",
    "`[a](b` x 20,000 in a response": QUESTIONNAIRE + "2. What is done?\n\n" + "[a](b" * 20_000 + "\n",
    "`[a](x(` x 20,000 in a response": QUESTIONNAIRE + "2. What is done?\n\n" + "[a](x(" * 20_000 + "\n",
    "30 KB of spaces after 'other' as the organization type": QUESTIONNAIRE.replace(
        "Fuzz Org\n\n", "Fuzz Org\n\n2. Organization type\n\nother" + " " * 30_000 + "x\n\n"),
    "30 KB after 'Response 1'": "Response 1" + " " * 30_000 + "x\n\ncall for inputs\n",
    "30 KB of SDG with spaces": "SDG" + " " * 30_000 + "x and Goal" + " " * 30_000 + "4\n",
    "C7 followed by 30 KB of spaces": "C7" + " " * 30_000 + "levelx\n",
    "field label with 30 KB of spaces": QUESTIONNAIRE + "organization" + " " * 30_000 + "x\n",
    "HTML opening tags without end": "<p" * 20_000 + ">C7</p>",
    "WordPress content of 20,000 unclosed paragraphs": wordpress("<p>C7 " * 20_000),
    "WordPress content nested 5,000 deep": wordpress("<div>" * 5000 + "C7 deep" + "</div>" * 5000),
    "WSIS followed by 30 KB of spaces": "Notes\n\nWSIS" + " " * 30_000 + "x\n",
    "2,000 Summit names, each followed by 120 spaces": "Notes\n\n" + ("World Summit on the Information Society"
                                                                       + " " * 120 + "x ") * 2000,
    "30 KB of dots before a letter": "Notes\n\nTelemedicine" + "." * 30_000 + "x hospitals\n",
    "5,003 numbered questions": QUESTIONNAIRE + "".join(f"{n}. Question {n}? Answer C{n % 11 + 1}\n" for n in range(2, 5004)),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_adversarial_shape_extracts_in_bounded_time(name):
    started = time.perf_counter()
    try:
        extract(document(ATTACKS[name]))
    except DocumentError:
        pass
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND, f"{name}: {elapsed:.1f} s"


# Building blocks of hostile text: the characters the readers' and gazetteer's patterns turn on, repeated.
CHUNKS = [" ", "\t", "\n", "\n\n", "#", "# ", "[", "]", "(", ")", "[a", "](", "*", "**", "_", "__", "a", "1", "12.",
          ".", "@", "-", ":", "?", "<p>", "<p", "</p>", "<div>", ">", "SDG ", "Goal ", "C7", "C 7", " and ", ", ",
          "http://", "www.", "data:", "a@b", "Q1.", "Response ", "other", "organization ", "ICT ", "\u00a0", "\u2028"]
PREFIXES = ["", QUESTIONNAIRE, "<html><body>\n", "Notes\n\n"]


@st.composite
def hostile_text(draw) -> str:
    pieces = draw(st.lists(st.tuples(st.sampled_from(CHUNKS), st.integers(1, 2500)), min_size=1, max_size=5))
    return draw(st.sampled_from(PREFIXES)) + "".join(chunk * count for chunk, count in pieces)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=hostile_text(), as_json=st.booleans())
def test_readers_and_gazetteer_on_hostile_text(text, as_json):
    if not text.strip():
        return
    source = wordpress(text, title=text[:2000]) if as_json else text
    started = time.perf_counter()
    try:
        doc = document(source)
    except DocumentError:
        return
    parsed = reader_for(doc.kind)(doc)
    for match in load_gazetteer().find(parsed.text):
        assert parsed.text[match.start:match.end].strip()
    for part in parsed.parts:
        assert 0 <= part.start <= part.end <= len(parsed.text)
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND, f"{elapsed:.1f} s for {len(source)} characters"


@pytest.mark.parametrize("line", [" " * 30_000 + "x", "- " + " " * 30_000 + "x", "3" + " " * 30_000 + "x"])
def test_pdf_page_number_pattern_on_a_line_of_spaces(line):
    """A PDF's margin lines are matched against the page-number pattern (readers/pdf.py): 30 KB of spaces took
    about 50 s when the pattern had two whitespace runs around an optional word."""
    from wsisgraph.readers.pdf import _PAGE_NUMBER

    started = time.perf_counter()
    assert not _PAGE_NUMBER.match(line)
    assert time.perf_counter() - started < BOUND
