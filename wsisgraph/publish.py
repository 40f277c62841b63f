"""Stage 7: the graph as a static linked-data site that any web server can serve.

Every IRI under the base gets three files: `X.html`, `X.ttl` and `X.jsonld`, where X is the IRI's path after
the base, percent-decoded (`{base}topic/quantum` -> `topic/quantum.html`). An IRI can be both a resource and
the parent of others (`document/002_x.txt` and `document/002_x.txt/q4`), so the files of X sit *beside* a
folder X/ holding those of its children. Hash IRIs share the page of the IRI before the `#`
(`ontology#Mention` -> `ontology.html#Mention`). Links between pages are relative, so the site works from any
folder or URL prefix; IRIs outside the base (the UN SDG KOS, the EU country authority, the vocabularies) are
linked to where their publishers serve them.

The RDF of a resource is its bounded description: the triples about it (from every named graph), those about
the resources it owns (IRIs that extend its own, such as a mention's `/target`, `/position` and `/quote`), and
the triples that point at it. The site also holds an index page per class, the ontology as HTML, a VoID
description (`void.ttl`, and the page of `{base}dataset`), the JSON-LD context and the whole graph as TriG.

The site is generated in a temporary folder beside OUTDIR and swapped in only when complete, so a failed run
never leaves half a site.
"""
from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from urllib.parse import quote, unquote

import pyoxigraph as ox

from . import __version__
from .errors import ExportError
from .graph import parse_fragment
from .export import describe, export, jsonld_document, load_context, store_base, term_key, used_prefixes
from .outdir import replacing
from .pages import concept_view, document_view, index_view, responses_of
from .query import document_title
from .namespaces import DCTERMS, OA, ONTOLOGY_IRI, OWL, PREFIXES, RDF, RDFS, SCHEMA, SKOS, VOID, XSD, WSIS, base_iri

SITE_MARKER = ".wsisgraph-site"
#: Files of the site itself; no resource may map onto them.
SITE_FILES = {"index.html", "void.ttl", "context.jsonld", "style.css", "wsisgraph.trig", SITE_MARKER}
CLASS_FOLDER = "classes"
TEMPLATES = Path(__file__).resolve().parent / "templates"

_TYPE = str(RDF.type)
_LABELS = [str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title), str(SCHEMA.name), str(SKOS.notation)]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in HTML text
_CONTEXT_CHARS = 300  # characters of text shown each side of a mention's quote
_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass
class PublishSummary:
    outdir: Path
    resources: int = 0  # resource pages (each with a .ttl and a .jsonld)
    files: int = 0
    triples: int = 0
    skipped: list[str] = field(default_factory=list)  # IRIs under the base that cannot be a file path
    seconds: float = 0.0


def resource_path(iri: str, base: str) -> str | None:
    """The site path (without extension) of the page describing `iri`, or None when it gets no page."""
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
        return "ontology"
    if not iri.startswith(base):
        return None
    rest = iri[len(base):].split("#", 1)[0]
    if not rest or "?" in rest:
        return None
    segments = [unquote(segment) for segment in rest.split("/")]
    for segment in segments:
        if segment in ("", ".", "..") or "/" in segment or "\\" in segment or "\x00" in segment \
                or len(segment.encode("utf-8")) > 200:
            return None
    path = "/".join(segments)
    if path in SITE_FILES or any(path + ext in SITE_FILES for ext in (".html", ".ttl", ".jsonld")) \
            or path == CLASS_FOLDER or path.startswith(CLASS_FOLDER + "/"):
        return None
    return path


def href(from_path: str, to_file: str) -> str:
    """A relative, percent-encoded link from the page at site path `from_path` to the site file `to_file`."""
    source, target = from_path.split("/")[:-1], to_file.split("/")
    common = 0
    while common < len(source) and common < len(target) - 1 and source[common] == target[common]:
        common += 1
    relative = "../" * (len(source) - common) + "/".join(target[common:])
    return quote(relative, safe="/-._~!$&'()*+,;=@")


def _root(path: str) -> str:
    return "../" * path.count("/")


def _curie(iri: str) -> str:
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best) and len(iri) > len(namespace):
            best = namespace
            name = f"{prefix}:{iri[len(namespace):]}"
    return name if best else iri


class _Site:
    """What one publish run knows: the store, the VoID graph, the pages, and caches of labels."""

    def __init__(self, store: ox.Store, base: str, void: ox.Store, endpoint: str | None, queries=None):
        self.store, self.base, self.void, self.endpoint = store, base, void, endpoint
        self.queries = queries  # the store as the saved queries take it (EmbeddedStore)
        self.cache: dict = {}  # what pages.py reads once per site
        self.pages: dict[str, str] = {}  # page path -> the IRI it is named by
        self.local: dict[str, str] = {}  # IRI outside the base that has a page here (an SDG goal) -> its path
        self.class_pages: dict[str, str] = {}  # class IRI -> its index page's site file
        self._labels: dict[str, str] = {}
        self._texts: dict[str, str | None] = {}
        self._parts: dict[str, list] = {}
        self._out: dict = {}
        self.skipped: list[str] = []  # IRIs under the base that map to no file

    # -- reading the graph ----------------------------------------------------------------------------------

    def out(self, subject) -> list[ox.Triple]:
        """The triples about `subject`, from the store and the VoID graph, each once, sorted."""
        cached = self._out.get(subject)
        if cached is None:
            triples = set(describe(self.store, subject))
            triples.update(q.triple for q in self.void.quads_for_pattern(subject, None, None, None))
            cached = sorted(triples, key=lambda t: (t.predicate.value, term_key(t.object)))
            if len(self._out) < 20000:
                self._out[subject] = cached
        return cached

    def objects(self, subject, predicate: str) -> list:
        return [t.object for t in self.out(subject) if t.predicate.value == predicate]

    def first(self, subject, predicate: str):
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def incoming(self, obj) -> list[ox.Triple]:
        triples = {q.triple for q in self.store.quads_for_pattern(None, None, obj, None)}
        triples.update(q.triple for q in self.void.quads_for_pattern(None, None, obj, None))
        return sorted(triples, key=lambda t: (t.predicate.value, term_key(t.subject)))

    def graphs_of(self, subject) -> list:
        return sorted({q.graph_name for q in self.store.quads_for_pattern(subject, None, None, None)
                       if isinstance(q.graph_name, ox.NamedNode)}, key=term_key)

    def types(self, subject) -> list[str]:
        return [o.value for o in self.objects(subject, _TYPE) if isinstance(o, ox.NamedNode)]

    def label(self, iri: str) -> str:
        found = self._labels.get(iri)
        if found is None:
            found = self._labels[iri] = self._label(iri)
        return found

    def _label(self, iri: str) -> str:
        node = ox.NamedNode(iri)
        types = self.types(node)
        text = _pick(self.out(node), _LABELS)
        if str(WSIS.Document) in types:  # a response by its number and respondent: all carry one title
            return document_title(_pick(self.out(node), [str(DCTERMS.title)]) or "",
                                  _pick(self.out(node), [str(WSIS.respondentName)]) or "",
                                  _pick(self.out(node), [str(DCTERMS.identifier)]) or "",
                                  _pick(self.out(node), [str(WSIS.fileName)]) or iri)
        if str(WSIS.SDG) in types:  # "SDG 4: Quality education" (the KOS's short title), not the goal statement
            short = _pick(self.out(node), [str(SKOS.altLabel)])
            return f"SDG {iri.rsplit('/', 1)[-1]}: {short or text}"
        if str(WSIS.ActionLine) in types and text:
            notation = _pick(self.out(node), [str(SKOS.notation)])
            return f"{notation} {text}" if notation and not text.startswith(notation) else text
        if text:
            return text
        if str(WSIS.Mention) in types:
            exact = self._exact(node)
            body = self.first(node, str(OA.hasBody))
            if exact is not None:
                return f"“{exact}”" + (f" ({self.label(body.value)})" if isinstance(body, ox.NamedNode) else "")
        if str(WSIS.Section) in types:
            heading = _pick(self.out(node), [str(WSIS.sectionTitle)])
            return self._in_document(node, heading or f"{self.label(str(WSIS.Section))} {iri.rsplit('/', 1)[-1]}")
        for cls in (WSIS.Question, WSIS.Answer):
            position = self.first(node, str(SCHEMA.position))
            if str(cls) in types and position is not None:
                return self._in_document(node, f"{self.label(str(cls))} {position.value}")
        if iri.startswith(self.base) and iri != self.base:
            return iri[len(self.base):]
        return _curie(iri)

    def _in_document(self, part, label: str) -> str:
        """A question, answer or section named with its document: 'Answer 10 (Response 83: Ocgrow Group)'."""
        document = self.document_of(part)
        return f"{label} ({self.label(document)})" if document and document != part.value else label

    def spans(self, mention) -> list[tuple[int, int]]:
        """The (start, end) of each target of a mention or link, in text order."""
        return sorted(filter(None, (parse_fragment(t.value) for t in self.objects(mention, str(OA.hasTarget))
                                    if isinstance(t, ox.NamedNode))))

    def text(self, document: str) -> str | None:
        """A document's extracted text, which mention offsets point into."""
        if document not in self._texts:
            node = self.first(ox.NamedNode(document), str(WSIS.extractedText))
            value = self.first(node, str(RDF.value)) if node is not None else None
            self._texts[document] = value.value if value is not None else None
        return self._texts[document]

    def part_of(self, document: str, start: int, end: int):
        """The part (answer, question, section) of a document whose span holds start..end, or None."""
        if document not in self._parts:
            spans = []
            for quad in self.store.quads_for_pattern(None, ox.NamedNode(str(WSIS.start)), None,
                                                     ox.NamedNode(document)):
                part_end = self.first(quad.subject, str(WSIS.end))
                if part_end is not None:
                    spans.append((int(quad.object.value), int(part_end.value), quad.subject))
            self._parts[document] = spans
        return next((part for s, e, part in self._parts[document] if s <= start and end <= e), None)

    def document_of(self, link) -> str | None:
        """The document whose graph holds a mention or link."""
        quad = next(iter(self.store.quads_for_pattern(link, ox.NamedNode(_TYPE), None, None)), None)
        return quad.graph_name.value if quad is not None and isinstance(quad.graph_name, ox.NamedNode) else None

    def _exact(self, mention) -> str | None:
        spans, document = self.spans(mention), self.document_of(mention)
        text = self.text(document) if document else None
        return text[spans[0][0]:spans[0][1]] if spans and text is not None else None

    # -- values for the templates ---------------------------------------------------------------------------

    def link(self, from_path: str, iri: str) -> str | None:
        path = self.local.get(iri) or resource_path(iri, self.base)
        if path is not None and path in self.pages:
            fragment = iri.split("#", 1)[1] if "#" in iri else ""
            return href(from_path, path + ".html") + (f"#{quote(fragment, safe='')}" if fragment else "")
        if iri.startswith(("http://", "https://")):
            return iri
        return None

    def value(self, from_path: str, term, depth: int = 0) -> dict:
        if isinstance(term, ox.NamedNode):
            target = self.link(from_path, term.value)
            return {"kind": "iri", "iri": term.value, "label": self.label(term.value), "href": target,
                    "external": bool(target) and target == term.value}
        if isinstance(term, ox.BlankNode):
            properties = self.properties(from_path, self.out(term), depth + 1) if depth < 2 else []
            return {"kind": "bnode", "properties": properties}
        datatype = term.datatype.value if term.datatype else str(XSD.string)
        shown = None if term.language or datatype in (str(XSD.string), str(RDF.langString)) else _curie(datatype)
        return {"kind": "literal", "text": term.value, "lang": term.language, "datatype": shown,
                "long": len(term.value) > 160 or "\n" in term.value}

    def predicate(self, from_path: str, iri: str) -> dict:
        target = self.link(from_path, iri) or iri
        known = self._labels.get(iri) or _pick(self.out(ox.NamedNode(iri)), [str(RDFS.label), str(SKOS.prefLabel)])
        return {"iri": iri, "label": _curie(iri), "href": target, "external": target == iri, "title": known or iri}

    def properties(self, from_path: str, triples: list[ox.Triple], depth: int = 0, *, skip_types=True,
                   incoming=False) -> list[dict]:
        rows = []
        for predicate, group in groupby(triples, key=lambda t: t.predicate.value):
            if skip_types and predicate == _TYPE and not incoming:
                continue
            terms = [t.subject if incoming else t.object for t in group]
            rows.append({"predicate": self.predicate(from_path, predicate),
                         "objects": [self.value(from_path, term, depth) for term in terms]})
        return rows


def _pick(triples: list[ox.Triple], predicates: list[str]) -> str | None:
    """The first predicate's best literal: English, then no language, then any (in a stable order)."""
    for predicate in predicates:
        literals = [t.object for t in triples if t.predicate.value == predicate and isinstance(t.object, ox.Literal)]
        if literals:
            literals.sort(key=lambda lit: (0 if lit.language == "en" else 1 if not lit.language else 2,
                                           lit.language or "", lit.value))
            return literals[0].value
    return None


# -- the VoID description -------------------------------------------------------------------------------------

def _count(store: ox.Store, sparql: str) -> int:
    result = list(store.query(sparql, use_default_graph_as_union=True))
    return int(result[0][0].value) if result and result[0][0] is not None else 0


def _string(text: str) -> str:
    """A SPARQL string literal (JSON string escapes are valid SPARQL escapes)."""
    return json.dumps(text)


def _namespace(iri: str) -> str:
    for namespace in sorted(PREFIXES.values(), key=len, reverse=True):
        if iri.startswith(namespace):
            return namespace
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def void_graph(store: ox.Store, base: str, endpoint: str | None = None) -> ox.Store:
    """A VoID description of the store: `{base}dataset`, its named-graph subsets and class partitions."""
    void = ox.Store()
    dataset = ox.NamedNode(base + "dataset")
    integer = ox.NamedNode(str(XSD.integer))

    def add(s, p, o):
        void.add(ox.Quad(s, ox.NamedNode(str(p)), o))

    def number(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=integer)

    add(dataset, RDF.type, ox.NamedNode(str(VOID.Dataset)))
    add(dataset, DCTERMS.title, ox.Literal("wsisgraph: a knowledge graph of the WSIS process", language="en"))
    add(dataset, DCTERMS.description, ox.Literal(
        "WSIS process documents, the actors that wrote them and the WSIS Action Lines, SDGs, events, frameworks "
        "and topics they mention, with the provenance of every mention.", language="en"))
    add(dataset, VOID.uriSpace, ox.Literal(base))
    distinct_triples = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    add(dataset, VOID.triples, number(_count(store, distinct_triples)))
    add(dataset, VOID.entities, number(_count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o "
                                                     f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {_string(base)})) }}")))
    add(dataset, VOID.distinctSubjects, number(_count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }")))
    add(dataset, VOID.distinctObjects, number(_count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }")))
    add(dataset, VOID.properties, number(_count(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }")))
    add(dataset, VOID.classes, number(_count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }")))
    used = {solution[0].value for solution in store.query(
        "SELECT DISTINCT ?t { { ?s ?t ?o } UNION { ?s a ?t } }", use_default_graph_as_union=True)
        if isinstance(solution[0], ox.NamedNode)}
    for namespace in sorted({_namespace(iri) for iri in used}):
        if namespace:
            add(dataset, VOID.vocabulary, ox.NamedNode(namespace))
    for fmt in ("Turtle", "JSON-LD", "TriG"):
        add(dataset, VOID.feature, ox.NamedNode(_FORMATS + fmt))
    add(dataset, VOID.dataDump, ox.NamedNode(base + "wsisgraph.trig"))
    if endpoint:
        add(dataset, VOID.sparqlEndpoint, ox.NamedNode(endpoint))
    documents = [s[0] for s in store.query(f"SELECT ?d {{ ?d a <{WSIS.Document}> }} ORDER BY ?d LIMIT 3",
                                           use_default_graph_as_union=True)]
    for document in documents:
        add(dataset, VOID.exampleResource, document)
    titles = {"graph/schemes": "The ontology, the concept schemes and the UN SDG KOS",
              "graph/statistics": "Counts the analyst queries read (W3C Data Cube observations)",
              "graph/wsis-sdg-matrix": "The WSIS-SDG Matrix"}
    for graph in sorted(store.named_graphs(), key=term_key):
        name = graph.value[len(base):] if isinstance(graph, ox.NamedNode) and graph.value.startswith(base) else None
        if name in titles:
            add(dataset, VOID.subset, graph)
            add(graph, RDF.type, ox.NamedNode(str(VOID.Dataset)))
            add(graph, DCTERMS.title, ox.Literal(titles[name], language="en"))
            add(graph, VOID.triples, number(sum(1 for _ in store.quads_for_pattern(None, None, None, graph))))
    for solution in store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c } GROUP BY ?c ORDER BY ?c",
                                use_default_graph_as_union=True):
        partition = ox.BlankNode(hashlib.sha1(solution[0].value.encode()).hexdigest()[:16])
        add(dataset, VOID.classPartition, partition)
        add(partition, VOID["class"], solution[0])
        add(partition, VOID.entities, number(int(solution[1].value)))
    return void


# -- the pages -------------------------------------------------------------------------------------------------

def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    def finalize(value):  # control characters are not allowed in HTML text; markup made by macros is kept
        return _CONTROL.sub("\ufffd", value) if isinstance(value, str) and not isinstance(value, Markup) else value

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=finalize,
                       keep_trailing_newline=True)


class _Writer:
    def __init__(self, root: Path):
        self.root, self.files, self._folders = root, 0, set()

    def write(self, path: str, data: str | bytes) -> None:
        target = self.root / path
        folder = target.parent
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.files += 1


def _turtle(triples: list[ox.Triple]) -> bytes:
    terms = set()
    for t in triples:
        terms.add(t.predicate.value)
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode):
                terms.add(term.value)
            elif isinstance(term, ox.Literal) and term.datatype is not None:
                terms.add(term.datatype.value)
    return ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=dict(sorted(used_prefixes(terms).items())))


def _jsonld(triples: list[ox.Triple]) -> bytes:
    ordered = sorted(triples, key=lambda t: term_key(t.subject))
    groups = [(subject, list(group)) for subject, group in groupby(ordered, key=lambda t: t.subject)]
    return (json.dumps(jsonld_document(groups), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _sort_triples(triples) -> list[ox.Triple]:
    return sorted(set(triples), key=lambda t: (term_key(t.subject), t.predicate.value, term_key(t.object)))


def _bounded(site: _Site, node: ox.NamedNode, extra_subjects=()) -> list[ox.Triple]:
    """The triples about `node` and the IRIs it owns, plus those that point at it."""
    triples, todo, seen = [], [node, *extra_subjects], set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for t in site.out(subject):
            triples.append(t)
            if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(subject.value + "/"):
                todo.append(t.object)
            elif isinstance(t.object, ox.BlankNode):
                todo.append(t.object)
    triples.extend(site.incoming(node))
    return _sort_triples(triples)


def _quote(site: _Site, path: str, mention: ox.NamedNode) -> dict | None:
    """The quote of a mention's first span within the text of the part it sits in."""
    spans, source = site.spans(mention), site.document_of(mention)
    text = site.text(source) if source else None
    if not spans or text is None:
        return None
    start, end = spans[0]
    exact = text[start:end]
    before = after = ""
    part = site.part_of(source, start, end)
    low, high = 0, len(text)
    if part is not None:
        part_start, part_end = site.first(part, str(WSIS.start)), site.first(part, str(WSIS.end))
        if part_start is not None and part_end is not None:
            low, high = int(part_start.value), int(part_end.value)
    before = ("…" if start - low > _CONTEXT_CHARS else "") + text[max(low, start - _CONTEXT_CHARS):start]
    after = text[end:min(high, end + _CONTEXT_CHARS)] + ("…" if high - end > _CONTEXT_CHARS else "")
    body = site.first(mention, str(OA.hasBody))
    return {"exact": exact, "before": before, "after": after, "start": start, "end": end,
            "source": site.value(path, ox.NamedNode(source)), "part": site.value(path, part) if part is not None else None,
            "body": site.value(path, body) if body is not None else None}


def _breadcrumbs(site: _Site, path: str, iri: str) -> list[dict]:
    crumbs, rest = [], iri[len(site.base):] if iri.startswith(site.base) else ""
    parts = rest.split("/")
    for n in range(1, len(parts)):
        parent = site.base + "/".join(parts[:n])
        parent_path = resource_path(parent, site.base)
        if parent_path is not None and parent_path in site.pages:
            crumbs.append({"href": href(path, parent_path + ".html"), "label": site.label(parent)})
    return crumbs


def _resource_page(site: _Site, env, writer: _Writer, path: str, iri: str, fragments: list[str]) -> None:
    node = ox.NamedNode(iri)
    triples = site.out(node)
    name = posixpath.basename(path)
    types = site.types(node)
    context = {
        "title": site.label(iri), "iri": iri, "root": _root(path), "version": __version__,
        "breadcrumbs": _breadcrumbs(site, path, iri),
        "types": [site.value(path, ox.NamedNode(t)) for t in types],
        "downloads": {"ttl": quote(name + ".ttl", safe=""), "jsonld": quote(name + ".jsonld", safe="")},
        "properties": site.properties(path, triples),
        "graphs": [site.value(path, g) for g in site.graphs_of(node)],
        "quote": _quote(site, path, node) if str(WSIS.Mention) in types else None,
        "document": document_view(site, path, node) if str(WSIS.Document) in types else None,
        "links": concept_view(site, path, node) if str(SKOS.Concept) in types or str(WSIS.SDG) in types else None,
        "responses": responses_of(site, path, node),
        "outside": iri if iri in site.local else None,
        "incoming": site.properties(path, [t for t in site.incoming(node) if t.predicate.value != str(OA.hasBody)],
                                    incoming=True),
        "sections": [{"anchor": f.split("#", 1)[1], "iri": f, "label": site.label(f),
                      "properties": site.properties(path, site.out(ox.NamedNode(f)), skip_types=False)}
                     for f in fragments],
    }
    writer.write(path + ".html", env.get_template("resource.html").render(context))
    rdf = _bounded(site, node, [ox.NamedNode(f) for f in fragments])
    writer.write(path + ".ttl", _turtle(rdf))
    writer.write(path + ".jsonld", _jsonld(rdf))


def _ontology_page(site: _Site, env, writer: _Writer, terms: list[str]) -> None:
    path = "ontology"
    ontology = ox.NamedNode(ONTOLOGY_IRI)
    entries = {"class": [], "property": []}
    kinds = {str(OWL.ObjectProperty): "object property", str(OWL.DatatypeProperty): "datatype property",
             str(OWL.AnnotationProperty): "annotation property", str(RDF.Property): "property"}
    terms_with_domain = defaultdict(list)
    terms_with_range = defaultdict(list)
    subclasses = defaultdict(list)
    for iri in terms:
        node = ox.NamedNode(iri)
        for o in site.objects(node, str(RDFS.domain)):
            terms_with_domain[o.value].append(node)
        for o in site.objects(node, str(RDFS.range)):
            terms_with_range[o.value].append(node)
        for o in site.objects(node, str(RDFS.subClassOf)):
            subclasses[o.value].append(node)

    def values(nodes):
        return [site.value(path, n) for n in sorted(nodes, key=term_key)]

    for iri in terms:
        node = ox.NamedNode(iri)
        types = site.types(node)
        name = iri.split("#", 1)[1]
        entry = {"anchor": name, "name": name, "label": site.label(iri),
                 "comment": _pick(site.out(node), [str(RDFS.comment), str(SKOS.definition)])}
        if str(OWL.Class) in types or str(RDFS.Class) in types:
            page = site.class_pages.get(iri)
            count = sum(1 for _ in site.store.quads_for_pattern(None, ox.NamedNode(_TYPE), node, None))
            entry.update(superclasses=values(site.objects(node, str(RDFS.subClassOf))),
                         equivalent=values(site.objects(node, str(OWL.equivalentClass))),
                         subclasses=values(subclasses[iri]), domain_of=values(terms_with_domain[iri]),
                         range_of=values(terms_with_range[iri]),
                         instances={"href": href(path, page), "count": count} if page else None)
            entries["class"].append(entry)
        elif any(t in kinds for t in types):
            entry.update(kind=next(kinds[t] for t in types if t in kinds),
                         domain=values(site.objects(node, str(RDFS.domain))),
                         range=values(site.objects(node, str(RDFS.range))),
                         superproperties=values(site.objects(node, str(RDFS.subPropertyOf))))
            entries["property"].append(entry)
    context = {
        "title": _pick(site.out(ontology), [str(DCTERMS.title), str(RDFS.label)]) or "wsisgraph ontology",
        "iri": ONTOLOGY_IRI, "root": "", "version": _pick(site.out(ontology), [str(OWL.versionInfo)]),
        "description": _pick(site.out(ontology), [str(DCTERMS.description), str(RDFS.comment)]),
        "classes": sorted(entries["class"], key=lambda e: e["name"]),
        "properties": sorted(entries["property"], key=lambda e: e["name"]),
    }
    writer.write("ontology.html", env.get_template("ontology.html").render(context))
    rdf = _sort_triples(t for iri in [ONTOLOGY_IRI, *terms] for t in site.out(ox.NamedNode(iri)))
    writer.write("ontology.ttl", _turtle(rdf))
    writer.write("ontology.jsonld", _jsonld(rdf))


def _class_file(iri: str) -> str:
    curie = _curie(iri)
    if curie != iri:
        prefix, local = curie.split(":", 1)
        name = f"{prefix}-{re.sub(r'[^A-Za-z0-9._-]', '_', local)}"
    else:
        name = "class-" + hashlib.sha1(iri.encode()).hexdigest()[:12]
    return f"{CLASS_FOLDER}/{name}.html"


def _generate(site: _Site, root: Path) -> tuple[int, int]:
    env = _environment()
    writer = _Writer(root)
    store, base = site.store, site.base

    # every IRI under the base (subjects, objects, graph names, the VoID graph) -> its page
    iris = {s[0].value for s in store.query(
        "SELECT DISTINCT ?x { { ?x ?p ?o } UNION { ?s ?p ?x } FILTER(isIRI(?x) && STRSTARTS(STR(?x), "
        f"{_string(base)})) }}", use_default_graph_as_union=True)}
    iris.update(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(base))
    for quad in site.void:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(base):
                iris.add(term.value)
    ontology_terms = sorted(s[0].value for s in store.query(
        f"SELECT DISTINCT ?x {{ ?x ?p ?o FILTER(isIRI(?x) && STRSTARTS(STR(?x), {_string(ONTOLOGY_IRI + '#')})) }}",
        use_default_graph_as_union=True))
    fragments: dict[str, list[str]] = defaultdict(list)
    skipped = []
    for iri in sorted(iris):
        path = resource_path(iri, base)
        if path is None:
            if not iri[len(base):].split("#")[0] in SITE_FILES:
                skipped.append(iri)
            continue
        if path == "ontology":
            continue
        if "#" in iri:
            fragments[path].append(iri)
            site.pages.setdefault(path, iri.split("#", 1)[0])
        else:
            site.pages[path] = iri
    site.pages["ontology"] = ONTOLOGY_IRI
    # the SDG goals are the UN SDG KOS's, not ours: each gets a page here all the same (`sdg/4`), for what the
    # documents say of it, and links out to the KOS
    for quad in store.quads_for_pattern(None, ox.NamedNode(_TYPE), ox.NamedNode(str(WSIS.SDG)), None):
        goal = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else ""
        number = goal.rsplit("/", 1)[-1]
        if goal.startswith("http://metadata.un.org/sdg/") and number.isdigit() and f"sdg/{number}" not in site.pages:
            site.pages[f"sdg/{number}"] = goal
            site.local[goal] = f"sdg/{number}"

    # classes of the resources with pages (and our own classes, whose instances may live elsewhere: SDGs)
    instances: dict[str, set[str]] = defaultdict(set)
    for path, iri in site.pages.items():
        if path == "ontology":
            continue
        for cls in site.types(ox.NamedNode(iri)):
            instances[cls].add(iri)
    for cls in ontology_terms:
        for quad in store.quads_for_pattern(None, ox.NamedNode(_TYPE), ox.NamedNode(cls), None):
            if isinstance(quad.subject, ox.NamedNode):
                instances[cls].add(quad.subject.value)
    for cls in instances:
        site.class_pages[cls] = _class_file(cls)

    for path, iri in sorted(site.pages.items()):
        if path != "ontology":
            _resource_page(site, env, writer, path, iri, fragments.get(path, []))
    _ontology_page(site, env, writer, ontology_terms)

    classes = []
    for cls, members in instances.items():
        file = site.class_pages[cls]
        node = ox.NamedNode(cls)
        values = sorted((site.value(file, ox.NamedNode(m)) for m in members),
                        key=lambda v: (v["label"].casefold(), v["iri"]))
        writer.write(file, env.get_template("class.html").render({
            "title": site.label(cls), "iri": cls, "root": _root(file), "version": __version__,
            "definition": None, "comment": _pick(site.out(node), [str(RDFS.comment), str(SKOS.definition)]),
            "instances": values, "external": any(v["external"] for v in values)}))
        classes.append({"href": file, "label": site.label(cls), "curie": _curie(cls), "count": len(members)})

    dataset = ox.NamedNode(base + "dataset")
    triples = int(site.first(dataset, str(VOID.triples)).value)
    documents = sum(1 for _ in store.quads_for_pattern(None, ox.NamedNode(_TYPE), ox.NamedNode(str(WSIS.Document)),
                                                       None))
    writer.write("index.html", env.get_template("index.html").render({
        "title": "wsisgraph: a knowledge graph of the WSIS process", "root": "", "version": __version__,
        "description": _pick(site.out(dataset), [str(DCTERMS.description)]), "base": base,
        "triples": triples, "resources": len(site.pages), "documents": documents, "endpoint": site.endpoint,
        "classes": sorted(classes, key=lambda c: (-c["count"], c["label"])), "analyst": index_view(site)}))
    writer.write("void.ttl", _turtle(_sort_triples(q.triple for q in site.void)))
    writer.write("context.jsonld", json.dumps({"@context": load_context()}, ensure_ascii=False, indent=2) + "\n")
    writer.write("style.css", (TEMPLATES / "style.css").read_bytes())
    site.skipped = skipped
    return len(site.pages), writer.files


def publish(store, outdir: str | Path, base: str | None = None, endpoint: str | None = None) -> PublishSummary:
    """Write the static linked-data site of `store` (an EmbeddedStore or a store path) into `outdir`.

    `base` is the base IRI of the resources to publish (default: the one the store was built with);
    `endpoint`, a public SPARQL endpoint URL, goes into the VoID description. An existing `outdir` is replaced
    only if it is empty or a site that publish wrote before.
    """
    started = time.perf_counter()
    if not hasattr(store, "store"):
        from .store import open_store

        store = open_store(store)
    ox_store = store.store
    base = base_iri(base) if base else store_base(ox_store)
    if endpoint:
        try:
            ox.NamedNode(endpoint)
            absolute = True
        except ValueError:
            absolute = False
        if not absolute or not re.match(r"https?://[^/?#\s]", endpoint, re.I):
            raise ExportError(f"{endpoint}: not an http(s) URL; give --endpoint the URL of a public SPARQL "
                              "endpoint, such as https://example.org/sparql") from None
    summary = PublishSummary(outdir=Path(outdir))
    with replacing(outdir, marker=SITE_MARKER, marker_text=f"wsisgraph {__version__} linked-data site\n",
                   ours=lambda folder: False, what="site") as tmp:
        site = _Site(ox_store, base, void_graph(ox_store, base, endpoint), endpoint, queries=store)
        summary.resources, summary.files = _generate(site, tmp)
        export(store, "trig", tmp / "wsisgraph.trig")
        summary.files += 2  # the TriG dump, and the marker file written at the swap
        summary.skipped = site.skipped
        summary.triples = int(site.first(ox.NamedNode(base + "dataset"), str(VOID.triples)).value)
    summary.seconds = time.perf_counter() - started
    return summary
