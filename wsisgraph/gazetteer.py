"""Find the concepts a text names: one Aho-Corasick automaton over every label, patterns for codes, and rules.

- Labels (pref, alt, other languages, synonyms) of every mentionable concept go into one pyahocorasick automaton,
  matched over a lower-cased copy of the text whose characters map one to one onto the original (so offsets
  hold). Each hit is then checked against the original: whole words only, and the label's own capitals
  (`ITU`, `WHO`, `Quality Education`, `Chile`) must be capitals in the text too, so `who`, `us` or
  `quality education` in running prose are not the WHO, the US or SDG 4. Long official event and framework names
  may be in lower case (`the internet governance forum`); an event acronym may carry its edition or region
  (`IGF2025`, `LACIGF`).
- labels-extra.csv marks labels that count only in some places: `context` (beside an Action Line in the
  sentence), `subject` (right beside 'action line': `the cybersecurity action line`, `la ligne d'action sur la
  santé`), `anaphor` (`the Summit`, only where the World Summit itself is named and no other summit).
- Action Line codes (`C5`, `C7.4`, `Action Line 5`) and SDG numbers (`SDG 4`, `SDGs 3, 4 and 5`, `Goal 9`,
  `ODD 4`, `target 9.c`) are regular expressions: codes are structured, not labels. A `Goal N` or `target N.N`
  of another agenda (Connect 2030) is no SDG.
- Overlapping hits resolve leftmost-longest, so a name inside a longer name counts only as the longer one
  (`UN General Assembly` is UNGA, not the UN); 'block' phrases (`digital space`, `New Mexico`) win the same way
  and produce nothing. Names the vocabularies do not hold are caught by rules: `UN Convention against
  Cybercrime` is not the UN, `Internet Society Kenya Chapter` not ISOC, and an SDG title or topic inside an
  institution's or plan's proper name (`Gender Equality Observatory`) counts as neither (`proper_name_spans`).
- `WSIS 2024 in Geneva` or `the World Summit on the Information Society held in Geneva in May 2024` is that
  year's WSIS Forum; `the Geneva and Tunis Summits` the Summit.
- URLs and e-mail addresses are blanked before matching: they are not text.
- `split_sentences` and `proper_name_spans` are public: other stages may reuse them.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from .namespaces import base_iri
from .schemes import MENTION_SCHEMES, Concept, Vocabulary, load_vocabulary, vocabulary_key

_FOLD = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\n": " ", "\t": " ", "\r": " ",
})
# An address starts where a run of address characters starts: tried from every character of a long run (a 100 KB
# data: URI), `[\w.+-]+@` scanned to the run's end each time (77 s).
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SMALL_WORDS = {"and", "of", "the", "for", "on", "in", "to", "a", "an", "de", "et", "y", "la", "le", "les", "des",
                "du", "del", "las", "los", "e", "por", "pour", "en", "à", "a"}
#: Words that do not make a name distinctive ('Plan of Action' has two content words, 'Tunis Agenda for the
#: Information Society' four).
_FUNCTION_WORDS = _SMALL_WORDS | {"our", "its", "their", "with", "at", "by", "sur", "sobre", "para", "l'", "d'"}

# -- Action Lines named by their subject ('the cybersecurity action line', 'la grande orientation C5') ------------
_AL_HEAD = r"action\s+lines?|lignes?\s+d'action|l[ií]neas?\s+de\s+acci[oó]n|grandes?\s+orientations?"
_AL_HEAD_RE = re.compile(_AL_HEAD, re.I)
_AL_CONTEXT = re.compile(r"action\s+lines?|lignes? d'action|l[ií]neas? de acci[oó]n|grandes? orientations? "
                         r"(?:du SMSI|C\s?\d)|\bC(?:1[01]|[1-9])\b", re.I)
_AL_CODE_WORD = r"C\s?(?:1[01]|[1-9])(?:\.[1-8])?"
# what may stand between 'Action Line' and the subject it is on: a code, 'facilitator', a preposition, an article
_AL_LEFT = re.compile(
    rf"(?:{_AL_HEAD})(?:\s+(?:facilitators?|facilitateurs?|facilitadores?))?"
    rf"(?:\s+(?:{_AL_CODE_WORD}|du\s+SMSI|de\s+la\s+CMSI|of\s+(?:the\s+)?WSIS))?"
    r"(?:\s*[:(]\s*|\s+(?:on|for|of|about|covering|concerning|related\s+to|relating\s+to|dealing\s+with|sur|pour|"
    r"relatives?\s+(?:à|aux?)|consacrées?\s+(?:à|aux?)|concernant|dans\s+le\s+domaine\s+de|de|du|des|sobre|para|"
    r"relativas?\s+(?:a|al)|en\s+materia\s+de|dedicadas?\s+(?:a|al)|referidas?\s+(?:a|al)|del|de\s+la)\s+)"
    r"(?:(?:the|la|le|les|el|los|las)\s+|l')?[\"']?", re.I)
_AL_RIGHT = re.compile(r"(?:WSIS\s+|SMSI\s+|CMSI\s+)?(?:action\s+lines?)\b", re.I)
# `(?<!\s)`: a separator is tried from the first space before it only; from every space of a run, the pattern
# was quadratic (a 160-character window of spaces beside an Action Line: 52 ms a mention)
_LIST_SEP = re.compile(r"(?<!\s)\s*(?:,|&|/|\band\b|\bor\b|\bet\b|\bou\b|\by\b|\be\b|\bo\b)\s*", re.I)
_ARTICLE = re.compile(r"^(?:the|la|le|les|l'|el|los|las|du|des|del|de\s+la|al|au|aux)\s*", re.I)
_TRAILING_ARTICLE = re.compile(r"(?:^|(?<=\s))(?:the|la|le|les|l'|el|los|las)\s*$", re.I)
_CODE_IN_PARENS = re.compile(rf"\(\s*{_AL_CODE_WORD}\s*\)|[\"']")

# -- sentences --------------------------------------------------------------------------------------------------
#: Words that end with a full stop without ending the sentence (English, French, Spanish).
_ABBREVIATIONS = {
    "e.g", "i.e", "cf", "vs", "viz", "no", "nos", "para", "paras", "art", "arts", "vol", "vols", "p", "pp", "fig",
    "figs", "dr", "mr", "mrs", "ms", "prof", "st", "inc", "ltd", "co", "corp", "jr", "sr", "sra", "dra", "approx",
    "incl", "rev", "res", "doc", "dept", "govt", "est", "m", "mm", "mme", "mlle", "núm", "op", "ca", "al", "ed",
    "eds", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k",
    "u.n", "a.m", "p.m", "p.ej", "etc", "ref", "sec", "ch", "chap", "ave", "hon", "amb", "excl",
}
# `(?<![.!?;])`: a run of marks is tried from its first (8,000 dots before a letter: 9.5 s from each)
_END_MARK = re.compile(r"(?<![.!?;])[.!?;]+(?=[\s\"')\]\u201d\u2019\u00bb]|$)|\n[ \t\r]*\n")
_TOKEN_BEFORE = re.compile(r"([\w.]+)$")


def _is_sentence_end(text: str, mark: re.Match) -> bool:
    if mark.group().startswith("\n") or not mark.group().startswith("."):
        return True
    if len(mark.group()) > 1:  # '...' or '.!' end a sentence
        return True
    token = _TOKEN_BEFORE.search(text, max(0, mark.start() - 24), mark.start())
    word = token.group(1).lower() if token else ""
    if word in _ABBREVIATIONS or (token and len(token.group(1)) == 1 and token.group(1).isupper()):
        return False  # 'e.g.', 'No.', 'Dr.', an initial 'J.'
    following = text[mark.end():mark.end() + 3].lstrip()
    return not (following[:1].islower())  # 'approx. two' or a cut abbreviation: the sentence goes on


def sentence_ends(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets where sentences end between start and end: at '.', '!', '?' or ';' before a space, and at blank
    lines; never at a decimal point ('2.6 billion'), an abbreviation ('e.g.', 'No. 5', 'Dr.') or an initial."""
    end = len(text) if end is None else end
    return [m.end() for m in _END_MARK.finditer(text, start, end) if _is_sentence_end(text, m)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """The text's sentences as (start, end) offsets, leading spaces trimmed."""
    spans, begin = [], 0
    for stop in sentence_ends(text) + [len(text)]:
        chunk = text[begin:stop]
        lead = len(chunk) - len(chunk.lstrip())
        if chunk.strip():
            spans.append((begin + lead, stop))
        begin = stop
    return spans


def _left_in_sentence(text: str, start: int, width: int) -> str:
    begin = max(0, start - width)
    ends = sentence_ends(text, begin, start)
    return text[ends[-1] if ends else begin:start]


def _right_in_sentence(text: str, end: int, width: int) -> str:
    stop = min(len(text), end + width)
    ends = sentence_ends(text, end, stop)
    cut = stop
    if ends:  # the end mark itself belongs to the sentence: cut before it
        cut = ends[0]
        while cut > end and text[cut - 1] in ".!?;\n \t\r":
            cut -= 1
    return text[end:cut]


# -- proper names -----------------------------------------------------------------------------------------------
#: Head nouns that make a capitalised run of words the name of an institution, document, plan or event.
NAME_HEADS = {
    "ministry", "ministries", "department", "institute", "institution", "observatory", "office", "agency",
    "authority", "commission", "council", "committee", "centre", "center", "fund", "foundation", "programme",
    "program", "plan", "strategy", "policy", "act", "law", "bill", "code", "convention", "charter", "declaration",
    "agenda", "initiative", "alliance", "coalition", "network", "partnership", "platform", "project", "campaign",
    "award", "awards", "prize", "report", "index", "survey", "outlook", "summit", "forum", "conference", "week",
    "day", "unit", "division", "directorate", "secretariat", "bureau", "board", "university", "school",
    "academy", "lab", "laboratory", "hub", "association", "society", "union", "organization", "organisation",
    "group", "framework", "roadmap", "challenge", "facility", "mission", "task", "force", "agreement", "treaty",
    "protocol", "compact", "decade", "year", "cluster", "consortium", "federation", "trust", "chair",
    "ministère", "ministerio", "observatoire", "observatorio", "institut", "instituto", "agence", "agencia",
    "conseil", "consejo", "fonds", "fondo", "secrétariat", "secretaría", "direction", "dirección", "stratégie",
    "estrategia", "politique", "política", "loi", "ley", "comisión", "centro", "réseau", "red", "alianza",
    "programa", "plataforma", "plateforme", "prix", "premio", "sommet", "cumbre", "foro", "conférence",
    "conferencia", "pacte", "pacto", "décennie", "decenio", "journée", "día", "semaine", "semana",
}
#: Heads of French and Spanish names, whose words after 'de' stay in lower case ('Ministère de l'égalité ...').
_ROMANCE_HEADS = {h for h in NAME_HEADS if not h.isascii()} | {
    "plan", "programme", "programa", "agence", "agencia", "conseil", "consejo", "fonds", "fondo", "direction",
    "institut", "instituto", "observatoire", "observatorio", "ministerio", "loi", "ley", "red", "centro",
    "alianza", "estrategia", "sommet", "cumbre", "foro", "pacte", "pacto", "prix", "premio", "semaine", "semana"}
#: Romance heads that are not English words: a lower-case adjective may follow them ('Observatoire régional').
_ROMANCE_ONLY = {h for h in _ROMANCE_HEADS if h not in {"plan", "programme", "direction", "fund", "red", "prix"}}
_NAME_LINKS = {"of", "for", "and", "on", "the", "against", "to", "&", "de", "des", "du", "la", "le", "les", "del",
               "el", "los", "las", "para", "pour", "y", "et", "sur", "sobre", "contre", "contra", "en", "l'", "d'",
               "l’", "d’", "à", "al", "au", "aux", "por", "par"}
_WORD = re.compile(r"[^\W\d_][\w&-]*(?:['’][^\W\d_]+)*|\d[\w/-]*(?:\.\d+)*|&")
_DETERMINERS = {"the", "a", "an", "la", "le", "les", "el", "los", "las", "l'", "un", "une", "una", "this", "our"}
_NAME_BREAK = re.compile(r"[^\s]")  # anything but spaces between two words ends a name


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


_ELISION = re.compile(r"^[lLdD]['’]")


def _head(word: str) -> str:
    """The word in lower case, without an elided article ("L'Observatoire" -> 'observatoire')."""
    return _ELISION.sub("", word.lower())


def proper_name_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the proper names of institutions, documents, plans and events: a run of capitalised words, with
    linking words inside ('Ministry of Gender Equality', 'National Climate Action Plan', 'Gender Equality
    Observatory'), that holds a head noun from NAME_HEADS; after a French or Spanish head and a linking word the
    words may stay in lower case ('Observatorio de igualdad de género', 'Plan national de lutte contre ...'). A
    name has two words or more; it ends at punctuation, and at 'and the' (two names side by side). Reusable: what
    lies inside such a span names the institution, not the goal or subject its words spell."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    n = len(words)

    def joined(a: int, b: int) -> bool:  # only spaces between words a and b
        return not _NAME_BREAK.search(text, words[a][1], words[b][0])

    def is_link(k: int) -> bool:
        return words[k][2].lower() in _NAME_LINKS

    def is_head(k: int) -> bool:
        word = _ELISION.sub("", words[k][2])
        return _capitalised(word) and word.lower() in NAME_HEADS

    spans: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if not words[i][2][:1].isupper() or words[i][2].lower() in _DETERMINERS:
            i += 1
            continue
        j = last = i
        head = is_head(i)
        romance = head and _head(words[i][2]) in _ROMANCE_HEADS
        lower_run = 0  # lower-case words in a row, after a Romance head
        while j + 1 < n and joined(j, j + 1) and j - i < 16:
            k = j + 1
            word = words[k][2]
            if _capitalised(word) and not is_link(k):
                j = last = k
                lower_run = 0
            elif is_link(k):
                m = k
                while m < n and is_link(m) and m - k < 3 and (m == k or joined(m - 1, m)):
                    m += 1
                if word.lower() in ("and", "y", "et", "&") and m > k + 1 and words[k + 1][2].lower() in _DETERMINERS:
                    break  # 'Gender Equality and the Ministry of Education': two names
                if m < n and joined(m - 1, m) and (_capitalised(words[m][2]) or romance):
                    j = last = m
                    lower_run = 0 if _capitalised(words[m][2]) else lower_run + 1
                else:
                    break
            elif romance and lower_run < 5 and (word[:2].lower() in ("l'", "d'", "l’", "d’") or lower_run
                                                or words[j][2].lower() in _NAME_LINKS
                                                or _head(words[j][2]) in _ROMANCE_ONLY):
                j = last = k  # 'Plan national de lutte ...', "de l'égalité"
                lower_run += 1
            else:
                break
            if is_head(last):
                head = True
                romance = romance or _head(words[last][2]) in _ROMANCE_HEADS
        if head and last > i:
            spans.append((words[i][0], words[last][1]))
            i = last + 1
        else:
            i += 1
    return spans


_CAPITAL_BEFORE = re.compile(r"[A-Z][\w'’-]*[ \t\u00a0]+(?:(?:of|for|on|against|and|the|to|de|des|du|la|le|del|"
                             r"para|pour|sur|sobre|contre|contra|l'|d')[ \t\u00a0]*){0,3}$")
_CAPITAL_AFTER = re.compile(r"^[ \t\u00a0]+(?:(?:of|for|on|against|and|the|to|de|des|du|la|le|del|para|pour|sur|"
                            r"sobre|contre|contra|l'|d')[ \t\u00a0]*){0,3}[A-Z]")


def inside_proper_name(text: str, start: int, end: int) -> bool:
    """Does text[start:end] lie inside a longer proper name (see proper_name_spans)? Only capitalised words next to
    the span can make one, so most spans are answered without looking further."""
    if text[start:end].islower():
        return False
    if not (_CAPITAL_BEFORE.search(text, max(0, start - 40), start) or _CAPITAL_AFTER.match(text[end:end + 40])):
        return False
    begin = max(0, start - 200)
    return any(s <= start - begin and end - begin <= e and (e - s) > (end - start)
               for s, e in proper_name_spans(text[begin:end + 200]))


# -- codes ------------------------------------------------------------------------------------------------------
# `C5`, `C7.4`, `C 7`; not `C-level`, `C2C`, `COVID-19`, `C1 level` (a language level).
_AL_CODE = re.compile(r"(?<![\w/.-])C\s?(1[01]|[1-9])(?:\.([1-8]))?(?![\w-])(?!\s+level)")
# 'Action Line 5', 'grandes orientations 3 et 7'
_AL_NUMBER = re.compile(rf"(?i:{_AL_HEAD})\s+(?:(?i:no)\.?\s*)?(?:1[01]|[1-9])(?:\.[1-8])?(?![\d.]?\d)"
                        r"(?:\s*(?:,|and|et|y|&)\s*(?:1[01]|[1-9])(?:\.[1-8])?(?![\d.]?\d))*")
_AL_NUMBER_ITEM = re.compile(r"(?<![\d.])(1[01]|[1-9])(?:\.([1-8]))?(?![\d.]?\d)")
_NUM = r"(\d{1,2})(?:\.(\d{1,2}|[a-d]))?(?![\d.]?\d)"
_SDG_LIST = rf"{_NUM}(?:\s*(?:,|and/or|and|&|or|et|y|e|ou|/)\s*{_NUM})*"
_SDG_CODE = re.compile(
    rf"(?<![\w-])(?:(?i:SDGs?|Sustainable\s+Development\s+Goals?|objectifs?\s+de\s+d[ée]veloppement\s+durable|"
    rf"objetivos?\s+de\s+desarrollo\s+sostenible)|Goals?|ODDs?|ODSs?|Objectifs?|Objetivos?)"
    rf"(?:\s*[-#:]\s*|\s+(?:No\.?|n°|number|nos?\.)\s*|\s*)"
    rf"(?:(?i:targets?|cibles?|metas?)\s+)?{_SDG_LIST}"
)
# a target is named by its full number ('target 4.4', 'cible 9.c'); 'Target 2' alone is some other agenda's
_TARGET_CODE = re.compile(rf"(?<![\w-])(?i:targets?|cibles?|metas?)\s+(?=\d{{1,2}}\.(?:\d|[a-d]))"
                          rf"{_SDG_LIST}")
_NUM_ITEM = re.compile(_NUM)
#: 'Goal N' and 'target N.N' of agendas that are not the SDGs: ITU's Connect 2030 Agenda and strategic plan, the
#: Broadband Commission's targets.
_OTHER_AGENDA = re.compile(
    r"Connect\s*2030|Broadband\s+Commission|broadband\s+(?:advocacy\s+)?targets?|strategic\s+(?:plan|goals?|"
    r"targets?|objectives?)|\bITU(?:'s|’s)?\s+(?:goals?|targets?)|"
    r"Plan\s+estratégico|Plan\s+stratégique|objectifs?\s+stratégiques?|objetivos?\s+estratégicos?", re.I)
_SDG_CUE = re.compile(r"\bSDGs?\b|Sustainable\s+Development\s+Goals?|\bODDs?\b|\bODSs?\b|(?<!Connect )2030\s+Agenda|"
                      r"Agenda\s+2030|Objetivos?\s+de\s+Desarrollo\s+Sostenible|Objectifs?\s+de\s+développement", re.I)

# -- events: the Summit and the Forum ---------------------------------------------------------------------------
# 'WSIS 2024', 'SMSI 2025', 'WSIS 2003' (an edition year glued to the process's acronym)
_WSIS_YEAR = re.compile(r"(?<![\w@/#.+-])(?:WSIS|SMSI|CMSI)[ \u00a0-]?(?:'|’)?(20\d\d)(?![\w+])")
# 'WSIS ... held in Geneva in May 2024': the yearly gathering, named as the process or the Summit
_HELD = (r"(?:(?:which|that|qui|que)\s+)?(?:(?:was|is|will\s+be|being|s'est|se|a\s+été|fue|será)\s+)?"
         r"(?:held|taking\s+place|took\s+place|convened|hosted|organi[sz]ed|tenue?s?|déroulée?|organisée?|"
         r"celebrad[ao]|organizad[ao]|realizad[ao]|tuvo\s+lugar)\b")
# `(?:,\s*)?` rather than `,?\s*`: two whitespace runs side by side backtracked quadratically on the spaces after
# 'WSIS' (4,000: 7 s; and 7 ms for each 120-character window of spaces read after a Summit)
_YEAR_AFTER = re.compile(rf"^\s*(?:\(\s*(?:WSIS|SMSI|CMSI)\s*\)\s*)?(?:,\s*)?(?:{_HELD}[^.;!?\n]{{0,60}}?|"
                         r"(?:in|en|à)\s+(?:Geneva|Genève|Ginebra)\s*(?:(?:,|in|en)\s*)?(?:\w+\s+)?|"
                         r"(?:'|’)?)\b(20\d\d)\b")
_WSIS_HELD = re.compile(rf"(?<![\w@/#.+-])(?:WSIS|SMSI|CMSI)(?![\w+])(?=\s*(?:\(\s*\w+\s*\)\s*)?(?:,\s*)?{_HELD})")
_YEAR_BEFORE = re.compile(r"\b(20\d\d)\s*$")
_SUMMIT_YEARS = {"2003", "2005"}
# 'the Geneva and Tunis Summits', 'Sommets de Genève et de Tunis', 'las Cumbres de Ginebra y Túnez'
_TWO_PHASES = re.compile(
    r"(?:Geneva|Genève|Ginebra)(?:\s*\(?2003\)?)?\s*(?:and|et|y|,)\s*(?:de\s+)?(?:Tunis|Túnez)(?:\s*\(?2005\)?)?"
    r"\s+(?i:summits?|phases?)\b|"
    r"(?i:summits?|sommets?|cumbres?|phases?|fases?)\s+(?:of|in|de|à|en)\s+(?:Geneva|Genève|Ginebra)"
    r"(?:\s*\(?2003\)?)?\s*(?:and|et|y)\s*(?:(?:of|in|de|à|en)\s+)?(?:Tunis|Túnez)\b")
#: Events whose own label has 'Summit': where one is named, 'the Summit' is not the WSIS.
_OTHER_SUMMITS = {"summit-of-the-future", "ai-for-good"}
_SUMMIT_CUE = re.compile(r"World\s+Summit|Sommet\s+mondial|Cumbre\s+Mundial|\b200[35]\b", re.I)

# -- a reference name inside the longer name of something else ---------------------------------------------------
#: What 'UN ...' or 'United Nations ...' names when it is not the UN itself: 'UN Convention against Cybercrime',
#: 'UN Global Compact', 'UN Internet Governance Forum', 'UN Inter-Agency Working Group'. A publication keeps its
#: publisher: the dev set's gold counts UN DESA in 'the UN DESA E-Government Survey', so 'UN E-Government Survey'
#: and 'the ITU Measuring Digital Development report' name the UN and ITU.
_UN_NAMED = {
    "convention", "conventions", "charter", "compact", "declaration", "resolution", "principles", "guidelines",
    "agenda", "forum", "summit", "conference", "day", "decade", "week", "year", "group", "panel", "body",
    "committee", "commission", "council", "assembly", "secretariat", "programme", "program", "fund", "office",
    "agency", "network", "initiative", "partnership", "platform", "strategy", "roadmap", "treaty", "protocol",
    "framework", "award", "awards", "prize", "campaign", "mission", "university", "institute", "habitat",
}
#: An organization's name followed by a title that ends in one of these words names a national chapter
#: ('Internet Society Kenya Chapter' is the chapter, a separate organization, not ISOC).
_CHAPTER = {"chapter", "chapters", "chapitre", "capítulo"}
_TITLE_AFTER = re.compile(r"^(?:[ \t\u00a0]*\)|[ \t\u00a0]*\([A-Za-z]{2,10}\))?[ \t\u00a0]+"
                          r"((?:[A-Z0-9][\w'’&-]*)(?:[ \t\u00a0]+[A-Z0-9][\w'’&-]*){0,7})")
_UN_NAMED_BEFORE = re.compile(
    r"\b(?:Convention|Convención|Charte|Charter|Carta|Pacte|Pacto|Déclaration|Declaración|Forum|Foro|Sommet|"
    r"Cumbre|Conférence|Conferencia|Fonds|Fondo|Décennie|Decenio|Journée|Día|Groupe|Grupo|Conseil|Consejo|"
    r"Secrétariat|Secretaría|Programme|Programa|Office|Oficina|Bureau)\s+"
    r"(?:des|de\s+las|de\s+la|del|of\s+the)"
    r"\s+$")
_HYPHEN_BEFORE = re.compile(r"([A-Za-z][\w]*)-$")
_HYPHEN_AFTER = re.compile(r"^-([A-Z][\w]*)")


#: Schemes whose label inside the proper name of an institution, plan or treaty does not count (annotation.md: a
#: name inside a longer name counts only as the longer name).
_NAMED_INSIDE_NAMES = {"sdg", "topic"}
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
    anaphoric: bool = False  # found only by a label that needs the full name elsewhere ('the Summit')


@dataclass(frozen=True)
class _Form:
    concept_index: int  # -1 for a block phrase
    form: str
    context: bool = False  # counts only beside 'Action Line' or a code
    subject: bool = False  # counts only right beside 'Action Line' ('the health action line')
    relaxed: bool = False  # a long event or framework name: its words may be in lower case
    anaphor: bool = False  # counts only where the text names the concept by another label too


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
    if "+" in form:  # 'WSIS+20', 'WSIS + 20', 'WSIS +20', '#WSIS20'
        out |= {re.sub(r"\s*\+\s*", sep, form) for sep in (" + ", " +", "+ ")}
        out.add(re.sub(r"\s*\+\s*(?=\d)", "", form))
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


def _has_acronym(label: str) -> bool:
    return any(re.match(r"[A-Z]{3,}(?![a-z])", w) for w in re.split(r"[\s/-]+", label))


def _relaxed(label: str, scheme: str, official: bool) -> bool:
    """May the words of this event or framework name be written in lower case? When it holds an acronym of three
    letters or more ('WSIS forum', 'GSR best practice guidelines'), or when it is an official name (the preferred
    label, or a French or Spanish name) with three content words or more ('the internet governance forum', 'Global
    digital compact'). Short or generic alternative labels ('Plan of Action', 'Best Practice Guidelines') keep
    their capitals."""
    if scheme not in ("event", "framework"):
        return False
    words = label.split()
    if len(words) >= 2 and _has_acronym(label):
        return True
    return official and sum(1 for w in words if w.lower() not in _FUNCTION_WORDS) >= 3


def _forms(concept: Concept) -> list[_Form]:
    """The surface forms to look for (concept_index filled in by the caller)."""
    forms: list[_Form] = []
    if concept.scheme == "sdg":
        if concept.properties.get("level") != "goal":
            return []  # targets are named by number only ('target 4.4')
        for lang, label in concept.labels.items():  # the full goal statements
            forms.append(_Form(-1, label))
        for label, lang in concept.alt_labels:
            if lang == "en":  # the short title, as a name: 'Quality Education', 'QUALITY EDUCATION'
                forms += [_Form(-1, _title_case(label)), _Form(-1, label.upper())]
            else:
                forms += [_Form(-1, label), _Form(-1, _title_case(label))]
        return forms
    official = set(concept.labels.values()) | {label for label, lang in concept.alt_labels if lang != "en"}
    labels = list(concept.labels.values()) + [label for label, _ in concept.alt_labels]
    for label in dict.fromkeys(labels):
        if label in concept.unmatched:
            continue
        relaxed = _relaxed(label, concept.scheme, label in official)
        anaphor = label in concept.anaphors
        if concept.scheme in _COMMON_NOUN_SCHEMES and label[1:2].islower():
            label = label[0].lower() + label[1:]  # 'Digital divide' is sentence case, not a proper name
        forms.append(_Form(-1, label, context=label in concept.context_labels, relaxed=relaxed, anaphor=anaphor))
        if concept.scheme == "organization" and re.match(r"(?:UN|United Nations) [A-Z]", label):
            # 'UN Economic Commission for Africa' is also 'United Nations Economic Commission for Africa'
            other = re.sub(r"^(?:UN|United Nations) ", "United Nations " if label.startswith("UN ") else "UN ", label)
            forms.append(_Form(-1, other))
    if concept.scheme == "actionline":
        for label in concept.labels.values():  # the official title, also in its short form before a colon
            head = re.split(r"[:;]", label)[0].strip()
            forms.append(_Form(-1, head, context=len(head.split()) < 3))
        for label in concept.subject_labels:
            forms.append(_Form(-1, label, subject=True))
    return forms


class Gazetteer:
    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.concepts: list[Concept] = [c for c in vocabulary.concepts.values() if c.scheme in MENTION_SCHEMES]
        self._by_notation = {(c.scheme, c.notation): c for c in self.concepts}
        self.automaton = ahocorasick.Automaton()
        entries: dict[str, set[_Form]] = {}
        #: folded forms that name an Action Line, to check the other items of a list ('the health and
        #: agriculture action lines')
        self._action_line_items: set[str] = set()
        for index, concept in enumerate(self.concepts):
            for form in _forms(concept):
                text = " ".join(form.form.translate(_FOLD).split())
                for variant in _variants(text, concept.scheme):
                    entries.setdefault(variant.lower(), set()).add(
                        _Form(index, variant, form.context, form.subject, form.relaxed, form.anaphor))
                    if concept.scheme == "actionline":
                        self._action_line_items.add(variant.lower())
        for phrase in vocabulary.blocks:
            entries.setdefault(phrase.lower(), set()).add(_Form(-1, phrase))
        for key, forms in entries.items():
            self.automaton.add_word(key, (len(key), tuple(forms), all(f.subject for f in forms)))
        self.automaton.make_automaton()
        self._org_acronyms = {label for c in self.concepts if c.scheme == "organization"
                              for label in [c.label] + [a for a, _ in c.alt_labels] if label.isupper()}
        self._event_acronyms = {label for c in self.concepts if c.scheme == "event"
                                for label in [c.label] + [a for a, _ in c.alt_labels]
                                if re.fullmatch(r"[A-Z]{3,6}", label)}

    # -- matching -------------------------------------------------------------------------------------------
    def find(self, text: str) -> list[Match]:
        """Every concept the text names, as non-overlapping spans in text order."""
        folded = fold(text)
        heads = _action_line_heads(folded)
        candidates = self._label_hits(text, folded, heads) + self._code_hits(text, folded, heads)
        # an anaphor gives way to any label that runs past it: 'the Summit of the Future' is not 'the Summit'
        longer_ends = sorted((m.start, m.end) for m in candidates if m.rule == "label" and not m.anaphoric)
        candidates = [m for m in candidates if not m.anaphoric or not any(
            m.start <= s < m.end < e for s, e in longer_ends[bisect.bisect_left(longer_ends, (m.start, 0)):
                                                          bisect.bisect_left(longer_ends, (m.end, 0))])]
        candidates.sort(key=lambda m: (m.start, -(m.end - m.start), m.rule != "code"))
        kept: list[Match] = []
        nested: list[Match] = []
        for match in candidates:
            if kept and match.start < kept[-1].end:
                last = kept[-1]
                if (match.start, match.end) == (last.start, last.end) and match.rule != "block" and last.rule != "block":
                    last.concepts += [c for c in match.concepts if c not in last.concepts]
                    last.anaphoric = last.anaphoric and match.anaphoric
                elif match.end <= last.end and _nests(match, last):
                    nested.append(match)
                continue
            kept.append(match)
        found = [m for m in kept if m.rule != "block" and m.concepts] + nested
        found = self._apply_rules(text, found)
        return sorted(found, key=lambda m: (m.start, m.end))

    def _label_hits(self, text: str, folded: str, heads: list[int]) -> list[Match]:
        """Label hits; `heads` (where 'action line' starts) tells subject forms whether one is close."""
        hits = []
        for end_index, (length, forms, only_subject) in self.automaton.iter(folded):
            start, end = end_index - length + 1, end_index + 1
            if only_subject and not _near(heads, start, 200):
                continue  # 'health' far from any 'action line'
            glued_left = start > 0 and folded[start - 1].isalnum()
            glued_right = end < len(folded) and folded[end].isalnum()
            original = text[start:end].translate(_FOLD)
            concepts: list[Concept] = []
            blocked = False
            anaphoric = True
            for form in forms:
                if (glued_left or glued_right) and not self._edition_glue(form, text, folded, start, end):
                    continue
                fits = _case_fits_relaxed(form.form, original) if form.relaxed else _case_fits(form.form, original)
                if not fits or self._inside_compound(form, text, start, end):
                    continue
                if form.concept_index < 0:
                    blocked = True
                    continue
                if form.context and not (_has_context(text, start, end) or (
                        _near(heads, start, 200) and self._beside_action_line(text, start, end))):
                    continue
                if form.subject and not (_near(heads, start, 200) and self._beside_action_line(text, start, end)):
                    continue
                concept = self.concepts[form.concept_index]
                anaphoric = anaphoric and form.anaphor
                if concept not in concepts:
                    concepts.append(concept)
            if blocked:
                hits.append(Match(start, end, [], "block"))
            elif concepts:
                hits.append(Match(start, end, concepts, "label", anaphoric))
        return hits

    def _edition_glue(self, form: _Form, text: str, folded: str, start: int, end: int) -> bool:
        """An event acronym may be glued to its edition ('IGF2025', '#WSIS20' is a label) or to a regional prefix
        ('LACIGF', 'AfIGF', 'APrIGF'): a regional or national IGF is the IGF (events.csv)."""
        if form.concept_index < 0 or form.form not in self._event_acronyms:
            return False
        if end < len(folded) and folded[end].isalnum():
            if not re.match(r"(?:\d\d|\d{4})(?![\w])", folded[end:end + 5]):
                return False
        if start > 0 and folded[start - 1].isalnum():
            prefix = re.search(r"([A-Za-z]{1,6})$", text[max(0, start - 6):start])
            if not prefix or not prefix.group(1)[0].isupper() or (start - len(prefix.group(1)) > 0 and
                                                                   folded[start - len(prefix.group(1)) - 1].isalnum()):
                return False
        return True

    def _inside_compound(self, form: _Form, text: str, start: int, end: int) -> bool:
        """An organization's acronym glued by a hyphen to a name that is not a reference acronym is part of a
        longer name ('UN-APCDG', 'UN-Habitat' are not the UN); 'ITU-UNICEF', 'ITU-D' and 'ITU-led' are ITU."""
        if form.concept_index < 0 or not form.form.isupper():
            return False
        if self.concepts[form.concept_index].scheme != "organization":
            return False
        after = _HYPHEN_AFTER.match(text[end:end + 20])
        before = _HYPHEN_BEFORE.search(text[max(0, start - 20):start])
        for glued in (after, before):
            if glued:
                word = glued.group(1)
                if len(word) > 1 and word[:1].isupper() and word not in self._org_acronyms:
                    return True
        return False

    def _beside_action_line(self, text: str, start: int, end: int) -> bool:
        """Is this subject phrase the name of an Action Line: 'the cybersecurity action line', 'the Action Line on
        capacity building', 'las líneas de acción sobre salud y agricultura', 'la grande orientation C7 relative
        à la cybersanté'? Other items of a list between the two must name Action Lines too."""
        right = _right_in_sentence(text, end, 120)
        after = _AL_RIGHT.search(right)
        if after and self._only_items(right[:after.start()], leading_separator=True):
            return True
        left = _left_in_sentence(text, start, 160)
        heads = list(_AL_LEFT.finditer(left))
        return bool(heads) and self._only_items(left[heads[-1].end():], leading_separator=False)

    def _only_items(self, between: str, leading_separator: bool) -> bool:
        """`between` holds nothing but other Action Line names joined by commas and 'and' (or nothing)."""
        rest = _CODE_IN_PARENS.sub(" ", between.translate(_FOLD)).strip()
        if not leading_separator:  # '... on health, employment and the [environment]'
            rest = _TRAILING_ARTICLE.sub("", rest)
        if not rest:
            return True
        pieces = _LIST_SEP.split(" " + rest + " ")
        if leading_separator:  # ', agriculture and education' -> '', 'agriculture', 'education'
            if pieces[0].strip():
                return False
            pieces = pieces[1:]
        else:  # 'health, agriculture and ' -> 'health', 'agriculture', ''
            if pieces[-1].strip():
                return False
            pieces = pieces[:-1]
        for piece in pieces:
            item = _ARTICLE.sub("", piece.strip().lower()).strip()
            if not item or (item not in self._action_line_items and not _AL_CODE.fullmatch(item.upper())):
                return False  # an empty item is a bare article: 'security and the action lines'
        return True

    def _code_hits(self, text: str, folded: str, heads: list[int]) -> list[Match]:
        hits = []
        masked = _URL.sub(lambda m: " " * len(m.group()), text)
        for m in _AL_CODE.finditer(masked):
            notation = m.group(1) if not m.group(2) else f"{m.group(1)}.{m.group(2)}"
            concept = self._by_notation.get(("actionline", "C" + notation))
            if concept:
                hits.append(Match(m.start(), m.end(), [concept], "code"))
        for at in heads:  # 'Action Line 5', 'action lines 3 and 7'
            m = _AL_NUMBER.match(masked, at)
            if not m:
                continue
            head = _AL_HEAD_RE.match(masked, m.start())
            for n, item in enumerate(_AL_NUMBER_ITEM.finditer(masked, head.end(), m.end())):
                notation = item.group(1) if not item.group(2) else f"{item.group(1)}.{item.group(2)}"
                concept = self._by_notation.get(("actionline", "C" + notation))
                if concept:  # the first number's span starts at 'Action Line', so its quote reads well
                    hits.append(Match(m.start() if n == 0 else item.start(), item.end(), [concept], "code"))
        for pattern in (_SDG_CODE, _TARGET_CODE):
            for m in pattern.finditer(masked):
                if not masked[m.start():m.start() + 40].upper().startswith(("SDG", "SUS", "ODD", "ODS")) \
                        and not re.match(r"(?i)obje\w+\s+de\s+d", masked[m.start():m.start() + 20]) \
                        and self._other_agenda(masked, m.start(), m.end()):
                    continue  # 'Goal 2 of the Connect 2030 Agenda', 'target 2.1 of the Broadband Commission'
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
        summit = self._by_notation.get(("event", "wsis-summit"))
        forum = self._by_notation.get(("event", "wsis-forum"))
        if summit and forum:
            for at in _positions(folded, ("wsis", "smsi", "cmsi")):
                m = _WSIS_YEAR.match(masked, at)  # 'WSIS 2024' is that year's Forum; 'WSIS 2003' the Summit
                if m:
                    hits.append(Match(m.start(), m.end(), [summit if m.group(1) in _SUMMIT_YEARS else forum], "code"))
                    continue
                m = _WSIS_HELD.match(masked, at)  # 'WSIS, held in Geneva in July 2025'
                year = _YEAR_AFTER.match(masked[m.end():m.end() + 120]) if m else None
                if year:
                    hits.append(Match(m.start(), m.end(), [summit if year.group(1) in _SUMMIT_YEARS else forum],
                                      "code"))
        if summit:  # 'the Geneva and Tunis Summits': look around each 'Tunis'
            seen = 0
            for at in _positions(folded, ("tunis", "túnez", "tunez")):
                for m in _TWO_PHASES.finditer(masked, max(seen, at - 40), min(len(masked), at + 60)):
                    hits.append(Match(m.start(), m.end(), [summit], "code"))
                    seen = m.end()
        return hits

    @staticmethod
    def _other_agenda(text: str, start: int, end: int) -> bool:
        """Is this 'Goal N' or 'target N.N' about another agenda? One is named in its sentence, or earlier in its
        paragraph with no word of the SDGs in between ('... the Connect 2030 Agenda. Target 2.1 of the Agenda ...
        Goal 2, inclusiveness, ...'); and its own sentence has no word of the SDGs."""
        sentence = _left_in_sentence(text, start, 200) + text[start:end] + _right_in_sentence(text, end, 200)
        if _SDG_CUE.search(sentence):
            return False
        if _OTHER_AGENDA.search(sentence):
            return True
        before = text[max(0, start - 400):start]
        paragraph = re.split(r"\n[ \t\r]*\n", before)[-1]
        cues = list(_OTHER_AGENDA.finditer(paragraph))
        return bool(cues) and not _SDG_CUE.search(paragraph, cues[-1].end())

    def _sdg(self, goal: str, target: str | None) -> Concept | None:
        goal = str(int(goal))
        if not 1 <= int(goal) <= 17:
            return None
        if target:
            found = self._by_notation.get(("sdg", f"{goal}.{target}"))
            if found:
                return found
        return self._by_notation.get(("sdg", goal))

    # -- rules on the whole text --------------------------------------------------------------------------------
    def _apply_rules(self, text: str, found: list[Match]) -> list[Match]:
        """What a span names can depend on what surrounds it: see each rule."""
        names: dict[tuple[int, int], bool] = {}

        def in_name(m: Match) -> bool:
            if (m.start, m.end) not in names:
                names[(m.start, m.end)] = inside_proper_name(text, m.start, m.end)
            return names[(m.start, m.end)]

        named = {c.iri for m in found if not m.anaphoric for c in m.concepts}
        out = []
        for m in found:
            keep: list[Concept] = []
            for c in m.concepts:
                if c.scheme in _NAMED_INSIDE_NAMES and m.rule == "label" and in_name(m):
                    # 'Gender Equality Observatory', 'the city's Climate Action Plan', 'UN Convention against
                    # Cybercrime' name an institution, a plan, a treaty: not SDG 5, SDG 13 or a topic
                    continue
                if c.scheme == "organization" and self._names_something_else(c, text, m):
                    continue
                if c.scheme == "event" and c.notation == "wsis-summit" and m.rule == "label":
                    c = self._summit_or_forum(c, text, m)
                if m.anaphoric and not self._anaphor_resolves(c, text, found, named):
                    continue
                if c not in keep:
                    keep.append(c)
            if keep:
                m.concepts = keep
                out.append(m)
        return out

    def _names_something_else(self, concept: Concept, text: str, m: Match) -> bool:
        """A reference organization's name at the start of the longer name of something else names that thing:
        'UN Convention against Cybercrime', 'UN Global Compact' and 'Convention des Nations Unies contre ...' are
        not the UN; 'Internet Society Kenya Chapter' is a chapter (annotation.md: a name inside a longer name
        counts only as the longer name). A possessive ('ITU's Facts and Figures') or a publication ('the UN DESA
        E-Government Survey', as the dev gold counts it) keeps the organization."""
        title = _TITLE_AFTER.match(text[m.end:m.end + 160])
        if title:
            words = title.group(1).split()
            for n, word in enumerate(words):  # "UN Secretary-General's Roadmap": the name ends at the possessive
                if re.search(r"['’]s?$", word):
                    words = words[:n + 1]
                    break
            last = words[-1].lower().rstrip(".,")
            if last in _CHAPTER:
                return True
            if concept.notation == "un" and (last in _UN_NAMED or any(w.lower() in _UN_NAMED for w in words[:1])):
                return True
        if concept.notation == "un" and _UN_NAMED_BEFORE.search(text[max(0, m.start - 40):m.start]):
            return True
        return False

    def _summit_or_forum(self, summit: Concept, text: str, m: Match) -> Concept:
        """'The World Summit on the Information Society held in Geneva in May 2024', 'WSIS Summit 2025': a later
        year's yearly gathering in Geneva is the WSIS Forum; 2003 and 2005 are the Summit's own years."""
        forum = self._by_notation.get(("event", "wsis-forum"))
        after = _YEAR_AFTER.match(text[m.end:m.end + 120])
        before = _YEAR_BEFORE.search(text[max(0, m.start - 12):m.start])
        year = after.group(1) if after else (before.group(1) if before else None)
        if forum and year and year not in _SUMMIT_YEARS and int(year) > 2005:
            return forum
        return summit

    def _anaphor_resolves(self, concept: Concept, text: str, found: list[Match], named: set[str]) -> bool:
        """'The Summit' is the WSIS when the text names the WSIS (or its Summit) and no other summit."""
        if any(c.scheme == "event" and c.notation in _OTHER_SUMMITS for m in found for c in m.concepts):
            return False
        return concept.iri in named or bool(_SUMMIT_CUE.search(text))


def _positions(folded: str, words: tuple[str, ...]) -> list[int]:
    """Sorted start offsets of these literal words in the folded text (str.find is much faster than a regex)."""
    found = []
    for word in words:
        at = folded.find(word)
        while at >= 0:
            found.append(at)
            at = folded.find(word, at + 1)
    return sorted(found)


_AL_HEAD_BEFORE = {
    "action": re.compile(r"(?:lignes?\s+d')?$"),
    "acci": re.compile(r"l[ií]neas?\s+de\s+$"),
    "orientation": re.compile(r"grandes?\s+$"),
}


def _action_line_heads(folded: str) -> list[int]:
    """Where 'action line' (or its French and Spanish names) starts in the folded text: found from the literal
    words, then checked with _AL_HEAD_RE (a regex scan of the whole text is several times slower)."""
    heads = []
    for word, before in _AL_HEAD_BEFORE.items():
        for at in _positions(folded, (word,)):
            lead = before.search(folded, max(0, at - 16), at)
            begin = lead.start() if lead else at
            if lead and _AL_HEAD_RE.match(folded, begin) and (begin == 0 or not folded[begin - 1].isalnum()):
                heads.append(begin)
    return sorted(set(heads))


def _near(positions: list[int], at: int, distance: int) -> bool:
    i = bisect.bisect_left(positions, at - distance)
    return i < len(positions) and positions[i] <= at + distance


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


def _case_fits_relaxed(form: str, original: str) -> bool:
    """A long event or framework name: acronyms (WSIS, GSR) keep their capitals, other words may be in any case."""
    if len(form) != len(original):
        return False
    for fw, ow in zip(form.split(" "), original.split(" ")):
        if sum(1 for c in fw if c.isupper()) >= 2 and fw != ow:
            return False
    return True


def _has_context(text: str, start: int, end: int) -> bool:
    """Is an Action Line (by name or code) named in the same sentence, close by?"""
    left = _left_in_sentence(text, start, 120)
    right = _right_in_sentence(text, end, 40)
    return bool(_AL_CONTEXT.search(left) or _AL_CONTEXT.search(right))


def load_gazetteer(base: str | None = None, extra=()) -> Gazetteer:
    """The automaton is built once per process (and per base IRI and vocabulary files: `build --vocabulary`)."""
    return _load_gazetteer(base_iri(base), vocabulary_key(extra))


@lru_cache(maxsize=4)
def _load_gazetteer(base: str, key: tuple) -> Gazetteer:
    return Gazetteer(load_vocabulary(base, tuple(path for path, _, _ in key)))
