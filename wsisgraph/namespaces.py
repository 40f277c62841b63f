"""Every namespace IRI the project uses, in one place.

`WSIS` is the project's own vocabulary (ontology/wsisgraph.ttl); `_fail = True` makes a typo such as
`WSIS.fileNmae` raise instead of silently minting a new IRI. A test checks that the attributes and the
ontology declare the same terms.
"""
from __future__ import annotations

import os
import re

from rdflib import Namespace
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD, OWL, DefinedNamespace, URIRef

from .errors import OptionError

ONTOLOGY_IRI = "https://w3id.org/wsisgraph/ontology"
#: Instances (documents, organizations, concepts of our own schemes) are minted under this base IRI.
DEFAULT_BASE = "https://w3id.org/wsisgraph/"


class WSIS(DefinedNamespace):
    """The wsisgraph ontology (ontology/wsisgraph.ttl)."""

    _fail = True
    _NS = Namespace(ONTOLOGY_IRI + "#")

    # classes
    Document: URIRef
    Response: URIRef
    WebPage: URIRef
    Section: URIRef
    Question: URIRef
    Answer: URIRef
    ExtractedText: URIRef
    Mention: URIRef
    ActionLine: URIRef
    SDG: URIRef
    Event: URIRef
    Framework: URIRef
    Topic: URIRef
    StakeholderType: URIRef
    Country: URIRef
    MatrixLink: URIRef
    TopicalLink: URIRef
    MatrixImpliedLink: URIRef
    RespondentCount: URIRef
    ResponseCount: URIRef
    DocumentCount: URIRef
    PairCount: URIRef
    ActionLineSDGCount: URIRef
    ActionLineSDGResponseCount: URIRef
    # properties
    fileName: URIRef
    contentHash: URIRef
    documentKind: URIRef
    textLength: URIRef
    mentionCount: URIRef
    conceptCount: URIRef
    builtFrom: URIRef
    buildFingerprint: URIRef
    documentsDigest: URIRef
    respondent: URIRef
    respondentName: URIRef
    organizationTypeAsWritten: URIRef
    countryAsWritten: URIRef
    otherTypeLabel: URIRef
    sectionTitle: URIRef
    start: URIRef
    end: URIRef
    extractedText: URIRef
    inPart: URIRef
    inQuestionText: URIRef
    schemeKey: URIRef
    score: URIRef
    method: URIRef
    matchedTerm: URIRef
    actionLine: URIRef
    sdg: URIRef
    target: URIRef
    concept: URIRef
    firstConcept: URIRef
    secondConcept: URIRef
    stakeholderType: URIRef
    responses: URIRef
    documents: URIRef
    places: URIRef
    sameSectionDocuments: URIRef
    explicitDocuments: URIRef


OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
VOID = Namespace("http://rdfs.org/ns/void#")
QB = Namespace("http://purl.org/linked-data/cube#")

#: The one prefix table: Turtle/TriG export, the JSON-LD context, SPARQL queries.
PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "org": str(ORG),
    "prov": str(PROV),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "sdg": str(SDG),
    "sdgo": str(SDGO),
    "eucountry": str(EU_COUNTRY),
    "void": str(VOID),
    "qb": str(QB),
    "wsis": ONTOLOGY_IRI + "#",
}


_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`]+")


def base_iri(base: str | None = None) -> str:
    """The base IRI for instances: the argument, else $WSISGRAPH_BASE, else DEFAULT_BASE; always ends in / or #.
    A value that is not an absolute IRI (`example.org/x`, one with spaces) raises `OptionError`."""
    value = base or os.environ.get("WSISGRAPH_BASE") or DEFAULT_BASE
    if not _ABSOLUTE_IRI.fullmatch(value):
        source = "--base" if base else "$WSISGRAPH_BASE"
        raise OptionError(f"{value!r} ({source}): not an absolute IRI; give one such as https://example.org/wsisgraph/")
    return value if value.endswith(("/", "#")) else value + "/"
