"""HTML to text blocks through lxml's HTML parser: headings, paragraphs, list items, captions, image alt text.

Scripts, styles and other non-content elements are dropped; entities are decoded by the parser; attributes
(href, src, class) never reach the text, so URLs and markup cannot produce mentions.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

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


#: Elements without an end tag: a dropped one (`<embed>`) drops nothing after it.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


def _parse(markup: str):
    """The lxml tree of a page or fragment, or None when it holds nothing; `deep` when lxml gave up on nesting.

    `huge_tree` lifts libxml2's nesting limit from 256 to 2048 elements: at 256 (a page of 300 unclosed `<b>`s)
    it silently returned an empty tree. An XML declaration with an encoding, which lxml refuses in a str, is
    parsed from the UTF-8 bytes instead."""
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(markup, parser=parser)
    except ValueError:  # "Unicode strings with encoding declaration are not supported"
        parser = lxml.html.HTMLParser(huge_tree=True, encoding="utf-8")
        try:
            root = lxml.html.document_fromstring(markup.encode("utf-8", "replace"), parser=parser)
        except (etree.ParserError, ValueError):
            return None, False
    except etree.ParserError:  # nothing but comments or whitespace
        return None, False
    deep = any("Excessive depth" in entry.message for entry in parser.error_log)
    return root, deep


def html_blocks(markup: str, warnings: list[str] | None = None, where: str = "the HTML") -> list[tuple[str, str]]:
    """[(kind, text)] in document order; kind is `heading`, `block` or `alt` (an image's alt text).

    Markup nested deeper than lxml reads (2048 elements) is read by a flat parser instead, which keeps every
    text and ignores the nesting; `warnings` (if given) then gets a line saying so about `where`."""
    if not markup or not markup.strip():
        return []
    root, deep = _parse(markup)
    if deep:
        if warnings is not None:
            warnings.append(f"{where} is nested deeper than the 2048 elements lxml reads; read flat, its text kept "
                            "and its nesting ignored")
        reader = _FlatReader()
        reader.feed(markup)
        reader.close()
        return reader.finish()
    if root is None:
        return []
    blocks: list[tuple[str, str]] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean("".join(buffer))
        buffer.clear()
        if text:
            blocks.append(("block", text))

    # an explicit stack, not recursion: 2048 levels of nesting are past Python's recursion limit
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        el, leaving = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if leaving:
            if tag in BLOCKS:
                flush()
            if el.tail:
                buffer.append(el.tail)
            continue
        if not tag or tag in DROP:  # comments, processing instructions, scripts
            pass
        elif tag in HEADINGS:
            flush()
            text = clean(" ".join(_texts(el)))
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
            if tag in BLOCKS:
                flush()
            if el.text:
                buffer.append(el.text)
            stack.append((el, True))
            stack.extend((child, False) for child in reversed(el))
            continue
        if el.tail:
            buffer.append(el.tail)
    flush()
    return blocks


def _texts(el) -> list[str]:
    """The text inside an element, skipping dropped elements (a heading may hold a script or an icon)."""
    out: list[str] = []
    stack: list[tuple[bool, object]] = [(False, el)]
    while stack:
        is_text, item = stack.pop()
        if is_text:
            out.append(item)
            continue
        if item.text:
            out.append(item.text)
        for child in reversed(item):
            if child.tail:
                stack.append((True, child.tail))
            if isinstance(child.tag, str) and child.tag.lower() not in DROP:
                stack.append((False, child))
                if child.tag.lower() == "img" and child.get("alt"):
                    stack.append((True, " " + child.get("alt") + " "))
    return out


class _FlatReader(HTMLParser):
    """The blocks of markup too deeply nested for lxml, from the tag stream without a tree: the same headings,
    blocks and alt texts wherever the nesting is ordinary."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.buffer: list[str] = []
        self.heading: list[str] | None = None
        self.dropped = 0

    def flush(self) -> None:
        text = clean("".join(self.buffer))
        self.buffer.clear()
        if text:
            self.blocks.append(("block", text))

    def handle_starttag(self, tag, attrs) -> None:
        if tag in DROP:
            self.dropped += tag not in VOID
        elif self.dropped:
            return
        elif tag in HEADINGS:
            self.flush()
            self.heading = []
        elif tag == "img":
            alt = clean(dict(attrs).get("alt") or "")
            if alt and self.heading is not None:
                self.heading.append(f" {alt} ")
            elif alt:
                self.flush()
                self.blocks.append(("alt", alt))
        elif (tag in BLOCKS or tag == "br") and self.heading is None:
            self.flush()

    def handle_startendtag(self, tag, attrs) -> None:
        if tag not in DROP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag) -> None:
        if tag in DROP:
            self.dropped = max(0, self.dropped - (tag not in VOID))
        elif self.dropped:
            return
        elif tag in HEADINGS and self.heading is not None:
            text = clean("".join(self.heading))
            self.heading = None
            if text:
                self.blocks.append(("heading", text))
        elif tag in BLOCKS and self.heading is None:
            self.flush()

    def handle_data(self, data) -> None:
        if not self.dropped:
            (self.heading if self.heading is not None else self.buffer).append(data)

    def finish(self) -> list[tuple[str, str]]:
        if self.heading is not None:  # an unclosed heading
            self.buffer[:0] = self.heading
            self.heading = None
        self.flush()
        return self.blocks


def html_title(markup: str) -> str | None:
    """The <title> of a whole HTML page, if it has one."""
    root, _ = _parse(markup)
    found = root.find(".//title") if root is not None else None
    return clean(found.text_content()) or None if found is not None else None


def html_to_text(markup: str, warnings: list[str] | None = None, where: str = "the HTML") -> str:
    """Plain text of a fragment (titles and excerpts): its blocks joined by spaces."""
    return " ".join(text for _, text in html_blocks(markup, warnings, where))
