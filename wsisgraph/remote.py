"""The remote side of the store: any SPARQL 1.1 query endpoint, the Graph Store HTTP Protocol (push), and the
Oxigraph server behind `wsisgraph serve`. `store.py` re-exports these names.
"""
from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from .errors import QueryError, StoreError
from .store import _resolve, bind_as_values, open_store, strip_comments, with_prefixes


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RemoteStore:
    """Any SPARQL 1.1 query endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso), read through SPARQLWrapper.

    The saved queries expect the default graph to be the union of the named graphs, as in the embedded store:
    `wsisgraph serve` starts Oxigraph with --union-default-graph; other servers need their equivalent setting.
    """

    def __init__(self, endpoint: str, timeout: float = 120.0):
        if not re.match(r"https?://[^\s/]+", endpoint or ""):
            raise StoreError(f"{endpoint!r}: not the http(s) URL of a SPARQL endpoint (e.g. http://127.0.0.1:7878/query)")
        self.endpoint = endpoint
        self.timeout = timeout

    def select(self, sparql: str, params: dict[str, tuple[str, str]] | None = None) -> dict:
        """A SELECT or ASK query, parameters bound as terms (a VALUES block); the W3C SPARQL 1.1 JSON results."""
        import socket
        import urllib.error

        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (EndPointInternalError, EndPointNotFound, QueryBadFormed,
                                                    SPARQLWrapperException, Unauthorized)

        text = with_prefixes(strip_comments(bind_as_values(sparql, params)))
        client = SPARQLWrapper(self.endpoint, returnFormat=JSON, agent="wsisgraph")
        client.setQuery(text)
        if client.isSparqlUpdateRequest():
            raise QueryError(f"{self.endpoint}: SPARQL updates are not sent from here; only SELECT and ASK")
        if client.queryType in ("CONSTRUCT", "DESCRIBE"):
            raise QueryError("this is a CONSTRUCT or DESCRIBE query; use `wsisgraph sparql` for graph results")
        client.setMethod(POST)
        client.setTimeout(int(self.timeout))
        where = self.endpoint
        try:
            data = client.query().convert()
        except QueryBadFormed as err:
            raise QueryError(f"{where}: the endpoint rejected the query ({_one_line(_body(err))})") from None
        except EndPointNotFound:
            raise StoreError(f"{where}: no SPARQL endpoint at this URL (HTTP 404)") from None
        except Unauthorized:
            raise StoreError(f"{where}: the endpoint refused access (HTTP 401/403)") from None
        except EndPointInternalError as err:
            raise StoreError(f"{where}: the endpoint failed on the query (HTTP 500: {_one_line(_body(err))})") from None
        except SPARQLWrapperException as err:
            raise StoreError(f"{where}: {_one_line(err)}") from None
        except urllib.error.HTTPError as err:
            raise StoreError(f"{where}: the endpoint answered HTTP {err.code} {err.reason}") from None
        except urllib.error.URLError as err:
            raise StoreError(f"{where}: cannot reach the SPARQL endpoint ({err.reason})") from None
        except (socket.timeout, TimeoutError):
            raise StoreError(f"{where}: no answer within {self.timeout:g} s") from None
        except (OSError, ValueError) as err:  # a dropped connection, or a body that is not JSON
            raise StoreError(f"{where}: no SPARQL JSON results ({_one_line(err)})") from None
        if not isinstance(data, dict) or not ("head" in data and ("results" in data or "boolean" in data)):
            raise StoreError(f"{where}: the answer is not SPARQL 1.1 JSON results; is this a SPARQL query endpoint?")
        return data


def _body(err) -> str:
    response = getattr(err, "response", None)
    if isinstance(response, bytes):
        return response.decode("utf-8", "replace")
    return str(response or err)


@dataclass
class PushSummary:
    target: str
    graphs: int = 0
    triples: int = 0
    seconds: float = 0.0


def push(store_path: str | Path, to: str, *, timeout: float = 120.0,
         on_start: Callable[[int], None] | None = None,
         on_graph: Callable[[str, int], None] | None = None) -> PushSummary:
    """Copy the store into a remote one through the SPARQL 1.1 Graph Store HTTP Protocol.

    Each named graph (one per document, plus the schemes and the matrix) is sent as N-Triples with an HTTP PUT to
    `TO?graph=IRI`, which replaces that graph in the remote store; graphs only the remote store holds are left as
    they are. `on_start(number_of_graphs)` and `on_graph(iri, triples)` feed a progress bar.
    """
    import urllib.error
    import urllib.parse
    import urllib.request

    if not re.match(r"https?://[^\s/]+", to or ""):
        raise StoreError(f"{to!r}: not the http(s) URL of a Graph Store Protocol endpoint "
                         "(e.g. http://127.0.0.1:7878/store)")
    started = time.perf_counter()
    store = open_store(store_path).store
    graphs: list = sorted(store.named_graphs(), key=lambda g: g.value)
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        graphs.insert(0, ox.DefaultGraph())
    summary = PushSummary(target=to)
    if on_start:
        on_start(len(graphs))
    separator = "&" if "?" in to else "?"
    for graph in graphs:
        default = isinstance(graph, ox.DefaultGraph)
        body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        query = "default" if default else urllib.parse.urlencode({"graph": graph.value})
        name = "the default graph" if default else f"graph <{graph.value}>"
        request = urllib.request.Request(f"{to}{separator}{query}", data=body, method="PUT",
                                         headers={"Content-Type": "application/n-triples", "User-Agent": "wsisgraph"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as err:
            detail = _one_line(err.read().decode("utf-8", "replace")) if err.fp else ""
            raise StoreError(f"{to}: PUT of {name} failed with HTTP {err.code} {err.reason}"
                             + (f" ({detail})" if detail else "")) from None
        except urllib.error.URLError as err:
            raise StoreError(f"{to}: cannot reach the Graph Store endpoint ({err.reason})") from None
        except (OSError, TimeoutError) as err:
            raise StoreError(f"{to}: PUT of {name} failed ({_one_line(err)})") from None
        triples = body.count(b"\n")
        summary.graphs += 1
        summary.triples += triples
        if on_graph:
            on_graph("" if default else graph.value, triples)
    summary.seconds = time.perf_counter() - started
    return summary


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


def server_command(store_path: str | Path, port: int = 7878, *, writable: bool = False,
                   host: str = "127.0.0.1") -> list[str]:
    """The command that serves a built store with the Oxigraph SPARQL server (query endpoint `/query`, Graph Store
    `/store`), read-only unless `writable`, with the union of the named graphs as the default graph, as the
    embedded store queries it. Checks the store and that the port is free, so a mistake fails here on one line."""
    import socket

    path = Path(store_path)
    if not path.exists():
        raise StoreError(f"{path}: no such store; build one with `wsisgraph build DOCS --store {path}`")
    location = _resolve(path)
    if not 0 < port < 65536:
        raise StoreError(f"{port}: not a TCP port (1..65535)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise StoreError(f"{host}:{port}: cannot listen there ({err.strerror or err}); choose another --port") from None
    return [oxigraph_binary(), "serve" if writable else "serve-read-only", "--location", str(location),
            "--bind", f"{host}:{port}", "--union-default-graph"]
