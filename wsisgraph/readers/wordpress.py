"""WordPress REST JSON (/wp-json/wp/v2/pages|posts): a page or post object, or a JSON array of them.

Each page becomes a `Page` with its title, link, dates, type and excerpt; its text is the title, the excerpt and
the sections of `content.rendered` (one section per heading), read through a real HTML parser. JSON metadata
(ids, slugs, `_links`, `guid`) never reaches the text: only what a reader of the page sees does.
"""
from __future__ import annotations

from typing import Any

from . import Page, Parsed, Part, TextBuilder, add_sections
from .html import html_blocks, html_to_text


def _rendered(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else ""


def read(doc) -> Parsed:
    items = doc.json if isinstance(doc.json, list) else [doc.json]
    builder = TextBuilder()
    parsed = Parsed(text="")
    for index, item in enumerate(items):
        key = f"page{index + 1}"
        page = Page(
            key=key,
            wp_id=item.get("id"),
            wp_type=item.get("type") if isinstance(item.get("type"), str) else None,
            title=html_to_text(_rendered(item.get("title"))),
            link=item.get("link") if isinstance(item.get("link"), str) else None,
            date=item.get("date_gmt") or item.get("date") if isinstance(item.get("date"), str) else None,
            modified=item.get("modified_gmt") or item.get("modified") if isinstance(item.get("modified"), str) else None,
            excerpt=html_to_text(_rendered(item.get("excerpt"))) or None,
            slug=item.get("slug") if isinstance(item.get("slug"), str) else None,
        )
        parsed.pages.append(page)
        if page.title:
            start, end = builder.add(page.title)
            parsed.parts.append(Part(key=f"{key}/title", kind="title", start=start, end=end, page=key))
        if page.excerpt:
            start, end = builder.add(page.excerpt)
            parsed.parts.append(Part(key=f"{key}/excerpt", kind="excerpt", start=start, end=end, page=key))
        add_sections(builder, parsed, html_blocks(_rendered(item.get("content"))), page=key)
    parsed.text = builder.text()
    if len(parsed.pages) == 1:
        parsed.title = parsed.pages[0].title or None
    return parsed
