"""PDF files: their text layer, in reading order, as Markdown (see `blocks.py`).

pdfminer.six does the layout analysis: it groups characters into lines and lines into text boxes by their
position on the page and orders the boxes as a reader would (columns left to right, top to bottom), whatever order
the PDF draws them in; each character keeps its font size and font name. From those lines this module
- drops running headers and footers (a line in the top or bottom margin that repeats on most pages, or a bare page
  number);
- makes the body size the size most characters have; larger lines are headings, ranked by size (the largest is
  `#`), bold runs stay bold;
- joins lines into paragraphs, starting a new one at a larger vertical gap than the line spacing, a change of
  size or of bold, a numbered or bulleted item, a URL alone on its line, or after a line that ended although the
  next line's first word would have fitted on it; a paragraph goes on across a page or column break otherwise. A line ending in a hyphen joins the next
  without a space (`capacity-` + `building`).

Bad files raise `DocumentError`: a PDF that needs a password, one with no text layer (a scan: run OCR first), one
whose fonts map to no characters, a broken file. Pages without text in an otherwise readable PDF give a warning.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from ..errors import DocumentError
from .blocks import Block, rank_levels

#: Layout analysis (pdfminer's defaults are 2.0 and 0.5): `char_margin` 3 keeps the words of a justified line in one
#: line when the PDF places each word on its own, columns being still farther apart; `line_margin` 1.0 keeps the
#: lines of a paragraph set at 1.5 line spacing in one text box, so that columns are read one after the other.
LAPARAMS = dict(char_margin=3.0, line_margin=1.0, all_texts=True)
#: Extracted text beyond this many characters is not read (no WSIS document comes near it).
MAX_CHARS = 20_000_000

_BOLD = re.compile(r"bold|black|heavy|demi|semibold|,b$", re.I)
#: A numbered or bulleted item; a word processor may leave no space between a wide number and its text ('10.Have').
_LIST_ITEM = re.compile(r"^\s*(?:\(?\d{1,2}[.)](?=\s|[^\W\d_])|(?:\(?[a-zA-Z]|[ivxIVX]{1,4})[.)]\s|[•▪●◦‣∙·\-–—*]\s)")
_GLUED_NUMBER = re.compile(r"^(\s*\(?\d{1,2}[.)])(?=[^\W\d_])")
_URL_LINE = re.compile(r"^\s*<?(?:https?://|www\.)\S+>?\s*$")
# The spaces after 'page' belong to its optional group: `(?:page|...)?\s*` beside the dash's `\s*` backtracked
# quadratically on a margin line of spaces (4,000: 0.9 s).
_PAGE_NUMBER = re.compile(r"^\s*(?:[-–—]\s*)?(?:(?:page|p\.|pág(?:ina)?\.?|seite)\s*)?\d{1,4}(?:\s*(?:of|/|de|sur|von)\s*\d{1,4})?"
                          r"(?:\s*[-–—])?\s*$", re.I)
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class _Line:
    runs: list[tuple[str, bool]]
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    page: int
    box: int
    cids: int = 0

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


@dataclass
class _Page:
    height: float
    lines: list[_Line] = field(default_factory=list)
    images: int = 0


def _quiet_pdfminer() -> None:
    """pdfminer logs warnings about harmless oddities of real files; a library of ours does not print them (unless
    the application configured pdfminer's logger itself)."""
    logger = logging.getLogger("pdfminer")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)


def _open(data: bytes, name: str):
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect:
        raise DocumentError(f"{name}: encrypted PDF that needs a password; give a copy without a password") from None
    except PDFEncryptionError as err:
        raise DocumentError(f"{name}: encrypted PDF that cannot be opened ({err}); give an unencrypted copy") from None
    except Exception as err:  # pdfminer raises many kinds on broken files: all mean the same to the user
        raise DocumentError(f"{name}: not a readable PDF ({type(err).__name__}: {err}); check that the file is complete") from None
    return document


def _pages(data: bytes, name: str) -> list[_Page]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar, LTFigure, LTImage, LTTextBox, LTTextLineHorizontal
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    _quiet_pdfminer()
    document = _open(data, name)
    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=LAParams(**LAPARAMS))
    interpreter = PDFPageInterpreter(manager, device)
    pages: list[_Page] = []
    chars = 0
    box_number = 0

    def images(item) -> int:
        if isinstance(item, LTImage):
            return 1
        if isinstance(item, LTFigure):
            return sum(images(child) for child in item)
        return 0

    def text_lines(item):
        if isinstance(item, LTTextLineHorizontal):
            yield item
        elif isinstance(item, (LTTextBox, LTFigure)):
            for child in item:
                yield from text_lines(child)

    try:
        for number, pdf_page in enumerate(PDFPage.create_pages(document)):
            interpreter.process_page(pdf_page)
            layout = device.get_result()
            page = _Page(height=layout.height)
            for item in layout:
                page.images += images(item)
                box_number += 1
                for line in text_lines(item):
                    runs: list[tuple[str, bool]] = []
                    sizes: Counter = Counter()
                    bold = False
                    for char in line:
                        text = char.get_text()
                        if isinstance(char, LTChar):
                            bold = bool(_BOLD.search(char.fontname or ""))
                            sizes[round(char.size * 2) / 2] += 1
                        elif text == "\n":
                            continue
                        runs.append((text, bold))
                    if not sizes or not "".join(t for t, _ in runs).strip():
                        continue
                    merged: list[tuple[str, bool]] = []  # one run per stretch of bold or plain characters
                    for text, bold in runs:
                        if merged and merged[-1][1] == bold:
                            merged[-1] = (merged[-1][0] + text, bold)
                        else:
                            merged.append((text, bold))
                    runs = merged
                    runs[0] = (runs[0][0].lstrip(), runs[0][1])
                    runs[-1] = (runs[-1][0].rstrip(), runs[-1][1])
                    text = "".join(t for t, _ in runs)
                    page.lines.append(_Line(runs, line.x0, line.x1, line.y0, line.y1, sizes.most_common(1)[0][0],
                                            number, box_number, cids=len(_CID.findall(text))))
                    chars += len(text)
            page.lines = _merge_fragments(page.lines)
            pages.append(page)
            if chars > MAX_CHARS:
                break
    except DocumentError:
        raise
    except Exception as err:
        raise DocumentError(f"{name}: PDF page {len(pages) + 1} cannot be read ({type(err).__name__}: {err}); "
                            "check that the file is complete") from None
    return pages


def _merge_fragments(lines: list[_Line]) -> list[_Line]:
    """Join pieces of one line that the layout analysis split (words a PDF places one by one, with wide justified
    gaps between them, can end up in separate text boxes): same size, same baseline, at most 1.25 em apart. The
    whole line takes the place of its first piece in reading order."""
    order = {id(line): i for i, line in enumerate(lines)}
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda line: (line.size, -line.y0, line.x0)):
        row = rows[-1] if rows else None
        if row and row[0].size == line.size and abs(row[0].y0 - line.y0) <= 0.3 * line.size:
            row.append(line)
        else:
            rows.append([line])
    out: list[_Line] = []
    for row in rows:
        row.sort(key=lambda line: line.x0)
        current = row[0]
        for line in row[1:]:
            if -0.5 <= line.x0 - current.x1 <= 1.25 * line.size:
                first = current if order[id(current)] <= order[id(line)] else line
                current = _Line(current.runs + [(" ", current.runs[-1][1])] + line.runs, current.x0, line.x1,
                                min(current.y0, line.y0), max(current.y1, line.y1), current.size, current.page,
                                first.box, current.cids + line.cids)
                order[id(current)] = order[id(first)]
            else:
                out.append(current)
                current = line
        out.append(current)
    return sorted(out, key=lambda line: order[id(line)])


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def _drop_running_lines(pages: list[_Page]) -> None:
    """Remove running headers and footers: lines in the top or bottom 10% of the page that repeat (digits aside)
    on at least half the pages, or that are only a page number."""
    def margin(page: _Page, line: _Line) -> bool:
        return line.y0 < 0.1 * page.height or line.y1 > 0.9 * page.height

    repeats = Counter()
    for page in pages:
        repeats.update({_norm(line.text) for line in page.lines if margin(page, line)})
    needed = max(2, (len(pages) + 1) // 2)
    for page in pages:
        page.lines = [line for line in page.lines
                      if not (margin(page, line) and (_PAGE_NUMBER.match(line.text)
                                                      or (len(pages) > 1 and repeats[_norm(line.text)] >= needed)))]


def _right_edge(page_lines: list[_Line], line: _Line) -> float:
    """The right edge of the column the line sits in: the lines of its page that overlap it horizontally."""
    return max(other.x1 for other in page_lines if other.x0 < line.x1 and other.x1 > line.x0)


def _ended_early(a: _Line, b: _Line, right: float) -> bool:
    """Would the first word of `b` have fitted at the end of `a`? Then `a` ended its paragraph (a wrapped line ends
    where the next word no longer fits). The word's width is estimated from b's average character width, with 20%
    to spare: a long word of wide letters is wider than the average, and joining two paragraphs costs less than
    cutting one."""
    word = b.text.lstrip().split(" ", 1)[0]
    per_char = (b.x1 - b.x0) / max(len(b.text), 1)
    return a.x1 + 1.2 * per_char * (len(word) + 1) <= right


def _join(a: str, b: str) -> str:
    a = a.rstrip()
    b = b.lstrip()
    if re.search(r"\w-$", a) and b[:1].isalpha():
        return ""  # 'capacity-' + 'building'
    return " "


def pdf_blocks(data: bytes, name: str) -> tuple[list[Block], list[str]]:
    """The document's blocks in reading order, and warnings (pages without text)."""
    pages = _pages(data, name)
    lines = [line for page in pages for line in page.lines]
    if not lines:
        scanned = sum(1 for page in pages if page.images)
        if scanned:
            raise DocumentError(f"{name}: PDF with no text layer ({scanned} of {len(pages)} pages are images, a scan?); "
                                "run OCR on it (for example ocrmypdf) and build again")
        raise DocumentError(f"{name}: PDF without any text ({len(pages)} pages)")
    total = sum(len(line.text) for line in lines)
    cids = sum(line.cids for line in lines)
    if cids * 6 > total:  # '(cid:12)' is 8 characters: more than about three quarters of the glyphs are unmapped
        raise DocumentError(f"{name}: the PDF's fonts map their glyphs to no characters, so its text cannot be read; "
                            "export it again with embedded Unicode fonts, or run OCR on it")
    _drop_running_lines(pages)
    warnings = []
    empty = [str(i + 1) for i, page in enumerate(pages) if not page.lines and page.images]
    if empty:
        several = len(empty) > 1
        warnings.append(f"{name}: PDF page{'s' if several else ''} {', '.join(empty)} {'have' if several else 'has'} "
                        f"no text layer (scanned?); {'their' if several else 'its'} text is missing")
    lines = [line for page in pages for line in page.lines]
    if not lines:
        raise DocumentError(f"{name}: PDF whose only text is page headers and footers")

    sizes = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0]
    heading_sizes = sorted({line.size for line in lines if line.size >= body * 1.15}, reverse=True)
    levels = rank_levels([-size for size in heading_sizes])
    level_of = {size: levels[-size] for size in heading_sizes}

    # the usual line pitch, relative to the font size, from consecutive lines of one text box
    ratios = [(a.y0 - b.y0) / a.size for a, b in zip(lines, lines[1:])
              if a.box == b.box and a.size == b.size and 0 < a.y0 - b.y0 < 3 * a.size]
    pitch = statistics.median(ratios) if ratios else 1.2

    by_page: dict[int, list[_Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)

    paragraphs: list[list[_Line]] = []
    for line in lines:
        previous = paragraphs[-1][-1] if paragraphs else None
        if previous is None or _starts_new(previous, line, pitch, by_page):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)

    blocks: list[Block] = []
    for paragraph in paragraphs:
        first = paragraph[0].runs
        glued = _GLUED_NUMBER.match(first[0][0]) if first else None
        if glued:  # '10.Have' -> '10. Have': the tab after a list number left no space
            paragraph[0].runs = [(first[0][0][:glued.end()] + " " + first[0][0][glued.end():], first[0][1])] + first[1:]
        runs: list[tuple[str, bool]] = []
        for i, line in enumerate(paragraph):
            if i:
                runs.append((_join(paragraph[i - 1].text, line.text), runs[-1][1]))
            runs.extend(line.runs)
        size = paragraph[0].size
        text = "".join(t for t, _ in runs)
        if size in level_of and len(text.split()) <= 40:
            blocks.append(Block("heading", runs, level=level_of[size]))
        else:
            blocks.append(Block("paragraph", runs))
    return blocks, warnings


def _starts_new(a: _Line, b: _Line, pitch: float, by_page: dict[int, list[_Line]]) -> bool:
    """Does line `b` start a new paragraph after line `a`?"""
    if a.size != b.size or _LIST_ITEM.match(b.text) or _URL_LINE.match(a.text) or _URL_LINE.match(b.text):
        return True  # a URL alone on its line is a paragraph of its own
    a_bold = all(bold for text, bold in a.runs if text.strip())
    b_bold = all(bold for text, bold in b.runs if text.strip())
    if a_bold != b_bold and (a_bold or b_bold):
        return True  # a bold line (a heading at body size, a bold question) is a paragraph of its own
    if a.text.rstrip().endswith("?") and not a_bold:
        return True  # a question ends its paragraph (the answer follows)
    if _ended_early(a, b, _right_edge(by_page[a.page], a)):
        return True
    if b.page != a.page or b.y1 > a.y0 + 0.5 * a.size:  # next page or next column: go on after a full line
        return False
    return (a.y0 - b.y0) / a.size > pitch * 1.3
