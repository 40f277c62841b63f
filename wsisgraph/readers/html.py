"""HTML to text blocks through lxml's HTML parser: headings, paragraphs, list items, captions, image alt text.

Scripts, styles and other non-content elements are dropped; entities are decoded by the parser; attributes
(href, src, class) never reach the text, so URLs and markup cannot produce mentions.
"""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

DROP = {"script", "style", "noscript", "template", "svg", "iframe", "head", "object", "embed", "button", "select",
        "textarea", "canvas", "map", "video", "audio"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = {"p", "div", "section", "article", "li", "ul", "ol", "figure", "figcaption", "blockquote", "table", "tr",
          "td", "th", "thead", "tbody", "dl", "dt", "dd", "header", "footer", "main", "aside", "nav", "pre",
          "address", "details", "summary", "hr", "body", "html", "form", "fieldset", "caption", "picture"}
_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def html_blocks(markup: str) -> list[tuple[str, str]]:
    """[(kind, text)] in document order; kind is `heading`, `block` or `alt` (an image's alt text)."""
    if not markup or not markup.strip():
        return []
    try:
        root = lxml.html.document_fromstring(markup)  # wraps a fragment in html/body; <head> is dropped
    except (etree.ParserError, ValueError):
        return []
    blocks: list[tuple[str, str]] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean("".join(buffer))
        buffer.clear()
        if text:
            blocks.append(("block", text))

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if not isinstance(el.tag, str) or tag in DROP:  # comments, processing instructions, scripts
            if el.tail:
                buffer.append(el.tail)
            return
        if tag in HEADINGS:
            flush()
            text = clean(" ".join(t for t in _texts(el)))
            if text:
                blocks.append(("heading", text))
        elif tag == "img":
            alt = clean(el.get("alt") or "")
            if alt:
                flush()
                blocks.append(("alt", alt))
        elif tag == "br":
            flush()
        else:
            is_block = tag in BLOCKS
            if is_block:
                flush()
            if el.text:
                buffer.append(el.text)
            for child in el:
                walk(child)
            if is_block:
                flush()
        if el.tail:
            buffer.append(el.tail)

    walk(root)
    flush()
    return blocks


def _texts(el):
    """The text inside an element, skipping dropped elements (a heading may hold a script or an icon)."""
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str) and child.tag.lower() not in DROP:
            if child.tag.lower() == "img" and child.get("alt"):
                yield " " + child.get("alt") + " "
            yield from _texts(child)
        if child.tail:
            yield child.tail


def html_title(markup: str) -> str | None:
    """The <title> of a whole HTML page, if it has one."""
    try:
        found = lxml.html.document_fromstring(markup).find(".//title")
    except (etree.ParserError, ValueError):
        return None
    return clean(found.text_content()) or None if found is not None else None


def html_to_text(markup: str) -> str:
    """Plain text of a fragment (titles and excerpts): its blocks joined by spaces."""
    return " ".join(text for _, text in html_blocks(markup))
