"""The saved queries as a web API, grlc's idea: every `queries/NAME.rq` answers `GET /api/NAME?param=value`.

`create_app(store=PATH)` or `create_app(endpoint=URL)` returns a Starlette application (run it with uvicorn, as
`wsisgraph api` does). It answers SPARQL JSON, CSV, TSV or an HTML table, chosen by `?format=` or the Accept
header; describes itself in OpenAPI 3.1 at `/openapi.json`, generated from the queries' `#+` headers (summary,
description, parameters with their types and defaults, the columns of the answer); and shows a docs page at `/`
rendered from a Jinja2 template in the package, with nothing fetched from elsewhere.

It is read-only: saved queries only, GET only. Parameters are checked and bound as the CLI binds them
(`query.bind_params`, the notation lookup, a VALUES block), never pasted into the text, and the rows are
`run_query`'s, as `wsisgraph query` prints them. Every query has a deadline. pyoxigraph cannot stop a running
query, so on an embedded store each query runs in a worker process that is killed and replaced when its
deadline passes; on an endpoint the deadline is the HTTP exchange's. Errors are JSON of one line:
`{"error": "..."}` with 400 (bad parameter), 404 (no such query), 406, 504 (deadline) or 503.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .errors import QueryError, StoreError, WsisgraphError
from .query import SavedQuery, bind_params, format_results, list_queries, records

FORMATS = {  # ?format= -> media type of the answer
    "json": "application/sparql-results+json",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
_ACCEPTED = {
    "application/sparql-results+json": "json", "application/json": "json", "text/csv": "csv",
    "text/tab-separated-values": "tsv", "text/html": "html", "application/xhtml+xml": "html",
    "*/*": "json", "application/*": "json", "text/*": "csv",
}
_TYPES = {  # a header's parameter type -> JSON Schema
    "string": {"type": "string"},
    "notation": {"type": "string"},
    "integer": {"type": "integer"},
    "iri": {"type": "string", "format": "iri"},
}
RESERVED = ("format", "limit", "offset")  # query-string names the API itself takes
LOG_CONFIG = {  # uvicorn's logs, all on stderr (uvicorn writes its access log to stdout by default)
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"level": "WARNING"},  # the CLI says itself where it serves
                "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def _whole(query: str, key: str, value: str | None) -> int | None:
    """A paging parameter: a whole number >= 0, or absent."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()):  # '²' is a digit to str.isdigit, not to int()
        raise ApiError(400, f"{query}: {key} must be a whole number >= 0, not {value!r}")
    return int(value)


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())


def negotiate(accept: str | None) -> str:
    """The answer's format from an Accept header: the acceptable type with the highest q, the first of equals;
    JSON when there is no header. An ApiError 406 when nothing it accepts is offered."""
    if not accept or not accept.strip():
        return "json"
    offers = []
    for position, item in enumerate(accept.split(",")):
        kind, *options = [part.strip() for part in item.split(";")]
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if kind.lower() in _ACCEPTED and quality > 0:
            offers.append((-quality, position, _ACCEPTED[kind.lower()]))
    if not offers:
        raise ApiError(406, f"cannot answer {accept!r}; ask for one of {', '.join(sorted(set(_ACCEPTED) - {'*/*', 'application/*', 'text/*'}))} or use ?format={'|'.join(FORMATS)}")
    return min(offers)[2]


# -- OpenAPI -----------------------------------------------------------------------------------------------------

def _parameter(query: SavedQuery, param) -> dict:
    schema = dict(_TYPES.get(param.type, {"type": "string"}))
    if param.default is not None:
        schema["default"] = int(param.default) if schema["type"] == "integer" else str(param.default)
    description = param.description or ""
    if param.type == "notation":
        description += (" " if description else "") + "(a concept notation, matched without regard to case; " \
                                                      "`/api/concepts?scheme=SCHEME` lists them)"
    return {"name": param.name, "in": "query", "required": False, "description": description.strip(),
            "schema": schema}


def openapi(queries: list[SavedQuery], *, source: str = "") -> dict:
    """The OpenAPI 3.1 description of the API: one GET operation per saved query, from its `#+` header."""
    term = {"$ref": "#/components/schemas/Term"}
    paths: dict[str, Any] = {
        "/api": {"get": {"operationId": "listQueries", "summary": "The saved queries, with their summaries.",
                         "tags": ["queries"],
                         "responses": {"200": {"description": "One entry per saved query.", "content": {
                             "application/json": {"schema": {"type": "array", "items": {
                                 "$ref": "#/components/schemas/QueryEntry"}}}}}}}},
    }
    for query in queries:
        columns = list(query.columns)
        rows = {"type": "object", "properties": {name: term for name in columns}, "additionalProperties": False}
        json_schema = {"type": "object", "required": ["head", "results"], "properties": {
            "head": {"type": "object", "properties": {"vars": {"type": "array", "const": columns}}},
            "results": {"type": "object", "properties": {"bindings": {"type": "array", "items": rows}}}}}
        table = {"type": "string", "description": "A header line of the column names, then one line per row."}
        description = query.description + ("\n\n" if query.description else "") + \
            "Columns: " + ", ".join(f"`{c}`" for c in columns) + ". The rows are those of " \
            f"`wsisgraph query {query.name}`."
        paths[f"/api/{query.name}"] = {"get": {
            "operationId": query.name,
            "summary": query.summary,
            "description": description,
            "tags": ["queries"],
            "parameters": [_parameter(query, p) for p in query.params] + [
                {"$ref": f"#/components/parameters/{name}"} for name in RESERVED],
            "responses": {
                "200": {"description": f"The rows, columns {', '.join(columns)}.", "content": {
                    "application/sparql-results+json": {"schema": json_schema},
                    "text/csv": {"schema": table, "example": ",".join(columns) + "\n"},
                    "text/tab-separated-values": {"schema": table, "example": "\t".join(columns) + "\n"},
                    "text/html": {"schema": {"type": "string", "description": "An HTML page with the table."}}}},
                "400": {"$ref": "#/components/responses/BadRequest"},
                "406": {"$ref": "#/components/responses/NotAcceptable"},
                "503": {"$ref": "#/components/responses/Unavailable"},
                "504": {"$ref": "#/components/responses/Timeout"},
            }}}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "wsisgraph saved queries", "version": __version__,
                 "description": "Every saved SPARQL query of wsisgraph (`queries/NAME.rq`) as `GET /api/NAME`, "
                                "parameters in the query string. Answers SPARQL 1.1 Query Results JSON, CSV, TSV or "
                                "an HTML table, by `?format=` or the Accept header. Read-only."
                                + (f" Serving {source}." if source else "")},
        "tags": [{"name": "queries", "description": "The saved queries."}],
        "paths": paths,
        "components": {
            "parameters": {"format": {
                "name": "format", "in": "query", "required": False,
                "description": "The answer's format; without it the Accept header decides (SPARQL JSON if absent).",
                "schema": {"type": "string", "enum": list(FORMATS)}},
                "limit": {"name": "limit", "in": "query", "required": False,
                          "description": "At most this many rows: one page of a long listing, in the query's order.",
                          "schema": {"type": "integer", "minimum": 0}},
                "offset": {"name": "offset", "in": "query", "required": False,
                           "description": "Skip this many rows first (with limit: the next page).",
                           "schema": {"type": "integer", "minimum": 0}}},
            "schemas": {
                "Term": {"type": "object", "required": ["type", "value"], "properties": {
                    "type": {"type": "string", "enum": ["uri", "literal", "bnode", "triple"]},
                    "value": {"type": "string"}, "datatype": {"type": "string"},
                    "xml:lang": {"type": "string"}}},
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string", "description": "What went wrong, in one line."}}},
                "QueryEntry": {"type": "object", "required": ["name", "summary", "url"], "properties": {
                    "name": {"type": "string"}, "summary": {"type": "string"}, "url": {"type": "string"},
                    "parameters": {"type": "array", "items": {"type": "string"}},
                    "columns": {"type": "array", "items": {"type": "string"}}}},
            },
            "responses": {
                "BadRequest": {"description": "An unknown or repeated parameter, or a bad value.", **error},
                "NotFound": {"description": "No saved query of that name.", **error},
                "NotAcceptable": {"description": "No format the Accept header allows.", **error},
                "Unavailable": {"description": "The store or endpoint cannot answer now.", **error},
                "Timeout": {"description": "The query did not finish within the server's deadline.", **error},
            },
        },
    }


# -- running queries: worker processes on an embedded store, threads on an endpoint ------------------------------

def _worker_main(store_path: str, conn, parent: int | None = None) -> None:
    """A query worker: opens the store read-only, then answers (name, params) with ("ok", results) or an error,
    until its pipe closes. A rebuilt store (a new generation) is reopened before the next query; the generation it
    has open stays locked (no build removes it) until then."""
    from .processes import die_with_parent

    die_with_parent(parent)
    from .query import run_query
    from .store import open_store

    try:
        store = open_store(store_path)
    except WsisgraphError as err:
        conn.send(("error", type(err).__name__, str(err)))
        return
    conn.send(("ready", "", ""))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        name, params, (limit, offset) = job
        try:
            if not store.is_current():
                fresh = open_store(store_path)
                store.close()
                store = fresh
            conn.send(("ok", run_query(store, name, params, limit=limit, offset=offset), ""))
        except WsisgraphError as err:
            conn.send(("error", type(err).__name__, str(err)))
        except Exception as err:  # noqa: BLE001 - reported to the client in one line, the worker goes on
            conn.send(("internal", type(err).__name__, str(err)))


class _Worker:
    def __init__(self, context, store_path: str):
        self.context = context
        self.store_path = store_path
        self.process = None
        self.conn = None
        self.ready = False

    def start(self) -> None:
        """Start the process (called on the event loop's thread: PR_SET_PDEATHSIG follows the starting thread)."""
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker_main, args=(self.store_path, child, os.getpid()),
                                            daemon=True, name="wsisgraph-api-worker")
        self.process.start()
        child.close()
        self.conn = parent
        self.ready = False

    def wait_ready(self, seconds: float) -> None:
        """Block until the worker has opened the store (run in a thread)."""
        if self.ready:
            return
        if not self.conn.poll(seconds):
            raise StoreError(f"{self.store_path}: a query worker did not open the store within {seconds:g} s")
        try:
            kind, name, message = self.conn.recv()
        except (EOFError, OSError):
            raise StoreError(f"{self.store_path}: a query worker ended while opening the store") from None
        if kind != "ready":
            raise StoreError(message)
        self.ready = True

    def ask(self, job: tuple, seconds: float):
        """Send a query and wait for its answer (run in a thread); None when the deadline passes."""
        try:
            self.conn.send(job)
            if not self.conn.poll(max(seconds, 0.0)):
                return None
            return self.conn.recv()
        except (EOFError, OSError):
            return ("internal", "WorkerDied", "the query worker ended unexpectedly")

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if self.process is not None:
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None
        self.ready = False


class ProcessRunner:
    """Runs saved queries on an embedded store in `workers` processes, each query within `timeout` seconds."""

    def __init__(self, store_path: str | Path, *, workers: int = 2, timeout: float = 60.0):
        self.store_path = str(store_path)
        self.timeout = timeout
        self.context = multiprocessing.get_context("spawn")
        self.workers = [_Worker(self.context, self.store_path) for _ in range(max(1, workers))]
        self.idle = None

    async def start(self) -> None:
        import anyio
        import asyncio

        self.idle = asyncio.Queue()
        for worker in self.workers:
            worker.start()
        for worker in self.workers:
            await anyio.to_thread.run_sync(worker.wait_ready, 120.0)
            self.idle.put_nowait(worker)

    async def run(self, name: str, params: dict[str, str], page: tuple = (None, None)) -> dict:
        import anyio
        import asyncio

        deadline = time.monotonic() + self.timeout
        try:
            worker = self.idle.get_nowait() if not self.idle.empty() else \
                await asyncio.wait_for(self.idle.get(), timeout=self.timeout)
        except asyncio.TimeoutError:
            raise ApiError(503, f"every query worker is busy; try again later (deadline {self.timeout:g} s)") from None
        try:
            if worker.process is None or not worker.process.is_alive():
                worker.stop()
                worker.start()
            await anyio.to_thread.run_sync(worker.wait_ready, 120.0)
            answer = await anyio.to_thread.run_sync(worker.ask, (name, params, page), deadline - time.monotonic())
            if answer is None or answer[0] == "internal" and answer[1] == "WorkerDied":
                worker.stop()
                worker.start()  # opens the store while the next request waits for a worker
                if answer is None:
                    raise ApiError(504, f"{name}: the query did not finish within {self.timeout:g} s; it was stopped")
            kind, detail, message = answer
            if kind == "ok":
                return detail
            if kind == "error":
                raise ApiError(400 if detail == "QueryError" else 503, message)
            raise ApiError(500, f"internal error: {detail}: {message}")
        finally:
            self.idle.put_nowait(worker)

    async def close(self) -> None:
        for worker in self.workers:
            worker.stop()


class EndpointRunner:
    """Runs saved queries on a SPARQL endpoint, in threads, each within `timeout` seconds."""

    def __init__(self, endpoint: str, *, timeout: float = 60.0, workers: int = 2):
        from .remote import RemoteStore

        self.timeout = timeout
        # each HTTP exchange ends a little after the API's deadline, so the client gets the 504 first and an
        # abandoned thread still ends by itself
        self.store = RemoteStore(endpoint, timeout=timeout + 1.0)
        self.store.check_dataset()  # a server set up otherwise, or unreachable, fails before serving
        self.workers = workers
        self.limiter = None

    async def start(self) -> None:
        import anyio

        self.limiter = anyio.CapacityLimiter(max(1, self.workers))

    async def run(self, name: str, params: dict[str, str], page: tuple = (None, None)) -> dict:
        import functools

        import anyio

        from .query import run_query

        call = functools.partial(run_query, self.store, name, params, limit=page[0], offset=page[1])
        try:
            with anyio.fail_after(self.timeout):
                return await anyio.to_thread.run_sync(call, limiter=self.limiter, abandon_on_cancel=True)
        except TimeoutError:
            raise ApiError(504, f"{name}: the endpoint did not answer within {self.timeout:g} s") from None
        except QueryError as err:
            raise ApiError(400, str(err)) from None
        except StoreError as err:
            raise ApiError(503, str(err)) from None

    async def close(self) -> None:
        pass


# -- the application ---------------------------------------------------------------------------------------------

@dataclass
class ApiInfo:
    """What the application serves, for the CLI's first line and the docs page."""
    queries: list[SavedQuery]
    source: str


def _templates():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    import re
    import urllib.parse

    from markupsafe import Markup, escape

    env = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates" / "api")),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    # `name` in a header as <code>name</code>, after escaping
    env.filters["code"] = lambda text: Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", str(escape(text))))
    env.filters["without_format"] = lambda query: urllib.parse.urlencode(
        [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k != "format"])
    return env


def create_app(store: str | Path | None = None, endpoint: str | None = None, *, timeout: float = 60.0,
               workers: int = 2):
    """The Starlette application serving every saved query of a store (or a SPARQL endpoint).

    Checks everything it can before serving, each a WsisgraphError of one line: the query headers, the store (or
    that the endpoint is reachable and its default graph is the union of its named graphs)."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    if (store is None) == (endpoint is None):
        raise StoreError("give a store or an endpoint to serve, not both")
    if not timeout > 0:
        raise StoreError(f"{timeout}: the deadline per query must be a positive number of seconds")
    queries = list_queries()
    for query in queries:
        taken = [p.name for p in query.params if p.name in RESERVED]
        if taken:
            raise QueryError(f"{query.path.name}: the parameter name {taken[0]!r} is the API's own; rename it")
    by_name = {q.name: q for q in queries}
    if store is not None:
        from .store import open_store

        open_store(store)  # one line now if there is no store
        runner: ProcessRunner | EndpointRunner = ProcessRunner(store, workers=workers, timeout=timeout)
        source = f"the store {store}"
    else:
        from .remote import display_url

        runner = EndpointRunner(endpoint, timeout=timeout, workers=workers)
        source = f"the SPARQL endpoint {display_url(endpoint)}"
    spec = openapi(queries, source=source)
    templates = _templates()

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)

    async def docs(request: Request) -> HTMLResponse:
        page = templates.get_template("docs.html").render(queries=queries, source=source, version=__version__,
                                                          formats=list(FORMATS), timeout=timeout)
        return HTMLResponse(page)

    async def index(request: Request) -> JSONResponse:
        return JSONResponse([{"name": q.name, "summary": q.summary, "url": f"/api/{q.name}",
                              "parameters": [p.name for p in q.params], "columns": list(q.columns)}
                             for q in queries])

    async def openapi_json(request: Request) -> JSONResponse:
        return JSONResponse(spec)

    async def run(request: Request) -> Response:
        name = request.path_params["name"]
        query = by_name.get(name)
        if query is None:
            return error(404, f"no saved query named {name!r}; GET /api lists them")
        given: dict[str, str] = {}
        for key, value in request.query_params.multi_items():
            if key in given:
                return error(400, f"{name}: parameter {key!r} given more than once")
            given[key] = value
        fmt = given.pop("format", None)
        try:
            page = tuple(_whole(name, key, given.pop(key, None)) for key in ("limit", "offset"))
            if fmt is None:
                fmt = negotiate(request.headers.get("accept"))
            elif fmt not in FORMATS:
                raise ApiError(400, f"{fmt!r}: not a format; choose one of {', '.join(FORMATS)}")
            bind_params(query, given)  # an unknown parameter or a bad value fails before any worker is asked
            began = time.perf_counter()
            results = await runner.run(name, given, page)
            took = time.perf_counter() - began
        except ApiError as err:
            return error(err.status, err.message)
        except QueryError as err:
            return error(400, str(err))
        headers = {"X-Query-Seconds": f"{took:.3f}"}
        if fmt == "json":
            return Response(json.dumps(results, ensure_ascii=False), media_type=FORMATS["json"], headers=headers)
        if fmt == "html":
            page = templates.get_template("results.html").render(
                query=query, params=given, columns=results.get("head", {}).get("vars", []), rows=records(results),
                formats=[f for f in FORMATS if f != "html"], query_string=request.url.query, version=__version__,
                seconds=took)
            return HTMLResponse(page, headers=headers)
        return Response(format_results(results, fmt), media_type=FORMATS[fmt], headers=headers)

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = {404: f"{request.url.path}: not found; the queries are at /api/NAME (GET /api lists them)",
                  405: f"{request.method} is not allowed: this API is read-only (GET)"}.get(exc.status_code, exc.detail)
        return error(exc.status_code, detail)

    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        return error(500, f"internal error: {type(exc).__name__}: {exc}")

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        await runner.start()
        try:
            yield
        finally:
            await runner.close()

    app = Starlette(routes=[Route("/", docs, methods=["GET"]), Route("/api", index, methods=["GET"]),
                            Route("/api/{name}", run, methods=["GET"]),
                            Route("/openapi.json", openapi_json, methods=["GET"])],
                    exception_handlers={HTTPException: http_error, Exception: internal_error}, lifespan=lifespan)
    app.state.info = ApiInfo(queries=queries, source=source)
    app.state.runner = runner
    return app

