"""Topical links: the Action Lines and SDGs a text is about without naming them, per answer and per document.

annotation.md's rule: a line or goal is a topical link when one whole answer, or at least two sentences of the
document, are substantially on its subject; one passing word is not enough. The method, `keywords`, follows the
published SDG query sets (curated term lists per goal): ontology/topical-profiles.csv gives each Action Line
(C7 by sub-line) and each SDG weighted terms, with the source each family comes from (the UN SDG KOS target and
indicator texts, the Action Lines' scope in the Geneva Plan of Action, domain vocabulary).

The decision is one score against one threshold (`--topical-threshold`: a number, or a preset `precise` 4,
`balanced` 3, the default, or `broad` 2; higher means fewer, surer links):

- A sentence's evidence for a concept is the summed weight of the distinct profile terms in it (a defining term
  such as 'drinking water' weighs 3, a strong one 2, an ordinary one such as 'water' 1), at most SENTENCE_CAP;
  one ordinary word alone adds nothing.
- An answer or section (a part) scores the evidence of its sentences, divided by sqrt(words / REFERENCE_WORDS)
  when it is longer than REFERENCE_WORDS words, so a long text does not collect a subject from passing words.
  The part is linked when its score reaches the threshold.
- A document of one part (a short text, one web page section) is linked as that part is. A document of several
  parts is linked when one of them is, with evidence of more than one term; its score is that part's, divided
  by GOAL_FACTOR for an SDG (see there).

Only what respondents and pages say counts: the questionnaire's own question text is left out; a term inside a
proper name ('Ministry of Education', 'Gender Equality Observatory', a city's 'Climate Action Plan') is not
evidence; concepts the document (for a part's links, the part) names explicitly are not linked again. Every
link keeps its evidence (the sentences, with offsets and matched terms with their weights), its score, the
method that made it and the part it is about (`part_key`, None for the document).
"""
from __future__ import annotations

import bisect
import csv
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from . import data_path
from .errors import WsisgraphError
from .gazetteer import _case_fits, fold, proper_name_spans
from .readers import Parsed
from .schemes import Concept, Vocabulary, load_vocabulary

METHOD = "keywords-v2"
METHODS = ("keywords",)
#: Named thresholds; `balanced` is the default. The README's table gives each one's precision and recall.
PRESETS = {"precise": 4.0, "balanced": 3.0, "broad": 2.0}
DEFAULT_PRESET = "balanced"
SENTENCE_MIN = 2  # a sentence whose terms weigh less (one ordinary word) adds nothing
SENTENCE_CAP = 5  # the most one sentence adds: one long list of keywords cannot make a text about a subject
REFERENCE_WORDS = 120  # a part up to this long needs the threshold itself; a longer one needs more
# Documents of several answers or sections (questionnaire responses, web pages) use the goals' vocabulary in
# passing ('inclusive', 'partnerships', 'infrastructure', 'cities'): for such a document to be about a goal, one
# of its answers must score this many times the threshold (at `balanced`, 6: more than one sentence's worth).
# Action Lines, the subjects WSIS answers are written around, need the threshold itself. A text of one part is
# that part: no factor.
GOAL_FACTOR = 2
EVIDENCE_KINDS = {"answer", "section", "excerpt"}  # not titles, headings, fields or question text
WEIGHTS = {1, 2, 3}


class TopicalError(WsisgraphError):
    """A bad topical method or threshold."""


def threshold_value(threshold: str | float | None) -> float:
    """A preset name or a number -> the threshold; None -> the default preset's."""
    if threshold is None:
        return PRESETS[DEFAULT_PRESET]
    if isinstance(threshold, str) and threshold.strip().lower() in PRESETS:
        return PRESETS[threshold.strip().lower()]
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise TopicalError(f"topical threshold {threshold!r}: give a positive number or one of "
                           f"{', '.join(PRESETS)}")
    return value


@dataclass
class Sentence:
    start: int
    end: int
    part_key: str | None
    terms: dict[str, int] = field(default_factory=dict)  # matched term -> weight
    words: int = 0

    @property
    def weight(self) -> int:
        """The evidence this sentence adds to its concept: its terms' weights, capped; nothing for one ordinary
        word alone ('water' in passing)."""
        total = sum(self.terms.values())
        return min(total, SENTENCE_CAP) if total >= SENTENCE_MIN else 0


@dataclass
class TopicalLink:
    concept: Concept
    score: float
    method: str
    evidence: list[Sentence]
    part_key: str | None = None  # the answer or section this link is about; None: the whole document


# -- profiles ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Term:
    concept_index: int
    form: str
    weight: int


def _inflections(term: str) -> set[str]:
    """The term, the plural of its last word (the singular too for a phrase: 'fish stocks', 'fish stock'; not
    for one word, where 'rights' or 'news' would bring 'right' or 'new'), and its hyphen/space spellings."""
    out = {term}
    head, _, last = term.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last.isalpha() and last.islower() and len(last) > 3:
        if last.endswith("s"):
            if head and last.endswith("ies"):
                out.add(prefix + last[:-3] + "y")
            elif head and last.endswith(("sses", "shes", "ches", "xes")):
                out.add(prefix + last[:-2])
            elif head and not last.endswith(("ss", "us", "is", "ics", "ews", "eans", "ies")):
                out.add(prefix + last[:-1])
        elif last.endswith("y") and last[-2] not in "aeiou":
            out.add(prefix + last[:-1] + "ies")
        elif last.endswith(("s", "sh", "ch", "x")):
            out.add(prefix + last + "es")
        else:
            out.add(prefix + last + "s")
    for form in list(out):
        if "-" in form:
            out |= {form.replace("-", " "), form.replace("-", "")}
    return out


class Profiles:
    """One automaton over every profile term of every Action Line and SDG."""

    def __init__(self, vocabulary: Vocabulary):
        self.concepts: list[Concept] = []
        index_of: dict[str, int] = {}
        entries: dict[str, dict[int, _Term]] = {}
        path = data_path("ontology", "topical-profiles.csv")
        with path.open(encoding="utf-8", newline="") as f:
            for line, row in enumerate(csv.DictReader(row for row in f if not row.startswith("#")), start=2):
                concept = vocabulary.get(row["scheme"], row["notation"])
                if concept is None:
                    raise TopicalError(f"{path}: unknown concept {row['scheme']} {row['notation']}")
                try:
                    weight = int(row["weight"])
                except (TypeError, ValueError):
                    weight = 0
                if weight not in WEIGHTS:
                    raise TopicalError(f"{path}: weight {row['weight']!r} of {row['notation']}: give 1, 2 or 3")
                index = index_of.setdefault(concept.iri, len(self.concepts))
                if index == len(self.concepts):
                    self.concepts.append(concept)
                for term in filter(None, (t.strip() for t in row["terms"].split(";"))):
                    for form in _inflections(term):
                        # a term listed twice for one concept keeps its higher weight
                        slot = entries.setdefault(form.lower(), {})
                        if index not in slot or slot[index].weight < weight:
                            slot[index] = _Term(index, term, weight)
        self.automaton = ahocorasick.Automaton()
        for key, terms in entries.items():
            self.automaton.add_word(key, (len(key), tuple(terms.values())))
        self.automaton.make_automaton()

    def hits(self, text: str) -> list[tuple[int, int, _Term]]:
        folded = fold(text)
        out = []
        for end_index, (length, terms) in self.automaton.iter(folded):
            start, end = end_index - length + 1, end_index + 1
            if (start > 0 and folded[start - 1].isalnum()) or (end < len(folded) and folded[end].isalnum()):
                continue
            original = text[start:end]
            for term in terms:
                if term.form.islower() or _case_fits(term.form, original):
                    out.append((start, end, term))
        return out


@lru_cache(maxsize=4)
def load_profiles(base: str | None = None) -> Profiles:
    return Profiles(load_vocabulary(base))


# -- sentences -----------------------------------------------------------------------------------------------

# Words after which a full stop does not end a sentence (titles, Latin and reference abbreviations, months), and
# abbreviations that end one only when a capital follows ('Acme Ltd. The ...').
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "no", "nos", "vs", "cf", "ca", "approx", "fig",
    "figs", "vol", "p", "pp", "para", "paras", "art", "sec", "ch", "e.g", "i.e", "eg", "ie", "viz", "incl", "esp",
    "u.s", "u.k", "u.n", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
ENDING_ABBREVIATIONS = {"inc", "ltd", "co", "corp", "al", "etc", "dept", "ed", "eds", "govt", "resp", "est"}
# A run of end marks is tried from its first mark only: tried from each mark of a long run of dots not followed by
# a space, `[.!?]+` scanned to the run's end every time (8,000 dots: 7 s)
_BREAK = re.compile(r"(?<![.!?])[.!?]+[\"')\]’”]*(?=\s|$)|\n")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_LIST_ITEM = re.compile(r"\s*(?:[-*•·–]\s|\d{1,2}[.)]\s|[a-z][.)]\s)")
_WORD = re.compile(r"\w+")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text[start:end], blanks trimmed.

    A full stop ends a sentence when a space or the end follows it, except after a known abbreviation ('e.g.',
    'Dr.', 'U.N.') or an initial ('J. Smith'); '2.6 billion' and 'www.itu.int' hold no break. A line break ends
    a sentence when the line before ends in punctuation or the next line starts a list item or a capital, so a
    hard-wrapped paragraph stays one sentence.
    """
    end = len(text) if end is None else end
    cuts = [start]
    for m in _BREAK.finditer(text, start, end):
        if m.group() == "\n":
            before = text[cuts[-1]:m.start()].rstrip()
            after = text[m.end():end]
            nxt = after.lstrip(" \t")
            if (not before or not nxt or nxt.startswith("\n") or before[-1] in ".!?:;" or _LIST_ITEM.match(nxt)
                    or nxt[:1].isupper() or nxt[:1].isdigit()):
                cuts.append(m.end())
            continue
        if m.group() == ".":
            word = _WORD_BEFORE.search(text, max(start, m.start() - 20), m.start())
            token = word.group(1).lower() if word else ""
            if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue  # 'e.g. the', 'Dr. Smith', 'J. Smith', 'U.N. agencies'
            if token in ENDING_ABBREVIATIONS and not text[m.end():end].lstrip()[:1].isupper():
                continue
        cuts.append(m.end())
    cuts.append(end)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if len(piece.strip()) >= 3:
            out.append((a + lead, b - trail))
    return out


def sentences(parsed: Parsed) -> list[Sentence]:
    """The sentences of the parts that carry what the author wrote (answers, sections, excerpts)."""
    out = []
    for part in parsed.parts:
        if part.kind not in EVIDENCE_KINDS:
            continue
        for a, b in split_sentences(parsed.text, part.start, part.end):
            out.append(Sentence(a, b, part.key, words=len(_WORD.findall(parsed.text, a, b))))
    return out


# -- proper names --------------------------------------------------------------------------------------------

def proper_names(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the names of institutions, plans, conventions and events in text[start:end] (the
    gazetteer's `proper_name_spans`: 'Ministry of Education', 'Gender Equality Observatory', 'Climate Action
    Plan'); the profile terms inside them name the institution, not its subject."""
    end = len(text) if end is None else end
    return [(start + a, start + b) for a, b in proper_name_spans(text[start:end])]


# -- inference -----------------------------------------------------------------------------------------------

def length_factor(words: int) -> float:
    """How much more evidence a text of `words` words needs than a short answer."""
    return math.sqrt(words / REFERENCE_WORDS) if words > REFERENCE_WORDS else 1.0


def infer(parsed: Parsed, named: set[str], base: str | None = None, method: str = "keywords",
          threshold: str | float | None = None, named_in_parts: dict[str, set[str]] | None = None,
          ) -> list[TopicalLink]:
    """Topical links of a parsed document, per document (`part_key` None) and per answer or section.

    `named` holds the IRIs of the concepts the document names explicitly (no document-level link for them),
    `named_in_parts` those each part names (no link of that part for them); `threshold` is a number or a preset.
    """
    if method not in METHODS:
        raise TopicalError(f"unknown topical method {method!r}; choose one of {', '.join(METHODS)}")
    cutoff = threshold_value(threshold)
    named_in_parts = named_in_parts or {}
    profiles = load_profiles(base)
    sents = sentences(parsed)
    if not sents:
        return []
    starts = [s.start for s in sents]
    words_in = {}
    for s in sents:
        words_in[s.part_key] = words_in.get(s.part_key, 0) + s.words
    names = []
    for part in parsed.parts:
        if part.kind in EVIDENCE_KINDS:
            names += proper_names(parsed.text, part.start, part.end)
    name_starts = [a for a, _ in names]

    def in_name(a: int, b: int) -> bool:
        i = bisect.bisect_right(name_starts, a) - 1
        return i >= 0 and names[i][0] <= a and b <= names[i][1]

    # per concept, per sentence: distinct terms and their weights; a term inside a longer term of the same
    # concept does not count again ('smart city' is not also 'city')
    found: dict[int, dict[int, dict[str, int]]] = {}
    last_end: dict[int, int] = {}
    for start, end, term in sorted(profiles.hits(parsed.text), key=lambda h: (h[0], -(h[1] - h[0]))):
        if start < last_end.get(term.concept_index, -1):
            continue
        last_end[term.concept_index] = end
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or end > sents[i].end or in_name(start, end):
            continue
        per_sentence = found.setdefault(term.concept_index, {}).setdefault(i, {})
        key = term.form.lower()
        per_sentence[key] = max(per_sentence.get(key, 0), term.weight)

    links = []
    several = len(words_in) > 1
    for index, by_sentence in found.items():
        concept = profiles.concepts[index]
        evidence = [Sentence(sents[i].start, sents[i].end, sents[i].part_key, dict(terms), sents[i].words)
                    for i, terms in sorted(by_sentence.items())]
        by_part: dict[str | None, list[Sentence]] = {}
        for s in evidence:
            by_part.setdefault(s.part_key, []).append(s)
        part_links = []
        for key, part_evidence in by_part.items():
            score = sum(s.weight for s in part_evidence) / length_factor(words_in[key])
            if score >= cutoff:
                part_links.append(TopicalLink(concept, round(score, 2), METHOD, part_evidence, key))
        if several:
            document_score = _document_score(concept, part_links)
        else:  # a document of one answer or section is that part
            document_score = part_links[0].score if part_links else 0.0
        if document_score >= cutoff and not _is_named(concept, named):
            links.append(TopicalLink(concept, round(document_score, 2), METHOD,
                                     [s for s in evidence if s.weight], None))
        for link in part_links:
            if not _is_named(concept, named_in_parts.get(link.part_key, set())):
                link.evidence = [s for s in link.evidence if s.weight]
                links.append(link)
    return sorted(links, key=lambda link: (link.concept.scheme, link.concept.notation, link.part_key or ""))


def _document_score(concept: Concept, part_links: list[TopicalLink]) -> float:
    """The score of a document of several parts: that of its best part whose evidence is more than one passing
    word (annotation.md: 'one passing word is not enough'), divided by GOAL_FACTOR for a goal."""
    best = max((link.score for link in part_links if sum(len(s.terms) for s in link.evidence if s.weight) >= 2),
               default=0.0)
    return best / GOAL_FACTOR if concept.scheme == "sdg" else best


def _is_named(concept: Concept, named: set[str]) -> bool:
    return concept.iri in named or bool(concept.broader and concept.broader in named)
