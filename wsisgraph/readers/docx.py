"""Word (DOCX) files: the body in document order, as Markdown (see `blocks.py`), read with python-docx.

- A paragraph styled Title or Heading N (or any style whose outline level, own or inherited, makes it a heading)
  becomes a Markdown heading; levels are ranked, so Title > Heading 1 > Heading 2 whichever of them are used.
- A numbered or bulleted paragraph gets the number Word would show (`4.`, `a)`, `-`), computed from the
  document's numbering definitions: in a DOCX the number is not part of the paragraph's text.
- Bold runs stay bold (`**Organization name:** value`), line breaks stay line breaks, tabs become spaces.
- Tables are read row by row; a row of two cells (`Organization name` | `Ocgrow Group`) reads as `label: value`.
- Deleted (tracked) text, hidden text, text boxes, headers, footers, footnotes and comments are left out.

A ZIP that is not a Word document (an Excel workbook, an OpenDocument file, any other archive) or a broken one
raises `DocumentError` saying which.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from ..errors import DocumentError
from .blocks import Block, rank_levels

#: A DOCX whose parts unpack to more than this is refused (a ZIP bomb, or nothing a respondent writes).
MAX_UNPACKED = 200 * 1024 * 1024

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_SKIP_ANCESTORS = {f"{{{_W}}}txbxContent", f"{{{_W}}}del", f"{{{_W}}}moveFrom", f"{{{_MC}}}Fallback"}
_HEADING_STYLE = re.compile(r"^(?:heading\s*(\d)|title)$", re.I)

_OTHER_ZIPS = [  # (a member that tells what it is, what it is)
    ("xl/workbook.xml", "an Excel workbook (XLSX)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (PPTX)"),
    ("content.xml", "an OpenDocument file (ODT/ODS); save it as DOCX or PDF"),
    ("META-INF/container.xml", "an EPUB book"),
]


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _open(data: bytes, name: str):
    """The python-docx Document, after checking that the ZIP is whole and is a Word document."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        raise DocumentError(f"{name}: corrupt ZIP archive ({err}); check that the file is complete") from None
    if "word/document.xml" not in members:
        what = next((label for member, label in _OTHER_ZIPS if member in members), "a ZIP archive")
        raise DocumentError(f"{name}: {what}, not a Word document (no word/document.xml); give a DOCX or PDF")
    unpacked = sum(info.file_size for info in members.values())
    if unpacked > MAX_UNPACKED:
        raise DocumentError(f"{name}: DOCX that unpacks to {unpacked} bytes, more than the {MAX_UNPACKED} allowed")
    bad = None
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise DocumentError(f"{name}: corrupt ZIP archive ({err}); check that the file is complete") from None
    if bad is not None:
        raise DocumentError(f"{name}: corrupt ZIP archive (bad CRC in {bad}); check that the file is complete")
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx and lxml raise many kinds on malformed parts; all mean the same here
        raise DocumentError(f"{name}: not a readable Word document ({type(err).__name__}: {err})") from None


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out or "A"


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += numeral
            n -= value
    return out or "0"


_FORMATS = {
    "lowerLetter": lambda n: _letters(n).lower(),
    "upperLetter": _letters,
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperRoman": _roman,
}


class _Numbering:
    """The numbers Word shows before list paragraphs, from word/numbering.xml."""

    def __init__(self, document) -> None:
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, {ilvl: startOverride})
        self.levels: dict[tuple[str, int], tuple[int, str, str]] = {}  # (abstractNumId, ilvl) -> (start, fmt, text)
        self.counts: dict[str, dict[int, int]] = {}
        self.seen: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for abstract in root.findall(_w("abstractNum")):
            aid = abstract.get(_w("abstractNumId"))
            for lvl in abstract.findall(_w("lvl")):
                start = lvl.find(_w("start"))
                fmt = lvl.find(_w("numFmt"))
                text = lvl.find(_w("lvlText"))
                self.levels[(aid, int(lvl.get(_w("ilvl"), "0")))] = (
                    int(start.get(_w("val"), "1")) if start is not None else 1,
                    fmt.get(_w("val"), "decimal") if fmt is not None else "decimal",
                    text.get(_w("val"), "") if text is not None else "",
                )
        for num in root.findall(_w("num")):
            abstract = num.find(_w("abstractNumId"))
            if abstract is None:
                continue
            overrides = {}
            for override in num.findall(_w("lvlOverride")):
                start = override.find(_w("startOverride"))
                if start is not None:
                    overrides[int(override.get(_w("ilvl"), "0"))] = int(start.get(_w("val"), "1"))
            self.nums[num.get(_w("numId"))] = (abstract.get(_w("val")), overrides)

    def label(self, num_id: str, ilvl: int) -> str | None:
        """The label of the next paragraph of list `num_id` at level `ilvl` ('4.', 'b)', '-'), counting it."""
        if num_id not in self.nums:
            return None
        aid, overrides = self.nums[num_id]
        counts = self.counts.setdefault(aid, {})
        if num_id not in self.seen:  # a list instance that restarts numbering
            self.seen.add(num_id)
            for level, start in overrides.items():
                counts[level] = start - 1
        start, fmt, _ = self.levels.get((aid, ilvl), (1, "decimal", f"%{ilvl + 1}."))
        counts[ilvl] = counts.get(ilvl, start - 1) + 1
        for deeper in [level for level in counts if level > ilvl]:
            del counts[deeper]
        if fmt == "bullet":
            return "-"
        if fmt == "none":
            return None
        text = self.levels.get((aid, ilvl), (1, "decimal", f"%{ilvl + 1}."))[2] or f"%{ilvl + 1}."

        def number(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            value = counts.get(level, self.levels.get((aid, level), (1,))[0])
            level_fmt = self.levels.get((aid, level), (1, "decimal", ""))[1]
            return _FORMATS.get(level_fmt, str)(value)

        return re.sub(r"%([1-9])", number, text).strip() or None


_OFF = {"0", "false", "off"}


class _Styles:
    """The styles of word/styles.xml by id, read once (python-docx looks each one up by a linear scan)."""

    def __init__(self, document) -> None:
        self.by_id: dict[str, tuple[str, str | None, Any, Any]] = {}  # id -> (name, basedOn, pPr, rPr)
        self.default: dict[str, str] = {}  # style type -> id of its default style
        root = document.styles.element
        for style in root.findall(_w("style")):
            sid = style.get(_w("styleId"))
            name = style.find(_w("name"))
            based = style.find(_w("basedOn"))
            self.by_id[sid] = (name.get(_w("val"), "") if name is not None else "",
                               based.get(_w("val")) if based is not None else None,
                               style.find(_w("pPr")), style.find(_w("rPr")))
            if style.get(_w("default")) in ("1", "true", "on"):
                self.default[style.get(_w("type"))] = sid

    def chain(self, sid: str | None, kind: str = "paragraph"):
        """(name, pPr, rPr) of the style and those it is based on; the default style when none is given."""
        sid = sid if sid in self.by_id else self.default.get(kind)
        seen = set()
        while sid is not None and sid in self.by_id and sid not in seen:
            seen.add(sid)
            name, based, ppr, rpr = self.by_id[sid]
            yield name, ppr, rpr
            sid = based


def _val(element, tag: str):
    """The w:val of a child element; '' for a child without one; None when there is no such child."""
    if element is None:
        return None
    child = element.find(_w(tag))
    return None if child is None else child.get(_w("val"), "")


def _style_id(properties, tag: str) -> str | None:
    return _val(properties, tag) if properties is not None else None


def _heading_level(p, styles: _Styles) -> int | None:
    """0 for Title, N for Heading N (or outline level N-1), None for body text."""
    ppr = p.find(_w("pPr"))
    outline = _val(ppr, "outlineLvl")
    if outline and outline != "9":
        return int(outline) + 1
    for name, style_ppr, _ in styles.chain(_style_id(ppr, "pStyle")):
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1)) if match.group(1) else 0
        outline = _val(style_ppr, "outlineLvl")
        if outline and outline != "9":
            return int(outline) + 1
    return None


def _numbering_of(p, styles: _Styles) -> tuple[str, int] | None:
    """(numId, ilvl) of a list paragraph, from the paragraph or its style; None when not in a list."""
    ppr = p.find(_w("pPr"))
    candidates = [ppr] + [style_ppr for _, style_ppr, _ in styles.chain(_style_id(ppr, "pStyle"))]
    num_id = ilvl = None
    for properties in candidates:
        numpr = properties.find(_w("numPr")) if properties is not None else None
        if numpr is None:
            continue
        if num_id is None:
            num_id = _val(numpr, "numId")
        if ilvl is None and _val(numpr, "ilvl"):
            ilvl = int(_val(numpr, "ilvl"))
    if num_id in (None, "", "0"):
        return None
    return num_id, ilvl or 0


def _bold(rpr) -> bool | None:
    value = _val(rpr, "b")
    return None if value is None else value not in _OFF


def _runs(paragraph, styles: _Styles) -> list[tuple[str, bool]]:
    """(text, bold) of the paragraph's visible runs, in order, including those inside hyperlinks and fields."""
    from docx.text.run import Run

    p = paragraph._p
    ppr = p.find(_w("pPr"))
    paragraph_bold = next((b for _, _, rpr in styles.chain(_style_id(ppr, "pStyle")) if (b := _bold(rpr)) is not None),
                          False)
    runs = []
    for r in p.iter(_w("r")):
        parent, skip = r.getparent(), False
        while parent is not None and parent is not p:
            if parent.tag in _SKIP_ANCESTORS or parent.tag == _w("r"):
                skip = True
                break
            parent = parent.getparent()
        if skip:
            continue
        rpr = r.find(_w("rPr"))
        hidden = _val(rpr, "vanish")
        if hidden is not None and hidden not in _OFF:
            continue
        bold = _bold(rpr)
        if bold is None:
            bold = next((b for _, _, style_rpr in styles.chain(_style_id(rpr, "rStyle"), "character")
                         if (b := _bold(style_rpr)) is not None), None) if _style_id(rpr, "rStyle") else None
        if bold is None:
            bold = paragraph_bold
        runs.append((Run(r, paragraph).text.replace("\t", " "), bool(bold)))
    return runs


def _cell_blocks(cell, numbering: _Numbering, styles: _Styles, out: list) -> None:
    for item in cell.iter_inner_content():
        if hasattr(item, "rows"):
            _table_blocks(item, numbering, styles, out)
        else:
            _paragraph_block(item, numbering, styles, out)


def _table_blocks(table, numbering: _Numbering, styles: _Styles, out: list) -> None:
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a merged cell appears once per grid column it spans
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell)
        parts: list[list] = []
        for cell in cells:
            blocks: list = []
            _cell_blocks(cell, numbering, styles, blocks)
            parts.append([b for b in blocks if b[1].text.strip()])
        filled = [p for p in parts if p]
        if (len(filled) == 2 and len(filled[0]) == 1 and filled[0][0][0] is None
                and len(filled[0][0][1].text) <= 120 and filled[1][0][0] is None):
            label, value = filled[0][0][1], filled[1][0][1]
            label_text = label.text.rstrip()
            separator = " " if label_text.endswith(("?", ":", "：")) else ": "
            merged = Block("paragraph", label.runs + [(separator, False)] + value.runs)
            out.append((None, merged))
            out.extend(filled[1][1:])
            continue
        for cell_blocks in filled:
            out.extend(cell_blocks)


def _paragraph_block(paragraph, numbering: _Numbering, styles: _Styles, out: list) -> None:
    """Append (heading level or None, Block) for one paragraph."""
    runs = _runs(paragraph, styles)
    level = _heading_level(paragraph._p, styles)
    numbered = _numbering_of(paragraph._p, styles)
    label = numbering.label(*numbered) if numbered else None
    if not "".join(text for text, _ in runs).strip():
        return
    if label:
        runs = [(label + " ", False)] + runs
    out.append((level, Block("heading" if level is not None else "paragraph", runs)))


def docx_blocks(data: bytes, name: str) -> tuple[list[Block], list[str]]:
    """The document's blocks in document order, and warnings (none yet)."""
    document = _open(data, name)
    found: list[tuple[int | None, Block]] = []
    try:
        numbering = _Numbering(document)
        styles = _Styles(document)
        for item in document.iter_inner_content():
            if hasattr(item, "rows"):
                _table_blocks(item, numbering, styles, found)
            else:
                _paragraph_block(item, numbering, styles, found)
    except DocumentError:
        raise
    except Exception as err:
        raise DocumentError(f"{name}: not a readable Word document ({type(err).__name__}: {err})") from None
    levels = rank_levels([level for level, _ in found if level is not None])
    blocks = []
    for level, block in found:
        if level is not None:
            block.level = levels[level]
        blocks.append(block)
    if not any(block.text.strip() for block in blocks):
        raise DocumentError(f"{name}: Word document without any text")
    return blocks, []
