"""WordPress REST JSON (/wp-json/wp/v2/pages|posts): a page or post object, or a JSON array of them.

Each page becomes a `Page` with its title, link, dates, type and excerpt; its text is the title, the excerpt and
the sections of `content.rendered` (one section per heading), read through a real HTML parser. JSON metadata
(ids, slugs, `_links`, `guid`) never reaches the text: only what a reader of the page sees does.
"""
from __future__ import annotations

from . import Page, Parsed, Part, TextBuilder, add_sections
from .html import html_blocks, html_to_text


_KINDS = {bool: "true or false", int: "a number", float: "a number", list: "a list", dict: "an object"}


def _rendered(item: dict, key: str, where: str, problems: list[str]) -> str:
    """The text of `key.rendered` (or of `key` given as a plain string); a value of another type is a problem."""
    value = item.get(key)
    field_name = key
    if isinstance(value, dict):
        value, field_name = value.get("rendered"), f"{key}.rendered"
    if value is None or isinstance(value, str):
        return value or ""
    problems.append(f"{where}{field_name} is {_KINDS.get(type(value), type(value).__name__)}, not text")
    return ""


def _text(item: dict, keys: tuple[str, ...], where: str, problems: list[str]) -> str | None:
    """The first of `keys` that holds a string (`date_gmt`, else `date`); one of another type is a problem."""
    found = None
    for key in keys:
        value = item.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            found = found or value or None
        else:
            problems.append(f"{where}{key} is {_KINDS.get(type(value), type(value).__name__)}, not text")
    return found


def read(doc) -> Parsed:
    items = doc.json if isinstance(doc.json, list) else [doc.json]
    builder = TextBuilder()
    parsed = Parsed(text="")
    problems = parsed.problems
    for index, item in enumerate(items):
        key = f"page{index + 1}"
        where = f"{doc.name}: " + (f"[{index}]." if isinstance(doc.json, list) else "")
        wp_id = item.get("id")
        if wp_id is not None and (isinstance(wp_id, bool) or not isinstance(wp_id, (int, str))):
            problems.append(f"{where}id is {_KINDS.get(type(wp_id), type(wp_id).__name__)}, not a number or text")
            wp_id = None
        page = Page(
            key=key,
            wp_id=wp_id,
            wp_type=_text(item, ("type",), where, problems),
            title=html_to_text(_rendered(item, "title", where, problems), parsed.warnings, f"{where}title"),
            link=_text(item, ("link",), where, problems),
            date=_text(item, ("date_gmt", "date"), where, problems),
            modified=_text(item, ("modified_gmt", "modified"), where, problems),
            excerpt=html_to_text(_rendered(item, "excerpt", where, problems), parsed.warnings,
                                 f"{where}excerpt") or None,
            slug=_text(item, ("slug",), where, problems),
        )
        parsed.pages.append(page)
        if page.title:
            start, end = builder.add(page.title)
            parsed.parts.append(Part(key=f"{key}/title", kind="title", start=start, end=end, page=key))
        if page.excerpt:
            start, end = builder.add(page.excerpt)
            parsed.parts.append(Part(key=f"{key}/excerpt", kind="excerpt", start=start, end=end, page=key))
        add_sections(builder, parsed, html_blocks(_rendered(item, "content", where, problems), parsed.warnings,
                                                  f"{where}content"), page=key)
    parsed.text = builder.text()
    if len(parsed.pages) == 1:
        parsed.title = parsed.pages[0].title or None
    return parsed
