"""Word-processor documents (PDF, DOCX) as the Markdown the other readers already parse.

The PDF and DOCX modules find a document's blocks (headings with a level, paragraphs made of bold and plain runs,
a numbered item's number written before its text) in reading order; `to_markdown` writes them as Markdown:
`## Heading`, `4. Question?`, `**Organization name:** value`, one blank line between blocks. The text is then
sniffed (questionnaire or plain text) and read by the questionnaire or text reader, so a response exported to PDF or
DOCX gives the parts, respondent and mentions its Markdown form gives, and offsets point into the text that reader
builds (which the graph keeps), as for any other document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_HEADING_LIKE = re.compile(r"^(\s{0,3})(#{1,6}\s)")


@dataclass
class Block:
    kind: str  # heading | paragraph
    runs: list[tuple[str, bool]] = field(default_factory=list)  # (text, bold); "\n" inside is a line break
    level: int = 1  # for a heading: 1 is the top level

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


def _merged(runs: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for text, bold in runs:
        if not text:
            continue
        if out and out[-1][1] == bold:
            out[-1] = (out[-1][0] + text, bold)
        else:
            out.append((text, bold))
    return out


def _line(runs: list[tuple[str, bool]], emphasis: bool) -> str:
    """One line of runs; bold runs as `**text**`, the markers hugging the words (`**a b** c`, not `**a b **c`)."""
    out = []
    for text, bold in _merged(runs):
        if bold and emphasis and text.strip():
            lead, core, trail = re.match(r"^(\s*)(.*?)(\s*)$", text, re.S).groups()
            out.append(f"{lead}**{core}**{trail}")
        else:
            out.append(text)
    return _SPACES.sub(" ", "".join(out)).strip()


def _lines(runs: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    lines: list[list[tuple[str, bool]]] = [[]]
    for text, bold in runs:
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append([])
            lines[-1].append((piece, bold))
    return lines


def to_markdown(blocks: list[Block], emphasis: bool = True) -> str:
    """The blocks as Markdown, one blank line between blocks; `emphasis=False` leaves bold unmarked (for plain
    text, whose reader keeps `**` as written)."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            text = _SPACES.sub(" ", block.text.replace("\n", " ")).strip()
            if text:
                out.append("#" * max(1, min(block.level, 6)) + " " + text)
            continue
        lines = [_line(line, emphasis) for line in _lines(block.runs)]
        # a paragraph that happens to start with '# ' is not a heading
        lines = [_HEADING_LIKE.sub(r"\1\\\2", line) for line in lines if line]
        if lines:
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n" if out else ""


def rank_levels(levels: list[int]) -> dict[int, int]:
    """Heading levels as found (font sizes ranked, Title = 0, Heading 1 = 1...) to Markdown levels 1, 2, 3..."""
    return {level: min(rank + 1, 6) for rank, level in enumerate(sorted(set(levels)))}
