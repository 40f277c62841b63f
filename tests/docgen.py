"""Write a Markdown response as a PDF (fpdf2) and as a DOCX (python-docx), the way an author's word processor would.

Headings become Word heading styles or larger bold type, `N. ...` items become numbered paragraphs (in the DOCX a
real numbered list whose numbers Word computes: the number is not in the paragraph's text), `**bold**` spans bold
runs, everything else body paragraphs. Used by the tests to check that a response exported to PDF or DOCX reads as
its Markdown form does.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBERED = re.compile(r"^(\d{1,2})\.\s+(.*)$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@dataclass
class Block:
    style: str  # heading | numbered | body
    runs: list[tuple[str, bool]] = field(default_factory=list)  # (text, bold)
    level: int = 0  # heading level
    number: int | None = None

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


def _runs(text: str) -> list[tuple[str, bool]]:
    text = _LINK.sub(r"\1", text).strip("<>") if text.startswith("<http") else _LINK.sub(r"\1", text)
    parts = re.split(r"\*\*", text)
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def markdown_blocks(markdown: str) -> list[Block]:
    """One block per heading, numbered line or other non-blank line (the questionnaire reader reads lines, so an
    author typing the response in a word processor makes each line a paragraph)."""
    blocks: list[Block] = []
    for line in markdown.splitlines():
        line = line.strip()
        heading = _HEADING.match(line)
        numbered = _NUMBERED.match(line)
        if not line:
            continue
        if heading:
            blocks.append(Block("heading", _runs(heading.group(2).replace("**", "")), level=len(heading.group(1))))
        elif numbered:
            blocks.append(Block("numbered", _runs(numbered.group(2)), number=int(numbered.group(1))))
        else:
            blocks.append(Block("body", _runs(line)))
    return blocks


def font(name: str) -> str:
    """A TrueType font shipped with matplotlib (DejaVu), so the PDFs hold any Unicode text."""
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name)


def _scan():
    """A page-sized grey image with dark bars, as a scanner makes (no text layer)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (420, 594), 235)
    draw = ImageDraw.Draw(image)
    for y in range(40, 560, 14):
        draw.rectangle((30, y, 390, y + 6), fill=40)
    return image


def write_pdf(blocks: list[Block], path, *, footer: bool = True, owner_password: str | None = None,
              user_password: str = "", scanned_pages: int = 0) -> None:
    """An A4 PDF in DejaVu Sans: 20/16/13 pt bold headings, 11 pt justified body, numbered items as a number and a
    hanging indent, space between paragraphs, a page-number footer on every page; then `scanned_pages` pages that
    are only an image. `owner_password` encrypts it (readable without a password unless `user_password`)."""
    from fpdf import FPDF

    class Doc(FPDF):
        def footer(self):
            if footer:
                self.set_y(-15)
                self.set_font("dejavu", "", 9)
                self.cell(0, 10, f"Page {self.page_no()}", align="C")

    pdf = Doc(format="A4")
    pdf.add_font("dejavu", "", font("DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", font("DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=20)
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    if blocks:
        pdf.add_page()
    sizes = {1: 20, 2: 16, 3: 13, 4: 12, 5: 12, 6: 12}
    for block in blocks:
        if block.style == "heading":
            pdf.set_font("dejavu", "B", sizes[block.level])
            pdf.ln(3)
            pdf.multi_cell(0, sizes[block.level] * 0.5, block.text.replace("**", ""))
            pdf.ln(2)
            continue
        pdf.set_font("dejavu", "", 11)
        text = "".join(f"**{t}**" if bold else t for t, bold in block.runs)
        if block.style == "numbered":
            pdf.set_x(pdf.l_margin)
            pdf.cell(8, 5.5, f"{block.number}.")
            pdf.multi_cell(0, 5.5, text, markdown=True)
        else:
            pdf.multi_cell(0, 5.5, text, markdown=True)
        pdf.ln(3)
    for _ in range(scanned_pages):
        pdf.add_page()
        pdf.image(_scan(), x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.output(str(path))


def write_docx(blocks: list[Block], path) -> None:
    """A DOCX with Title / Heading N styles and real numbered lists ('List Number'): Word computes the numbers, and
    where the Markdown's number is not the next one, a new list instance starts at it (w:startOverride)."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    document = docx.Document()
    numbering = document.part.numbering_part.element
    style_num = document.styles["List Number"].element.pPr.numPr.numId.val
    abstract = next(num.abstractNumId.val for num in numbering.num_lst if num.numId == style_num)
    expected = 1
    for block in blocks:
        if block.style == "heading":
            document.add_heading(block.text, level=0 if block.level == 1 else block.level - 1)
            continue
        paragraph = document.add_paragraph(style="List Number" if block.style == "numbered" else None)
        if block.style == "numbered":
            if block.number != expected:  # restart the list at this number, as Word does for "Set numbering value"
                num_id = max(num.numId for num in numbering.num_lst) + 1
                numbering.append(parse_xml(
                    f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract}"/>'
                    f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{block.number}"/></w:lvlOverride></w:num>'))
                paragraph._p.get_or_add_pPr().append(parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))
            expected = block.number + 1
        for text, bold in block.runs:
            paragraph.add_run(text).bold = bold or None
    document.save(str(path))
