"""Stage 2: a `Document` into records: its parsed text, the concepts it mentions, and its respondent.

The reader for the document's kind gives the text and its parts; the gazetteer finds the mentions; each mention
is placed in the part it sits in and marked when that part is the questionnaire's own question text.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

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


def extract(doc: Document, base: str | None = None, topical: str | None = "keywords",
            topical_threshold: str | float | None = None, vocabularies=()) -> Extraction:
    """Parse the document, find its mentions, infer its topical links (`topical=None`: none; the threshold is a
    number or a preset name, default `balanced`) and resolve its respondent. `vocabularies`: vocabulary files whose
    concepts and labels are looked for too (`build --vocabulary`)."""
    vocabulary = load_vocabulary(base, vocabularies)
    parsed = reader_for(doc.kind)(doc)
    result = Extraction(document=doc, parsed=parsed, warnings=list(doc.warnings))
    starts = [p.start for p in parsed.parts]
    questionnaire = doc.kind == "questionnaire-md"
    skip = {p.key for p in parsed.parts if p.kind == "field" and p.key.startswith("field-type")}
    for match in load_gazetteer(base, vocabularies).find(parsed.text):
        i = bisect.bisect_right(starts, match.start) - 1
        part = parsed.parts[i] if i >= 0 and parsed.parts[i].end >= match.end else None
        if part is not None and part.key in skip:
            continue  # an organization type ("UN entity") classifies the respondent; it names nothing
        for concept in match.concepts:
            result.mentions.append(MentionRecord(
                concept=concept, start=match.start, end=match.end, quote=parsed.text[match.start:match.end],
                part=part, in_question=questionnaire and part is not None and part.kind in QUESTION_KINDS,
            ))
    if topical:
        from .topical import infer

        # a named SDG target names its goal too, as the mentions query reports it: no topical link to the goal
        named: set[str] = set()
        in_parts: dict[str, set[str]] = {}
        for m in result.mentions:
            iris = {m.concept.iri, m.concept.broader} - {None}
            named |= iris
            if m.part is not None:
                in_parts.setdefault(m.part.key, set()).update(iris)
        result.topical = infer(parsed, named, base, method=topical, threshold=topical_threshold,
                               named_in_parts=in_parts)
    if parsed.respondent is not None:
        result.respondent = resolve_respondent(parsed, result, vocabulary)
    return result


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
_OTHER = re.compile(r"^\s*other\s*(?:[:\-–—(]\s*(?P<label>.*?)\)?)?\s*$", re.I)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def stakeholder_type(text: str, vocabulary: Vocabulary) -> tuple[str, str | None]:
    """An organization type as written -> (notation, label kept for 'other')."""
    other = _OTHER.match(text)
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
