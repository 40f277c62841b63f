"""Find the concepts a text names: one Aho-Corasick automaton over every label, plus two patterns for codes.

- Labels (pref, alt, other languages, synonyms) of every mentionable concept go into one pyahocorasick automaton,
  matched over a lower-cased copy of the text whose characters map one to one onto the original (so offsets
  hold). Each hit is then checked against the original: whole words only, and the label's own capitals
  (`ITU`, `WHO`, `Quality Education`, `Chile`) must be capitals in the text too, so `who`, `us` or
  `quality education` in running prose are not the WHO, the US or SDG 4.
- Action Line codes (`C5`, `C7.4`) and SDG numbers (`SDG 4`, `SDGs 3, 4 and 5`, `Goal 9`, `ODD 4`,
  `target 9.c`) are two regular expressions: codes are structured, not labels.
- Overlapping hits resolve leftmost-longest, so a name inside a longer name counts only as the longer one
  (`UN General Assembly` is UNGA, not the UN); 'block' phrases (`digital space`, `New Mexico`) win the same way
  and produce nothing.
- URLs and e-mail addresses are blanked before matching: they are not text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from .schemes import MENTION_SCHEMES, Concept, Vocabulary, load_vocabulary

_FOLD = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\n": " ", "\t": " ", "\r": " ",
})
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SMALL_WORDS = {"and", "of", "the", "for", "on", "in", "to", "a", "an", "de", "et", "y", "la", "le", "les", "des",
                "du", "del", "las", "los", "e", "por", "pour", "en", "à", "a"}
_AL_CONTEXT = re.compile(r"action\s+lines?|lignes? d'action|l[ií]neas? de acci[oó]n|\bC(?:1[01]|[1-9])\b", re.I)
_SENTENCE_END = re.compile(r"[.!?;]\s|\n\s*\n")

# `C5`, `C7.4`, `C 7`; not `C-level`, `C2C`, `COVID-19`, `C1 level` (a language level).
_AL_CODE = re.compile(r"(?<![\w/.-])C\s?(1[01]|[1-9])(?:\.([1-8]))?(?![\w-])(?!\s+level)")
_NUM = r"(\d{1,2})(?:\.(\d{1,2}|[a-d]))?(?![\d.]?\d)"
_SDG_LIST = rf"{_NUM}(?:\s*(?:,|and/or|and|&|or|et|y|e|ou|/)\s*{_NUM})*"
_SDG_CODE = re.compile(
    rf"(?<![\w-])(?:(?i:SDGs?|Sustainable\s+Development\s+Goals?)|Goals?|ODDs?|ODSs?|Objectifs?|Objetivos?)"
    rf"(?:\s*[-#:]\s*|\s+(?:No\.?|n°|number|nos?\.)\s*|\s*)"
    rf"(?:(?i:targets?|cibles?|metas?)\s+)?{_SDG_LIST}"
)
_TARGET_CODE = re.compile(rf"(?<![\w-])(?i:targets?|cibles?|metas?)\s+{_SDG_LIST}")
_NUM_ITEM = re.compile(_NUM)


#: Schemes whose labels are common nouns written in sentence case (topics, Action Line titles).
_COMMON_NOUN_SCHEMES = {"topic", "actionline"}
#: Schemes whose concepts, named inside a longer name of the same scheme, still count ('gender digital divide').
_NESTING_SCHEMES = {"topic"}


@dataclass
class Match:
    start: int
    end: int
    concepts: list[Concept]
    rule: str  # label | code | block


@dataclass(frozen=True)
class _Form:
    concept_index: int  # -1 for a block phrase
    form: str
    context: bool  # counts only beside 'Action Line' or a code


def fold(text: str) -> str:
    """Lower-case, straighten quotes and dashes, blank URLs; the result has exactly the length of `text`."""
    folded = text.translate(_FOLD)
    lowered = folded.lower()
    if len(lowered) != len(folded):  # a few characters (e.g. 'İ') lower to two: map them one by one
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)
    return _URL.sub(lambda m: " " * len(m.group()), lowered)


def _variants(form: str, scheme: str) -> set[str]:
    out = {form}
    if "-" in form:
        out |= {form.replace("-", " "), form.replace("-", "")}
    words = form.split(" ")
    if len(words) == 2 and "-" not in form and form.islower():
        out.add("-".join(words))
    if scheme == "event" and len(words) > 1 and form[-1:].isalpha() and not form.endswith("s"):
        out.add(form + "s")  # 'World Radiocommunication Conferences', the series
    if scheme == "topic" and form.islower() and not form.endswith("s"):
        plural = form[:-1] + "ies" if form.endswith("y") and form[-2:-1] not in "aeiou" else form + "s"
        out.add(plural)
    return {v for v in out if len(v.replace(" ", "")) >= 2}


def _title_case(label: str) -> str:
    words = label.split(" ")
    return " ".join(w if (i and w.lower() in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _forms(concept: Concept) -> list[tuple[str, bool]]:
    """The surface forms to look for, each with its 'needs Action Line context' flag."""
    forms: list[tuple[str, bool]] = []
    if concept.scheme == "sdg":
        if concept.properties.get("level") != "goal":
            return []  # targets are named by number only ('target 4.4')
        for lang, label in concept.labels.items():  # the full goal statements
            forms.append((label, False))
        for label, lang in concept.alt_labels:
            if lang == "en":  # the short title, as a name: 'Quality Education', 'QUALITY EDUCATION'
                forms += [(_title_case(label), False), (label.upper(), False)]
            else:
                forms += [(label, False), (_title_case(label), False)]
        return forms
    labels = list(concept.labels.values()) + [label for label, _ in concept.alt_labels]
    for label in dict.fromkeys(labels):
        if label in concept.unmatched:
            continue
        if concept.scheme in _COMMON_NOUN_SCHEMES and label[1:2].islower():
            label = label[0].lower() + label[1:]  # 'Digital divide' is sentence case, not a proper name
        forms.append((label, label in concept.context_labels))
    if concept.scheme == "actionline":
        for label in concept.labels.values():  # the official title, also in its short form before a colon
            head = re.split(r"[:;]", label)[0].strip()
            forms.append((head, len(head.split()) < 3))
    return forms


class Gazetteer:
    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.concepts: list[Concept] = [c for c in vocabulary.concepts.values() if c.scheme in MENTION_SCHEMES]
        self._by_notation = {(c.scheme, c.notation): c for c in self.concepts}
        self.automaton = ahocorasick.Automaton()
        entries: dict[str, set[_Form]] = {}
        for index, concept in enumerate(self.concepts):
            for form, context in _forms(concept):
                form = " ".join(form.translate(_FOLD).split())
                for variant in _variants(form, concept.scheme):
                    entries.setdefault(variant.lower(), set()).add(_Form(index, variant, context))
        for phrase in vocabulary.blocks:
            entries.setdefault(phrase.lower(), set()).add(_Form(-1, phrase, False))
        for key, forms in entries.items():
            self.automaton.add_word(key, (len(key), tuple(forms)))
        self.automaton.make_automaton()

    # -- matching -------------------------------------------------------------------------------------------
    def find(self, text: str) -> list[Match]:
        """Every concept the text names, as non-overlapping spans in text order."""
        folded = fold(text)
        candidates = self._label_hits(text, folded) + self._code_hits(text, folded)
        candidates.sort(key=lambda m: (m.start, -(m.end - m.start), m.rule != "code"))
        kept: list[Match] = []
        nested: list[Match] = []
        for match in candidates:
            if kept and match.start < kept[-1].end:
                last = kept[-1]
                if (match.start, match.end) == (last.start, last.end) and match.rule != "block" and last.rule != "block":
                    last.concepts += [c for c in match.concepts if c not in last.concepts]
                elif match.end <= last.end and _nests(match, last):
                    nested.append(match)
                continue
            kept.append(match)
        found = [m for m in kept if m.rule != "block" and m.concepts] + nested
        return sorted(found, key=lambda m: (m.start, m.end))

    def _label_hits(self, text: str, folded: str) -> list[Match]:
        hits = []
        for end_index, (length, forms) in self.automaton.iter(folded):
            start, end = end_index - length + 1, end_index + 1
            if (start > 0 and folded[start - 1].isalnum()) or (end < len(folded) and folded[end].isalnum()):
                continue
            original = text[start:end].translate(_FOLD)
            concepts: list[Concept] = []
            blocked = False
            for form in forms:
                if not _case_fits(form.form, original) or _inside_compound(form.form, text, start, end):
                    continue
                if form.concept_index < 0:
                    blocked = True
                    continue
                if form.context and not _has_context(text, start, end):
                    continue
                concept = self.concepts[form.concept_index]
                if concept not in concepts:
                    concepts.append(concept)
            if blocked:
                hits.append(Match(start, end, [], "block"))
            elif concepts:
                hits.append(Match(start, end, concepts, "label"))
        return hits

    def _code_hits(self, text: str, folded: str) -> list[Match]:
        hits = []
        masked = _URL.sub(lambda m: " " * len(m.group()), text)
        for m in _AL_CODE.finditer(masked):
            notation = m.group(1) if not m.group(2) else f"{m.group(1)}.{m.group(2)}"
            concept = self._by_notation.get(("actionline", "C" + notation))
            if concept:
                hits.append(Match(m.start(), m.end(), [concept], "code"))
        for pattern in (_SDG_CODE, _TARGET_CODE):
            for m in pattern.finditer(masked):
                concepts = []
                numbers = masked[m.start():m.end()]
                offset = m.start()
                first = _NUM_ITEM.search(numbers, len(numbers) - len(numbers.lstrip()))
                for item in _NUM_ITEM.finditer(numbers, first.start() if first else 0):
                    concept = self._sdg(item.group(1), item.group(2))
                    if concept and concept not in concepts:
                        concepts.append(concept)
                if concepts:
                    hits.append(Match(offset, m.end(), concepts, "code"))
        return hits

    def _sdg(self, goal: str, target: str | None) -> Concept | None:
        goal = str(int(goal))
        if not 1 <= int(goal) <= 17:
            return None
        if target:
            found = self._by_notation.get(("sdg", f"{goal}.{target}"))
            if found:
                return found
        return self._by_notation.get(("sdg", goal))


def _nests(inner: Match, outer: Match) -> bool:
    """A topic inside a longer topic label is a topic too: 'gender digital divide' is also a digital divide."""
    schemes = {c.scheme for c in inner.concepts} | {c.scheme for c in outer.concepts}
    return (outer.rule == "label" and inner.rule == "label" and schemes <= _NESTING_SCHEMES
            and not {c.iri for c in inner.concepts} & {c.iri for c in outer.concepts})


def _case_fits(form: str, original: str) -> bool:
    """The text keeps the label's capitals: a word with capitals inside (ITU, IoT, GSR-25) exactly,
    a capitalised word (Chile, Quality Education) capitalised; lower-case words in any case."""
    if len(form) != len(original):
        return False
    for fw, ow in zip(form.split(" "), original.split(" ")):
        if any(c.isupper() for c in fw[1:]):
            if fw != ow:
                return False
        elif fw[:1].isupper() and not ow[:1].isupper():
            return False
    return True


def _inside_compound(form: str, text: str, start: int, end: int) -> bool:
    """An acronym glued by a hyphen to another acronym is part of a longer name (UN-APCDG is not the UN)."""
    if not form.isupper():
        return False
    after = text[end:end + 3]
    before = text[max(0, start - 3):start]
    return bool(re.match(r"-[A-Z]{2}", after) or re.search(r"[A-Z]{2}-$", before))


def _has_context(text: str, start: int, end: int) -> bool:
    """Is an Action Line (by name or code) named in the same sentence, close by?"""
    left = text[max(0, start - 120):start]
    cut = list(_SENTENCE_END.finditer(left))
    if cut:
        left = left[cut[-1].end():]
    right = text[end:end + 40]
    stop = _SENTENCE_END.search(right)
    if stop:
        right = right[:stop.start()]
    return bool(_AL_CONTEXT.search(left) or _AL_CONTEXT.search(right))


@lru_cache(maxsize=4)
def load_gazetteer(base: str | None = None) -> Gazetteer:
    """The automaton is built once per process (and per base IRI)."""
    return Gazetteer(load_vocabulary(base))
