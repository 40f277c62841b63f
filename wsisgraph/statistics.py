"""Statistics: the counts that analyst queries aggregate, computed once per build instead of at every query.

Each document's extraction gives a small summary (`summarize`): the concepts each answer or section of its
author's own text names (as named and rolled up: C7.4 and C7), its doc-level topical subjects, and for a response
the respondent's stakeholder type and country. The build adds the summaries of new documents to running totals
and subtracts those of changed or removed ones (`Totals`, dense numpy tables kept beside the store), then rewrites
only the observations whose counts changed in the statistics graph (`graph/statistics`). The saved queries read
those observations, so their cost no longer grows with the corpus:

- `wsis:RespondentCount`: responses per stakeholder type and country (respondents-overview);
- `wsis:ResponseCount`: responses whose answers name a concept, per stakeholder type and country
  (actionlines-, sdgs-, topics-by-stakeholder, topics-by-country);
- `wsis:DocumentCount`: documents whose answers or sections name a concept (concepts);
- `wsis:PairCount`: two concepts named by the same document (documents), by the same answer or section
  (places) and documents where some answer or section names both (sameSectionDocuments) (co-mentions,
  network-co-mention, matrix-divergence);
- `wsis:ActionLineSDGCount`: documents linking an Action Line and an SDG by explicit names or topical links, and
  those naming both (network-al-sdg);
- `wsis:ActionLineSDGResponseCount`: responses whose answers name an Action Line and an SDG, per stakeholder type
  (matrix-divergence-by-stakeholder).

Each observation is a W3C Data Cube `qb:Observation` whose IRI comes from its dimensions, so a rebuild gives the
same IRIs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote

import numpy as np
import pyoxigraph as ox

from .namespaces import QB, WSIS, base_iri
from .schemes import Concept, Vocabulary, load_vocabulary, vocabulary_key

TOTALS_FILE = "wsisgraph-statistics.npz"


def statistics_graph(base: str) -> ox.NamedNode:
    return ox.NamedNode(f"{base}graph/statistics")


@dataclass(frozen=True)
class Index:
    """Concepts, stakeholder types and countries numbered for the dense tables (in IRI order, so that a pair
    (i, j) with i < j is a pair in IRI order). Numbers never reach the graph: IRIs come from notations."""

    concepts: list[Concept]
    position: dict[str, int]  # concept IRI -> number
    top: np.ndarray  # bool per concept: has no broader concept (what co-mentions count)
    types: list[str]  # stakeholder type notations; number len(types) means "none"
    countries: list[str]  # ISO alpha-2; number len(countries) means "none"
    action_lines: np.ndarray  # numbers of C1..C11
    goals: np.ndarray  # numbers of SDG goals 1..17


def index(base: str | None = None, vocabularies=()) -> Index:
    """The numbering of the concepts of the vocabulary (with those of `build --vocabulary` files)."""
    return _index(base_iri(base), vocabulary_key(vocabularies))


@lru_cache(maxsize=4)
def _index(base: str, key: tuple) -> Index:
    vocabulary: Vocabulary = load_vocabulary(base, tuple(path for path, _, _ in key))
    concepts = sorted(vocabulary.concepts.values(), key=lambda c: c.iri)
    position = {c.iri: i for i, c in enumerate(concepts)}
    top = np.array([c.broader is None for c in concepts], dtype=bool)
    types = sorted(c.notation for c in vocabulary.in_scheme("stakeholdertype"))
    countries = sorted(c.notation for c in vocabulary.in_scheme("country"))
    action_lines = np.array([i for i, c in enumerate(concepts) if c.scheme == "actionline" and c.broader is None])
    goals = np.array([i for i, c in enumerate(concepts)
                      if c.scheme == "sdg" and c.properties.get("level") == "goal"])
    return Index(concepts, position, top, types, countries, action_lines, goals)


def summarize(ex, base: str | None = None, vocabularies=()) -> dict:
    """What one document adds to the statistics (JSON-friendly: it is kept in the build manifest, so that a changed
    or removed document can be taken out again). Concepts are numbers of `index(base, vocabularies)`."""
    ix = index(base, vocabularies)
    parts: dict[str, set[int]] = {}
    for m in ex.mentions:
        if m.part is None or m.in_question:  # the author's own words only, as the part summary links
            continue
        named = parts.setdefault(m.part.key, set())
        named.add(ix.position[m.concept.iri])
        named.add(ix.position[m.concept.broader or m.concept.iri])
    about = {ix.position[link.concept.broader or link.concept.iri] for link in ex.topical
             if getattr(link, "part_key", None) is None and link.concept.iri in ix.position}
    r = ex.respondent
    return {"response": r is not None, "type": r.stakeholder_type if r else None, "country": r.country if r else None,
            "parts": [sorted(p) for p in parts.values()], "about": sorted(about)}


class Totals:
    """The running counts, as dense tables: responses[concept, type, country], documents[concept], and for concept
    pairs i < j: pair_documents, pair_places, pair_same_section; al_sdg_documents and al_sdg_explicit;
    al_sdg_responses[type, Action Line, Goal] (numbered as in `Index.action_lines` and `Index.goals`)."""

    TABLES = ("respondents", "responses", "documents", "pair_documents", "pair_places", "pair_same_section",
              "al_sdg_documents", "al_sdg_explicit", "al_sdg_responses")

    def __init__(self, ix: Index, tables: dict[str, np.ndarray] | None = None):
        self.ix = ix
        n, t, k = len(ix.concepts), len(ix.types) + 1, len(ix.countries) + 1
        self.shapes = {"respondents": (t, k), "responses": (n, t, k), "documents": (n,), "pair_documents": (n, n),
                       "pair_places": (n, n), "pair_same_section": (n, n), "al_sdg_documents": (n, n),
                       "al_sdg_explicit": (n, n), "al_sdg_responses": (t, len(ix.action_lines), len(ix.goals))}
        tables = tables or {}
        self.t = {name: tables[name] if name in tables and tables[name].shape == shape
                  else np.zeros(shape, dtype=np.int32) for name, shape in self.shapes.items()}

    @classmethod
    def load(cls, ix: Index, folder: Path) -> "Totals | None":
        """The totals kept in a generation's folder; None when it has none or lacks a table (written by an earlier
        version): the build then counts every document afresh."""
        path = folder / TOTALS_FILE
        if not path.exists():
            return None
        with np.load(path) as data:
            tables = {name: data[name] for name in data.files}  # each access decompresses the array again
        totals = cls(ix, tables)
        if any(name not in tables or tables[name].shape != shape for name, shape in totals.shapes.items()):
            return None
        return totals

    def save(self, folder: Path) -> None:
        np.savez(folder / TOTALS_FILE, **self.t)

    def copy(self) -> "Totals":
        return Totals(self.ix, {name: table.copy() for name, table in self.t.items()})

    def add(self, summary: dict, sign: int = 1) -> None:
        """Count one document's summary in (sign 1) or out (sign -1)."""
        ix, t = self.ix, self.t
        named = sorted(set().union(*map(set, summary["parts"]))) if summary["parts"] else []
        if summary["response"]:
            ty = ix.types.index(summary["type"]) if summary["type"] in ix.types else len(ix.types)
            co = ix.countries.index(summary["country"]) if summary["country"] in ix.countries else len(ix.countries)
            t["respondents"][ty, co] += sign
            if named:
                t["responses"][named, ty, co] += sign
        if named:
            t["documents"][named] += sign
        top = [i for i in named if ix.top[i]]
        rows, cols = _pairs(top)
        t["pair_documents"][rows, cols] += sign
        same: set[tuple[int, int]] = set()
        for part in summary["parts"]:
            part_rows, part_cols = _pairs([i for i in part if ix.top[i]])
            np.add.at(t["pair_places"], (part_rows, part_cols), sign)
            same.update(zip(part_rows.tolist(), part_cols.tolist()))
        if same:
            same_rows, same_cols = zip(*same)
            t["pair_same_section"][list(same_rows), list(same_cols)] += sign
        # Action Line x SDG: named in the author's own text, or the document's topical subject
        lines_named = set(top) & set(ix.action_lines.tolist())
        goals_named = set(top) & set(ix.goals.tolist())
        lines = lines_named | (set(summary["about"]) & set(ix.action_lines.tolist()))
        goals = goals_named | (set(summary["about"]) & set(ix.goals.tolist()))
        for line in lines:
            for goal in goals:
                t["al_sdg_documents"][line, goal] += sign
                if line in lines_named and goal in goals_named:
                    t["al_sdg_explicit"][line, goal] += sign
        if summary["response"] and lines_named and goals_named:
            line_at = [int(np.searchsorted(ix.action_lines, line)) for line in sorted(lines_named)]
            goal_at = [int(np.searchsorted(ix.goals, goal)) for goal in sorted(goals_named)]
            t["al_sdg_responses"][np.ix_([ty], line_at, goal_at)] += sign


def _pairs(numbers: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Every pair i < j of distinct numbers, as index arrays."""
    found = sorted(set(numbers))
    if len(found) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows, cols = zip(*combinations(found, 2))
    return np.array(rows), np.array(cols)


# -- the statistics graph --------------------------------------------------------------------------------------
# Observations are written as N-Quads text (tens of thousands at a time on a large corpus: building pyoxigraph
# Quads one by one took seconds).

def _key(concept: Concept) -> str:
    return f"{concept.scheme}/{quote(concept.notation, safe='.-')}"


_A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SPATIAL = "<http://purl.org/dc/terms/spatial>"
_OBSERVATION = f"<{QB.Observation}>"
_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def _t(name: str) -> str:
    return f"<{WSIS[name]}>"


def observations(totals: Totals, cells: dict[str, Iterable[tuple]] | None, base: str) -> Iterator[tuple[str, str]]:
    """(observation IRI, its N-Quads lines) for the given cells of each table (every non-zero cell when `cells` is
    None). A cell whose counts are all zero yields its IRI with no lines: the observation is to be removed."""
    ix, t = totals.ix, totals.t
    g = f"<{statistics_graph(base).value}>"
    concepts = ix.concepts

    def lines(s: str, kind: str, *pairs: tuple[str, str]) -> str:
        out = [f"<{s}> {_A} {_OBSERVATION} {g} .\n", f"<{s}> {_A} {_t(kind)} {g} .\n"]
        out += [f"<{s}> {p} {o} {g} .\n" for p, o in pairs]
        return "".join(out)

    def number(n) -> str:
        return f'"{int(n)}"^^<{_INTEGER}>'

    def wanted(name: str, table: np.ndarray) -> list[tuple]:
        if cells is not None:
            return [tuple(int(i) for i in cell) for cell in cells.get(name, ())]
        return [tuple(cell) for cell in np.argwhere(table).tolist()]

    def where(ty: int, co: int) -> list[tuple[str, str]]:
        found = []
        if ty < len(ix.types):
            found.append((_t("stakeholderType"), f"<{base}stakeholder-type/{ix.types[ty]}>"))
        if co < len(ix.countries):
            found.append((_SPATIAL, f"<{base}country/{ix.countries[co]}>"))
        return found

    def dim(ty: int, co: int) -> str:
        return (f"{ix.types[ty] if ty < len(ix.types) else 'any'}/"
                f"{ix.countries[co] if co < len(ix.countries) else 'any'}")

    for ty, co in wanted("respondents", t["respondents"]):
        s = f"{base}statistics/respondents/{dim(ty, co)}"
        n = t["respondents"][ty, co]
        yield s, lines(s, "RespondentCount", (_t("responses"), number(n)), *where(ty, co)) if n else ""

    for i, ty, co in wanted("responses", t["responses"]):
        c = concepts[i]
        s = f"{base}statistics/responses/{_key(c)}/{dim(ty, co)}"
        n = t["responses"][i, ty, co]
        yield s, lines(s, "ResponseCount", (_t("concept"), f"<{c.iri}>"), (_t("responses"), number(n)),
                       *where(ty, co)) if n else ""

    for (i,) in wanted("documents", t["documents"]):
        c = concepts[i]
        s = f"{base}statistics/documents/{_key(c)}"
        n = t["documents"][i]
        yield s, lines(s, "DocumentCount", (_t("concept"), f"<{c.iri}>"), (_t("documents"), number(n))) if n else ""

    for i, j in wanted("pair_documents", t["pair_documents"]):
        a, b = concepts[i], concepts[j]
        s = f"{base}statistics/co-mention/{_key(a)}/{_key(b)}"
        d = t["pair_documents"][i, j]
        yield s, lines(s, "PairCount", (_t("firstConcept"), f"<{a.iri}>"), (_t("secondConcept"), f"<{b.iri}>"),
                       (_t("documents"), number(d)), (_t("places"), number(t["pair_places"][i, j])),
                       (_t("sameSectionDocuments"), number(t["pair_same_section"][i, j]))) if d else ""

    for i, j in wanted("al_sdg_documents", t["al_sdg_documents"]):
        line, goal = concepts[i], concepts[j]
        s = f"{base}statistics/al-sdg/{_key(line)}/{_key(goal)}"
        d = t["al_sdg_documents"][i, j]
        yield s, lines(s, "ActionLineSDGCount", (_t("firstConcept"), f"<{line.iri}>"),
                       (_t("secondConcept"), f"<{goal.iri}>"), (_t("documents"), number(d)),
                       (_t("explicitDocuments"), number(t["al_sdg_explicit"][i, j]))) if d else ""

    for ty, i, j in wanted("al_sdg_responses", t["al_sdg_responses"]):
        line, goal = concepts[ix.action_lines[i]], concepts[ix.goals[j]]
        kind = ix.types[ty] if ty < len(ix.types) else "any"
        s = f"{base}statistics/al-sdg-responses/{_key(line)}/{_key(goal)}/{kind}"
        n = t["al_sdg_responses"][ty, i, j]
        yield s, lines(s, "ActionLineSDGResponseCount", (_t("firstConcept"), f"<{line.iri}>"),
                       (_t("secondConcept"), f"<{goal.iri}>"), (_t("responses"), number(n)),
                       *where(ty, len(ix.countries))) if n else ""


def changed_cells(before: Totals, after: Totals) -> dict[str, list[tuple]]:
    """The cells of each observation kind whose counts differ (a pair whenever any of its three counts does)."""
    out: dict[str, list[tuple]] = {}
    for name in ("respondents", "responses", "documents"):
        out[name] = [tuple(c) for c in np.argwhere(before.t[name] != after.t[name]).tolist()]
    pairs = np.zeros_like(before.t["pair_documents"], dtype=bool)
    for name in ("pair_documents", "pair_places", "pair_same_section"):
        pairs |= before.t[name] != after.t[name]
    out["pair_documents"] = [tuple(c) for c in np.argwhere(pairs).tolist()]
    al_sdg = (before.t["al_sdg_documents"] != after.t["al_sdg_documents"]) | \
             (before.t["al_sdg_explicit"] != after.t["al_sdg_explicit"])
    out["al_sdg_documents"] = [tuple(c) for c in np.argwhere(al_sdg).tolist()]
    out["al_sdg_responses"] = [tuple(c) for c in
                               np.argwhere(before.t["al_sdg_responses"] != after.t["al_sdg_responses"]).tolist()]
    return out


def write(store: ox.Store, before: Totals | None, after: Totals, base: str | None = None) -> int:
    """Bring the statistics graph of `store` from `before` (None: the graph is empty) to `after`; returns how many
    observations were written or removed."""
    base = base_iri(base)
    if before is None:
        text = [lines for _, lines in observations(after, None, base)]
        store.bulk_load(input="".join(text).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        return len(text)
    g = statistics_graph(base)
    touched, added = 0, []
    for subject, lines in observations(after, changed_cells(before, after), base):
        for old in list(store.quads_for_pattern(ox.NamedNode(subject), None, None, g)):
            store.remove(old)
        added.append(lines)
        touched += 1
    if added:
        store.extend(ox.parse("".join(added).encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    return touched
