"""The controlled vocabularies as `Concept` records: read once from the reference files in ontology/.

- Action Lines, events, frameworks, topics, stakeholder types, organizations: ontology/reference/*.csv
  (copied unchanged from the project's reference folder) plus ontology/labels-extra.csv (other languages,
  ITU's current titles, evident synonyms and narrower terms, and 'block' phrases that must not match).
- SDGs and their targets: the UN SDG KOS (ontology/un-sdg-kos/), whose IRIs and en/fr/es labels are reused.
- Countries: pycountry (ISO 3166-1) with its French and Spanish names, plus ontology/country-variants.csv.
Concept IRIs are minted from notations, so they are the same at every build.
"""
from __future__ import annotations

import csv
import gettext
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import data_path
from .errors import ReferenceDataError
from .namespaces import EU_COUNTRY, SDG, base_iri

#: scheme key -> (CSV file, path segment of concept IRIs, ontology class local name)
CSV_SCHEMES = {
    "actionline": ("action-lines.csv", "actionline", "ActionLine"),
    "event": ("events.csv", "event", "Event"),
    "framework": ("frameworks.csv", "framework", "Framework"),
    "topic": ("topics.csv", "topic", "Topic"),
    "stakeholdertype": ("stakeholder-types.csv", "stakeholder-type", "StakeholderType"),
    "organization": ("organizations.csv", "organization", None),
}
SCHEME_TITLES = {
    "actionline": "WSIS Action Lines",
    "sdg": "Sustainable Development Goals",
    "event": "Events of the WSIS process",
    "framework": "Frameworks and outcome documents",
    "topic": "Topics",
    "stakeholdertype": "Stakeholder types",
    "organization": "Reference organizations",
    "country": "Countries (ISO 3166-1)",
}
#: The schemes whose concepts can be mentioned in a document (the contract's `scheme` column).
MENTION_SCHEMES = ("actionline", "sdg", "event", "framework", "topic", "organization", "country")
SDG_SCHEME_IRI = "http://metadata.un.org/sdg"


@dataclass
class Concept:
    scheme: str
    notation: str
    iri: str
    labels: dict[str, str] = field(default_factory=dict)  # lang -> preferred label
    alt_labels: list[tuple[str, str]] = field(default_factory=list)  # (label, lang)
    context_labels: set[str] = field(default_factory=set)  # alt labels that count only beside 'Action Line'
    unmatched: set[str] = field(default_factory=set)  # labels too ambiguous to look for in text
    subject_labels: set[str] = field(default_factory=set)  # name an Action Line only right beside 'Action Line'
    anaphors: set[str] = field(default_factory=set)  # labels that count only where the text names the concept too
    definition: str | None = None
    broader: str | None = None  # IRI
    properties: dict[str, str] = field(default_factory=dict)  # scheme-specific extras

    @property
    def label(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.notation)


@dataclass
class Vocabulary:
    base: str
    concepts: dict[tuple[str, str], Concept]  # (scheme, notation) -> concept
    blocks: list[str]  # phrases that must never produce a mention

    def get(self, scheme: str, notation: str) -> Concept | None:
        return self.concepts.get((scheme, notation))

    def in_scheme(self, scheme: str) -> list[Concept]:
        return [c for (s, _), c in self.concepts.items() if s == scheme]

    def scheme_iri(self, scheme: str) -> str:
        return SDG_SCHEME_IRI if scheme == "sdg" else f"{self.base}scheme/{scheme}"


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except OSError as err:
        raise ReferenceDataError(f"{path}: cannot read reference data ({err.strerror or err})") from None
    except (csv.Error, UnicodeDecodeError) as err:
        raise ReferenceDataError(f"{path}: malformed CSV ({err})") from None


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def _csv_concepts(base: str) -> dict[tuple[str, str], Concept]:
    concepts: dict[tuple[str, str], Concept] = {}
    for scheme, (filename, segment, _) in CSV_SCHEMES.items():
        for row in _read_csv(data_path("ontology", "reference", filename)):
            notation = (row.get("notation") or "").strip()
            if not notation:
                continue
            concept = Concept(
                scheme=scheme,
                notation=notation,
                iri=f"{base}{segment}/{notation}",
                labels={"en": row["label"].strip()},
                alt_labels=[(label, "en") for label in _split(row.get("alt_labels"))],
                definition=(row.get("description") or row.get("scope") or "").strip() or None,
            )
            if scheme == "actionline" and "." in notation:
                concept.broader = f"{base}{segment}/{notation.split('.')[0]}"
            if row.get("facilitators"):
                concept.properties["facilitators"] = row["facilitators"]
            if row.get("stakeholder_type"):
                concept.properties["stakeholder_type"] = row["stakeholder_type"].strip()
            concepts[(scheme, notation)] = concept
    return concepts


def _sdg_concepts() -> dict[tuple[str, str], Concept]:
    """Goals and targets from the UN SDG KOS Turtle, read with pyoxigraph (fast, no rdflib)."""
    import pyoxigraph as ox

    path = data_path("ontology", "un-sdg-kos", "sdg-kos-goals-targets-indicators.ttl")
    skos = "http://www.w3.org/2004/02/skos/core#"
    compact = "http://metadata.un.org/sdg/ontology#SDGCodeCompact"
    kinds = {"http://metadata.un.org/sdg/ontology#Goal": "goal", "http://metadata.un.org/sdg/ontology#Target": "target"}
    kind: dict[str, str] = {}
    notation: dict[str, str] = {}
    labels: dict[str, dict[str, str]] = {}
    alts: dict[str, list[tuple[str, str]]] = {}
    broader: dict[str, str] = {}
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError) as err:
        raise ReferenceDataError(f"{path}: cannot read the UN SDG KOS ({err})") from None
    for t in triples:
        s, p, o = t.subject.value, t.predicate.value, t.object
        if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and o.value in kinds:
            kind[s] = kinds[o.value]
        elif p == skos + "notation" and isinstance(o, ox.Literal) and o.datatype.value == compact:
            notation[s] = o.value
        elif p == skos + "prefLabel" and isinstance(o, ox.Literal):
            labels.setdefault(s, {})[o.language or "en"] = " ".join(o.value.split())
        elif p == skos + "altLabel" and isinstance(o, ox.Literal):
            alts.setdefault(s, []).append((o.value, o.language or "en"))
        elif p == skos + "broader":
            broader[s] = o.value
    concepts = {}
    for iri, k in kind.items():
        if iri not in notation:
            continue
        concept = Concept(scheme="sdg", notation=notation[iri], iri=iri, labels=labels.get(iri, {}),
                          alt_labels=alts.get(iri, []), broader=broader.get(iri) if k == "target" else None)
        concept.properties["level"] = k
        concepts[("sdg", notation[iri])] = concept
    if sum(1 for c in concepts.values() if c.properties["level"] == "goal") != 17:
        raise ReferenceDataError(f"{path}: expected the 17 goals of the UN SDG KOS")
    return concepts


_INVERTED = re.compile(r"^(?P<base>[^,]+),\s*(?P<qualifier>.+?\b(?:of|of the|de|del|de la))$", re.I)


def _country_names(name: str) -> list[str]:
    """'Korea, Republic of' -> ['Korea, Republic of', 'Republic of Korea']; the base alone is added later if unique."""
    names = [name]
    match = _INVERTED.match(name)
    if match:
        names.append(f"{match.group('qualifier')} {match.group('base')}")
    return names


def _country_concepts(base: str) -> dict[tuple[str, str], Concept]:
    import pycountry

    translations = {}
    for lang in ("fr", "es"):
        try:
            translations[lang] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:  # a pycountry build without locales: English names only
            pass
    concepts: dict[tuple[str, str], Concept] = {}
    bases: dict[str, set[str]] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        concept = Concept(scheme="country", notation=code, iri=f"{base}country/{code}",
                          labels={"en": getattr(country, "common_name", None) or country.name})
        concept.properties["alpha3"] = country.alpha_3
        concept.properties["authority"] = str(EU_COUNTRY[country.alpha_3])
        names = [(n, "en") for n in {country.name, getattr(country, "official_name", None) or country.name,
                                     getattr(country, "common_name", None) or country.name}]
        for lang, tr in translations.items():
            translated = tr.gettext(country.name)
            if translated != country.name:
                concept.labels[lang] = translated
            names.append((translated, lang))
        for name, lang in names:
            for variant in _country_names(name):
                if variant != concept.labels.get(lang) and (variant, lang) not in concept.alt_labels:
                    concept.alt_labels.append((variant, lang))
            if "," in name:
                bases.setdefault(name.split(",")[0].strip(), set()).add(code)
        concepts[("country", code)] = concept
    for name, codes in bases.items():  # 'Bolivia' from 'Bolivia, Plurinational State of', unless ambiguous
        if len(codes) == 1:
            concepts[("country", next(iter(codes)))].alt_labels.append((name, "en"))
    for row in _read_csv(data_path("ontology", "country-variants.csv")):
        concept = concepts.get(("country", row["alpha2"].strip()))
        if concept is None:
            raise ReferenceDataError(f"country-variants.csv: unknown ISO code {row['alpha2']!r}")
        if (row["label"], "en") not in concept.alt_labels:
            concept.alt_labels.append((row["label"], "en"))
    return concepts


@lru_cache(maxsize=4)
def load_vocabulary(base: str | None = None) -> Vocabulary:
    """Every concept of every scheme, with all its labels (cached per base IRI)."""
    base = base_iri(base)
    concepts = _csv_concepts(base)
    concepts.update(_sdg_concepts())
    concepts.update(_country_concepts(base))
    blocks: list[str] = []
    for row in _read_csv(data_path("ontology", "labels-extra.csv")):
        if row["match"] == "block":
            blocks.append(row["label"])
            continue
        concept = concepts.get((row["scheme"], row["notation"]))
        if concept is None:
            raise ReferenceDataError(f"labels-extra.csv: no concept {row['scheme']} {row['notation']!r}")
        if row["match"] == "ignore":
            concept.unmatched.add(row["label"])
            continue
        if row["match"] == "subject":  # 'the cybersecurity action line': not a label of its own
            concept.subject_labels.add(row["label"])
            continue
        if row["match"] == "anaphor":  # 'the Summit': a label already, marked as needing the full name
            concept.anaphors.add(row["label"])
            continue
        label = (row["label"], row["lang"] or "en")
        if label not in concept.alt_labels:
            concept.alt_labels.append(label)
        if row["match"] == "context":
            concept.context_labels.add(row["label"])
    return Vocabulary(base=base, concepts=concepts, blocks=blocks)


def sdg_goal(concept: Concept) -> str:
    """The goal notation of an SDG goal or target ('4.4' -> '4')."""
    return concept.notation.split(".")[0]


__all__ = ["Concept", "Vocabulary", "load_vocabulary", "MENTION_SCHEMES", "SDG", "sdg_goal"]
