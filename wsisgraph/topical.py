"""Topical links: the Action Lines and SDGs a document is substantially about without naming them.

annotation.md's rule: a line or goal is a topical link when at least two sentences of the document, or one whole
answer, are substantially on its subject. The default method, `keywords`, follows the published SDG query sets
(curated term lists per goal): ontology/topical-profiles.csv gives each Action Line (C7 by sub-line) and each SDG
strong terms (weight 2: enough alone, e.g. 'telemedicine') and ordinary terms (weight 1: two are needed, e.g.
'hospitals' + 'patients'). A sentence is on a concept's subject when its distinct terms weigh 2 or more.

Only what respondents and pages say counts: the questionnaire's own question text is left out, and concepts the
document names explicitly are not linked again. Every link keeps its evidence (the sentences, with offsets),
a score (the summed weight of its sentences) and the method that made it.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from . import data_path
from .gazetteer import _case_fits, fold
from .readers import Parsed
from .schemes import Concept, Vocabulary, load_vocabulary

METHOD = "keywords-v1"
SENTENCE_THRESHOLD = 3  # summed term weight that puts a sentence on a concept's subject
MIN_SENTENCES = 2  # sentences with evidence (annotation.md: 'at least two sentences')
SENTENCE_CAP = 4  # the most one sentence adds to a document's score
DOCUMENT_THRESHOLD = 8  # the score that makes a document about a subject
EVIDENCE_KINDS = {"answer", "section", "excerpt"}  # not titles, headings, fields or question text

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.M)


@dataclass
class Sentence:
    start: int
    end: int
    part_key: str | None
    terms: dict[str, int] = field(default_factory=dict)  # term -> weight


@dataclass
class TopicalLink:
    concept: Concept
    score: float
    method: str
    evidence: list[Sentence]


@dataclass(frozen=True)
class _Term:
    concept_index: int
    form: str
    weight: int


class Profiles:
    """One automaton over every profile term of every Action Line and SDG."""

    def __init__(self, vocabulary: Vocabulary):
        self.concepts: list[Concept] = []
        entries: dict[str, set[_Term]] = {}
        with data_path("ontology", "topical-profiles.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                concept = vocabulary.get(row["scheme"], row["notation"])
                if concept is None:
                    raise ValueError(f"topical-profiles.csv: unknown concept {row['scheme']} {row['notation']}")
                index = len(self.concepts)
                self.concepts.append(concept)
                for column, weight in (("strong_terms", 2), ("terms", 1)):
                    for term in filter(None, (t.strip() for t in row[column].split(";"))):
                        entries.setdefault(term.lower(), set()).add(_Term(index, term, weight))
        self.automaton = ahocorasick.Automaton()
        for key, terms in entries.items():
            self.automaton.add_word(key, (len(key), tuple(terms)))
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


def sentences(parsed: Parsed) -> list[Sentence]:
    """The sentences of the parts that carry what the author wrote (answers, sections, excerpts)."""
    out = []
    for part in parsed.parts:
        if part.kind not in EVIDENCE_KINDS:
            continue
        for m in _SENTENCE.finditer(parsed.text, part.start, part.end):
            text = m.group()
            if len(text.strip()) < 3:
                continue
            lead = len(text) - len(text.lstrip())
            out.append(Sentence(m.start() + lead, m.end(), part.key))
    return out


METHODS = ("keywords", "bm25")


def infer(parsed: Parsed, named: set[str], base: str | None = None, method: str = "keywords") -> list[TopicalLink]:
    """Topical links for a parsed document; `named` holds the IRIs of concepts it names explicitly."""
    if method == "bm25":
        from .topical_bm25 import infer_bm25

        return infer_bm25(parsed, named, base)
    if method != "keywords":
        raise ValueError(f"unknown topical method {method!r}; choose one of {', '.join(METHODS)}")
    profiles = load_profiles(base)
    sents = sentences(parsed)
    if not sents:
        return []
    starts = [s.start for s in sents]
    import bisect

    # per concept, per sentence: distinct terms and their weights; a term inside a longer term of the same
    # concept does not count again ('smart city' is not also 'city')
    weights: dict[int, dict[int, dict[str, int]]] = {}
    last_end: dict[int, int] = {}
    for start, end, term in sorted(profiles.hits(parsed.text), key=lambda h: (h[0], -(h[1] - h[0]))):
        if start < last_end.get(term.concept_index, -1):
            continue
        last_end[term.concept_index] = end
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or end > sents[i].end:
            continue
        per_sentence = weights.setdefault(term.concept_index, {}).setdefault(i, {})
        per_sentence[term.form.lower()] = max(per_sentence.get(term.form.lower(), 0), term.weight)
    links = []
    for index, by_sentence in weights.items():
        concept = profiles.concepts[index]
        if concept.iri in named or (concept.broader and concept.broader in named):
            continue
        totals = {i: sum(terms.values()) for i, terms in by_sentence.items()}
        on_subject = {i: terms for i, terms in by_sentence.items() if totals[i] >= SENTENCE_THRESHOLD}
        # the document's weight of evidence: each sentence counts up to SENTENCE_CAP, so one long list of
        # keywords cannot make a document about a subject on its own
        score = sum(min(w, SENTENCE_CAP) for w in totals.values())
        # about it: two sentences on the subject, or one and enough further evidence around it
        if not (len(on_subject) >= MIN_SENTENCES or (on_subject and score >= DOCUMENT_THRESHOLD)):
            continue
        evidence = []
        for i, terms in sorted(by_sentence.items()):
            s = sents[i]
            evidence.append(Sentence(s.start, s.end, s.part_key, dict(terms)))
        links.append(TopicalLink(concept, float(score), METHOD, evidence))
    return sorted(links, key=lambda link: (link.concept.scheme, link.concept.notation))
