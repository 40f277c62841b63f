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
import os
import re
import unicodedata
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
    extra: tuple[str, ...] = ()  # the vocabulary files given to `build --vocabulary`, as absolute paths
    vocabularies: dict[str, dict[str, str]] = field(default_factory=dict)  # their scheme IRI -> label, file

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


def vocabulary_key(extra=()) -> tuple:
    """What a vocabulary depends on besides the base IRI: each extra file's absolute path, modification time and
    size, so a cached vocabulary is read again when a file changes."""
    key = []
    for path in extra:
        absolute = os.path.abspath(path)
        try:
            stat = os.stat(absolute)
            key.append((absolute, stat.st_mtime_ns, stat.st_size))
        except OSError:
            key.append((absolute, None, None))  # reported, with the file's name, when it is read
    return tuple(key)


def load_vocabulary(base: str | None = None, extra=()) -> Vocabulary:
    """Every concept of every scheme, with all its labels, plus the concepts and labels of the vocabulary files
    `extra` (`build --vocabulary`; see `add_vocabulary`). Cached per base IRI and files."""
    return _load_vocabulary(base_iri(base), vocabulary_key(extra))


@lru_cache(maxsize=4)
def _load_vocabulary(base: str, key: tuple) -> Vocabulary:
    vocabulary = _reference_vocabulary(base)
    for path, _, _ in key:
        add_vocabulary(vocabulary, Path(path))
    vocabulary.extra = tuple(path for path, _, _ in key)
    return vocabulary


def _reference_vocabulary(base: str) -> Vocabulary:
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


# -- your own vocabularies (build --vocabulary FILE) ------------------------------------------------------------

#: Schemes a vocabulary may add new concepts to; in the others (Action Lines, countries, stakeholder types) it may
#: only give existing concepts more labels. SDG labels come from the UN SDG KOS and are not extended.
NEW_CONCEPT_SCHEMES = ("topic", "event", "framework", "organization")
LABEL_SCHEMES = NEW_CONCEPT_SCHEMES + ("actionline", "country", "stakeholdertype")
VOCABULARY_COLUMNS = ("notation", "label")  # required; optional: scheme, alt_labels, description, lang, stakeholder_type
_NOTATION = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # shapes/concepts.ttl, shape:NotationKey
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_TITLES = ("http://purl.org/dc/terms/title", _SKOS + "prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")


def _vocabulary_slug(text: str) -> str:
    ascii_text = "".join(c for c in unicodedata.normalize("NFKD", text) if ord(c) < 128)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")


def add_vocabulary(vocabulary: Vocabulary, path: Path) -> None:
    """Add the concepts and labels of one vocabulary file to `vocabulary`: a CSV in the reference format
    (columns notation, label and optionally scheme, alt_labels, description, lang, stakeholder_type; like
    ontology/reference/topics.csv) or a SKOS Turtle file (.ttl). A row or SKOS concept whose notation (or IRI, or
    skos:exactMatch) is an existing concept's gives that concept more labels; any other is a new concept, a topic
    unless its `scheme` (or skos:inScheme `{base}scheme/event`, ...) says event, framework or organization, with
    the IRI `{base}topic/{notation}` and the file's own concept scheme `{base}vocabulary/{file stem}` besides its
    scheme's. A bad file raises ReferenceDataError naming the file, the row (or concept) and the problem."""
    path = Path(path)
    name = _vocabulary_slug(path.stem) or "vocabulary"
    scheme_iri = f"{vocabulary.base}vocabulary/{name}"
    if scheme_iri in vocabulary.vocabularies:
        raise ReferenceDataError(f"{path}: another vocabulary file is also named {name!r}; rename one of them")
    if path.suffix.lower() == ".csv":
        rows, label = _vocabulary_csv(path), path.stem
    elif path.suffix.lower() in (".ttl", ".turtle"):
        rows, label = _vocabulary_turtle(path, vocabulary)
    else:
        raise ReferenceDataError(f"{path}: a vocabulary is a CSV file (.csv, columns notation,label,...) or a SKOS "
                                 "Turtle file (.ttl)")
    vocabulary.vocabularies[scheme_iri] = {"label": label or name, "file": path.name}
    seen: dict[tuple[str, str], str] = {}
    for where, row in rows:
        _add_row(vocabulary, path, where, row, scheme_iri, seen)


def _vocabulary_csv(path: Path) -> list[tuple[str, dict]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in reader.fieldnames or []]
            missing = [c for c in VOCABULARY_COLUMNS if c not in columns]
            if missing:
                raise ReferenceDataError(
                    f"{path}: not a vocabulary CSV (missing column {', '.join(missing)}); give the columns "
                    "notation,label and optionally scheme,alt_labels,description,lang,stakeholder_type")
            rows = []
            for row in reader:
                if None in row:
                    raise ReferenceDataError(f"{path}:{reader.line_num}: more fields than the header has columns")
                rows.append((f"{path}:{reader.line_num}", {k.strip(): (v or "").strip() for k, v in row.items()}))
            return rows
    except OSError as err:
        raise ReferenceDataError(f"{path}: cannot read the vocabulary ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise ReferenceDataError(f"{path}: not UTF-8 text; convert the file to UTF-8") from None
    except csv.Error as err:
        raise ReferenceDataError(f"{path}: malformed CSV ({err})") from None


def _vocabulary_turtle(path: Path, vocabulary: Vocabulary) -> tuple[list[tuple[str, dict]], str]:
    """The skos:Concepts of a Turtle file as rows like the CSV's, and the title of its concept scheme."""
    import pyoxigraph as ox

    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except OSError as err:
        raise ReferenceDataError(f"{path}: cannot read the vocabulary ({err.strerror or err})") from None
    except (SyntaxError, ValueError) as err:
        raise ReferenceDataError(f"{path}: not valid Turtle ({' '.join(str(err).split())})") from None
    about: dict[str, list] = {}
    iris = set()
    for t in triples:
        about.setdefault(t.subject.value, []).append(t)
        if isinstance(t.subject, ox.NamedNode):
            iris.add(t.subject.value)
    concepts = [subject for subject, ts in about.items()
                if any(t.predicate.value == _RDF_TYPE and t.object.value == _SKOS + "Concept" for t in ts)]
    if not concepts:
        raise ReferenceDataError(f"{path}: no skos:Concept in the file; a SKOS vocabulary types each concept "
                                 "skos:Concept")
    schemes = sorted(subject for subject, ts in about.items()
                     if any(t.predicate.value == _RDF_TYPE and t.object.value == _SKOS + "ConceptScheme" for t in ts))
    title = ""
    for scheme in schemes[:1]:
        title = _literal(about[scheme], _TITLES) or ""
    keys = {f"{vocabulary.base}scheme/{key}": key for key in NEW_CONCEPT_SCHEMES}
    by_iri = {c.iri: c for c in vocabulary.concepts.values()}
    rows = []
    for subject in sorted(concepts):
        ts = about[subject]

        def values(predicate: str, lang: bool = False) -> list:
            found = [t.object for t in ts if t.predicate.value == _SKOS + predicate and isinstance(t.object, ox.Literal)]
            return [(o.value, o.language or "en") for o in found] if lang else [o.value for o in found]

        where = f"{path}: concept <{subject}>" if subject in iris else f"{path}: concept _:{subject}"
        matches = [t.object.value for t in ts if t.predicate.value == _SKOS + "exactMatch"]
        existing = by_iri.get(subject) or next((by_iri[m] for m in matches if m in by_iri), None)
        in_schemes = [keys[t.object.value] for t in ts if t.predicate.value == _SKOS + "inScheme"
                      and t.object.value in keys]
        pref = values("prefLabel", lang=True)
        langs = [lang for _, lang in pref]
        if len(set(langs)) != len(langs):
            raise ReferenceDataError(f"{where}: more than one skos:prefLabel in one language")
        notations = values("notation")
        row = {"labels": pref, "alt": values("altLabel", lang=True) + values("hiddenLabel", lang=True),
               "description": next(iter(values("definition")), ""), "match": subject if subject in iris else ""}
        if existing is not None:
            row.update(scheme=existing.scheme, notation=existing.notation)
        else:
            english = next((label for label, lang in pref if lang == "en"), pref[0][0] if pref else "")
            row.update(scheme=in_schemes[0] if in_schemes else "topic",
                       notation=notations[0] if notations else _vocabulary_slug(english))
        rows.append((where, row))
    return rows, title


def _literal(triples, predicates) -> str | None:
    import pyoxigraph as ox

    for predicate in predicates:
        found = sorted((t.object for t in triples if t.predicate.value == predicate and isinstance(t.object, ox.Literal)),
                       key=lambda o: (o.language not in ("en", None), o.value))
        if found:
            return found[0].value
    return None


def _add_row(vocabulary: Vocabulary, path: Path, where: str, row: dict, scheme_iri: str, seen: dict) -> None:
    scheme = (row.get("scheme") or "topic").strip().lower()
    notation = (row.get("notation") or "").strip()
    if scheme == "sdg":
        raise ReferenceDataError(f"{where}: SDG labels come from the UN SDG KOS; a vocabulary cannot add to them")
    if scheme not in LABEL_SCHEMES:
        raise ReferenceDataError(f"{where}: unknown scheme {scheme!r}; a vocabulary adds concepts to "
                                 f"{', '.join(NEW_CONCEPT_SCHEMES)} and labels to those and to "
                                 f"{', '.join(s for s in LABEL_SCHEMES if s not in NEW_CONCEPT_SCHEMES)}")
    if not notation:
        raise ReferenceDataError(f"{where}: no notation; give each concept one (such as quantum-ai)")
    if (scheme, notation) in seen:
        raise ReferenceDataError(f"{where}: {scheme} {notation!r} is given twice (first at {seen[(scheme, notation)]})")
    seen[(scheme, notation)] = where
    if "labels" in row:  # from Turtle: (label, language) pairs
        labels, alt = row["labels"], row["alt"]
    else:
        lang = (row.get("lang") or "en").strip() or "en"
        labels = [(row["label"], lang)] if row.get("label") else []
        alt = [(label, lang) for label in _split(row.get("alt_labels"))]
    for label, _ in labels + alt:
        if len(label.replace(" ", "")) < 2 or any(ord(c) < 32 for c in label):
            raise ReferenceDataError(f"{where}: label {label!r} is too short or holds control characters; it "
                                     "cannot be looked for in text")
    concept = vocabulary.get(scheme, notation)
    if concept is None:
        if scheme not in NEW_CONCEPT_SCHEMES:
            raise ReferenceDataError(f"{where}: no {SCHEME_TITLES[scheme]} concept {notation!r}; a vocabulary adds "
                                     f"new concepts only to {', '.join(NEW_CONCEPT_SCHEMES)}")
        if not _NOTATION.match(notation):
            suggestion = _vocabulary_slug(notation) or "quantum-ai"
            raise ReferenceDataError(f"{where}: notation {notation!r} must be lower-case words joined by hyphens "
                                     f"(such as {suggestion!r})")
        if not labels:
            raise ReferenceDataError(f"{where}: a new concept needs a label")
        segment = CSV_SCHEMES[scheme][1]
        concept = Concept(scheme=scheme, notation=notation, iri=f"{vocabulary.base}{segment}/{notation}",
                          labels={lang: label for label, lang in labels},
                          definition=(row.get("description") or "").strip() or None)
        concept.properties["vocabulary"] = scheme_iri
        if row.get("match") and row["match"] != concept.iri:
            concept.properties["exact_match"] = row["match"]
        if scheme == "organization" and row.get("stakeholder_type"):
            if vocabulary.get("stakeholdertype", row["stakeholder_type"]) is None:
                raise ReferenceDataError(f"{where}: unknown stakeholder type {row['stakeholder_type']!r}")
            concept.properties["stakeholder_type"] = row["stakeholder_type"]
        vocabulary.concepts[(scheme, notation)] = concept
        labels = []
    for label, lang in labels + alt:
        if concept.labels.get(lang) != label and (label, lang) not in concept.alt_labels:
            concept.alt_labels.append((label, lang))



def sdg_goal(concept: Concept) -> str:
    """The goal notation of an SDG goal or target ('4.4' -> '4')."""
    return concept.notation.split(".")[0]


__all__ = ["Concept", "Vocabulary", "add_vocabulary", "load_vocabulary", "MENTION_SCHEMES", "SDG", "sdg_goal"]
