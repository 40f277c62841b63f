"""The fallback reader for any other textual document: Markdown, plain text or HTML.

Paragraphs (blank-line separated) are blocks; a Markdown heading (`# ...`) or an HTML heading starts a new
section, so mentions still sit in a part and co-mentions stay local.
"""
from __future__ import annotations

import re

from . import Parsed, Part, TextBuilder
from .html import html_blocks, html_title

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """[(kind, text)]: `heading` for Markdown headings, `block` for paragraphs (inner line breaks kept)."""
    blocks: list[tuple[str, str]] = []
    for para in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        lines: list[str] = []
        for line in para.split("\n"):
            match = _HEADING.match(line)
            if match:
                if lines:
                    blocks.append(("block", "\n".join(lines).strip()))
                    lines = []
                if match.group(2):
                    blocks.append(("heading", match.group(2)))
            elif line.strip():
                lines.append(line.rstrip())
        if lines:
            blocks.append(("block", "\n".join(lines).strip()))
    return blocks


def read(doc) -> Parsed:
    if doc.kind == "html":
        blocks = html_blocks(doc.text)
        title = html_title(doc.text)
    else:
        blocks = markdown_blocks(doc.text)
        title = None
    builder = TextBuilder()
    parsed = Parsed(text="")
    number = 0
    current: Part | None = None
    for kind, text in blocks:
        start, end = builder.add(text)
        if kind == "heading" or current is None:
            number += 1
            current = Part(key=f"s{number}", kind="section", start=start, end=end,
                           heading=text if kind == "heading" else None)
            parsed.parts.append(current)
            if title is None and kind == "heading":
                title = text
        else:
            current.end = end
    parsed.text = builder.text()
    parsed.title = title
    return parsed
