"""Responses to a call for inputs (the ITU WSIS+20 questionnaire) written as Markdown.

The layout drifts between responses, so the reader is tolerant:
- items as numbered lines (`4. What ...?`), numbered headings (`### 4. What ...?`), bold or unnumbered headings;
- the answer on the following lines or on the same line as the question (`4. What ...? Our answer ...`);
- respondent fields as `1. Organization name` + value below, `Organization name: value`, or `**Country:** value`;
- blank or `N/A` answers and missing fields.
Question texts are kept apart from answers so that mentions in the questionnaire's own wording can be told from
what the respondent wrote. Known questions (ontology/questionnaires/*.csv) help split same-line answers.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .. import data_path
from . import Parsed, Part, Respondent, TextBuilder, markdown_heading

# Matched against the line without its leading whitespace: `^\s*(?:\*\*|__)?\s*` (two whitespace runs around an
# optional marker) backtracked quadratically on an indented line that is not numbered (30 KB: 18 s).
_NUMBERED = re.compile(r"(?:\*\*|__)?\s*(?:Q(?:uestion)?\.?\s*)?(\d{1,6})\s*[.):]\s*(?:\*\*|__)?\s*(.*)$", re.I)
#: A question number of 100 or more counts only where it continues the numbering (99 -> 100), never as a jump:
#: a year at the start of an answer's line ('2025: will we ...?') is not question 2025.
_SEQUENTIAL_FROM = 100
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*[:：]?\s*(.*)$")
_RESPONSE_LINE = re.compile(r"^\s*Response\s+(?:No\.?\s*|#\s*)?(\d+)\s*(?:[–—\-:,]\s*(.+))?$", re.I)
_AUTOLINK_LINE = re.compile(r"^\s*<?https?://\S+>?\s*$")
_EMPTY_ANSWER = re.compile(r"^\s*(?:n/?a|none|nil|-+|—|–|\.|not applicable|no answer|no comment|no response)\.?\s*$", re.I)
# Neither the label nor the destination crosses a '[': the pattern scanned to the end of the line from every
# '[' of `[a[a[a...` (30,000 of them: 11 s).
_MD_LINK = re.compile(r"\[([^\[\]]+)\]\((?:[^()\[\]]|\([^()\[\]]*\))*\)")
_EMPHASIS = re.compile(r"(\*\*|__)")

# Respondent field labels, most specific first; each must be the whole label (then end, ':' or a dash).
_FIELDS = [
    ("type", r"organi[sz]ation(?:al)?\s+type|type\s+of\s+(?:the\s+|your\s+)?(?:organi[sz]ation|entity|institution|stakeholder)"
             r"|stakeholder\s+(?:type|group|category)|organi[sz]ation\s+category|type|category|sector"),
    ("country", r"organi[sz]ation(?:al)?\s+country|country(?:\s+of\s+(?:the\s+)?(?:organi[sz]ation|origin|registration|residence|headquarters))?"
                r"|country\s*/\s*(?:territory|economy|region)|country\s+or\s+territory|economy"),
    ("name", r"organi[sz]ation(?:al)?\s+name|name\s+of\s+(?:the\s+|your\s+)?(?:organi[sz]ation|entity|institution)"
             r"|organi[sz]ation|entity(?:\s+name)?|institution(?:\s+name)?|respondent(?:\s+name)?|name"),
]
_FIELD = re.compile(
    r"^(?:" + "|".join(f"(?P<{key}>{pattern})" for key, pattern in _FIELDS) + r")\s*(?:[:：]|\s[-–—]\s|$)\s*(?P<value>.*)$",
    re.I,
)


@dataclass
class _Item:
    kind: str  # field | question | heading
    label: str
    number: int | None = None
    field_name: str | None = None
    section: str | None = None
    lines: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    """Markdown inline markup to text: [label](url) -> label, emphasis markers dropped."""
    return _EMPHASIS.sub("", _MD_LINK.sub(r"\1", text)).strip()


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@lru_cache(maxsize=1)
def known_questions() -> list[tuple[str, int, str]]:
    """(normalised text, number, text) of the questions of the questionnaires we know."""
    out = []
    for path in sorted(data_path("ontology", "questionnaires").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out.append((_norm(row["question"]), int(row["number"]), row["question"]))
    return out


def _norm_map(text: str, limit: int | None = None) -> tuple[str, list[int]]:
    """`_norm(text)` and, for each of its characters, the offset just past its source character in `text`; with a
    `limit`, only its first `limit` + 1 characters or so (enough to compare a prefix)."""
    out: list[str] = []
    ends: list[int] = []
    pending_space = False
    for i, ch in enumerate(text.lower()):
        if limit is not None and len(out) > limit:
            break
        if ch.isascii() and ch.isalnum():
            if pending_space and out:
                out.append(" ")
                ends.append(i)
            out.append(ch)
            ends.append(i + 1)
            pending_space = False
        else:
            pending_space = True
    return "".join(out), ends


@lru_cache(maxsize=1)
def _longest_known() -> int:
    """The length of the longest known question (the questions are read once; this runs for every line)."""
    return max((len(q) for q, _, _ in known_questions()), default=0)


def _split_known(text: str) -> tuple[str, str] | None:
    """If `text` starts with a known question, (question, rest)."""
    norm, ends = _norm_map(text, _longest_known() + 1)
    for qnorm, _, _ in known_questions():
        if norm.startswith(qnorm) and (len(norm) == len(qnorm) or norm[len(qnorm)] == " "):
            end = ends[len(qnorm) - 1]
            while end < len(text) and text[end] in "?.:!*_":
                end += 1
            return text[:end].strip(), text[end:].strip()
    return None


def _split_question(text: str) -> tuple[str, str]:
    """A question line may carry its answer: split after the known question, else after the first '? '."""
    known = _split_known(text)
    if known:
        return known
    mark = text.find("? ")
    if mark >= 0:
        return text[: mark + 1].strip(), text[mark + 2 :].strip()
    return text.strip(), ""


def _field(text: str) -> tuple[str, str] | None:
    match = _FIELD.match(text.strip())
    if not match:
        return None
    name = next(key for key, _ in _FIELDS if match.group(key))
    return name, match.group("value").strip()


def read(doc) -> Parsed:
    lines = doc.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    parsed = Parsed(text="")
    items: list[_Item] = []
    section: str | None = None
    last_number = 0
    in_questions = False  # past the respondent fields

    def current() -> _Item | None:
        return items[-1] if items else None

    for raw in lines:
        line = raw.rstrip()
        heading = markdown_heading(line)
        body = heading[1] if heading else line
        if heading and heading[0] == "#" and parsed.title is None and not items:
            parsed.title = _plain(body)
            continue
        response = _RESPONSE_LINE.match(_plain(body)) if not items else None
        if response:
            parsed.identifier, parsed.date = response.group(1), (response.group(2) or "").strip() or None
            continue
        bold = _BOLD_LINE.match(body) if not heading else None
        numbered = _NUMBERED.match(body.lstrip())
        if numbered and int(numbered.group(1)) >= _SEQUENTIAL_FROM and int(numbered.group(1)) > last_number + 3:
            numbered = None
        candidate = _plain(numbered.group(2)) if numbered else _plain(body)
        fld = _field(candidate) if not in_questions else None
        if fld and (numbered or fld[1] or candidate.rstrip().endswith(":")
                    or ((heading or bold) and len(candidate.split()) > 1)):  # '## Respondent' is a section
            name, value = fld
            items.append(_Item("field", candidate if not value else candidate[: len(candidate) - len(value)].rstrip(" :：-–—"),
                               number=int(numbered.group(1)) if numbered else None, field_name=name, section=section))
            if value:
                items[-1].lines.append(value)
            if numbered:
                last_number = max(last_number, int(numbered.group(1)))
            continue
        if numbered:
            number = int(numbered.group(1))
            strong = heading or "?" in candidate or _split_known(candidate)  # clearly a question: any jump
            if number > last_number and (strong or (number <= last_number + 3 and len(candidate) >= 40)):
                question, answer = _split_question(candidate)
                items.append(_Item("question", question, number=number, section=section))
                if answer:
                    items[-1].lines.append(answer)
                last_number = number
                in_questions = True
                continue
        if heading or (bold and not bold.group(2) and ("?" in bold.group(1) or _split_known(_plain(bold.group(1))))):
            text = _plain(body if heading else bold.group(1))
            known = _split_known(text)
            if known or text.endswith("?"):
                number = next((n for q, n, _ in known_questions() if _norm(text).startswith(q)), last_number + 1)
                items.append(_Item("question", known[0] if known else text, number=number, section=section))
                if known and known[1]:
                    items[-1].lines.append(known[1])
                last_number = max(last_number, number)
                in_questions = True
            elif text:
                section = text
                items.append(_Item("heading", text, section=text))
                if not re.search(r"respond|organi[sz]ation|contact|about you", text, re.I):
                    in_questions = in_questions or bool(last_number)
            continue
        item = current()
        if item is None:
            if line.strip():  # stray text before any item: keep it as a heading-less paragraph
                items.append(_Item("heading", "", section=section, lines=[line]))
            continue
        if item.kind == "question" and not any(l.strip() for l in item.lines) and _AUTOLINK_LINE.match(line):
            item.label += "\n" + line.strip()  # a link printed under the question belongs to the question
            continue
        item.lines.append(line)

    _assemble(parsed, items)
    return parsed


def _answer_text(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    text = re.sub(r"\n\s*\n+", "\n\n", text)
    return "" if _EMPTY_ANSWER.match(text) else _plain_keep_lines(text)


def _plain_keep_lines(text: str) -> str:
    return "\n".join(_EMPHASIS.sub("", _MD_LINK.sub(r"\1", line)) for line in text.split("\n")).strip()


def _assemble(parsed: Parsed, items: list[_Item]) -> None:
    builder = TextBuilder()
    if parsed.title:
        start, end = builder.add(parsed.title)
        parsed.parts.append(Part(key="title", kind="title", start=start, end=end))
    respondent = Respondent()
    seen: dict[str, int] = {}
    for item in items:
        if item.kind == "heading":
            if item.label:
                start, end = builder.add(item.label)
                parsed.parts.append(Part(key=f"h{len(parsed.parts)}", kind="header", start=start, end=end,
                                         heading=item.label))
            text = _answer_text(item.lines)
            if text:
                start, end = builder.add(text)
                parsed.parts.append(Part(key=f"t{len(parsed.parts)}", kind="section", start=start, end=end,
                                         heading=item.section))
            continue
        if item.kind == "field":
            key = f"field-{item.field_name}"
            if item.field_name in seen:  # a repeated field: keep the first value, give the part a unique key
                seen[item.field_name] += 1
                key = f"{key}-{seen[item.field_name]}"
            else:
                seen[item.field_name] = 1
            value = _answer_text(item.lines)
            start, end = builder.add(item.label)
            parsed.parts.append(Part(key=f"{key}/label", kind="question", start=start, end=end,
                                     number=item.number, heading=item.section))
            if value:
                start, end = builder.add(value)
                parsed.parts.append(Part(key=key, kind="field", start=start, end=end, number=item.number,
                                         heading=item.section))
                flat = " ".join(value.split())
                if item.field_name == "name" and respondent.name is None:
                    respondent.name, respondent.name_part = flat, key
                elif item.field_name == "type" and respondent.type_as_written is None:
                    respondent.type_as_written = flat
                elif item.field_name == "country" and respondent.country_as_written is None:
                    respondent.country_as_written = flat
            continue
        key = f"q{item.number}"
        if key in seen:
            seen[key] += 1
            key = f"{key}-{seen[key]}"
        else:
            seen[key] = 1
        start, end = builder.add(item.label)
        parsed.parts.append(Part(key=key, kind="question", start=start, end=end, number=item.number,
                                 heading=item.section))
        answer = _answer_text(item.lines)
        if answer:
            start, end = builder.add(answer)
            parsed.parts.append(Part(key=key.replace("q", "a", 1), kind="answer", start=start, end=end,
                                     number=item.number, heading=item.section, question=key))
    parsed.text = builder.text()
    if respondent.name or respondent.type_as_written or respondent.country_as_written:
        parsed.respondent = respondent
