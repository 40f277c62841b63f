"""Stage 2: a `Document` into records: its parsed text, the concepts it mentions, and its respondent.

The reader for the document's kind gives the text and its parts; the gazetteer finds the mentions; each mention
is placed in the part it sits in and marked when that part is the questionnaire's own question text.
"""
from __future__ import annotations

import bisect
import re
import signal
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .errors import DocumentError
from .gazetteer import load_gazetteer
from .load import Document
from .readers import Parsed, Part, reader_for
from .schemes import Concept, Vocabulary, load_vocabulary

#: Parts whose text is the questionnaire's, not the respondent's.
QUESTION_KINDS = {"question", "header", "title"}


@dataclass
class MentionRecord:
    concept: Concept
    start: int
    end: int
    quote: str
    part: Part | None
    in_question: bool


@dataclass
class RespondentRecord:
    name: str | None
    org_iri: str | None
    reference_org: Concept | None
    stakeholder_type: str | None  # notation
    other_label: str | None
    country: str | None  # ISO alpha-2
    type_as_written: str | None
    country_as_written: str | None


@dataclass
class Extraction:
    document: Document
    parsed: Parsed
    mentions: list[MentionRecord] = field(default_factory=list)
    topical: list = field(default_factory=list)  # topical.TopicalLink
    respondent: RespondentRecord | None = None
    warnings: list[str] = field(default_factory=list)
    capped: int = 0  # mentions found but not stored (beyond the caps below): counted in wsis:mentionCount


# What one document can produce is bounded, so that no input makes the graph (and the memory to build and
# validate it) explode: 1 MB of "C7 ICT" repeated made 2.26 M triples and took 2.2 GB. The real documents of the
# development set name one concept at most 12 times in a part and 24 times in all, and give a topical link at
# most 16 sentences of evidence; the caps are far above that.
#: mentions of one concept stored per part, and per document, and of all concepts per document; the rest are
#: counted, not stored
MAX_MENTIONS_PER_PART = 50
MAX_MENTIONS_PER_DOCUMENT = 200
MAX_MENTIONS = 10_000
#: evidence sentences stored per topical link (the strongest; its score still counts them all)
MAX_EVIDENCE = 50
#: parts (sections, questions, answers, fields) per document; the text beyond is one last section, kept whole
MAX_PARTS = 5_000


def extract(doc: Document, base: str | None = None, topical: str | None = "keywords",
            topical_threshold: str | float | None = None, vocabularies=(), *, strict: bool = False,
            deadline: "Deadline | None" = None) -> Extraction:
    """Parse the document, find its mentions, infer its topical links (`topical=None`: none; the threshold is a
    number or a preset name, default `balanced`) and resolve its respondent. `vocabularies`: vocabulary files whose
    concepts and labels are looked for too (`build --vocabulary`).

    What the reader had to leave out of a malformed document (a WordPress field of the wrong type) is a warning,
    or with `strict` a `DocumentError`. `deadline` is checked between the stages (see `Deadline`)."""
    deadline = deadline or Deadline(None, doc.name)
    vocabulary = load_vocabulary(base, vocabularies)
    parsed = reader_for(doc.kind)(doc)
    try:  # JSON fields are checked as they are loaded; this catches text from any other reader (PDF, DOCX)
        parsed.text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise DocumentError(f"{doc.name}: the text holds a lone surrogate \\u{ord(parsed.text[err.start]):04x} at "
                            f"character {err.start}, which is not Unicode text") from None
    if strict and parsed.problems:
        raise DocumentError(parsed.problems[0])
    result = Extraction(document=doc, parsed=parsed, warnings=list(doc.warnings) + parsed.warnings
                        + [f"{problem}; left out" for problem in parsed.problems])
    _cap_parts(result)
    deadline.check("reading")
    starts = [p.start for p in parsed.parts]
    questionnaire = doc.kind == "questionnaire-md"
    skip = {p.key for p in parsed.parts if p.kind == "field" and p.key.startswith("field-type")}
    named: set[str] = set()  # every concept named, and the goal of a target named
    in_parts: dict[str, set[str]] = {}  # the same, per part
    per_part: Counter = Counter()  # mentions stored, per (part, concept)
    per_document: Counter = Counter()  # mentions stored, per concept
    capped: Counter = Counter()  # mentions counted but not stored, per notation
    for match in load_gazetteer(base, vocabularies).find(parsed.text):
        i = bisect.bisect_right(starts, match.start) - 1
        part = parsed.parts[i] if i >= 0 and parsed.parts[i].end >= match.end else None
        if part is not None and part.key in skip:
            continue  # an organization type ("UN entity") classifies the respondent; it names nothing
        for concept in match.concepts:
            iris = {concept.iri, concept.broader} - {None}
            named |= iris
            if part is not None:
                in_parts.setdefault(part.key, set()).update(iris)
            in_part = (part.key if part else None, concept.iri)
            if (per_part[in_part] >= MAX_MENTIONS_PER_PART or per_document[concept.iri] >= MAX_MENTIONS_PER_DOCUMENT
                    or len(result.mentions) >= MAX_MENTIONS):
                capped[concept.notation] += 1
                continue
            per_part[in_part] += 1
            per_document[concept.iri] += 1
            result.mentions.append(MentionRecord(
                concept=concept, start=match.start, end=match.end, quote=parsed.text[match.start:match.end],
                part=part, in_question=questionnaire and part is not None and part.kind in QUESTION_KINDS,
            ))
    if capped:
        result.capped = sum(capped.values())
        most = ", ".join(f"{notation} {count:,}" for notation, count in capped.most_common(5))
        result.warnings.append(
            f"{doc.name}: {result.capped:,} mentions counted but not stored (at most {MAX_MENTIONS_PER_PART} per part "
            f"and {MAX_MENTIONS_PER_DOCUMENT} per document for each concept, {MAX_MENTIONS:,} in all): {most}"
            + (", ..." if len(capped) > 5 else ""))
    deadline.check("finding mentions")
    if topical:
        from .topical import infer

        # a named SDG target names its goal too, as the mentions query reports it: no topical link to the goal
        # (`named` and `in_parts` count every mention found, stored or beyond the caps)
        result.topical = infer(parsed, named, base, method=topical, threshold=topical_threshold,
                               named_in_parts=in_parts)
        _cap_evidence(result)
        deadline.check("inferring topical links")
    if parsed.respondent is not None:
        result.respondent = resolve_respondent(parsed, result, vocabulary)
    return result


def prepare(base: str | None = None, topical: str | None = "keywords", vocabularies=()) -> None:
    """Load what every extraction needs (vocabulary, gazetteer, topical profiles: about a second, once per
    process), so that it does not count against the first document's time limit."""
    load_gazetteer(base, vocabularies)
    if topical == "keywords":
        from .topical import load_profiles

        load_profiles(base)


def _cap_parts(result: Extraction) -> None:
    """Past MAX_PARTS parts (a megabyte of one-line headings makes 95,000), the rest of the text is one section:
    no text is lost, its mentions sit in that section, and the user is told."""
    parts = result.parsed.parts
    if len(parts) <= MAX_PARTS:
        return
    rest = parts[MAX_PARTS - 1:]
    parts[MAX_PARTS - 1:] = [Part(key=rest[0].key, kind="section", start=rest[0].start, end=max(p.end for p in rest),
                                  page=rest[0].page)]
    result.warnings.append(f"{result.document.name}: {MAX_PARTS - 1 + len(rest):,} parts (sections, questions, "
                           f"answers); the last {len(rest):,} are kept as one section (at most {MAX_PARTS:,} a document)")


def _cap_evidence(result: Extraction) -> None:
    """Keep the strongest MAX_EVIDENCE sentences of each topical link (in text order); say how many were left."""
    left = {}
    for link in result.topical:
        if len(link.evidence) > MAX_EVIDENCE:
            strongest = sorted(link.evidence, key=lambda s: (-sum(s.terms.values()), s.start))[:MAX_EVIDENCE]
            left[link.concept.notation] = len(link.evidence) - MAX_EVIDENCE
            link.evidence = sorted(strongest, key=lambda s: s.start)
    if left:
        most = ", ".join(f"{notation} {count:,}" for notation, count in sorted(left.items(), key=lambda x: -x[1])[:5])
        result.warnings.append(f"{result.document.name}: topical links keep their {MAX_EVIDENCE} strongest evidence "
                               f"sentences; not stored: {most}")


class Deadline:
    """The processor time one document may take to extract (`build --document-time-limit`), None for no limit.

    Processor time, not wall-clock time: a stall is a computation (a pattern backtracking), and on a busy machine
    an ordinary document may wait for the processor longer than it computes. As a context manager in the main
    thread it arms a timer (SIGPROF, ITIMER_PROF) that interrupts whatever runs, a regular expression included;
    elsewhere (no signals outside the main thread) `check()` between the stages still stops the document after the
    stage that ran over. Either way the document fails with one DocumentError."""

    def __init__(self, seconds: float | None, name: str):
        self.seconds, self.name = seconds, name
        self._ends = None if seconds is None else time.process_time() + seconds
        self._armed, self._previous = False, None

    def error(self, stage: str | None = None) -> DocumentError:
        return DocumentError(f"{self.name}: took more than {self.seconds:g} s of processor time to extract"
                             + (f" ({stage})" if stage else "") + "; skipped (the limit is --document-time-limit)")

    def check(self, stage: str) -> None:
        if self._ends is not None and time.process_time() > self._ends:
            raise self.error(stage)

    def __enter__(self) -> "Deadline":
        if self.seconds is not None and threading.current_thread() is threading.main_thread():
            def expired(signum, frame):
                raise self.error()

            self._previous = signal.signal(signal.SIGPROF, expired)
            self._armed = True
            signal.setitimer(signal.ITIMER_PROF, max(self.seconds, 0.001))
        return self

    def __exit__(self, *exc) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self._previous if self._previous is not None else signal.SIG_DFL)
            self._armed = False


# -- respondents ---------------------------------------------------------------------------------------------

# Checked in order after an exact label match fails: the more specific kinds first
# ("intergovernmental" before "government", "non-governmental" before "government").
_TYPE_KEYWORDS = [
    ("international-organization", r"international organi[sz]ation|intergovernmental|\bigo\b|\bun\b|united nations|"
                                   r"specialized agency|regional organi[sz]ation|multilateral|organisation internationale|"
                                   r"organismo internacional|organizaci[oó]n internacional"),
    ("technical-community", r"technical|standards? (?:body|organi[sz]ation)|internet registry|\bnog\b"),
    ("academia", r"academ|universit|research|school|college|think.?tank|scientific"),
    ("civil-society", r"civil society|\bngo\b|non.?governmental|non.?profit|not.?for.?profit|\bcso\b|"
                      r"foundation|soci[eé]t[eé] civile|sociedad civil|\bong\b|charity|community organi"),
    ("private-sector", r"private|business|company|industry|corporat|enterprise|\bsme\b|operator|firm|"
                       r"secteur priv[eé]|sector privado|entreprise|empresa"),
    ("government", r"govern|ministry|minist[eè]re|ministerio|regulat|authority|public sector|member state|"
                   r"municipal|agency|gobierno|gouvernement|administration"),
]
# Matched against the stripped text: leading and trailing whitespace runs beside optional groups backtracked
# quadratically ('other' and 30 KB of spaces).
_OTHER = re.compile(r"other\s*(?:[:\-–—(]\s*(?P<label>.*?)\)?)?$", re.I)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def stakeholder_type(text: str, vocabulary: Vocabulary) -> tuple[str, str | None]:
    """An organization type as written -> (notation, label kept for 'other')."""
    other = _OTHER.match(text.strip())
    if other:
        return "other", (other.group("label") or "").strip() or None
    wanted = _norm(text)
    for concept in vocabulary.in_scheme("stakeholdertype"):
        names = [concept.label, concept.notation] + [label for label, _ in concept.alt_labels]
        if wanted in {_norm(n) for n in names} or wanted.rstrip("s") in {_norm(n) for n in names}:
            return concept.notation, None
    for notation, pattern in _TYPE_KEYWORDS:
        if re.search(pattern, text, re.I):
            return notation, None
    return "other", text.strip() or None


def country_code(text: str, base: str | None = None, vocabularies=()) -> str | None:
    """A country as written ('Republic of Korea', 'Türkiye', 'USA', 'CA') -> ISO alpha-2, or None."""
    for match in load_gazetteer(base, vocabularies).find(text):
        for concept in match.concepts:
            if concept.scheme == "country":
                return concept.notation
    import pycountry

    try:
        return pycountry.countries.lookup(text.strip()).alpha_2
    except LookupError:
        return None


def slug(text: str, limit: int = 80) -> str:
    """A stable IRI segment from a name: accents folded, lower case, hyphens between words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not out:  # a name in a non-Latin script: fall back on its code points
        out = "-".join(f"{ord(c):x}" for c in text.strip())[:limit]
    return out[:limit].rstrip("-")


def resolve_respondent(parsed: Parsed, result: Extraction, vocabulary: Vocabulary) -> RespondentRecord:
    raw = parsed.respondent
    reference = None
    if raw.name:
        # the respondent is a reference organization when a mention of one covers its whole name
        for m in result.mentions:
            if (m.part is not None and m.part.key == raw.name_part and m.concept.scheme == "organization"
                    and len(m.quote) >= len(raw.name) - 2):
                reference = m.concept
    if raw.type_as_written:
        notation, other_label = stakeholder_type(raw.type_as_written, vocabulary)
    else:  # no type given: the scheme's 'other' is the type of a respondent that names none of the others
        notation, other_label = "other", None
        result.warnings.append(f"{result.document.name}: the response gives no organization type; classified as 'other'")
    country = country_code(raw.country_as_written, vocabulary.base, vocabulary.extra) if raw.country_as_written \
        else None
    if raw.country_as_written and country is None:
        result.warnings.append(f"{result.document.name}: country {raw.country_as_written!r} is not an ISO 3166 country")
    if reference is not None:
        org_iri = reference.iri
    elif raw.name:
        org_iri = f"{vocabulary.base}organization/{slug(raw.name)}"
    else:
        org_iri = None
    return RespondentRecord(
        name=raw.name, org_iri=org_iri, reference_org=reference, stakeholder_type=notation,
        other_label=other_label, country=country, type_as_written=raw.type_as_written,
        country_as_written=raw.country_as_written,
    )
