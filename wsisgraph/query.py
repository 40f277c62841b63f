"""Stage 5: saved SPARQL queries (queries/NAME.rq) and their results in the formats analysts read.

A query file opens with `#+ ` lines that together are YAML, in the manner of grlc: summary, description, params
(name, type, default) and columns. Everything else is plain SPARQL, so the file runs in any SPARQL tool.
Parameters are bound as RDF terms through the store's substitutions (SEP-0007), never pasted into the text.
Results travel as W3C SPARQL 1.1 Query Results JSON (a dict), whatever store answered.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import data_path
from .errors import QueryError

FORMATS = ("table", "csv", "tsv", "json")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_UPDATE = re.compile(r"^\s*(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I | re.M)


@dataclass
class Param:
    name: str
    type: str = "string"  # string | notation | iri | integer
    default: Any = None
    description: str = ""


@dataclass
class SavedQuery:
    name: str
    path: Path
    sparql: str
    summary: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    def header(self) -> str:
        return "\n".join(line for line in self.path.read_text(encoding="utf-8").splitlines() if line.startswith("#+"))


def queries_dir() -> Path:
    return data_path("queries")


def parse_query_file(path: Path) -> SavedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise QueryError(f"{path}: cannot read the query ({err})") from None
    header = "\n".join(line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as err:
        raise QueryError(f"{path.name}: the '#+' header is not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(meta, dict):
        raise QueryError(f"{path.name}: the '#+' header must be a YAML mapping (summary:, params:, columns:)")
    params = []
    for item in meta.get("params") or []:
        if not isinstance(item, dict) or "name" not in item:
            raise QueryError(f"{path.name}: each entry of params needs a name")
        params.append(Param(name=item["name"], type=item.get("type", "string"), default=item.get("default"),
                            description=item.get("description", "")))
    return SavedQuery(name=path.stem, path=path, sparql=text, summary=str(meta.get("summary", "")).strip(),
                      description=str(meta.get("description", "")).strip(), params=params,
                      columns=list(meta.get("columns") or []))


def list_queries() -> list[SavedQuery]:
    return [parse_query_file(p) for p in sorted(queries_dir().glob("*.rq"))]


def get_query(name: str) -> SavedQuery:
    if not _NAME.match(name):
        raise QueryError(f"{name!r}: not a query name (letters, digits and hyphens); see `wsisgraph query --list`")
    path = queries_dir() / f"{name}.rq"
    if not path.exists():
        known = ", ".join(q.name for q in list_queries())
        raise QueryError(f"no saved query named {name!r}; known: {known}")
    return parse_query_file(path)


def check_read_only(sparql: str, where: str = "query") -> None:
    """Ad hoc SPARQL is for reading: an update form is refused before it reaches any store."""
    body = "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#"))
    if _UPDATE.search(body):
        raise QueryError(f"{where}: SPARQL updates are not allowed here; only SELECT, ASK, CONSTRUCT, DESCRIBE")


def bind_params(query: SavedQuery, given: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Check the given parameters against the header: name -> (type, value), defaults filled in."""
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise QueryError(f"{query.name}: unknown parameter {unknown[0]!r} (this query takes: {names})")
    bound = {}
    for name, param in declared.items():
        value = given.get(name, param.default)
        if value is None:
            raise QueryError(f"{query.name}: parameter {name!r} is required (--param {name}=VALUE)")
        value = str(value)
        if param.type == "integer" and not re.fullmatch(r"-?\d+", value):
            raise QueryError(f"{query.name}: parameter {name!r} must be an integer, not {value!r}")
        if param.type == "iri" and not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*", value):
            raise QueryError(f"{query.name}: parameter {name!r} must be an IRI, not {value!r}")
        bound[name] = (param.type, value)
    return bound


def resolve_notations(store, query: SavedQuery, bound: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Each `notation` parameter as the store holds it ("c7" -> "C7", "4" -> "4"^^sdgo:SDGCodeCompact), so the
    query matches it exactly; a notation no concept has is an error that says where to find the notations."""
    resolved = dict(bound)
    for name, (kind, value) in bound.items():
        if kind != "notation":
            continue
        lookup = (queries_dir() / "lookup" / "notation.rq").read_text(encoding="utf-8")
        rows = store.select(lookup, {"asked": ("string", value)})["results"]["bindings"]
        if not rows:
            raise QueryError(f"{query.name}: no concept has the notation {value!r}; list them with "
                             "`wsisgraph query concepts --param scheme=SCHEME`")
        term = rows[0]["notation"]
        resolved[name] = (f"typed:{term['datatype']}" if term.get("datatype") else "string", term["value"])
    return resolved


def resolve_document(store, asked: str) -> str:
    """The name of the built document that `asked` names: the name itself, or a path ending in it, as a user
    types it (`seeds/002_x.txt`, `./seeds/002_x.txt` or an absolute path for the document built as `002_x.txt`,
    the longest tail that names one). A name no document has is a QueryError."""
    from pathlib import PurePosixPath

    lookup = (queries_dir() / "lookup" / "document.rq").read_text(encoding="utf-8")
    parts = [part for part in PurePosixPath(asked.replace("\\", "/")).parts if part not in ("/", ".")]
    for candidate in dict.fromkeys([asked] + ["/".join(parts[i:]) for i in range(len(parts))]):
        if candidate and store.select(lookup, {"asked": ("string", candidate)})["results"]["bindings"]:
            return candidate
    raise QueryError(f"{asked}: no document of this name in the store; list them with "
                     "`wsisgraph query documents --store STORE`")


def paged(sparql: str, limit: int | None = None, offset: int | None = None) -> str:
    """The query with LIMIT and OFFSET after its solution modifiers: one page of a long listing (`mentions`,
    `evidence`, `documents` ...) in the query's own order."""
    for value, name in ((limit, "limit"), (offset, "offset")):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise QueryError(f"--{name} must be a whole number >= 0, not {value!r}")
    from .store import strip_comments

    if re.search(r"\b(LIMIT|OFFSET)\s+\d+\s*$", strip_comments(sparql), re.I):
        raise QueryError("this query already has a LIMIT or OFFSET; page it in its own text")
    tail = (f"\nLIMIT {limit}" if limit is not None else "") + (f"\nOFFSET {offset}" if offset else "")
    return sparql.rstrip() + tail + "\n" if tail else sparql


def run_query(store, name: str, params: dict[str, str] | None = None, *, limit: int | None = None,
              offset: int | None = None) -> dict:
    """Run a saved query on a store (embedded or remote); the W3C JSON results as a dict. `limit` and `offset`
    return one page of the rows, in the query's order."""
    query = get_query(name)
    return store.select(paged(query.sparql, limit, offset),
                        resolve_notations(store, query, bind_params(query, params or {})))


# -- formatting ------------------------------------------------------------------------------------------------

def _value(binding: dict | None) -> str:
    return "" if binding is None else str(binding.get("value", ""))


def rows(results: dict) -> tuple[list[str], list[list[str]]]:
    columns = list(results.get("head", {}).get("vars", []))
    return columns, [[_value(b.get(c)) for c in columns] for b in results.get("results", {}).get("bindings", [])]


def document_title(title: str = "", respondent: str = "", identifier: str = "", source: str = "") -> str:
    """How a document is named to people. Every response carries the questionnaire's title, so a response is
    named by its number and respondent ("Response 83: Ocgrow Group"); any other document by its title, else
    its file name."""
    if respondent:
        return f"Response {identifier}: {respondent}" if identifier else f"Response: {respondent}"
    return title or source or "(untitled)"


def records(results: dict) -> list[dict[str, str]]:
    """The rows of W3C JSON results as dicts of column -> value ("" where unbound)."""
    columns, table = rows(results)
    return [dict(zip(columns, row)) for row in table]


def format_results(results: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(results, ensure_ascii=False, indent=1) + "\n"
    if "boolean" in results:
        return ("true" if results["boolean"] else "false") + "\n"
    columns, table = rows(results)
    if fmt in ("csv", "tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(table)
        return out.getvalue()
    if fmt == "table":
        return format_table(columns, table)
    raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


#: Characters a terminal acts on instead of printing (C0 and C1 controls, DEL, bidirectional overrides and
#: isolates that reorder what follows): shown as \x1b or \u202e in a table, so a document cannot drive the terminal.
_TERMINAL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    return _TERMINAL_CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def format_table(columns: list[str], table: list[list[str]], width: int = 60) -> str:
    """A plain aligned table; long cells are cut with an ellipsis so rows stay on one line, and terminal control
    characters are escaped."""
    cut = [[c if len(c) <= width else c[: width - 1] + "…" for c in (_printable(" ".join(v.split())) for v in row)]
           for row in table]
    widths = [max([len(col)] + [len(r[i]) for r in cut]) for i, col in enumerate(columns)]
    lines = ["  ".join(col.ljust(w) for col, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cut]
    lines.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
    return "\n".join(lines) + "\n"
