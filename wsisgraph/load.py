"""Stage 1: find the files, read their bytes, decode them and sniff their kind from the content.

A file's extension says nothing about its kind (the seeds are `.txt` files holding WordPress JSON or Markdown),
so `sniff_kind` looks at the text itself. Every failure becomes a `DocumentError` naming the file.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import DocumentError

#: Kinds of document, in the order they are tried; each has a reader module under wsisgraph/readers.
KINDS = ("wordpress-json", "questionnaire-md", "html", "text")

#: Files larger than this are refused: no WSIS document comes near it, and reading one would eat memory.
MAX_BYTES = 50 * 1024 * 1024
#: JSON nested deeper than this is refused before parsing (Python's parser would hit its recursion limit).
MAX_JSON_DEPTH = 200

_QUESTIONNAIRE_MARKERS = re.compile(
    r"call for inputs|organi[sz]ation (?:name|type|country)|name of (?:the )?organi[sz]ation|"
    r"type of organi[sz]ation|stakeholder (?:type|group|category)",
    re.IGNORECASE,
)
_HTML_MARKERS = re.compile(r"<(?:html|body|p|div|h[1-6]|article|section)\b[^<>]*>", re.IGNORECASE)


@dataclass
class Document:
    """One source file, decoded: `name` is its path relative to the folder it was found in."""

    path: Path
    name: str
    text: str
    sha256: str
    kind: str
    json: Any = None  # the parsed JSON, for wordpress-json
    warnings: list[str] = field(default_factory=list)
    format: str | None = None  # "pdf" or "docx" when `text` was extracted from such a file (see read_binary)


#: The file `publish` leaves in a site folder it wrote (wsisgraph.publish marks its sites with it).
SITE_MARKER = ".wsisgraph-site"


def shown(name: str | Path) -> str:
    """A name or path as it can be printed: bytes of a file name that is not UTF-8 (Python keeps them as lone
    surrogates) as `\\xe9` escapes."""
    return str(name).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def iter_paths(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str]]:
    """(file, name) for every file under the given files and folders, recursively, in a stable order.

    Hidden files and folders (`.git`, `.DS_Store`) are skipped. A path that does not exist raises. A folder
    holding a site `publish` wrote (marked by `.wsisgraph-site`) is one entry, which `load_document` refuses on
    one line, instead of thousands of pages. The name is the document's key and IRI, so two different files of
    the same name (`build d1 d2`, both holding `x.txt`) raise, naming both; the same file given twice is kept once.
    """
    seen: dict[str, Path] = {}
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise DocumentError(f"{shown(given)}: no such file or folder")
        for path, name in _files_under(root):
            first = seen.get(name)
            if first is None:
                seen[name] = path
                yield path, name
            elif not _same_file(first, path):
                raise DocumentError(
                    f"{shown(first)} and {shown(path)}: two different files named {shown(name)}, which would be one "
                    "document (one IRI); build the folder that holds both, so that each is named by its path under "
                    "it, or rename one")


def _files_under(root: Path) -> Iterator[tuple[Path, str]]:
    if root.is_file() or (root / SITE_MARKER).is_file():
        yield root, root.name
        return
    entries = sorted(root.rglob("*"))
    sites = {path.parent for path in entries if path.name == SITE_MARKER and path.is_file()}
    for path in entries:
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or any(parent in sites for parent in path.parents):
            continue
        if path in sites or path.is_file():
            yield path, rel.as_posix()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16/32; anything else is refused, never guessed.

    Guessing a legacy code page would silently corrupt names such as `Côte d'Ivoire`; refusing tells the user
    to convert the file, which is what they need to do anyway.
    """
    if not data.strip():
        raise DocumentError(f"{name}: empty file; remove it or give it content")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        nul = data.find(b"\x00")
        if nul >= 0:
            raise DocumentError(f"{name}: binary file (NUL byte at offset {nul}); give a text document")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        if encoding != "utf-8-sig":  # random bytes after a BOM are almost never valid UTF-16/32
            raise DocumentError(f"{name}: binary file behind a {encoding.upper()} byte-order mark (no {encoding.upper()} "
                                f"text at offset {err.start}); give a text document") from None
        raise DocumentError(
            f"{name}: not {encoding.replace('-sig', '')} text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "convert the file to UTF-8"
        ) from None
    if encoding != "utf-8-sig":
        odd = _binary_characters(text)
        if odd:
            raise DocumentError(f"{name}: binary file behind a {encoding.upper()} byte-order mark ({odd} of its first "
                                f"{min(len(text), _SNIFF_CHARACTERS)} characters are control, private-use or "
                                "unassigned code points); give a text document")
    if "\x00" in text:
        raise DocumentError(f"{name}: text contains NUL characters; give a clean text document")
    return text


_SNIFF_CHARACTERS = 8192


def _binary_characters(text: str) -> int:
    """How many of the first characters no text holds (controls other than line breaks and tabs, private-use and
    unassigned code points, NUL), when they are more than 1% of them (at least 4); else 0. Binary bytes read as
    UTF-16 spread over the whole code space, where a tenth is private use or unassigned; text has next to none."""
    import unicodedata

    head = text[:_SNIFF_CHARACTERS]
    odd = sum(1 for c in head if unicodedata.category(c) in ("Cc", "Co", "Cn") and c not in "\t\n\r\f\v\x85")
    return odd if odd >= max(4, len(head) // 100) else 0


def _json_depth_ok(text: str) -> bool:
    """A cheap bracket count (strings included, which only overestimates) guarding json.loads' recursion."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return False
        elif ch in "]}":
            depth -= 1
    return True


def is_wordpress_object(obj: Any) -> bool:
    """A page or post as /wp-json/wp/v2/pages|posts returns it: `content` or `title` with `rendered`."""
    return isinstance(obj, dict) and any(
        isinstance(obj.get(key), dict) and "rendered" in obj[key] for key in ("content", "title")
    )


def sniff_kind(text: str, name: str = "<text>") -> tuple[str, Any]:
    """The document kind read from the content, and the parsed JSON when it is JSON."""
    head = text.lstrip()
    output = _wsisgraph_output(head)
    if output:
        raise DocumentError(f"{name}: {output}")
    if head[:1] in ("{", "["):
        if not _json_depth_ok(head):
            raise DocumentError(f"{name}: JSON nested deeper than {MAX_JSON_DEPTH} levels; not a WordPress document")
        try:
            data = json.loads(head)
        except json.JSONDecodeError as err:
            raise DocumentError(
                f"{name}: malformed JSON ({err.msg} at line {err.lineno}, column {err.colno}); "
                "check that the file is complete"
            ) from None
        except RecursionError:
            raise DocumentError(f"{name}: JSON nested too deeply; not a WordPress document") from None
        if _SURROGATE_ESCAPE.search(head):
            _refuse_lone_surrogates(data, name)
        items = data if isinstance(data, list) else [data]
        if items and all(is_wordpress_object(item) for item in items):
            return "wordpress-json", data
        what = "an empty list" if not items else f"a JSON {type(data).__name__}"
        raise DocumentError(
            f"{name}: {what} that is not a WordPress page, post or list of them "
            "(expected objects with title.rendered / content.rendered)"
        )
    if _QUESTIONNAIRE_MARKERS.search(text[:4000]):
        return "questionnaire-md", None
    if _HTML_MARKERS.search(text[:4000]):
        return "html", None
    return "text", None


#: Word-processor files, told by their first bytes: (magic, format). A DOCX is a ZIP holding word/document.xml;
#: readers/docx.py checks that and names what any other ZIP is.
BINARY_FORMATS = ((b"%PDF-", "pdf"), (b"PK\x03\x04", "docx"), (b"PK\x05\x06", "docx"))
MEDIA_TYPES = {"pdf": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_binary(data: bytes, name: str) -> dict | None:
    """For a PDF or DOCX file: its text as Markdown (readers/blocks.py), the kind sniffed from that text
    (`questionnaire-md` or `text`), the format and warnings; None for any other file (then decoded as text)."""
    head = data[:1024].lstrip()
    fmt = next((fmt for magic, fmt in BINARY_FORMATS if head.startswith(magic)), None)
    if fmt is None:
        if data.startswith(_OLE2):
            raise DocumentError(f"{name}: an old Microsoft Office file (Word 97-2003 .doc or Excel .xls); "
                                "save it as DOCX or PDF")
        return None
    from .readers.blocks import to_markdown

    if fmt == "pdf":
        from .readers.pdf import pdf_blocks as blocks_of
    else:
        from .readers.docx import docx_blocks as blocks_of
    blocks, warnings = blocks_of(data, name)
    text = to_markdown(blocks)
    kind = "questionnaire-md" if _QUESTIONNAIRE_MARKERS.search(text[:4000]) else "text"
    if kind == "text":  # the text reader keeps `**` as written: give it the plain text
        text = to_markdown(blocks, emphasis=False)
    return {"text": text, "kind": kind, "format": fmt, "warnings": warnings}


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(data: Any, name: str) -> None:
    """A `\\ud800` escape without its pair parses into a lone surrogate, which is not Unicode text: no literal or
    IRI can hold it, and lxml cuts a title at it. Refused, naming the field."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                stack.append((f"{where}.{shown(key)}" if where else shown(key), item))
                stack.append((f"{where} key" if where else "key", key))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as err:
                raise DocumentError(
                    f"{name}: {where or 'the JSON string'} holds a lone surrogate \\u{ord(value[err.start]):04x} "
                    f"(a broken \\u escape at character {err.start}), which is not Unicode text; fix the export"
                ) from None


#: Written by wsisgraph (or RDF, which no source document is): recognised from the first characters of a file.
_OUTPUTS = [
    (re.compile(r"<meta\s+name=[\"']generator[\"']\s+content=[\"']wsisgraph", re.I),
     "an HTML page wsisgraph wrote (the report, a page of a published site or a network view)"),
    (re.compile(r"; made by wsisgraph \S+ on "), "the analyst report wsisgraph wrote"),
    (re.compile(r"\A(?:<\?xml[^<>]*>\s*)?(?:<!--[^<>]*-->\s*)*<(?:graphml|gexf)\b"),
     "a network file (GraphML or GEXF) as `wsisgraph network` writes"),
    (re.compile(r"\A(?:<\?xml[^<>]*>\s*)?(?:<!--[^<>]*-->\s*)*(?:<!DOCTYPE svg[^<>]*>\s*)?<svg\b"), "an SVG image"),
    (re.compile(r"\A(?:#[^\n]*\n\s*)*(?:@prefix[ \t]+[\w-]*:[ \t]*<|@base[ \t]+<|PREFIX[ \t]+[\w-]*:[ \t]*<|BASE[ \t]+<)"),
     "RDF (Turtle or TriG), as `wsisgraph export` writes"),
    (re.compile(r"\A(?:#[^\n]*\n\s*)*(?:<[a-zA-Z][\w+.-]*:[^<>\s]*>|_:\S+)[ \t]+<[a-zA-Z][\w+.-]*:[^<>\s]*>[ \t]"
                r"[^\n]*\.[ \t]*$", re.M),
     "RDF (N-Triples or N-Quads), as `wsisgraph export` writes"),
    (re.compile(r"\A[\[{]\s*(?:\{\s*)?\"@(?:context|graph|id)\""), "RDF (JSON-LD), as `wsisgraph export` writes"),
    (re.compile(r"\A\{\s*\"directed\":\s*(?:true|false),\s*\"multigraph\""),
     "a network file (node-link JSON) as `wsisgraph network` writes"),
]


def _wsisgraph_output(head: str) -> str | None:
    """What wsisgraph output (or RDF) a text is, from its first 4,000 characters, or None for a document."""
    start = head[:4000]
    for pattern, what in _OUTPUTS:
        if pattern.search(start):
            return f"{what}, not a source document; move it out of the documents folder"
    return None


def load_document(path: Path, name: str | None = None) -> Document:
    """Read, decode and sniff one file."""
    name = name or path.name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as err:
        raise DocumentError(f"{shown(name)}: the file name is not UTF-8 (byte 0x{ord(name[err.start]) - 0xDC00:02x}), "
                            "so it cannot name the document; rename the file") from None
    if path.is_dir() and (path / SITE_MARKER).is_file():
        raise DocumentError(f"{name}/: a linked-data site wsisgraph published (it holds {SITE_MARKER}), not source "
                            "documents; skipped as a whole")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DocumentError(f"{name}: {size} bytes, more than the {MAX_BYTES} a document may have")
        data = path.read_bytes()
    except OSError as err:
        raise DocumentError(f"{name}: cannot read ({err.strerror or err})") from None
    binary = read_binary(data, name)
    if binary is not None:
        return Document(path=path, name=name, sha256=hashlib.sha256(data).hexdigest(), **binary)
    text = decode(data, name)
    kind, parsed = sniff_kind(text, name)
    return Document(path=path, name=name, text=text, sha256=hashlib.sha256(data).hexdigest(), kind=kind, json=parsed)


def iter_documents(paths: Iterable[str | Path]) -> Iterator[Document]:
    """Every document under `paths`, loaded; the first bad file raises `DocumentError`."""
    for path, name in iter_paths(paths):
        yield load_document(path, name)
