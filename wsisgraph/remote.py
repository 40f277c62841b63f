"""The remote side of the store: any SPARQL 1.1 query endpoint, the Graph Store HTTP Protocol (push), and where
the Oxigraph server program is (`serve.py` runs it). `store.py` re-exports these names.

Every HTTP exchange with a remote server has a total deadline (connecting, sending, waiting and reading, however
slowly the server drips its bytes) and a limit on the size of the answer; either ends the exchange with one line.
Both default to generous values and can be set with $WSISGRAPH_REMOTE_TIMEOUT (seconds) and
$WSISGRAPH_REMOTE_MAX_MB. A URL may carry a user and password (http://USER:PASSWORD@HOST/...), answered with HTTP
Basic or Digest authentication as the server asks (Virtuoso's /sparql-graph-crud-auth asks for Digest); the
password never appears in a message.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from .errors import QueryError, StoreError
from .store import _SPARQL_TOKENS, bind_as_values, open_store, strip_comments, with_prefixes

DEFAULT_TIMEOUT = 300.0  # seconds for one whole HTTP exchange
DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # the largest answer read from a server
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + name for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                      "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedLong",
                                      "unsignedInt", "unsignedShort", "unsignedByte")}
_DECIMALS = {_XSD + "decimal", _XSD + "double", _XSD + "float"}
_URL = re.compile(r"https?://[^\s/]+", re.I)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def remote_limits(timeout: float | None = None, max_bytes: int | None = None) -> tuple[float, int]:
    """The deadline and size limit of one HTTP exchange: the given values, else the environment's, else defaults."""
    if timeout is None:
        raw = os.environ.get("WSISGRAPH_REMOTE_TIMEOUT", "").strip()
        try:
            timeout = float(raw) if raw else DEFAULT_TIMEOUT
        except ValueError:
            raise StoreError(f"WSISGRAPH_REMOTE_TIMEOUT={raw!r}: not a number of seconds") from None
    if max_bytes is None:
        raw = os.environ.get("WSISGRAPH_REMOTE_MAX_MB", "").strip()
        try:
            max_bytes = int(float(raw) * 1024 * 1024) if raw else DEFAULT_MAX_BYTES
        except ValueError:
            raise StoreError(f"WSISGRAPH_REMOTE_MAX_MB={raw!r}: not a number of megabytes") from None
    if not timeout > 0 or not max_bytes > 0:
        raise StoreError(f"the remote deadline ({timeout} s) and answer limit ({max_bytes} bytes) must be positive")
    return float(timeout), int(max_bytes)


def display_url(url: str) -> str:
    """The URL as messages show it: without the password it may carry."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


# -- HTTP with a total deadline and a size limit -----------------------------------------------------------------

@dataclass
class Response:
    status: int
    reason: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        """The body as one short line of text (tags of an HTML error page dropped)."""
        text = self.body[:20000].decode("utf-8", "replace")
        if "html" in self.content_type or text.lstrip().startswith("<"):
            text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", text, flags=re.S | re.I)
        return _one_line(text)


@dataclass
class _Auth:
    """The user and password of a URL, and the server's last Digest challenge (reused with a growing count)."""
    user: str
    password: str
    challenge: dict[str, str] | None = None
    scheme: str = ""
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_url(cls, url: str) -> "_Auth | None":
        parts = urllib.parse.urlsplit(url)
        if parts.username is None:
            return None
        return cls(urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))

    def learn(self, header: str) -> bool:
        """Take the server's WWW-Authenticate challenge; False if it is of a kind we cannot answer."""
        scheme = header.split(None, 1)[0].lower() if header.strip() else ""
        if scheme not in ("basic", "digest"):
            return False
        with self.lock:
            self.scheme = scheme
            self.challenge = {k.lower(): (v1 if v1 is not None else v2) for k, v1, v2 in
                              re.findall(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', header)}
            self.count = 0
        return True

    def header(self, method: str, target: str) -> str | None:
        import base64

        with self.lock:
            if self.scheme == "basic":
                return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if self.scheme != "digest" or not self.challenge:
                return None
            self.count += 1
            c = self.challenge
            algorithm = c.get("algorithm", "MD5")
            digest = {"md5": hashlib.md5, "sha-256": hashlib.sha256}.get(algorithm.lower().removesuffix("-sess"))
            if digest is None:
                return None

            def h(text: str) -> str:
                return digest(text.encode()).hexdigest()

            cnonce = os.urandom(8).hex()
            ha1 = h(f"{self.user}:{c.get('realm', '')}:{self.password}")
            if algorithm.lower().endswith("-sess"):
                ha1 = h(f"{ha1}:{c.get('nonce', '')}:{cnonce}")
            ha2 = h(f"{method}:{target}")
            qop = "auth" if "auth" in [q.strip() for q in c.get("qop", "").split(",")] else ""
            nc = f"{self.count:08x}"
            answer = h(f"{ha1}:{c.get('nonce', '')}:{nc}:{cnonce}:{qop}:{ha2}") if qop else \
                h(f"{ha1}:{c.get('nonce', '')}:{ha2}")
            fields = [f'username="{self.user}"', f'realm="{c.get("realm", "")}"', f'nonce="{c.get("nonce", "")}"',
                      f'uri="{target}"', f'response="{answer}"', f"algorithm={algorithm}"]
            if qop:
                fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
            if "opaque" in c:
                fields.append(f'opaque="{c["opaque"]}"')
            return "Digest " + ", ".join(fields)


def exchange(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
             timeout: float, max_bytes: int, service: str, auth: _Auth | None = None,
             where: str | None = None) -> Response:
    """One HTTP request and its whole answer, within `timeout` seconds in all and `max_bytes` of body; follows up
    to three redirects and answers one authentication challenge. Any failure is a StoreError of one line that
    names the URL, or `where` (`service` says what was expected there, e.g. "SPARQL endpoint")."""
    where = where or display_url(url)
    deadline = time.monotonic() + timeout
    answered = False
    for _ in range(5):
        parts = urllib.parse.urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = dict(headers or {})
        sent.setdefault("User-Agent", "wsisgraph")
        if auth is not None:
            authorization = auth.header(method, target)
            if authorization:
                sent["Authorization"] = authorization
        response = _once(parts, method, target, body, sent, deadline, timeout, max_bytes, where, service)
        if response.status == 401 and auth is not None and not answered:
            answered = True
            if auth.learn(response.headers.get("www-authenticate", "")):
                continue
        if response.status in (301, 302, 303, 307, 308) and response.headers.get("location"):
            url = urllib.parse.urljoin(url, response.headers["location"])
            if not _URL.match(url):
                raise StoreError(f"{where}: redirected to {display_url(url)}, which is not an http(s) URL")
            continue
        return response
    raise StoreError(f"{where}: too many redirects or authentication rounds")


def _once(parts, method, target, body, headers, deadline, timeout, max_bytes, where, service) -> Response:
    remaining = deadline - time.monotonic()
    late = StoreError(f"{where}: no complete answer within {timeout:g} s; the server is too slow or stalled "
                      "(set WSISGRAPH_REMOTE_TIMEOUT to wait longer)")
    if remaining <= 0:
        raise late
    big = StoreError(f"{where}: the answer is larger than {max_bytes / 1048576:g} MB; stopped reading "
                     "(set WSISGRAPH_REMOTE_MAX_MB to accept more)")
    secure = parts.scheme.lower() == "https"
    try:
        connection = (http.client.HTTPSConnection if secure else http.client.HTTPConnection)(
            parts.hostname or "", parts.port, timeout=remaining)
    except (http.client.InvalidURL, ValueError) as err:
        raise StoreError(f"{where}: not a usable URL ({_one_line(err)})") from None
    expired = threading.Event()

    def expire() -> None:  # the total deadline: unblock whatever read or write is waiting on the socket
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(remaining, expire)
    timer.daemon = True
    timer.start()
    try:
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        declared = answer.getheader("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > max_bytes:
            raise big
        chunks, size = [], 0
        while True:
            chunk = answer.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise big
            chunks.append(chunk)
        if expired.is_set():  # the deadline cut the body short
            raise late
        return Response(answer.status, answer.reason, {k.lower(): v for k, v in answer.getheaders()}, b"".join(chunks))
    except StoreError:
        raise
    except (OSError, http.client.HTTPException) as err:
        if expired.is_set() or isinstance(err, TimeoutError):
            raise late from None
        if isinstance(err, (ConnectionRefusedError, socket.gaierror)) or connection.sock is None:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else _one_line(err)
            raise StoreError(f"{where}: cannot reach the {service} ({reason})") from None
        raise StoreError(f"{where}: the connection failed before a complete answer ({_one_line(err) or type(err).__name__})") from None
    finally:
        timer.cancel()
        connection.close()


# -- SPARQL query endpoints --------------------------------------------------------------------------------------

_FORM = re.compile(r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY"
                   r"|WITH)\b(?![:-])", re.I)


_GRAPHS = re.compile(r"(?<![\w:?$])(GRAPH|FROM)\b(?![:-])", re.I)


def _bare(sparql: str) -> str:
    """The query with comments, strings and IRIs blanked out, so only its keywords and names are left."""
    return _SPARQL_TOKENS.sub(lambda m: " " if m.group()[:1] in "#\"'<" else m.group(), sparql)


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, or UPDATE for any update form: the first keyword after the prologue,
    with comments, strings and IRIs set aside."""
    found = _FORM.search(_bare(sparql))
    if found is None:
        raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    form = found.group(1).upper()
    return form if form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else "UPDATE"


def canonical_term(term: dict) -> dict:
    """A result term as the embedded store writes it, whatever engine answered: `literal` (not the old
    `typed-literal`), no xsd:string datatype on plain strings, booleans as true/false (Virtuoso says 1/0), integers
    without sign or leading zeros, decimals and doubles in positional notation without trailing zeros."""
    out = dict(term)
    if out.get("type") == "typed-literal":
        out["type"] = "literal"
    datatype = out.get("datatype")
    if datatype == _XSD + "string" or (datatype and "xml:lang" in out):
        del out["datatype"]
    elif datatype == _XSD + "boolean":
        out["value"] = {"1": "true", "0": "false"}.get(out.get("value", "").strip(), out.get("value", "").strip())
    elif datatype in _INTEGERS:
        value = out.get("value", "").strip()
        if re.fullmatch(r"[+-]?\d+", value):
            out["value"] = str(int(value))
    elif datatype in _DECIMALS:
        out["value"] = _plain_number(out.get("value", ""), datatype)
    return out


def _plain_number(value: str, datatype: str) -> str:
    """A decimal or double as the embedded store writes it: positional notation, no trailing zeros
    ("1.0" -> "1", "2.50" -> "2.5", "1.0E20" -> "100000000000000000000"); a double keeps its shortest
    round-trip digits. Anything that does not parse is left as it is."""
    from decimal import Decimal, InvalidOperation

    text = value.strip()
    try:
        if datatype == _XSD + "decimal":
            number = Decimal(text)
        else:
            number = float(text)
            if number != number or number in (float("inf"), float("-inf")):
                return {"nan": "NaN", "inf": "INF", "-inf": "-INF"}[str(number)]
            number = Decimal(repr(number))
    except (InvalidOperation, ValueError):
        return value
    plain = format(number.normalize(), "f")
    return plain[:-2] if plain.endswith(".0") else plain


def canonical_results(data: dict) -> dict:
    """W3C SPARQL 1.1 JSON results reduced to what the standard defines, with canonical terms."""
    if "boolean" in data:
        value = data["boolean"]
        return {"head": {}, "boolean": value in (True, 1, "true", "1")}
    columns = list(data["head"].get("vars", []))
    rows = [{name: canonical_term(term) for name, term in row.items()}
            for row in data["results"].get("bindings", [])]
    return {"head": {"vars": columns}, "results": {"bindings": rows}}


class RemoteStore:
    """Any SPARQL 1.1 query endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso).

    The saved queries expect the default graph to be the union of the named graphs, as in the embedded store:
    `wsisgraph serve` starts Oxigraph with --union-default-graph; other servers need their equivalent setting.
    Before the first query the store checks that (`check_dataset`), so a server set up otherwise is one line, not
    an empty answer.
    """

    def __init__(self, endpoint: str, timeout: float | None = None, max_bytes: int | None = None, *,
                 adhoc: bool = False):
        if not _URL.match(endpoint or ""):
            raise StoreError(f"{endpoint!r}: not the http(s) URL of a SPARQL endpoint (e.g. http://127.0.0.1:7878/query)")
        self.endpoint = endpoint
        self.where = display_url(endpoint)
        self.timeout, self.max_bytes = remote_limits(timeout, max_bytes)
        self.adhoc = adhoc
        self._auth = _Auth.from_url(endpoint)
        self._checked = False

    def select(self, sparql: str, params: dict[str, tuple[str, str]] | None = None) -> dict:
        """A SELECT or ASK query, parameters bound as terms (a VALUES block); the W3C SPARQL 1.1 JSON results."""
        text = with_prefixes(strip_comments(bind_as_values(sparql, params)))
        form = query_form(text)
        if form == "UPDATE":
            raise QueryError(f"{self.where}: SPARQL updates are not sent from here; only SELECT and ASK")
        if form in ("CONSTRUCT", "DESCRIBE"):
            raise QueryError("this is a CONSTRUCT or DESCRIBE query; use `wsisgraph sparql` for graph results")
        if not (self.adhoc and _GRAPHS.search(_bare(text))):  # a query that names its graphs needs no union
            self.check_dataset()
        return self._send(text, form)

    def check_dataset(self) -> None:
        """Make sure the endpoint's default graph is the union of its named graphs, as the saved queries assume.

        One cheap ASK for a triple every wsisgraph graph has (a concept scheme's key, in graph/schemes). If only a
        named graph has it, the server keeps its default graph apart: rewriting every query over thousands of
        named graphs is no answer, so this stops with how to configure the server. If no graph has it, the
        endpoint holds no wsisgraph graph: an error for saved queries, fine for ad hoc ones (`adhoc`), which
        may explore any endpoint.
        """
        if self._checked:
            return
        if not self._send(with_prefixes("ASK { ?scheme wsis:schemeKey ?key }"), "ASK")["boolean"]:
            if self._send(with_prefixes("ASK { GRAPH ?graph { ?scheme wsis:schemeKey ?key } }"), "ASK")["boolean"]:
                raise StoreError(
                    f"{self.where}: the server's default graph is not the union of its named graphs, so every query "
                    "would find nothing; start Oxigraph with --union-default-graph (as `wsisgraph serve` does), "
                    "set tdb2:unionDefaultGraph true in Fuseki's dataset, or query GraphDB/Virtuoso without a "
                    "default-graph-uri")
            if not self.adhoc:
                raise StoreError(f"{self.where}: the endpoint holds no wsisgraph graph (no concept scheme found); "
                                 "load one with `wsisgraph push --store PATH --to GRAPH_STORE_URL`")
        self._checked = True

    def _send(self, text: str, form: str) -> dict:
        response = exchange("POST", self.endpoint, body=urllib.parse.urlencode({"query": text}).encode("utf-8"),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Accept": "application/sparql-results+json, application/json;q=0.9"},
                            timeout=self.timeout, max_bytes=self.max_bytes, service="SPARQL endpoint",
                            auth=self._auth)
        where = self.where
        status = response.status
        if status == 400:
            raise QueryError(f"{where}: the endpoint rejected the query ({response.text()})")
        if status == 404:
            raise StoreError(f"{where}: no SPARQL endpoint at this URL (HTTP 404)")
        if status in (401, 403):
            raise StoreError(f"{where}: the endpoint refused access (HTTP {status}); give a user and password in "
                             "the URL (http://USER:PASSWORD@HOST/...) if it needs them")
        if status >= 500:
            raise StoreError(f"{where}: the endpoint failed on the query (HTTP {status}: {response.text()})")
        if not 200 <= status < 300:
            raise StoreError(f"{where}: the endpoint answered HTTP {status} {response.reason}")
        kind = response.content_type
        if kind and "json" not in kind:
            raise StoreError(f"{where}: the endpoint answered {kind}, not SPARQL JSON results; is this the query URL "
                             "(Oxigraph /query, Fuseki /DATASET/sparql, Virtuoso /sparql)?")
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as err:
            raise StoreError(f"{where}: no SPARQL JSON results ({_one_line(err)})") from None
        if not isinstance(data, dict) or not isinstance(data.get("head"), dict) or not (
                isinstance(data.get("results"), dict) or "boolean" in data):
            raise StoreError(f"{where}: the answer is not SPARQL 1.1 JSON results; is this a SPARQL query endpoint?")
        cap = response.headers.get("x-sparql-maxrows")
        if cap and form == "SELECT":  # Virtuoso says so when [SPARQL] ResultSetMaxRows may have cut the answer
            raise StoreError(f"{where}: the endpoint cut the answer at {cap} rows (Virtuoso's ResultSetMaxRows); "
                             "raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini")
        if form == "ASK" and "boolean" not in data:  # Virtuoso 7 answers ASK as a SELECT of ?__ASK_RETVAL 1 or 0
            rows = data["results"].get("bindings") or [{}]
            value = next(iter(rows[0].values()), {}).get("value", "0")
            data = {"head": {}, "boolean": value.strip() in ("1", "true")}
        return canonical_results(data)


# -- the Graph Store HTTP Protocol -------------------------------------------------------------------------------

@dataclass
class PushSummary:
    target: str
    graphs: int = 0
    triples: int = 0
    seconds: float = 0.0


def push(store_path: str | Path, to: str, *, timeout: float | None = None, max_bytes: int | None = None,
         on_start: Callable[[int], None] | None = None,
         on_graph: Callable[[str, int], None] | None = None) -> PushSummary:
    """Copy the store into a remote one through the SPARQL 1.1 Graph Store HTTP Protocol.

    Each named graph (one per document, plus the schemes and the matrix) is sent as N-Triples with an HTTP PUT to
    `TO?graph=IRI`, which replaces that graph in the remote store; graphs only the remote store holds are left as
    they are. Each PUT has the deadline and answer limit of `remote_limits`. `on_start(number_of_graphs)` and
    `on_graph(iri, triples)` feed a progress bar.
    """
    if not _URL.match(to or ""):
        raise StoreError(f"{to!r}: not the http(s) URL of a Graph Store Protocol endpoint "
                         "(e.g. http://127.0.0.1:7878/store)")
    timeout, max_bytes = remote_limits(timeout, max_bytes)
    where = display_url(to)
    auth = _Auth.from_url(to)
    started = time.perf_counter()
    opened = open_store(store_path)  # held until the push ends: a rebuild meanwhile does not remove it
    store = opened.store
    graphs: list = sorted(store.named_graphs(), key=lambda g: g.value)
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        graphs.insert(0, ox.DefaultGraph())
    summary = PushSummary(target=where)
    if on_start:
        on_start(len(graphs))
    separator = "&" if "?" in to else "?"
    if auth is not None:  # learn the server's challenge first, so no graph is sent twice
        exchange("HEAD", f"{to}{separator}default", timeout=timeout, max_bytes=max_bytes,
                 service="Graph Store endpoint", auth=auth, where=where)
    for graph in graphs:
        default = isinstance(graph, ox.DefaultGraph)
        body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        query = "default" if default else urllib.parse.urlencode({"graph": graph.value})
        name = "the default graph" if default else f"graph <{graph.value}>"
        response = exchange("PUT", f"{to}{separator}{query}", body=body,
                            headers={"Content-Type": "application/n-triples"}, timeout=timeout,
                            max_bytes=max_bytes, service="Graph Store endpoint", auth=auth,
                            where=f"{where}, PUT of {name}")
        if not 200 <= response.status < 300:
            detail = response.text()
            raise StoreError(f"{where}: PUT of {name} failed with HTTP {response.status} {response.reason}"
                             + (f" ({detail})" if detail else ""))
        triples = body.count(b"\n")
        summary.graphs += 1
        summary.triples += triples
        if on_graph:
            on_graph("" if default else graph.value, triples)
    summary.seconds = time.perf_counter() - started
    return summary


# -- the Oxigraph server -----------------------------------------------------------------------------------------

def oxigraph_binary() -> str:
    """The `oxigraph` server program of the `oxigraph` package: beside this Python first, then on PATH."""
    import sys

    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise StoreError("the Oxigraph server is not installed: `pip install oxigraph` provides the `oxigraph` program")
    return found


def check_port(host: str, port: int) -> None:
    """That a server can listen on host:port, so a taken port is one line before any server starts."""
    if not 0 < port < 65536:
        raise StoreError(f"{port}: not a TCP port (1..65535)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise StoreError(f"{host}:{port}: cannot listen there ({err.strerror or err}); choose another --port") from None
