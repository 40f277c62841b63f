"""Stage 3: records into quads (pyoxigraph terms), one named graph per document.

IRIs come from stable keys, never counters: documents by file name, parts by their key in the document,
mentions by offsets and concept, organizations by normalised name, concepts by notation. Building the same
folder twice therefore gives the same graph. The ontology, the concept schemes and the WSIS-SDG Matrix go to
graphs of their own (`graph/schemes`, `graph/wsis-sdg-matrix`), apart from what documents say.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pyoxigraph as ox

from . import __version__, data_path
from .errors import ReferenceDataError
from .extract import Extraction
from .load import MEDIA_TYPES
from .namespaces import OA, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, DCTERMS, XSD, WSIS
from .schemes import CSV_SCHEMES, SCHEME_TITLES, Vocabulary

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
_XSD_DECIMAL = N(str(XSD.decimal))
_TEXT_PLAIN = ox.Literal("text/plain")


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
    "question": WSIS_.Question, "answer": WSIS_.Answer, "field": WSIS_.Answer,
    "title": WSIS_.Section, "excerpt": WSIS_.Section, "section": WSIS_.Section, "header": WSIS_.Section,
}


def _reported(concept) -> str:
    """The concept as queries report it: an SDG target as its goal, a C7 sub-line as C7."""
    return concept.broader or concept.iri


def to_quads(ex: Extraction, base: str) -> Iterator[ox.Quad]:
    """Every quad a document contributes, in its own named graph (named by the document's IRI)."""
    doc, parsed = ex.document, ex.parsed
    doc_iri = document_iri(doc.name, base)
    d = N(doc_iri)
    g = d
    activity = N(extraction_activity_iri(doc_iri))

    def q(s, p, o):
        return ox.Quad(s, p, o, g)

    yield q(d, A, WSIS_.Document)
    if ex.respondent is not None:  # a questionnaire with no respondent fields at all is a plain document
        yield q(d, A, WSIS_.Response)
    yield q(d, WSIS_.fileName, lit(doc.name))
    yield q(d, WSIS_.contentHash, lit(doc.sha256))
    yield q(d, WSIS_.documentKind, lit(doc.kind))
    if doc.format:  # text extracted from a PDF or DOCX: the offsets point into that text, not into the file
        yield q(d, DCTERMS_.format, lit(MEDIA_TYPES[doc.format]))
    yield q(d, WSIS_.textLength, lit(len(parsed.text)))
    # counted here once, so that listing documents does not count every mention of the corpus (the documents query)
    yield q(d, WSIS_.mentionCount, lit(len({(m.start, m.end, m.concept.iri) for m in ex.mentions})))
    yield q(d, WSIS_.conceptCount, lit(len({m.concept.iri for m in ex.mentions})))
    if parsed.title:
        yield q(d, DCTERMS_.title, lit(parsed.title))
    if parsed.identifier:
        yield q(d, DCTERMS_.identifier, lit(parsed.identifier))
    if parsed.date:
        yield q(d, DCTERMS_.date, lit(parsed.date))
    yield q(d, PROV_.wasGeneratedBy, activity)
    yield q(activity, A, PROV_.Activity)
    yield q(activity, PROV_.wasAssociatedWith, N(base + AGENT_IRI_PATH))
    yield q(activity, RDFS_.label, lit(f"wsisgraph {__version__} extraction of {doc.name}"))

    for page in parsed.pages:
        p = N(f"{doc_iri}/{page.key}")
        yield q(p, A, WSIS_.WebPage)
        yield q(p, DCTERMS_.isPartOf, d)
        if page.title:
            yield q(p, DCTERMS_.title, lit(page.title))
        if page.link:
            try:
                yield q(p, SCHEMA_.url, ox.NamedNode(page.link))
            except ValueError:  # not a valid IRI: keep it as text
                yield q(p, SCHEMA_.url, lit(page.link))
        if page.wp_id is not None:
            yield q(p, DCTERMS_.identifier, lit(str(page.wp_id)))
        if page.wp_type:
            yield q(p, DCTERMS_.type, lit(page.wp_type))
        if page.date:
            yield q(p, DCTERMS_.created, lit(page.date))
        if page.modified:
            yield q(p, DCTERMS_.modified, lit(page.modified))
        if page.excerpt:
            yield q(p, DCTERMS_.abstract, lit(page.excerpt))

    for part in parsed.parts:
        p = N(f"{doc_iri}/{part.key}")
        yield q(p, A, _PART_CLASS[part.kind])
        yield q(p, DCTERMS_.isPartOf, N(f"{doc_iri}/{part.page}") if part.page else d)
        yield q(p, SCHEMA_.text, lit(parsed.text[part.start:part.end]))
        yield q(p, WSIS_.start, lit(part.start))
        yield q(p, WSIS_.end, lit(part.end))
        if part.number is not None:
            yield q(p, SCHEMA_.position, lit(part.number))
        if part.heading:
            yield q(p, WSIS_.sectionTitle, lit(part.heading))
        if part.question:
            yield q(N(f"{doc_iri}/{part.question}"), SCHEMA_.suggestedAnswer, p)
            yield q(p, SCHEMA_.parentItem, N(f"{doc_iri}/{part.question}"))

    if ex.respondent is not None:
        r = ex.respondent
        org = N(r.org_iri or f"{doc_iri}/respondent")
        yield q(d, WSIS_.respondent, org)
        yield q(org, A, ORG_.Organization)
        if r.name:
            yield q(d, WSIS_.respondentName, lit(r.name))
            if r.reference_org is None:
                yield q(org, SKOS_.prefLabel, lit(r.name))
        if r.type_as_written:
            yield q(d, WSIS_.organizationTypeAsWritten, lit(r.type_as_written))
        if r.stakeholder_type:
            yield q(org, ORG_.classification, N(f"{base}stakeholder-type/{r.stakeholder_type}"))
        if r.other_label:
            yield q(org, WSIS_.otherTypeLabel, lit(r.other_label))
        if r.country_as_written:
            yield q(d, WSIS_.countryAsWritten, lit(r.country_as_written))
        if r.country:
            yield q(org, DCTERMS_.spatial, N(f"{base}country/{r.country}"))

    # The extracted text, as one plain-text resource: mentions and evidence sentences point into it with
    # RFC 5147 fragment IRIs (`{document}/text#char=START,END`), which Web Annotation accepts as a target.
    text = N(text_iri(doc_iri))
    yield q(d, WSIS_.extractedText, text)
    yield q(text, A, WSIS_.ExtractedText)
    yield q(text, DCTERMS_.format, _TEXT_PLAIN)
    yield q(text, RDF_.value, lit(parsed.text))

    # One annotation per concept the document names (two when the questionnaire's own wording names it too),
    # with one target per span: 3-4 quads an annotation and one a span, where a target node with a position
    # and a quote selector cost 15 quads a span. The part a span sits in follows from its offsets.
    identifying = OA_.identifying
    grouped: dict[tuple[str, bool], list] = {}
    for m in ex.mentions:
        grouped.setdefault((m.concept.iri, m.in_question), []).append(m)
    for (_, in_question), spans in grouped.items():
        concept = spans[0].concept
        mn = ox.NamedNode(mention_iri(doc_iri, concept, in_question))
        yield q(mn, A, WSIS_.Mention)
        yield q(mn, OA_.motivatedBy, identifying)
        yield q(mn, OA_.hasBody, N(concept.iri))
        if in_question:  # absent means false: the respondent's (or the page's) own words
            yield q(mn, WSIS_.inQuestionText, lit(True))
        for span in dict.fromkeys((m.start, m.end) for m in spans):
            yield q(mn, OA_.hasTarget, ox.NamedNode(fragment_iri(doc_iri, *span)))

    # Summary links for fast queries: the document's dct:subject is every concept it names (as the contract
    # counts, question text included); a part's dct:subject is every concept named in it, for the parts that
    # are the author's own text (not the questionnaire's wording).
    # A document's subjects are rolled up as the contract reports them (SDG target -> goal, C7 sub-line -> C7);
    # a part's subjects hold both the concept named and the one it rolls up to. Topical links give the
    # document's schema:about, rolled up too.
    for iri in dict.fromkeys(_reported(m.concept) for m in ex.mentions):
        yield q(d, DCTERMS_.subject, N(iri))
    own = [m for m in ex.mentions if m.part is not None and not m.in_question]
    for part_key, iri in dict.fromkeys([(m.part.key, m.concept.iri) for m in own]
                                       + [(m.part.key, _reported(m.concept)) for m in own]):
        yield q(ox.NamedNode(f"{doc_iri}/{part_key}"), DCTERMS_.subject, N(iri))
    for iri in dict.fromkeys(_reported(link.concept) for link in ex.topical
                             if getattr(link, "part_key", None) is None):
        yield q(d, SCHEMA_.about, N(iri))

    # A topical link: the document (or one answer or section: `part_key`) is about a concept it does not name.
    # Each evidence sentence is a target; the profile terms found in the sentences are listed once.
    classifying = OA_.classifying
    for link in ex.topical:
        part_key = getattr(link, "part_key", None)
        ln = N(topical_iri(doc_iri, part_key, link.concept))
        yield q(ln, A, WSIS_.TopicalLink)
        yield q(ln, OA_.motivatedBy, classifying)
        yield q(ln, OA_.hasBody, N(link.concept.iri))
        yield q(ln, WSIS_.score, ox.Literal(f"{link.score:.1f}", datatype=_XSD_DECIMAL))
        yield q(ln, WSIS_.method, lit(link.method))
        if part_key is not None:
            yield q(ln, WSIS_.inPart, N(f"{doc_iri}/{part_key}"))
        for sentence in link.evidence:
            yield q(ln, OA_.hasTarget, ox.NamedNode(fragment_iri(doc_iri, sentence.start, sentence.end)))
        for term in sorted({t for sentence in link.evidence for t in sentence.terms}):
            yield q(ln, WSIS_.matchedTerm, lit(term))


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
    for concept in vocabulary.concepts.values():
        c = N(concept.iri)
        s = N(vocabulary.scheme_iri(concept.scheme))
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


def matrix_quads(vocabulary: Vocabulary, path: Path | None = None) -> Iterator[ox.Quad]:
    """The matrix rows (Action Line - SDG, with targets) as `wsis:MatrixLink`s plus `skos:related`, in
    graph/wsis-sdg-matrix. An empty matrix (the reference file holds only its header) yields nothing."""
    path = Path(path) if path else data_path("ontology", "reference", "wsis-sdg-matrix.csv")
    base = vocabulary.base
    g = matrix_graph(base)
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

    def q(s, p, o):
        return ox.Quad(s, N(p), o, g)

    for line, row in enumerate(rows, start=2):
        al = vocabulary.get("actionline", (row["action_line"] or "").strip().upper())
        goal = vocabulary.get("sdg", (row["sdg"] or "").strip().lstrip("0"))
        if al is None or goal is None or goal.properties.get("level") != "goal":
            raise ReferenceDataError(
                f"{path}:{line}: unknown Action Line {row['action_line']!r} or SDG {row['sdg']!r} "
                "(expected C1..C11, C7.1..C7.8 and 1..17)")
        link = N(f"{base}matrix/{al.notation}/{goal.notation}")
        yield q(link, A, WSIS_.MatrixLink)
        yield q(link, WSIS_.actionLine, N(al.iri))
        yield q(link, WSIS_.sdg, N(goal.iri))
        for target in re.split(r"[\s,;]+", row.get("targets") or ""):  # spaces, commas or semicolons
            if target:
                found = vocabulary.get("sdg", target)
                if found is None:
                    raise ReferenceDataError(f"{path}:{line}: unknown SDG target {target!r}")
                yield q(link, WSIS_.target, N(found.iri))
        if (row.get("source") or "").strip():
            yield q(link, DCTERMS_.source, lit(row["source"].strip()))
        yield q(N(al.iri), SKOS_.related, N(goal.iri))
