"""What the linked-data site shows an analyst, beside each resource's statements (publish.py writes the pages).

- A document's page shows its extracted text, answer by answer, with every mention highlighted (coloured by
  scheme) and linked to the concept it names, the evidence sentences of its topical links underlined, and the
  questionnaire's own question wording set apart; below it, what the document names, what it is inferred to be
  about, and what only the WSIS-SDG Matrix implies.
- A concept's page lists the documents that name it (with their words), those inferred to be about it (topical
  links: score and evidence) and those linked to it only through the Matrix (which Action Line they name), apart.
  A goal collects the links of its targets, C7 those of its sub-lines.
- The index starts with what an analyst looks for: responses by stakeholder type and by country, Action Lines,
  SDGs, topics, organizations, events, frameworks and countries, each with its numbers of documents.

Numbers and names of responses come from the saved queries (`documents`, `respondents`, `concepts`); the links
of each kind are read once from the store, by their class (wsis:Mention, wsis:TopicalLink,
wsis:MatrixImpliedLink) and body, and their spans from the targets' RFC 5147 fragments.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

import pyoxigraph as ox
from markupsafe import Markup, escape

from .namespaces import DCTERMS, OA, ORG, PROV, RDF, SKOS, WSIS
from .query import document_title, records, run_query
from .schemes import CSV_SCHEMES

if TYPE_CHECKING:  # pragma: no cover
    from .publish import _Site

_TYPE = str(RDF.type)
KINDS = ((str(WSIS.Mention), "explicit"), (str(WSIS.TopicalLink), "topical"), (str(WSIS.MatrixImpliedLink), "matrix"))
#: class of a concept -> the scheme key its highlight is coloured by
SCHEME_OF_CLASS = {str(WSIS.ActionLine): "actionline", str(WSIS.SDG): "sdg",
                   "http://metadata.un.org/sdg/ontology#Goal": "sdg",
                   "http://metadata.un.org/sdg/ontology#Target": "sdg", str(WSIS.Topic): "topic",
                   str(WSIS.Event): "event", str(WSIS.Framework): "framework", str(ORG.Organization): "organization",
                   str(WSIS.Country): "country"}
SCHEME_NAMES = {"actionline": "Action Lines", "sdg": "SDGs", "topic": "topics", "event": "events",
                "framework": "frameworks", "organization": "organizations", "country": "countries", "": "other"}
INDEX_SCHEMES = (("actionline", "Action Lines"), ("sdg", "SDGs"), ("topic", "Topics"),
                 ("organization", "Organizations named in documents"), ("event", "Events"),
                 ("framework", "Frameworks"), ("country", "Countries named in documents"))
PER_SECTION = 100  # documents listed per kind of link on a concept's page; the rest are counted
QUOTES_PER_DOCUMENT = 6
LISTED = 8  # responses listed per stakeholder type or country on the index


# -- reading ------------------------------------------------------------------------------------------------------

def concept_links(site: "_Site") -> dict[str, dict[str, dict[str, list]]]:
    """concept IRI -> kind (explicit, topical, matrix) -> document IRI -> the link nodes, read once per site. A
    concept also holds the links of the concepts directly under it (target 4.4 under SDG 4, C7.4 under C7)."""
    if site.cache.get("links") is None:
        broader = {q.subject.value: q.object.value for q in site.store.quads_for_pattern(
            None, ox.NamedNode(str(SKOS.broader)), None, None)
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)}
        links: dict = defaultdict(lambda: {kind: defaultdict(list) for _, kind in KINDS})
        has_body = ox.NamedNode(str(OA.hasBody))
        for cls, kind in KINDS:
            for quad in site.store.quads_for_pattern(None, ox.NamedNode(_TYPE), ox.NamedNode(cls), None):
                if not isinstance(quad.graph_name, ox.NamedNode):
                    continue
                for body in site.store.quads_for_pattern(quad.subject, has_body, None, quad.graph_name):
                    concept = body.object.value
                    for target in dict.fromkeys([concept, broader.get(concept)]):
                        if target:
                            links[target][kind][quad.graph_name.value].append(quad.subject)
        site.cache["links"] = links
        site.cache["broader"] = broader
    return site.cache["links"]


def responses(site: "_Site") -> list[dict]:
    """Every response: its document IRI and title ("Response 83: Ocgrow Group"), stakeholder type and country."""
    if site.cache.get("responses") is None:
        from .graph import document_iri
        from .export import store_base

        base = store_base(site.store, site.base)
        who = {r["source"]: r for r in records(run_query(site.queries, "respondents"))}
        rows = []
        for d in records(run_query(site.queries, "documents")):
            if d["source"] not in who:
                continue
            r = who[d["source"]]
            rows.append({"iri": document_iri(d["source"], base), "source": d["source"], "identifier": d["identifier"],
                         "title": document_title(d["title"], d["respondent"] or r["name"], d["identifier"],
                                                 d["source"]),
                         "stakeholdertype": r["stakeholdertype"], "country": r["country"]})
        rows.sort(key=lambda r: (int(r["identifier"]) if r["identifier"].isdigit() else 10**9, r["title"].casefold()))
        site.cache["responses"] = rows
    return site.cache["responses"]


def scheme_of(site: "_Site", iri: str) -> str:
    for cls in site.types(ox.NamedNode(iri)):
        if cls in SCHEME_OF_CLASS:
            return SCHEME_OF_CLASS[cls]
    return ""


def concept_href(site: "_Site", path: str, iri: str) -> str | None:
    """The page of a concept, or of the concept above it when it has none here (an SDG target: its goal's)."""
    own = site.link(path, iri)
    if own and own != iri:
        return own
    up = site.cache.get("broader", {}).get(iri)
    local = site.link(path, up) if up else None
    return local if local and local != up else own


# -- a document's text, with its mentions -------------------------------------------------------------------------

def document_view(site: "_Site", path: str, document: ox.NamedNode) -> dict | None:
    """The document's text in blocks (its questions, answers and sections), mentions highlighted and linked,
    topical evidence underlined; and what it names, is about, and is linked to by the Matrix only."""
    text = site.text(document.value)
    if text is None:
        return None
    concept_links(site)  # the broader map, for links to goals
    marks, evidence = [], []
    named: dict[str, list] = defaultdict(list)
    topical: list[dict] = []
    matrix: list[dict] = []
    graph = document
    for cls, kind in KINDS:
        for quad in site.store.quads_for_pattern(None, ox.NamedNode(_TYPE), ox.NamedNode(cls), graph):
            node = quad.subject
            body = site.first(node, str(OA.hasBody))
            if not isinstance(body, ox.NamedNode):
                continue
            spans = site.spans(node)
            if kind == "explicit":
                question = getattr(site.first(node, str(WSIS.inQuestionText)), "value", "") == "true"
                for start, end in spans:
                    marks.append((start, end, body.value, question))
                named[body.value].append((spans, question))
            elif kind == "topical":
                for start, end in spans:
                    evidence.append((start, end, body.value))
                score = site.first(node, str(WSIS.score))
                method = site.first(node, str(WSIS.method))
                topical.append({"concept": _concept(site, path, body.value),
                                "score": score.value if score is not None else "",
                                "method": method.value if method is not None else "", "sentences": len(spans)})
            else:
                via = sorted({site.label(site.first(m, str(OA.hasBody)).value)
                              for m in site.objects(node, str(PROV.wasDerivedFrom))
                              if isinstance(m, ox.NamedNode) and site.first(m, str(OA.hasBody)) is not None
                              and str(WSIS.Mention) in site.types(m)})
                matrix.append({"concept": _concept(site, path, body.value), "via": ", ".join(via)})
    blocks = _blocks(site, path, document, text, marks, evidence)
    facts = []
    respondent = site.first(document, str(WSIS.respondent))
    if isinstance(respondent, ox.NamedNode):
        facts.append(("respondent", site.value(path, respondent)))
        for name, predicate in (("stakeholder type", str(ORG.classification)), ("country", str(DCTERMS.spatial))):
            found = site.first(respondent, predicate)
            if isinstance(found, ox.NamedNode):
                facts.append((name, site.value(path, found)))
    for name, predicate in (("number", str(DCTERMS.identifier)), ("date", str(DCTERMS.date)),
                            ("file", str(WSIS.fileName)), ("read as", str(WSIS.documentKind))):
        found = site.first(document, predicate)
        if found is not None:
            facts.append((name, site.value(path, found)))
    groups: dict[str, list] = defaultdict(list)
    for iri, found in named.items():
        spans = sum(len(s) for s, _ in found)
        only_question = all(q for _, q in found)
        groups[scheme_of(site, iri)].append({"concept": _concept(site, path, iri), "count": spans,
                                             "question": only_question})
    order = [s for s in ("actionline", "sdg", "topic", "event", "framework", "organization", "country", "")
             if s in groups]
    return {
        "facts": facts,
        "blocks": blocks,
        "named": [{"scheme": SCHEME_NAMES[s], "key": s or "other",
                   "concepts": sorted(groups[s], key=lambda c: (-c["count"], c["concept"]["label"].casefold()))}
                  for s in order],
        "topical": sorted(topical, key=lambda t: _natural(t["concept"]["label"])),
        "matrix": sorted(matrix, key=lambda t: _natural(t["concept"]["label"])),
        "mentions": len(marks),
    }


def _natural(text: str) -> tuple:
    """'SDG 2: …' before 'SDG 11: …', 'C2 …' before 'C10 …'."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", text) if part)


def _concept(site: "_Site", path: str, iri: str) -> dict:
    return {"iri": iri, "label": site.label(iri), "href": concept_href(site, path, iri),
            "scheme": scheme_of(site, iri) or "other"}


def _blocks(site: "_Site", path: str, document: ox.NamedNode, text: str, marks, evidence) -> list[dict]:
    """The text cut into its parts (in order; what lies between parts is a plain block), each as HTML."""
    parts = []
    for cls, kind in ((WSIS.Question, "question"), (WSIS.Answer, "answer"), (WSIS.Section, "section")):
        for quad in site.store.quads_for_pattern(None, ox.NamedNode(_TYPE), ox.NamedNode(str(cls)), document):
            start, end = site.first(quad.subject, str(WSIS.start)), site.first(quad.subject, str(WSIS.end))
            if start is not None and end is not None:
                parts.append((int(start.value), int(end.value), kind, quad.subject.value))
    parts.sort()
    blocks, cursor = [], 0
    labels: dict[str, str] = {}
    for start, end, kind, iri in parts:
        if start < cursor or end > len(text):
            continue  # nested in, or overlapping, the part before: its text is shown there
        if text[cursor:start].strip():
            blocks.append({"kind": "text", "id": None, "href": None, "label": "",
                           "html": _highlight(site, path, text, cursor, start, marks, evidence, labels)})
        key = iri[len(document.value) + 1:] if iri.startswith(document.value + "/") else iri.rsplit("/", 1)[-1]
        blocks.append({"kind": kind, "id": "part-" + key.replace("/", "-"), "href": site.link(path, iri),
                       "label": site.label(iri),
                       "html": _highlight(site, path, text, start, end, marks, evidence, labels)})
        cursor = end
    if text[cursor:].strip():
        blocks.append({"kind": "text", "id": None, "href": None, "label": "",
                       "html": _highlight(site, path, text, cursor, len(text), marks, evidence, labels)})
    return blocks


def _highlight(site: "_Site", path: str, text: str, low: int, high: int, marks, evidence, labels) -> Markup:
    """text[low:high] as HTML: each span a mention covers is a link to its concept (the most specific one when
    mentions nest; the title names them all; `data-at` is its offset in the text), each span of topical evidence
    underlined."""
    def label(iri: str) -> str:
        if iri not in labels:
            labels[iri] = site.label(iri)
        return labels[iri]

    inside = [m for m in marks if m[0] < high and m[1] > low]
    evidence_inside = [e for e in evidence if e[0] < high and e[1] > low]
    bounds = sorted({low, high} | {max(low, min(high, x)) for m in inside for x in m[:2]}
                    | {max(low, min(high, x)) for e in evidence_inside for x in e[:2]})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if a == b:
            continue
        piece = str(escape(text[a:b]))
        covering = [m for m in inside if m[0] <= a and m[1] >= b]
        if covering:
            best = min(covering, key=lambda m: (m[1] - m[0], m[2]))
            names = "; ".join(sorted({label(m[2]) for m in covering}))
            scheme = scheme_of(site, best[2]) or "other"
            question = " q" if all(m[3] for m in covering) else ""
            href = concept_href(site, path, best[2])
            title = escape(names + (" (in the questionnaire's question wording)" if question else ""))
            piece = (f'<a class="m {scheme}{question}" href="{escape(href)}" title="{title}" data-at="{a}">{piece}</a>'
                     if href else f'<mark class="m {scheme}{question}" title="{title}" data-at="{a}">{piece}</mark>')
        supporting = [e for e in evidence_inside if e[0] <= a and e[1] >= b]
        if supporting:
            about = ", ".join(sorted({label(e[2]) for e in supporting}))
            piece = f'<span class="ev" title="{escape("evidence of a topical link to " + about)}">{piece}</span>'
        out.append(piece)
    return Markup("".join(out))


# -- a concept's links --------------------------------------------------------------------------------------------

def concept_view(site: "_Site", path: str, concept: ox.NamedNode) -> dict | None:
    """The documents that name the concept, those inferred to be about it, and those the Matrix alone links."""
    links = concept_links(site).get(concept.value)
    if not links:
        return None
    who = {r["iri"]: r for r in responses(site)}

    def document(iri: str) -> dict:
        value = site.value(path, ox.NamedNode(iri))
        r = who.get(iri)
        value["who"] = ", ".join(x for x in ((site.label(f"{site.base}stakeholder-type/{r['stakeholdertype']}")
                                              if r["stakeholdertype"] else ""), r["country"]) if x) if r else ""
        return value

    def ordered(by_document: dict) -> list[str]:
        return sorted(by_document, key=lambda d: (-len(by_document[d]), site.label(d).casefold()))

    explicit = []
    for doc in ordered(links["explicit"])[:PER_SECTION]:
        quotes, text = [], site.text(doc) or ""
        nodes = sorted(links["explicit"][doc], key=lambda m: (site.spans(m) or [(-1, -1)])[0])
        for m in nodes:
            body = site.first(m, str(OA.hasBody))
            question = getattr(site.first(m, str(WSIS.inQuestionText)), "value", "") == "true"
            for start, end in site.spans(m):
                quotes.append({"href": site.link(path, m.value), "exact": text[start:end],
                               "via": site.label(body.value) if body is not None and body != concept else "",
                               "question": question})
        explicit.append({"document": document(doc), "quotes": quotes[:QUOTES_PER_DOCUMENT],
                         "more": max(0, len(quotes) - QUOTES_PER_DOCUMENT),
                         "only_question": bool(quotes) and all(q["question"] for q in quotes)})
    topical = []
    for doc in ordered(links["topical"])[:PER_SECTION]:
        text = site.text(doc) or ""
        for node in links["topical"][doc]:
            score = site.first(node, str(WSIS.score))
            spans = site.spans(node)
            sentences = [" ".join(text[s:e].split()) for s, e in spans[:2]]
            topical.append({"document": document(doc), "score": score.value if score is not None else "",
                            "sentences": [s if len(s) <= 240 else s[:239].rstrip() + "…" for s in sentences],
                            "more": max(0, len(spans) - 2),
                            "terms": ", ".join(sorted(o.value for o in site.objects(node, str(WSIS.matchedTerm))))})
    matrix = []
    for doc in ordered(links["matrix"])[:PER_SECTION]:
        via = set()
        for node in links["matrix"][doc]:
            for m in site.objects(node, str(PROV.wasDerivedFrom)):
                if isinstance(m, ox.NamedNode) and str(WSIS.Mention) in site.types(m):
                    body = site.first(m, str(OA.hasBody))
                    if body is not None:
                        via.add(site.label(body.value))
        matrix.append({"document": document(doc), "via": ", ".join(sorted(via))})
    counts = {kind: len(links[kind]) for _, kind in KINDS}
    inferred = bool(topical) or bool({str(WSIS.ActionLine), str(WSIS.SDG)} & set(site.types(concept)))
    return {"explicit": explicit, "topical": topical, "matrix": matrix, "counts": counts, "inferred": inferred,
            "more": {kind: max(0, counts[kind] - PER_SECTION) for kind in counts}}


def responses_of(site: "_Site", path: str, concept: ox.NamedNode) -> list[dict]:
    """The responses of a stakeholder type, or from a country (their respondents')."""
    types = site.types(concept)
    notation = site.first(concept, str(SKOS.notation))
    if notation is None:
        return []
    if str(WSIS.StakeholderType) in types:
        key = "stakeholdertype"
    elif str(WSIS.Country) in types:
        key = "country"
    else:
        return []
    return [{"href": site.link(path, r["iri"]), "title": r["title"], "iri": r["iri"]}
            for r in responses(site) if r[key] == notation.value]


# -- the index ----------------------------------------------------------------------------------------------------

def index_view(site: "_Site", path: str = "index") -> dict:
    """What the index shows before the class index: responses by stakeholder type and by country, then each
    scheme's concepts with their numbers of documents."""
    from .export import store_base

    base = store_base(site.store, site.base)
    rows = responses(site)
    by_type: dict[str, list] = defaultdict(list)
    by_country: dict[str, list] = defaultdict(list)
    for r in rows:
        by_type[r["stakeholdertype"]].append(r)
        by_country[r["country"]].append(r)

    def group(key: str, members: list, iri: str | None) -> dict:
        return {"label": site.label(iri) if iri else "not known", "href": site.link(path, iri) if iri else None,
                "count": len(members), "more": max(0, len(members) - LISTED),
                "responses": [{"title": r["title"], "href": site.link(path, r["iri"])} for r in members[:LISTED]]}

    types = [group(k, v, f"{base}stakeholder-type/{k}" if k else None)
             for k, v in sorted(by_type.items(), key=lambda item: (-len(item[1]), item[0]))]
    countries = [group(k, v, f"{base}country/{k}" if k else None)
                 for k, v in sorted(by_country.items(), key=lambda item: (-len(item[1]), item[0]))]
    links = concept_links(site)
    schemes = []
    for scheme, title in INDEX_SCHEMES:
        concepts = []
        for r in records(run_query(site.queries, "concepts", {"scheme": scheme})):
            if scheme == "sdg" and r["broader"]:
                continue  # targets: their goal's page collects them
            iri = _concept_iri(scheme, r["notation"], base)
            found = links.get(iri, {})
            counts = {kind: len(found.get(kind, {})) for _, kind in KINDS}
            if scheme not in ("actionline", "sdg", "topic") and not (int(r["documents"]) or any(counts.values())):
                continue
            concepts.append({"label": site.label(iri), "href": concept_href(site, path, iri),
                             "sub": bool(r["broader"]), "named": int(r["documents"]), "topical": counts["topical"],
                             "matrix": counts["matrix"], "notation": r["notation"]})
        if scheme in ("actionline", "sdg"):
            concepts.sort(key=lambda c: _notation_key(c["notation"]))
        else:
            concepts.sort(key=lambda c: (-c["named"], c["label"].casefold()))
        schemes.append({"key": scheme, "title": title, "concepts": concepts,
                        "links": scheme in ("actionline", "sdg")})
    return {"responses": len(rows), "types": types, "countries": countries, "schemes": schemes}


def _concept_iri(scheme: str, notation: str, base: str) -> str:
    if scheme == "sdg":
        return f"http://metadata.un.org/sdg/{notation}"
    segment = CSV_SCHEMES[scheme][1] if scheme in CSV_SCHEMES else scheme
    return f"{base}{segment}/{notation}"


def _notation_key(notation: str) -> tuple:
    digits = [int(x) if x.isdigit() else 0 for x in notation.lstrip("C").split(".")]
    return tuple(digits)


__all__ = ["concept_view", "document_view", "index_view", "responses_of"]
