"""Stage 6: the graph in standard RDF syntaxes, written by pyoxigraph's streaming serialisers.

Quad formats (TriG, N-Quads) keep one named graph per document plus the schemes, matrix and statistics graphs; triple
formats (Turtle, N-Triples, JSON-LD) get the union of all graphs, one subject at a time in IRI order, so two
exports of the same store are byte for byte the same. Output goes to a temporary file beside the target, renamed
into place only when complete, so a failed export never leaves half a file.

JSON-LD: pyoxigraph 0.5 writes expanded JSON-LD only (full IRIs as keys; `prefixes` are ignored), so compact
JSON-LD is written here, streaming: `JsonLdCompactor` turns one subject's triples into one node object using
the context of `ontology/context.jsonld` (short keys such as `prefLabel`, `hasBody`, `isPartOf`, compact IRIs
such as `oa:start` for the rest), and the nodes are written one per line into `@graph`. No rdflib on this path.
"""
from __future__ import annotations

import copy
import glob
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import IO, Iterable, Iterator

import pyoxigraph as ox

from .errors import ExportError
from .namespaces import PREFIXES, base_iri
from .outdir import _alive

#: format name -> (pyoxigraph format, keeps named graphs); aliases map to the same writer.
FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ttl": (ox.RdfFormat.TURTLE, False),
    "trig": (ox.RdfFormat.TRIG, True),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
    "json-ld": (ox.RdfFormat.JSON_LD, False),
}

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING, _XSD_INTEGER, _XSD_BOOLEAN = _XSD + "string", _XSD + "integer", _XSD + "boolean"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]{0,14}")  # canonical, and exact as a JSON number (< 2**53)


# -- the union graph, grouped by subject ------------------------------------------------------------------------

def term_key(term) -> tuple:
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "", "")
    return (2, term.value, term.language or "", term.datatype.value if term.datatype else "")


def subjects(store: ox.Store) -> list:
    """Every distinct subject of the store's graphs, in a stable order (IRIs first, by IRI)."""
    found = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return sorted((solution[0] for solution in found), key=term_key)


def describe(store: ox.Store, subject) -> list[ox.Triple]:
    """The triples with this subject in any graph, each once, sorted by predicate then object."""
    triples = {quad.triple for quad in store.quads_for_pattern(subject, None, None, None)}
    return sorted(triples, key=lambda t: (t.predicate.value, term_key(t.object)))


def grouped_triples(store: ox.Store) -> Iterator[tuple[object, list[ox.Triple]]]:
    """(subject, its triples) for the union of all graphs: only one subject's triples are held at a time."""
    for subject in subjects(store):
        yield subject, describe(store, subject)


def store_base(store: ox.Store, default: str | None = None) -> str:
    """The base IRI a store was built with, read from the name of its `{base}graph/schemes` graph."""
    for graph in store.named_graphs():
        if isinstance(graph, ox.NamedNode) and graph.value.endswith("graph/schemes"):
            return graph.value[: -len("graph/schemes")]
    return base_iri(default)


# -- compact JSON-LD ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def load_context() -> dict:
    """The `@context` object of ontology/context.jsonld."""
    from . import data_path

    path = data_path("ontology", "context.jsonld")
    try:
        return json.loads(path.read_text(encoding="utf-8"))["@context"]
    except (OSError, ValueError, KeyError) as err:
        raise ExportError(f"{path}: cannot read the JSON-LD context ({err})") from None


class JsonLdCompactor:
    """Compacts one subject's triples into a JSON-LD node object, with the project's context.

    Keys are the context's terms where one matches the predicate (and the value fits its coercion), else
    compact IRIs `prefix:local`, else full IRIs; values are plain strings, numbers and booleans where that is
    exact, value objects otherwise. `used` collects the context entries the nodes need, so a small file can
    carry only those (`context(only_used=True)`).
    """

    def __init__(self, context: dict | None = None):
        self._context = context if context is not None else load_context()
        self.prefixes: dict[str, str] = {}
        for key, value in self._context.items():
            if isinstance(value, str) and ":" not in key and value.endswith(("/", "#")) and "://" in value:
                self.prefixes[key] = value
        # longest namespace first, so `sdgo:` wins over `sdg:` for http://metadata.un.org/sdg/ontology#Goal
        self._namespaces = sorted(((ns, p) for p, ns in self.prefixes.items()), key=lambda x: -len(x[0]))
        self.terms: dict[str, tuple[str, str | None]] = {}  # predicate or class IRI -> (key, coercion)
        self.aliases = {value: key for key, value in self._context.items() if value in ("@id", "@type")}
        for key, value in self._context.items():
            if key in self.prefixes or key in self.aliases.values():
                continue
            if isinstance(value, str):
                self.terms.setdefault(self._expand(value), (key, None))
            elif isinstance(value, dict) and "@id" in value:
                coercion = value.get("@type")
                if coercion and coercion != "@id":
                    coercion = self._expand(coercion)
                self.terms.setdefault(self._expand(value["@id"]), (key, coercion))
        self.used: set[str] = set()

    def fresh(self) -> "JsonLdCompactor":
        """A compactor sharing this one's tables, with nothing used yet (building the tables is the slow part)."""
        clone = copy.copy(self)
        clone.used = set()
        return clone

    def _expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        return self.prefixes[prefix] + local if prefix in self.prefixes and not local.startswith("//") else value

    @property
    def id_key(self) -> str:
        return self.aliases.get("@id", "@id")

    @property
    def type_key(self) -> str:
        return self.aliases.get("@type", "@type")

    def iri(self, value: str) -> str:
        """A compact IRI where a prefix fits, else the IRI itself."""
        for namespace, prefix in self._namespaces:
            if value.startswith(namespace):
                local = value[len(namespace):]
                if local and not local.startswith("//"):
                    self.used.add(prefix)
                    return f"{prefix}:{local}"
        return value

    def _ref(self, term) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.iri(term.value)

    def _literal(self, term: ox.Literal, natives: bool = True):
        datatype = term.datatype.value if term.datatype else _XSD_STRING
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if datatype == _XSD_STRING:
            return term.value
        if natives and datatype == _XSD_BOOLEAN and term.value in ("true", "false"):
            return term.value == "true"
        if natives and datatype == _XSD_INTEGER and _CANONICAL_INT.fullmatch(term.value):
            return int(term.value)
        return {"@value": term.value, "@type": self.iri(datatype)}

    def _value(self, term, coercion: str | None):
        if isinstance(term, (ox.NamedNode, ox.BlankNode)):
            if coercion == "@id":
                return self._ref(term)
            return {self.id_key: self._ref(term)}
        if coercion is None:
            return self._literal(term)
        datatype = term.datatype.value if term.datatype else _XSD_STRING
        if coercion != "@id" and not term.language and datatype == coercion:
            return term.value
        value = self._literal(term, natives=False)
        return value if isinstance(value, dict) else {"@value": value}  # an explicit value object ignores coercion

    def _key(self, predicate: str) -> tuple[str, str | None]:
        term = self.terms.get(predicate)
        if term is not None:
            self.used.add(term[0])
            return term
        return self.iri(predicate), None

    def node(self, subject, triples: Iterable[ox.Triple]) -> dict:
        """The node object of `subject`, given its triples."""
        node: dict = {self.id_key: self._ref(subject)}
        types: list[str] = []
        properties: dict[str, list] = {}
        for triple in triples:
            predicate, obj = triple.predicate.value, triple.object
            if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
                term = self.terms.get(obj.value)
                if term is not None:
                    self.used.add(term[0])
                types.append(term[0] if term else self.iri(obj.value))
                continue
            key, coercion = self._key(predicate)
            properties.setdefault(key, []).append(self._value(obj, coercion))
        if self.type_key != "@type" and types:
            self.used.add(self.type_key)
        if self.id_key != "@id":
            self.used.add(self.id_key)
        if types:
            node[self.type_key] = types[0] if len(types) == 1 else types
        for key, values in properties.items():
            node[key] = values[0] if len(values) == 1 else values
        return node

    def context(self, only_used: bool = False) -> dict:
        """The context: whole, or only the entries (and the prefixes those need) used so far."""
        if not only_used:
            return dict(self._context)
        keep = set(self.used)
        for key in list(keep):
            value = self._context.get(key)
            texts = [value] if isinstance(value, str) else list(value.values()) if isinstance(value, dict) else []
            for text in texts:
                prefix = text.partition(":")[0]
                if prefix in self.prefixes:
                    keep.add(prefix)
        return {key: value for key, value in self._context.items() if key in keep}


@lru_cache(maxsize=1)
def _shared_compactor() -> JsonLdCompactor:
    return JsonLdCompactor()


def write_jsonld(groups: Iterable[tuple[object, list[ox.Triple]]], output: IO[bytes],
                 compactor: JsonLdCompactor | None = None) -> None:
    """Compact JSON-LD: the context, then one node object per line in `@graph`."""
    compactor = compactor or JsonLdCompactor()
    context = json.dumps(compactor.context(), ensure_ascii=False, indent=2).replace("\n", "\n  ")
    output.write(b'{\n  "@context": ' + context.encode("utf-8") + b',\n  "@graph": [')
    first = True
    for subject, triples in groups:
        line = json.dumps(compactor.node(subject, triples), ensure_ascii=False, separators=(", ", ": "))
        output.write((b"\n    " if first else b",\n    ") + line.encode("utf-8"))
        first = False
    output.write(b"\n  ]\n}\n")


def jsonld_document(groups: Iterable[tuple[object, list[ox.Triple]]]) -> dict:
    """A small compact JSON-LD document with only the context entries it uses (for per-resource files)."""
    compactor = _shared_compactor().fresh()
    nodes = [compactor.node(subject, triples) for subject, triples in groups]
    if len(nodes) == 1:
        return {"@context": compactor.context(only_used=True), **nodes[0]}
    return {"@context": compactor.context(only_used=True), "@graph": nodes}


# -- writing -----------------------------------------------------------------------------------------------------

def used_prefixes(terms: Iterable[str]) -> dict[str, str]:
    """The entries of PREFIXES whose namespace starts one of these IRIs (for small files)."""
    found = {}
    for value in terms:
        for prefix, namespace in PREFIXES.items():
            if value.startswith(namespace):
                found[prefix] = namespace
    return found


def _write(store: ox.Store, fmt: str, output: IO[bytes]) -> None:
    rdf_format, quads = FORMATS[fmt]
    if rdf_format == ox.RdfFormat.JSON_LD:
        write_jsonld(grouped_triples(store), output)
        return
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if quads:
        store.dump(output, rdf_format, prefixes=prefixes)
    else:  # the union of all graphs, each triple once, subject by subject
        triples = (triple for _, group in grouped_triples(store) for triple in group)
        ox.serialize(triples, output, rdf_format, prefixes=prefixes)


def _remove_leftovers(folder: Path, name: str) -> None:
    """Remove the temporary files that killed writes of `name` left in `folder` (their process is gone)."""
    for leftover in folder.glob(f".{glob.escape(name)}.*.tmp"):
        pid = leftover.name[len(name) + 2:].split(".", 1)[0]
        if pid.isascii() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def write_atomically(target: str | Path, write) -> Path:
    """Call write(temporary_path) for a file beside TARGET, then rename it onto TARGET: all or nothing, and a
    failed write leaves no temporary file behind."""
    target = Path(target)
    if target.is_dir():
        raise ExportError(f"{target}: is a folder; give a file path to --out")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{target}: folder {folder} does not exist; create it first")
    _remove_leftovers(folder, target.name)
    try:  # the writer's process id in the name: a later run knows the file of a killed one
        handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise ExportError(f"{target}: cannot write in {folder} ({err.strerror or err})") from None
    os.close(handle)
    try:
        write(tmp)
        # mkstemp creates files 0600; give the result the mode any new file gets (a web server must read it)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise ExportError(f"{target}: cannot write ({err.strerror or err})") from None
        raise
    return target


#: file extension -> format, for `--out FILE` without `--format`
EXTENSIONS = {".ttl": "turtle", ".turtle": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nq", ".jsonld": "jsonld",
              ".json": "jsonld"}


def format_for(out: str | Path, fmt: str | None) -> str:
    """The format to write: as given, else from the extension of `out` (Turtle for `-`, stdout)."""
    if fmt:
        return fmt
    if str(out) == "-":
        return "turtle"
    suffix = Path(out).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ExportError(f"{out}: cannot tell the RDF format from the extension {suffix or '(none)'}; give --format "
                          f"({', '.join(sorted(set(EXTENSIONS.values())))}) or name the file {', '.join(EXTENSIONS)}")
    return EXTENSIONS[suffix]


def export(store, fmt: str, out: str | Path | IO[bytes]) -> None:
    """Write the whole graph of `store` (an EmbeddedStore) in `fmt` to a file path or a binary stream."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(sorted(FORMATS))}")
    if hasattr(out, "write"):
        _write(store.store, fmt, out)
        return

    def write(tmp: str) -> None:
        with open(tmp, "wb") as output:
            _write(store.store, fmt, output)

    write_atomically(out, write)
