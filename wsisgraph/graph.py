"""Stage 3: records into quads (N-Quads text for the bulk loader, or pyoxigraph terms), one named graph per document.

IRIs come from stable keys, never counters: documents by file name, parts by their key in the document,
mentions by offsets and concept, organizations by normalised name, concepts by notation. Building the same
folder twice therefore gives the same graph. The ontology, the concept schemes and the WSIS-SDG Matrix go to
graphs of their own (`graph/schemes`, `graph/wsis-sdg-matrix`), apart from what documents say.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pyoxigraph as ox

from . import __version__, data_path
from .errors import ReferenceDataError
from .extract import Extraction
from .load import MEDIA_TYPES
from .namespaces import OA, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, DCTERMS, XSD, WSIS
from .schemes import CSV_SCHEMES, SCHEME_TITLES, Concept, Vocabulary

_nodes: dict[str, ox.NamedNode] = {}
_INTERN_LIMIT = 50_000


def N(iri) -> ox.NamedNode:
    """A NamedNode; vocabulary and concept IRIs are interned (the same few thousand are used millions of times),
    instance IRIs are not, or the cache would grow with the corpus."""
    if isinstance(iri, ox.NamedNode):
        return iri
    node = _nodes.get(iri)
    if node is None:
        node = ox.NamedNode(str(iri))
        if len(_nodes) < _INTERN_LIMIT:
            _nodes[iri] = node
    return node


class _Terms:
    """pyoxigraph NamedNodes of one namespace, each made once: rdflib namespaces build a new URIRef (and
    validate it) at every attribute access, which cost a third of the graph stage."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str) -> ox.NamedNode:
        node = ox.NamedNode(str(self._namespace[name]))  # WSIS raises here on a term the ontology lacks
        setattr(self, name, node)
        return node


WSIS_, OA_, PROV_, RDFS_, SCHEMA_, DCTERMS_, SKOS_, ORG_, RDF_ = (
    _Terms(ns) for ns in (WSIS, OA, PROV, RDFS, SCHEMA, DCTERMS, SKOS, ORG, RDF))
A = RDF_.type
_XSD_INT = N(str(XSD.integer))
_XSD_BOOL = N(str(XSD.boolean))


class _TextTerms:
    """IRIs of one namespace in N-Triples syntax (`<...>`), each made once."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        term = f"<{self._namespace[name]}>"  # WSIS raises here on a term the ontology lacks
        setattr(self, name, term)
        return term


WSIS_T, OA_T, PROV_T, RDFS_T, SCHEMA_T, DCTERMS_T, SKOS_T, ORG_T, RDF_T = (
    _TextTerms(ns) for ns in (WSIS, OA, PROV, RDFS, SCHEMA, DCTERMS, SKOS, ORG, RDF))
_A = RDF_T.type
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _iri(iri: str) -> str:
    return f"<{iri}>"


def _lit(value, lang: str | None = None) -> str:
    """A literal in N-Triples syntax: booleans and integers typed, strings escaped."""
    if isinstance(value, bool):
        return f'"{"true" if value else "false"}"^^<{XSD.boolean}>'
    if isinstance(value, int):
        return f'"{value}"^^<{XSD.integer}>'
    text = f'"{str(value).translate(_ESCAPES)}"'
    return f"{text}@{lang}" if lang else text


def lit(value, lang: str | None = None) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=_XSD_BOOL)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_XSD_INT)
    return ox.Literal(str(value), language=lang) if lang else ox.Literal(str(value))


def schemes_graph(base: str) -> ox.NamedNode:
    return N(f"{base}graph/schemes")


def matrix_graph(base: str) -> ox.NamedNode:
    return N(f"{base}graph/wsis-sdg-matrix")


def document_iri(name: str, base: str) -> str:
    return f"{base}document/{quote(name, safe='/-._~')}"


def text_iri(doc_iri: str) -> str:
    """The document's extracted text: the resource every mention's fragment IRI points into."""
    return f"{doc_iri}/text"


def fragment_iri(doc_iri: str, start: int, end: int) -> str:
    """An RFC 5147 fragment of the extracted text: characters start..end (code points, end excluded)."""
    return f"{doc_iri}/text#char={start},{end}"


_FRAGMENT = re.compile(r"/text#char=(\d+),(\d+)$")


def parse_fragment(iri: str) -> tuple[int, int] | None:
    """(start, end) of an RFC 5147 fragment IRI made by `fragment_iri`, or None for any other IRI."""
    found = _FRAGMENT.search(iri)
    return (int(found.group(1)), int(found.group(2))) if found else None


def mention_iri(doc_iri: str, concept, in_question: bool = False) -> str:
    """The mentions of one concept in a document (`{document}/mention/topic/quantum`); those in the
    questionnaire's own question wording are apart (`.../mention/topic/quantum/question-text`)."""
    iri = f"{doc_iri}/mention/{concept.scheme}/{quote(concept.notation, safe='.-')}"
    return iri + "/question-text" if in_question else iri


def topical_iri(doc_iri: str, part_key: str | None, concept) -> str:
    where = f"{doc_iri}/{part_key}" if part_key else doc_iri
    return f"{where}/topical/{concept.scheme}/{quote(concept.notation, safe='.-')}"


def extraction_activity_iri(doc_iri: str) -> str:
    return f"{doc_iri}/extraction"


AGENT_IRI_PATH = f"agent/wsisgraph-{__version__}"

_PART_CLASS = {
    "question": WSIS_T.Question, "answer": WSIS_T.Answer, "field": WSIS_T.Answer,
    "title": WSIS_T.Section, "excerpt": WSIS_T.Section, "section": WSIS_T.Section, "header": WSIS_T.Section,
}


def _reported(concept) -> str:
    """The concept as queries report it: an SDG target as its goal, a C7 sub-line as C7."""
    return concept.broader or concept.iri


def _nquads(ex: Extraction, base: str, matrix: dict[str, list] | None = None) -> Iterator[str]:
    """Every quad a document contributes, in its own named graph (named by the document's IRI), as N-Quads lines.

    Written as text, not as pyoxigraph Quads: building ~600 Quad objects and serialising them was half the
    extraction cost of a document, while the store's bulk loader reads N-Quads bytes anyway. Every IRI is minted
    here from safe parts (percent-encoded names, notations, keys) except page links, which are checked.
    `matrix` (rows by Action Line IRI, `matrix_by_line`) gives the matrix-implied links; None: none."""
    matrix = matrix or {}
    doc, parsed = ex.document, ex.parsed
    doc_iri = document_iri(doc.name, base)
    d = _iri(doc_iri)
    g = d
    activity = _iri(extraction_activity_iri(doc_iri))

    def q(s, p, o):
        return f"{s} {p} {o} {g} .\n"

    yield q(d, _A, WSIS_T.Document)
    if ex.respondent is not None:  # a questionnaire with no respondent fields at all is a plain document
        yield q(d, _A, WSIS_T.Response)
    yield q(d, WSIS_T.fileName, _lit(doc.name))
    yield q(d, WSIS_T.contentHash, _lit(doc.sha256))
    yield q(d, WSIS_T.documentKind, _lit(doc.kind))
    if doc.format:  # text extracted from a PDF or DOCX: the offsets point into that text, not into the file
        yield q(d, DCTERMS_T.format, _lit(MEDIA_TYPES[doc.format]))
    yield q(d, WSIS_T.textLength, _lit(len(parsed.text)))
    # counted here once, so that listing documents does not count every mention of the corpus (the documents query);
    # mentions beyond the caps of extract.py are counted though not stored
    yield q(d, WSIS_T.mentionCount, _lit(len({(m.start, m.end, m.concept.iri) for m in ex.mentions}) + ex.capped))
    yield q(d, WSIS_T.conceptCount, _lit(len({m.concept.iri for m in ex.mentions})))
    if parsed.title:
        yield q(d, DCTERMS_T.title, _lit(parsed.title))
    if parsed.identifier:
        yield q(d, DCTERMS_T.identifier, _lit(parsed.identifier))
    if parsed.date:
        yield q(d, DCTERMS_T.date, _lit(parsed.date))
    yield q(d, PROV_T.wasGeneratedBy, activity)
    yield q(activity, _A, PROV_T.Activity)
    yield q(activity, PROV_T.wasAssociatedWith, _iri(base + AGENT_IRI_PATH))
    yield q(activity, RDFS_T.label, _lit(f"wsisgraph {__version__} extraction of {doc.name}"))

    for page in parsed.pages:
        p = _iri(f"{doc_iri}/{page.key}")
        yield q(p, _A, WSIS_T.WebPage)
        yield q(p, DCTERMS_T.isPartOf, d)
        if page.title:
            yield q(p, DCTERMS_T.title, _lit(page.title))
        if page.link:
            try:
                yield q(p, SCHEMA_T.url, _iri(ox.NamedNode(page.link).value))
            except ValueError:  # not a valid IRI: keep it as text
                yield q(p, SCHEMA_T.url, _lit(page.link))
        if page.wp_id is not None:
            yield q(p, DCTERMS_T.identifier, _lit(str(page.wp_id)))
        if page.wp_type:
            yield q(p, DCTERMS_T.type, _lit(page.wp_type))
        if page.date:
            yield q(p, DCTERMS_T.created, _lit(page.date))
        if page.modified:
            yield q(p, DCTERMS_T.modified, _lit(page.modified))
        if page.excerpt:
            yield q(p, DCTERMS_T.abstract, _lit(page.excerpt))

    for part in parsed.parts:
        p = _iri(f"{doc_iri}/{part.key}")
        yield q(p, _A, _PART_CLASS[part.kind])
        yield q(p, DCTERMS_T.isPartOf, _iri(f"{doc_iri}/{part.page}") if part.page else d)
        yield q(p, SCHEMA_T.text, _lit(parsed.text[part.start:part.end]))
        yield q(p, WSIS_T.start, _lit(part.start))
        yield q(p, WSIS_T.end, _lit(part.end))
        if part.number is not None:
            yield q(p, SCHEMA_T.position, _lit(part.number))
        if part.heading:
            yield q(p, WSIS_T.sectionTitle, _lit(part.heading))
        if part.question:
            yield q(_iri(f"{doc_iri}/{part.question}"), SCHEMA_T.suggestedAnswer, p)
            yield q(p, SCHEMA_T.parentItem, _iri(f"{doc_iri}/{part.question}"))

    if ex.respondent is not None:
        r = ex.respondent
        org = _iri(r.org_iri or f"{doc_iri}/respondent")
        yield q(d, WSIS_T.respondent, org)
        yield q(org, _A, ORG_T.Organization)
        if r.name:
            yield q(d, WSIS_T.respondentName, _lit(r.name))
            if r.reference_org is None:
                yield q(org, SKOS_T.prefLabel, _lit(r.name))
        if r.type_as_written:
            yield q(d, WSIS_T.organizationTypeAsWritten, _lit(r.type_as_written))
        if r.stakeholder_type:
            yield q(org, ORG_T.classification, _iri(f"{base}stakeholder-type/{r.stakeholder_type}"))
        if r.other_label:
            yield q(org, WSIS_T.otherTypeLabel, _lit(r.other_label))
        if r.country_as_written:
            yield q(d, WSIS_T.countryAsWritten, _lit(r.country_as_written))
        if r.country:
            yield q(org, DCTERMS_T.spatial, _iri(f"{base}country/{r.country}"))

    # The extracted text, as one plain-text resource: mentions and evidence sentences point into it with
    # RFC 5147 fragment IRIs (`{document}/text#char=START,END`), which Web Annotation accepts as a target.
    text = _iri(text_iri(doc_iri))
    yield q(d, WSIS_T.extractedText, text)
    yield q(text, _A, WSIS_T.ExtractedText)
    yield q(text, DCTERMS_T.format, '"text/plain"')
    yield q(text, RDF_T.value, _lit(parsed.text))

    # One annotation per concept the document names (two when the questionnaire's own wording names it too),
    # with one target per span: 3-4 quads an annotation and one a span, where a target node with a position
    # and a quote selector cost 15 quads a span. The part a span sits in follows from its offsets.
    identifying = OA_T.identifying
    grouped: dict[tuple[str, bool], list] = {}
    for m in ex.mentions:
        grouped.setdefault((m.concept.iri, m.in_question), []).append(m)
    for (_, in_question), spans in grouped.items():
        concept = spans[0].concept
        mn = _iri(mention_iri(doc_iri, concept, in_question))
        yield q(mn, _A, WSIS_T.Mention)
        yield q(mn, OA_T.motivatedBy, identifying)
        yield q(mn, OA_T.hasBody, _iri(concept.iri))
        if in_question:  # absent means false: the respondent's (or the page's) own words
            yield q(mn, WSIS_T.inQuestionText, _lit(True))
        for span in dict.fromkeys((m.start, m.end) for m in spans):
            yield q(mn, OA_T.hasTarget, _iri(fragment_iri(doc_iri, *span)))

    # Matrix-implied links, the third kind of link: the document names an Action Line (or a C7 sub-line) and the
    # WSIS-SDG Matrix links that line to an SDG the document does not name itself. Kept apart from mentions and
    # topical links (oa:linking), derived from the matrix row and the mention; its targets are the mention's.
    named = {m.concept.iri for m in ex.mentions}
    implied: dict[str, dict[str, dict]] = {}
    for (iri, in_question), spans in grouped.items():
        concept = spans[0].concept
        if concept.scheme != "actionline":
            continue
        for line in filter(None, (concept.iri, concept.broader)):
            for row in matrix.get(line, ()):
                if row.goal.iri in named:
                    continue
                link = implied.setdefault(row.goal.iri, {"goal": row.goal, "from": {}, "targets": {}})
                link["from"][row.iri] = None
                link["from"][mention_iri(doc_iri, concept, in_question)] = None
                link["targets"].update(dict.fromkeys((m.start, m.end) for m in spans))
    for link in implied.values():
        ln = _iri(f"{doc_iri}/matrix-implied/{link['goal'].notation}")
        yield q(ln, _A, WSIS_T.MatrixImpliedLink)
        yield q(ln, OA_T.motivatedBy, OA_T.linking)
        yield q(ln, OA_T.hasBody, _iri(link["goal"].iri))
        yield q(ln, WSIS_T.method, _lit("wsis-sdg-matrix"))
        for source in link["from"]:
            yield q(ln, PROV_T.wasDerivedFrom, _iri(source))
        for span in link["targets"]:
            yield q(ln, OA_T.hasTarget, _iri(fragment_iri(doc_iri, *span)))

    # Summary links for fast queries: the document's dct:subject is every concept it names (as the contract
    # counts, question text included); a part's dct:subject is every concept named in it, for the parts that
    # are the author's own text (not the questionnaire's wording).
    # A document's subjects are rolled up as the contract reports them (SDG target -> goal, C7 sub-line -> C7);
    # a part's subjects hold both the concept named and the one it rolls up to. Topical links give the
    # document's schema:about, rolled up too.
    for iri in dict.fromkeys(_reported(m.concept) for m in ex.mentions):
        yield q(d, DCTERMS_T.subject, _iri(iri))
    own = [m for m in ex.mentions if m.part is not None and not m.in_question]
    for part_key, iri in dict.fromkeys([(m.part.key, m.concept.iri) for m in own]
                                       + [(m.part.key, _reported(m.concept)) for m in own]):
        yield q(_iri(f"{doc_iri}/{part_key}"), DCTERMS_T.subject, _iri(iri))
    for iri in dict.fromkeys(_reported(link.concept) for link in ex.topical
                             if getattr(link, "part_key", None) is None):
        yield q(d, SCHEMA_T.about, _iri(iri))

    # A topical link: the document (or one answer or section: `part_key`) is about a concept it does not name.
    # Each evidence sentence is a target; the profile terms found in the sentences are listed once.
    classifying = OA_T.classifying
    for link in ex.topical:
        part_key = getattr(link, "part_key", None)
        ln = _iri(topical_iri(doc_iri, part_key, link.concept))
        yield q(ln, _A, WSIS_T.TopicalLink)
        yield q(ln, OA_T.motivatedBy, classifying)
        yield q(ln, OA_T.hasBody, _iri(link.concept.iri))
        yield q(ln, WSIS_T.score, f'"{link.score:.1f}"^^<{XSD.decimal}>')
        yield q(ln, WSIS_T.method, _lit(link.method))
        if part_key is not None:
            yield q(ln, WSIS_T.inPart, _iri(f"{doc_iri}/{part_key}"))
        for sentence in link.evidence:
            yield q(ln, OA_T.hasTarget, _iri(fragment_iri(doc_iri, sentence.start, sentence.end)))
        for term in sorted({t for sentence in link.evidence for t in sentence.terms}):
            yield q(ln, WSIS_T.matchedTerm, _lit(term))


def to_nquads(ex: Extraction, base: str, matrix: dict[str, list] | None = None) -> bytes:
    """The document's named graph as N-Quads, what the store's bulk loader reads."""
    return "".join(_nquads(ex, base, matrix)).encode("utf-8")


def to_quads(ex: Extraction, base: str, matrix: dict[str, list] | None = None) -> list[ox.Quad]:
    """The document's named graph as pyoxigraph Quads."""
    return list(ox.parse(to_nquads(ex, base, matrix), format=ox.RdfFormat.N_QUADS))


# -- the ontology and the concept schemes ---------------------------------------------------------------------

_SCHEME_CLASS = {key: cls for key, (_, _, cls) in CSV_SCHEMES.items()}
_SCHEME_CLASS.update({"sdg": "SDG", "country": "Country"})


def scheme_quads(vocabulary: Vocabulary) -> Iterator[ox.Quad]:
    """The ontology, the UN SDG KOS as published, and our SKOS concept schemes, in graph/schemes."""
    base = vocabulary.base
    g = schemes_graph(base)
    for path in (data_path("ontology", "wsisgraph.ttl"),
                 data_path("ontology", "un-sdg-kos", "sdg-kos-goals-targets-indicators.ttl"),
                 data_path("ontology", "un-sdg-kos", "sdgs-ontology.ttl")):
        try:
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                yield ox.Quad(t.subject, t.predicate, t.object, g)
        except (OSError, SyntaxError) as err:
            raise ReferenceDataError(f"{path}: cannot read ({err})") from None

    def q(s, p, o):
        return ox.Quad(s, N(p), o, g)

    agent = N(base + AGENT_IRI_PATH)
    yield q(agent, A, PROV_.SoftwareAgent)
    yield q(agent, RDFS_.label, lit(f"wsisgraph {__version__}"))
    for key, title in SCHEME_TITLES.items():
        s = N(vocabulary.scheme_iri(key))
        if key != "sdg":
            yield q(s, A, SKOS_.ConceptScheme)
            yield q(s, SKOS_.prefLabel, lit(title, "en"))
        yield q(s, WSIS_.schemeKey, lit(key))
    for iri, about in vocabulary.vocabularies.items():  # the files given to `build --vocabulary`
        yield q(N(iri), A, SKOS_.ConceptScheme)
        yield q(N(iri), SKOS_.prefLabel, lit(about["label"], "en"))
        yield q(N(iri), DCTERMS_.source, lit(about["file"]))
    for concept in vocabulary.concepts.values():
        c = N(concept.iri)
        s = N(vocabulary.scheme_iri(concept.scheme))
        own = concept.properties.get("vocabulary")
        if own:  # a concept of a vocabulary file also sits in the file's scheme
            yield q(c, SKOS_.inScheme, N(own))
            yield q(c, SKOS_.topConceptOf, N(own))
            yield q(N(own), SKOS_.hasTopConcept, c)
        if concept.properties.get("exact_match"):
            try:
                yield q(c, SKOS_.exactMatch, ox.NamedNode(concept.properties["exact_match"]))
            except ValueError:
                pass  # a blank node of the file: nothing to match
        if concept.scheme == "sdg":
            if concept.properties.get("level") == "goal":
                yield q(c, A, WSIS_.SDG)  # the KOS already gives labels, notations and scheme
            continue
        yield q(c, A, SKOS_.Concept)
        cls = _SCHEME_CLASS.get(concept.scheme)
        yield q(c, A, N(str(WSIS[cls])) if cls else ORG_.Organization)
        yield q(c, SKOS_.inScheme, s)
        yield q(c, SKOS_.notation, lit(concept.notation))
        for lang, label in concept.labels.items():
            yield q(c, SKOS_.prefLabel, lit(label, lang))
        for label, lang in concept.alt_labels:
            if concept.labels.get(lang) != label:
                yield q(c, SKOS_.altLabel, lit(label, lang))
        if concept.definition:
            yield q(c, SKOS_.definition, lit(concept.definition, "en"))
        if concept.broader:
            yield q(c, SKOS_.broader, N(concept.broader))
            yield q(N(concept.broader), SKOS_.narrower, c)
        else:
            yield q(c, SKOS_.topConceptOf, s)
            yield q(s, SKOS_.hasTopConcept, c)
        if concept.scheme == "country":
            yield q(c, SKOS_.exactMatch, N(concept.properties["authority"]))
        if concept.properties.get("stakeholder_type"):
            yield q(c, ORG_.classification, N(f"{base}stakeholder-type/{concept.properties['stakeholder_type']}"))


# -- the WSIS-SDG Matrix ----------------------------------------------------------------------------------------

MATRIX_COLUMNS = ("action_line", "sdg", "targets", "source")


@dataclass(frozen=True)
class MatrixRow:
    iri: str  # {base}matrix/C7.4/3
    action_line: Concept
    goal: Concept
    targets: tuple[Concept, ...]
    source: str


def read_matrix(vocabulary: Vocabulary, path: Path | None = None) -> list[MatrixRow]:
    """The WSIS-SDG Matrix rows of a CSV (columns action_line, sdg, targets, source; targets separated by spaces,
    commas or semicolons): the reference file, or a user's."""
    path = Path(path) if path else data_path("ontology", "reference", "wsis-sdg-matrix.csv")
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in MATRIX_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ReferenceDataError(f"{path}: not a WSIS-SDG Matrix CSV (missing columns {', '.join(missing)})")
            rows = list(reader)
    except OSError as err:
        raise ReferenceDataError(f"{path}: cannot read ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise ReferenceDataError(f"{path}: not UTF-8 text; convert the file to UTF-8") from None
    out = []
    for line, row in enumerate(rows, start=2):
        al = vocabulary.get("actionline", (row["action_line"] or "").strip().upper())
        goal = vocabulary.get("sdg", (row["sdg"] or "").strip().lstrip("0"))
        if al is None or goal is None or goal.properties.get("level") != "goal":
            raise ReferenceDataError(
                f"{path}:{line}: unknown Action Line {row['action_line']!r} or SDG {row['sdg']!r} "
                "(expected C1..C11, C7.1..C7.8 and 1..17)")
        targets = []
        for target in re.split(r"[\s,;]+", row.get("targets") or ""):  # spaces, commas or semicolons
            if target:
                found = vocabulary.get("sdg", target)
                if found is None:
                    raise ReferenceDataError(f"{path}:{line}: unknown SDG target {target!r}")
                if found.broader != goal.iri:
                    raise ReferenceDataError(f"{path}:{line}: target {target!r} is not a target of SDG "
                                             f"{goal.notation}; put it on the row of its own goal")
                targets.append(found)
        out.append(MatrixRow(f"{vocabulary.base}matrix/{al.notation}/{goal.notation}", al, goal, tuple(targets),
                             (row.get("source") or "").strip()))
    return out


@lru_cache(maxsize=4)
def matrix_by_line(base: str, path: str | None = None) -> dict[str, list[MatrixRow]]:
    """Matrix rows by Action Line IRI, read once per process (the extraction workers use it for each document)."""
    from .schemes import load_vocabulary

    by_line: dict[str, list[MatrixRow]] = {}
    for row in read_matrix(load_vocabulary(base), Path(path) if path else None):
        by_line.setdefault(row.action_line.iri, []).append(row)
    return by_line


def matrix_quads(vocabulary: Vocabulary, path: Path | None = None) -> Iterator[ox.Quad]:
    """The matrix rows (Action Line - SDG, with targets) as `wsis:MatrixLink`s plus `skos:related`, in
    graph/wsis-sdg-matrix, each with its `source` (dct:source). A matrix file holding only its header yields
    nothing."""
    g = matrix_graph(vocabulary.base)

    def q(s, p, o):
        return ox.Quad(s, N(p), o, g)

    for row in read_matrix(vocabulary, path):
        link = N(row.iri)
        yield q(link, A, WSIS_.MatrixLink)
        yield q(link, WSIS_.actionLine, N(row.action_line.iri))
        yield q(link, WSIS_.sdg, N(row.goal.iri))
        for target in row.targets:
            yield q(link, WSIS_.target, N(target.iri))
        if row.source:
            yield q(link, DCTERMS_.source, lit(row.source))
        yield q(N(row.action_line.iri), SKOS_.related, N(row.goal.iri))
