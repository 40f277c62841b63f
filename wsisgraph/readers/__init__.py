"""The document model that every reader produces: one extracted text and the parts it is made of.

Each document kind has a reader module here (wordpress, questionnaire, text) with `read(doc) -> Parsed`.
Offsets of parts (and later of mentions) are character offsets into `Parsed.text`, the document's
extracted text, so a mention's quote is always `text[start:end]`.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

BLOCK_SEPARATOR = "\n\n"


@dataclass
class Part:
    """A span of the extracted text: a title, section, question, answer or respondent field.

    `key` is local to the document and stable across rebuilds (it becomes part of the part's IRI).
    """

    key: str
    kind: str  # title | excerpt | section | question | answer | field | header
    start: int
    end: int
    number: int | None = None  # question number
    heading: str | None = None  # section heading it sits under
    page: str | None = None  # key of the web page it belongs to (WordPress)
    question: str | None = None  # for an answer: the key of its question


@dataclass
class Page:
    """A WordPress page or post inside a document."""

    key: str
    wp_id: Any = None
    wp_type: str | None = None
    title: str = ""
    link: str | None = None
    date: str | None = None
    modified: str | None = None
    excerpt: str | None = None
    slug: str | None = None


@dataclass
class Respondent:
    """The respondent fields of a call-for-inputs response, as written."""

    name: str | None = None
    type_as_written: str | None = None
    country_as_written: str | None = None
    name_part: str | None = None  # key of the field part holding the name


@dataclass
class Parsed:
    text: str
    parts: list[Part] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    respondent: Respondent | None = None
    title: str | None = None
    identifier: str | None = None  # e.g. the response number
    date: str | None = None
    #: told to the user, the document built all the same (markup read flat)
    warnings: list[str] = field(default_factory=list)
    #: what the reader had to leave out because the input is malformed (a field of the wrong type): a warning,
    #: or with --strict an error
    problems: list[str] = field(default_factory=list)


_ATX_OPENING = re.compile(r"\s{0,3}(#{1,6})\s")


def markdown_heading(line: str) -> tuple[str, str] | None:
    r"""`(hashes, text)` of an ATX heading line (`## Title ##` -> `("##", "Title")`), or None.

    The same headings as the pattern `^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$` matched, in one linear pass: that
    pattern's three adjacent whitespace runs backtracked cubically (a heading followed by 3,000 spaces: 32 s).
    """
    match = _ATX_OPENING.match(line)
    if match is None:
        return None
    return match.group(1), line[match.end():].strip().rstrip("#").rstrip()


class TextBuilder:
    """Appends blocks of text, separated by a blank line, and records where each lands."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._length = 0

    @property
    def length(self) -> int:
        return self._length

    def add(self, text: str) -> tuple[int, int]:
        """Append one block; return its (start, end) in the final text."""
        if self._chunks:
            self._chunks.append(BLOCK_SEPARATOR)
            self._length += len(BLOCK_SEPARATOR)
        start = self._length
        self._chunks.append(text)
        self._length += len(text)
        return start, self._length

    def text(self) -> str:
        return "".join(self._chunks)


def add_sections(builder: TextBuilder, parsed: Parsed, blocks: list[tuple[str, str]], page: str | None = None) -> None:
    """One section part per heading (with the blocks under it); blocks before the first heading form one too.
    Section keys are `s1`, `s2`, ... or `{page}/s1` inside a web page."""
    number = 0
    current: Part | None = None
    for kind, text in blocks:
        start, end = builder.add(text)
        if kind == "heading" or current is None:
            number += 1
            current = Part(key=f"{page}/s{number}" if page else f"s{number}", kind="section", start=start, end=end,
                           heading=text if kind == "heading" else None, page=page)
            parsed.parts.append(current)
        else:
            current.end = end


_READERS = {
    "wordpress-json": "wordpress",
    "questionnaire-md": "questionnaire",
    "html": "text",
    "text": "text",
}


def reader_for(kind: str) -> Callable[..., Parsed]:
    """The `read` function of the module for a document kind (imported on first use)."""
    module = importlib.import_module(f"{__name__}.{_READERS[kind]}")
    return module.read
