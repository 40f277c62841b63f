"""The fallback reader for any other textual document: Markdown, plain text or HTML.

Paragraphs (blank-line separated) are blocks; a Markdown heading (`# ...`) or an HTML heading starts a new
section, so mentions still sit in a part and co-mentions stay local.
"""
from __future__ import annotations

import re

from . import Parsed, TextBuilder, add_sections, markdown_heading
from .html import html_blocks, html_title

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """[(kind, text)]: `heading` for Markdown headings, `block` for paragraphs (inner line breaks kept)."""
    blocks: list[tuple[str, str]] = []
    for para in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        lines: list[str] = []
        for line in para.split("\n"):
            heading = markdown_heading(line)
            if heading:
                if lines:
                    blocks.append(("block", "\n".join(lines).strip()))
                    lines = []
                if heading[1]:
                    blocks.append(("heading", heading[1]))
            elif line.strip():
                lines.append(line.rstrip())
        if lines:
            blocks.append(("block", "\n".join(lines).strip()))
    return blocks


def read(doc) -> Parsed:
    parsed = Parsed(text="")
    if doc.kind == "html":
        blocks = html_blocks(doc.text, parsed.warnings, doc.name)
        title = html_title(doc.text)
    else:
        blocks = markdown_blocks(doc.text)
        title = None
    builder = TextBuilder()
    add_sections(builder, parsed, blocks)
    if title is None:
        title = next((text for kind, text in blocks if kind == "heading"), None)
    parsed.text = builder.text()
    parsed.title = title
    return parsed
