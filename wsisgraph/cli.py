"""The `wsisgraph` command: a thin click layer over the library. Only this module prints or exits.

Exit codes: 0 success; 1 the result is negative (reserved for validation); 2 a user error, reported on one line
(`Error: ...`), a bad file under `build --strict` included; 3 an internal error (rerun with --debug for the
traceback); 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import WsisgraphError

EXIT_ERROR = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


class Command(click.Group):
    """Turns library errors into one line on stderr; a traceback only with --debug."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WsisgraphError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {err}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo("interrupted (Ctrl-C)", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as err:  # noqa: BLE001 - the last line of defence: no traceback for users
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"internal error: {type(err).__name__}: {err} (rerun with --debug for details)", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(package_name="wsisgraph")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn WSIS process documents into an RDF knowledge graph and ask it questions.

    \b
    wsisgraph build seeds/ --store build/store
    wsisgraph query mentions --store build/store
    """
    ctx.ensure_object(dict)["debug"] = debug


@cli.command()
@click.argument("docs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--store", "store_path", type=click.Path(path_type=Path),
              help="Folder of the store to build (created if missing; replaced atomically).")
@click.option("--remote", "remote", default=None, metavar="GSP_URL",
              help="Build into a remote store instead: its SPARQL 1.1 Graph Store endpoint (with --endpoint).")
@click.option("--endpoint", default=None, metavar="QUERY_URL",
              help="With --remote: the remote store's SPARQL query endpoint.")
@click.option("--base", default=None, help="Base IRI for minted resources (default $WSISGRAPH_BASE or "
                                           "https://w3id.org/wsisgraph/).")
@click.option("--matrix", type=click.Path(path_type=Path), default=None,
              help="A WSIS-SDG Matrix CSV (columns action_line,sdg,targets,source) instead of the reference one.")
@click.option("--vocabulary", "vocabularies", multiple=True, type=click.Path(path_type=Path),
              help="Your own concepts or labels: a CSV like ontology/reference/topics.csv or a SKOS Turtle file "
                   "(repeatable).")
@click.option("--strict", is_flag=True, help="Fail, changing nothing, if any file cannot be read.")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation of the new graph (faster; says so).")
@click.option("--topical", type=click.Choice(["keywords", "none"]), default="keywords", show_default=True,
              envvar="WSISGRAPH_TOPICAL",
              help="How to infer the Action Lines and SDGs a document is about without naming them "
                   "($WSISGRAPH_TOPICAL).")
@click.option("--topical-threshold", default="balanced", show_default=True, envvar="WSISGRAPH_TOPICAL_THRESHOLD",
              help="The score a topical link needs: precise (4), balanced (3), broad (2) or a number; higher means "
                   "fewer, surer links ($WSISGRAPH_TOPICAL_THRESHOLD).")
@click.option("--document-time-limit", "time_limit", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, metavar="SECONDS",
              help="Skip a document whose extraction takes more processor time (with --strict: fail).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def build(docs, store_path, remote, endpoint, base, matrix, vocabularies, strict, no_validate, topical,
          topical_threshold, time_limit, quiet):
    """Build the graph of every document under DOCS into a store.

    Each file's kind is read from its content (WordPress JSON, a call-for-inputs response in Markdown, other
    text). A bad file is reported on one line and skipped; with --strict it fails the build.

    With --remote and --endpoint instead of --store, keeps a remote store up to date: only changed documents are
    extracted and sent, and only documents of the given folders are managed (see the README).

    \b
    wsisgraph build seeds/ --store build/store
    wsisgraph build shard-a/ --remote http://127.0.0.1:7878/store --endpoint http://127.0.0.1:7878/query
    """
    if remote or endpoint:
        if store_path is not None or not (remote and endpoint):
            raise click.UsageError("give --store PATH, or --remote GSP_URL with --endpoint QUERY_URL")
        return _build_remote(docs, remote, endpoint, base, matrix, vocabularies, strict, no_validate, topical,
                             topical_threshold, time_limit, quiet)
    if store_path is None:
        raise click.UsageError("give --store PATH (or --remote GSP_URL --endpoint QUERY_URL)")
    from .errors import StoreError
    from .store import build as build_store

    bars = _Bars(quiet)
    try:
        with _build_failures(strict, "the store is unchanged"):
            summary = build_store(docs, store_path, base=base, matrix=matrix, vocabularies=vocabularies,
                                  strict=strict, validate=not no_validate,
                                  topical=None if topical == "none" else topical,
                                  topical_threshold=topical_threshold, time_limit=time_limit,
                                  on_start=bars.start, on_document=bars.document)
    except OSError as err:  # documents are read per file and skipped; what fails here is writing the store
        raise StoreError(f"{store_path}: cannot write the store ({_os_reason(err)}); free some space or choose "
                         "another --store (the previous graph is kept)") from None
    finally:
        bars.close()
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    by_scheme = ", ".join(f"{scheme} {count}" for scheme, count in sorted(summary.mentions.items()))
    click.echo(
        f"built {summary.documents} documents ({summary.extracted} extracted, {summary.reused} unchanged, "
        f"{summary.removed} graphs removed), {summary.triples} triples "
        f"(mentions: {by_scheme or 'none'}) in {summary.seconds:.1f} s"
        f" ({len(summary.skipped)} skipped) into {summary.store}; "
        + (f"valid ({summary.validation_seconds:.1f} s)" if summary.validated else "not validated (--no-validate)"),
        err=True,
    )



class _Bars:
    """A progress bar on stderr, one at a time (none with --quiet), and the lines of skipped files."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None

    def start(self, length: int, label: str = "extracting") -> None:
        self.close()
        if not self.quiet and length:
            self.bar = click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()

    def step(self, *_) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def document(self, name: str, error: str | None) -> None:
        self.step()
        if error:
            click.echo(f"\nskipped {error}" if self.bar is not None else f"skipped {error}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def _build_failures(strict: bool, kept: str):
    """A new graph that breaks the shapes (its report, exit 1) or, with --strict, a bad file (exit 2): each ends
    the build in one Error line saying what was `kept`."""
    from .errors import DocumentError, InvalidGraph

    try:
        yield
    except InvalidGraph as err:
        click.echo(err.report.text(), err=True, nl=False)
        click.echo(f"Error: {err}", err=True)
        sys.exit(1)
    except DocumentError as err:
        if not strict:
            raise
        click.echo(f"Error: {err} (--strict: {kept})", err=True)
        sys.exit(EXIT_ERROR)


def _build_remote(docs, remote, endpoint, base, matrix, vocabularies, strict, no_validate, topical, topical_threshold,
                  time_limit, quiet):
    from .remote_build import build_remote

    bars = _Bars(quiet)
    try:
        with _build_failures(strict, "nothing was sent"):
            summary = build_remote(docs, remote, endpoint, base=base, matrix=matrix, vocabularies=vocabularies,
                                   strict=strict, validate=not no_validate,
                                   topical=None if topical == "none" else topical,
                                   topical_threshold=topical_threshold, time_limit=time_limit,
                                   on_start=bars.start, on_document=bars.document,
                                   on_send=lambda n: bars.start(n, "sending"), on_graph=bars.step)
    finally:
        bars.close()
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    sent = (f"sent {summary.graphs_sent} graphs ({summary.triples_sent} triples), deleted {summary.graphs_deleted}"
            + ("; reference graphs replaced" if summary.reference_replaced else "")
            + ("; statistics recomputed" if summary.statistics_updated else "")
            if summary.graphs_sent or summary.graphs_deleted else "nothing sent: the remote store is up to date")
    click.echo(
        f"built {summary.documents} documents ({summary.extracted} extracted, {summary.reused} unchanged, "
        f"{summary.removed} removed; {summary.remote_documents} in the remote store) in {summary.seconds:.1f} s"
        f" ({len(summary.skipped)} skipped) into {summary.target}; {sent}; "
        + (f"valid ({summary.validation_seconds:.1f} s)" if summary.validated else
           "not validated (--no-validate)" if no_validate else "nothing to validate"),
        err=True,
    )


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="Validate a built store, graph by graph.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True,
              help="turtle is the standard SHACL validation report graph.")
@click.option("--inference", type=click.Choice(["none", "rdfs"]), default="none", show_default=True,
              help="Apply RDFS inference with the ontology before validating (needs --engine pyshacl).")
@click.option("--engine", type=click.Choice(["rust", "pyshacl"]), default="rust", show_default=True,
              help="rust: the shacl package, fast; pyshacl: the reference engine, which gives the same verdicts.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def validate(files, store_path, fmt, inference, engine, quiet):
    """Check a store, or RDF files, against the SHACL shapes in shapes/. Exit 1 when it does not conform.

    \b
    wsisgraph validate --store build/store
    wsisgraph validate build/wsis.ttl --format json --engine pyshacl
    """
    from .validate import validate_files, validate_store_graphs

    if bool(files) == bool(store_path):
        raise click.UsageError("give --store PATH or RDF FILES, not both")
    if inference != "none" and engine != "pyshacl":
        raise click.UsageError("--inference rdfs is pySHACL's: add --engine pyshacl")
    if store_path:
        from contextlib import nullcontext

        from .store import open_store

        with open_store(store_path) as opened:  # held while validating: a rebuild does not remove it
            graphs = sum(1 for _ in opened.store.named_graphs())
            with (nullcontext() if quiet else
                  click.progressbar(length=graphs, label="validating", file=sys.stderr, show_pos=True)) as bar:
                report = validate_store_graphs(opened.store, inference=inference, engine=engine,
                                               location=opened.location,
                                               on_graphs=bar.update if bar else None)
    else:
        report = validate_files(files, inference=inference, engine=engine)
    click.echo({"text": report.text, "json": report.json, "turtle": report.turtle}[fmt](), nl=False)
    if not report.conforms:
        sys.exit(1)


def _os_reason(err: OSError) -> str:
    """The reason of an I/O error in a few words: pyoxigraph's messages carry no errno, only text."""
    import os

    if err.errno:
        return os.strerror(err.errno)
    text = " ".join(str(err).split())
    for reason in ("No space left on device", "Disk quota exceeded", "File too large", "Read-only file system",
                   "Permission denied", "Too many open files"):
        if reason.lower() in text.lower():
            return reason
    return text if len(text) <= 160 else text[:159] + "…"


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r} is not key=value", param_hint="--param")
        key, value = pair.split("=", 1)
        key = key.strip()
        if key in params:
            raise click.BadParameter(f"{key} is given twice ({params[key]!r} and {value!r}); give each parameter once",
                                     param_hint="--param")
        params[key] = value
    return params


def _open(store_path, endpoint, *, adhoc: bool = False):
    if endpoint:
        from .remote import RemoteStore

        return RemoteStore(endpoint, adhoc=adhoc)
    if store_path is None:
        raise click.UsageError("give --store PATH (or --endpoint URL)")
    from .store import open_store

    return open_store(store_path)


@cli.command()
@click.argument("name", required=False)
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="The store to query.")
@click.option("--endpoint", default=None, help="A SPARQL 1.1 query endpoint URL instead of a local store.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@click.option("--list", "list_only", is_flag=True, help="List the saved queries with their summaries.")
@click.option("--help-query", is_flag=True, help="Show the query's header: what it answers, its parameters and columns.")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most this many rows (a page).")
@click.option("--offset", type=click.IntRange(min=0), default=None, help="Skip this many rows first.")
def query(name, store_path, endpoint, fmt, params, list_only, help_query, limit, offset):
    """Run the saved query NAME (a file queries/NAME.rq) and print its results.

    \b
    wsisgraph query mentions --store build/store --format json
    wsisgraph query evidence --store build/store -p concept=C7 --limit 50 --offset 100
    wsisgraph query --list
    """
    from .query import format_results, get_query, list_queries, run_query

    if list_only or not name:
        if not list_only:
            raise click.UsageError("give a query NAME, or --list to see them")
        saved = list_queries()
        width = max(len(q.name) for q in saved)
        for q in saved:
            click.echo(f"{q.name.ljust(width)}  {q.summary}")
        return
    if help_query:
        click.echo(get_query(name).header())
        return
    get_query(name)  # an unknown query fails before any store is opened
    results = run_query(_open(store_path, endpoint), name, _parse_params(params), limit=limit, offset=offset)
    click.echo(format_results(results, fmt), nl=False)


@cli.command()
@click.argument("sparql_text", required=False)
@click.option("--file", "-f", "sparql_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the query from a .rq file.")
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="The store to query.")
@click.option("--endpoint", default=None, help="A SPARQL 1.1 query endpoint URL instead of a local store.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True)
def sparql(sparql_text, sparql_file, store_path, endpoint, fmt):
    """Run an ad hoc, read-only SPARQL SELECT or ASK query.

    \b
    wsisgraph sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --store build/store
    """
    from .query import check_read_only, format_results

    if bool(sparql_text) == bool(sparql_file):
        raise click.UsageError("give the query as an argument or with -f FILE, not both")
    text = sparql_file.read_text(encoding="utf-8") if sparql_file else sparql_text
    check_read_only(text, str(sparql_file or "query"))
    results = _open(store_path, endpoint, adhoc=True).select(text)
    click.echo(format_results(results, fmt), nl=False)


@cli.command()
@click.option("--store", "store_path", required=True, type=click.Path(path_type=Path), help="The store to export.")
@click.option("--format", "fmt", default=None,
              type=click.Choice(["turtle", "ttl", "trig", "nt", "nq", "jsonld", "json-ld"]),
              help="[default: from the --out extension (.ttl .trig .nt .nq .jsonld), turtle for -]")
@click.option("--out", "-o", required=True, help="Output file, or - for stdout.")
def export(store_path, fmt, out):
    """Write the whole graph in a standard RDF syntax.

    \b
    wsisgraph export --store build/store --format turtle --out build/wsis.ttl
    """
    from .export import export as export_graph, format_for
    from .store import open_store

    fmt = format_for(out, fmt)  # a bad --out fails before the store is opened
    store = open_store(store_path)
    if out == "-":
        export_graph(store, fmt, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        export_graph(store, fmt, out)
        click.echo(f"wrote {out}", err=True)


@cli.command()
@click.option("--store", "store_path", required=True, type=click.Path(path_type=Path), help="The store to publish.")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--base", default=None, help="Base IRI of the resources to publish (default: the store's own).")
@click.option("--endpoint", default=None, metavar="URL",
              help="A public SPARQL endpoint of the same graph, recorded in the VoID description.")
def publish(store_path, outdir, base, endpoint):
    """Write a static linked-data site: an HTML page, a .ttl and a .jsonld for every resource under the base.

    Also an index page per class, the ontology as HTML and a VoID description (void.ttl). OUTDIR is replaced
    as a whole when the new site is complete; README.md shows how to serve it with content negotiation.

    \b
    wsisgraph publish --store build/store build/site
    """
    from .publish import publish as publish_site

    summary = publish_site(store_path, outdir, base=base, endpoint=endpoint)
    for iri in summary.skipped:
        click.echo(f"warning: {iri}: no file path for this IRI; it gets no page", err=True)
    click.echo(f"published {summary.resources} resources ({summary.files} files, {summary.triples} triples) "
               f"in {summary.seconds:.1f} s into {outdir}", err=True)


@cli.command()
@click.option("--store", "store_path", required=True, type=click.Path(path_type=Path), help="The store to push.")
@click.option("--to", "to", required=True, metavar="URL",
              help="A SPARQL 1.1 Graph Store HTTP Protocol endpoint (Oxigraph: http://HOST:7878/store).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def push(store_path, to, quiet):
    """Load the graph into a remote store, one named graph per document, each replacing what was there.

    Every named graph is sent with an HTTP PUT (SPARQL 1.1 Graph Store HTTP Protocol) to URL?graph=IRI, so
    Fuseki, Oxigraph server, GraphDB or Virtuoso can be the store of record.

    \b
    wsisgraph push --store build/store --to http://127.0.0.1:7878/store
    """
    from .store import push as push_store

    bars = _Bars(quiet)
    try:
        summary = push_store(store_path, to, on_start=lambda n: bars.start(n, "pushing"), on_graph=bars.step)
    finally:
        bars.close()
    click.echo(f"pushed {summary.graphs} graphs, {summary.triples} triples to {summary.target} "
               f"in {summary.seconds:.1f} s", err=True)


@cli.command()
@click.option("--store", "store_path", required=True, type=click.Path(path_type=Path), help="The store to serve.")
@click.option("--port", default=7878, show_default=True, type=int, help="The port on 127.0.0.1.")
@click.option("--writable", is_flag=True, help="Accept SPARQL updates and Graph Store writes (read-only by default).")
def serve(store_path, port, writable):
    """Serve a store with the Oxigraph SPARQL server on 127.0.0.1 until stopped (Ctrl-C).

    SPARQL queries at http://127.0.0.1:PORT/query (the default graph is the union of all graphs, as locally),
    the Graph Store at /store. Query it with `--endpoint http://127.0.0.1:PORT/query`. A rebuilt store is served
    as soon as the build ends, without a moment where nothing answers (not with --writable: restart to serve it).

    \b
    wsisgraph serve --store build/store --port 7878
    """
    from .serve import serve as serve_store

    def on_ready(generation: str) -> None:
        mode = "read-write (a rebuilt store is served after a restart)" if writable else "read-only"
        click.echo(f"serving {store_path} {mode}: SPARQL queries at http://127.0.0.1:{port}/query (Ctrl-C stops)",
                   err=True)

    def on_switch(message: str) -> None:
        if message.startswith("warning:"):
            click.echo(message, err=True)
        else:
            click.echo(f"serving the rebuilt {store_path} ({message}) from now on", err=True)

    serve_store(store_path, port, writable=writable, on_ready=on_ready, on_switch=on_switch)


@cli.command()
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="The store to serve.")
@click.option("--endpoint", default=None, help="A SPARQL 1.1 query endpoint URL instead of a local store.")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="The port to listen on.")
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds a query may run; past that it is stopped and the answer is 504.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Queries run at the same time (worker processes on a store).")
@click.option("--quiet", "-q", is_flag=True, help="No line per request on stderr.")
def api(store_path, endpoint, host, port, timeout, workers, quiet):
    """Serve every saved query as a read-only web API until stopped (Ctrl-C).

    GET /api/NAME?param=value answers SPARQL JSON, CSV, TSV or an HTML table (?format= or the Accept header);
    /openapi.json describes the API (OpenAPI 3.1); / is its docs page.

    \b
    wsisgraph api --store build/store --port 8000
    """
    import uvicorn

    from .api import LOG_CONFIG, create_app
    from .remote import check_port

    if bool(store_path) == bool(endpoint):
        raise click.UsageError("give --store PATH or --endpoint URL (one of them)")
    check_port(host, port)
    app = create_app(store_path, endpoint, timeout=timeout, workers=workers)
    info = app.state.info
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {len(info.queries)} saved queries from {info.source} at http://{shown}:{port}/ "
               f"(docs; /api/NAME, /openapi.json); Ctrl-C stops", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}, not only on this machine: whoever reaches it can query", err=True)
    uvicorn.run(app, host=host, port=port, log_config=LOG_CONFIG, log_level=None, access_log=not quiet,
                timeout_graceful_shutdown=5)


@cli.command()
@click.argument("document")
@click.argument("concept")
@click.option("--store", "store_path", required=True, type=click.Path(path_type=Path), help="The store to ask.")
@click.option("--format", "fmt", type=click.Choice(["text", "table", "csv", "tsv", "json"]), default="text",
              show_default=True)
def explain(document, concept, store_path, fmt):
    """Show every link between DOCUMENT (its name as built, or a path ending in it) and CONCEPT (a notation):
    explicit mentions, topical links with their score, method and sentences, and links the WSIS-SDG Matrix implies.

    \b
    wsisgraph explain 002_0a617c45d6870c06.txt C7 --store build/store
    """
    from .query import format_results, resolve_document, rows, run_query
    from .store import open_store

    store = open_store(store_path)
    document = resolve_document(store, document)  # a path as typed (seeds/x.txt) names the document built as x.txt
    results = run_query(store, "explain", {"document": document, "concept": concept})
    if fmt != "text":
        click.echo(format_results(results, fmt), nl=False)
        return
    columns, table = rows(results)
    if not table:
        click.echo(f"no link between {document} and {concept}")
        return
    current = None
    for row in table:
        r = dict(zip(columns, row))
        head = (r["kind"], r["notation"], r["scope"])
        if head != current:
            current = head
            extra = f" score {r['score']}, method {r['method']}" if r["score"] else (
                f" from {r['method']}" if r["method"] else "")
            scope = f" (in {r['scope'].rsplit('/', 1)[-1]})" if r["scope"] else ""
            click.echo(f"{r['kind']}: {r['notation']} {r['label']}{scope}{extra}")
        terms = f"  ({r['terms']})" if r["terms"] else ""
        click.echo(f"  [{r['start']}-{r['end']}] {' '.join(r['quote'].split())}{terms}")


NETWORK_KINDS = ("co-mention", "actor-concept", "actor", "al-sdg")  # wsisgraph.network.KINDS (a test checks)
NETWORK_FORMATS = ("graphml", "gexf", "json", "png", "svg", "html")


class _NetworkGroup(click.Group):
    """`wsisgraph network KIND ...` is short for `wsisgraph network write KIND ...`."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["write", *args]
        return super().resolve_command(ctx, args)


@cli.group(cls=_NetworkGroup)
def network():
    """Build a network of the graph (networkx) and write it, or print its metrics.

    KIND is co-mention (concepts named in the same answer or page section), actor-concept (organizations to
    the concepts they name), actor (organizations linked by shared concepts) or al-sdg (Action Lines to SDGs,
    from documents and from the WSIS-SDG Matrix). `network KIND ...` is short for `network write KIND ...`.

    \b
    wsisgraph network co-mention --store build/store --format gexf --out build/co-mention.gexf
    wsisgraph network stats actor --store build/store
    """


@network.command("write")
@click.argument("kind", type=click.Choice(NETWORK_KINDS), metavar="KIND")
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="The store to read.")
@click.option("--endpoint", default=None, help="A SPARQL 1.1 query endpoint URL instead of a local store.")
@click.option("--format", "fmt", type=click.Choice(NETWORK_FORMATS), default=None,
              help="graphml and gexf open in Gephi; html is a self-contained interactive view "
                   "[default: from the --out extension].")
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="The file to write.")
@click.option("--color", "color_by", type=click.Choice(["scheme", "community"]), default=None,
              help="Colour nodes by scheme or by Louvain community [default: community for actor, else scheme].")
@click.option("--labels", type=click.IntRange(min=0), default=None,
              help="How many of the most central nodes a png/svg labels [default: all of a network of up to 40 "
                   "nodes, else a quarter, 15 to 30].")
def network_write(kind, store_path, endpoint, fmt, out, color_by, labels):
    """Write the network KIND as GraphML, GEXF, node-link JSON, a PNG or SVG drawing, or an HTML view.

    Every node has label, scheme, notation, role, stakeholdertype, country, degree, weighted_degree,
    betweenness, eigenvector and community (Louvain, seed 42).

    \b
    wsisgraph network al-sdg --store build/store --out build/al-sdg.png
    """
    from .network import build_network, format_for, write_network

    fmt = format_for(out, fmt)  # a bad --out fails before any query runs
    graph = build_network(_open(store_path, endpoint), kind)
    write_network(graph, out, fmt, color_by=color_by, labels=labels)
    click.echo(f"wrote {out} ({kind} network: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, "
               f"{fmt})", err=True)


@network.command("stats")
@click.argument("kind", type=click.Choice(NETWORK_KINDS), metavar="KIND")
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="The store to read.")
@click.option("--endpoint", default=None, help="A SPARQL 1.1 query endpoint URL instead of a local store.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1), help="Nodes listed per metric.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def network_stats(kind, store_path, endpoint, top, fmt):
    """Print the top nodes of the network KIND by each metric and its communities with their members.

    \b
    wsisgraph network stats co-mention --store build/store
    """
    import json

    from .network import build_network, format_stats, network_stats as stats_of

    stats = stats_of(build_network(_open(store_path, endpoint), kind), top=top)
    click.echo(json.dumps(stats, ensure_ascii=False, indent=1) if fmt == "json" else format_stats(stats),
               nl=fmt == "json")


@cli.group()
def plot():
    """Draw pictures of the graph.

    \b
    wsisgraph plot heatmap --rows stakeholder --cols actionline --store build/store --out build/heatmap.png
    """


@plot.command("heatmap")
@click.option("--rows", type=click.Choice(["stakeholder", "country"]), default="stakeholder", show_default=True,
              help="Rows: stakeholder types, or respondent countries (with --cols topic).")
@click.option("--cols", type=click.Choice(["actionline", "sdg", "topic"]), default="actionline",
              show_default=True, help="Columns: Action Lines, SDGs or topics.")
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="The store to read.")
@click.option("--endpoint", default=None, help="A SPARQL 1.1 query endpoint URL instead of a local store.")
@click.option("--format", "fmt", type=click.Choice(["png", "svg"]), default=None,
              help="[default: from the --out extension]")
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="The PNG or SVG file to write.")
def heatmap(rows, cols, store_path, endpoint, fmt, out):
    """Draw how many responses of each stakeholder type name each Action Line, SDG or topic (PNG or SVG).

    \b
    wsisgraph plot heatmap --rows stakeholder --cols sdg --store build/store --out build/sdg.png
    """
    from .report import plot_heatmap

    plot_heatmap(_open(store_path, endpoint), out, rows=rows, cols=cols, fmt=fmt)
    click.echo(f"wrote {out}", err=True)


@cli.command()
@click.option("--store", "store_path", type=click.Path(path_type=Path), help="The store to report on.")
@click.option("--endpoint", default=None, help="A SPARQL 1.1 query endpoint URL instead of a local store.")
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(path_type=Path),
              help="The folder to write into (created if missing).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="Rows of the topic and network tables.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def report(store_path, endpoint, out_dir, top, quiet):
    """Write the analyst report: one self-contained HTML file, its Markdown twin, the figures and networks.

    DIR gets report.html (figures embedded, nothing fetched from the network), report.md, figures/ (PNG) and
    networks/ (an interactive view and a GEXF file per network). Each table and figure names its saved query.

    \b
    wsisgraph report --store build/store --out build/report
    """
    from .report import report as write_report

    def on_step(text: str) -> None:
        if not quiet:
            click.echo(f"report: {text}", err=True)

    summary = write_report(_open(store_path, endpoint), out_dir, source=str(store_path or endpoint), top=top,
                           on_step=on_step)
    from .report import plural

    click.echo(f"wrote {summary.html} and {summary.markdown.name} ({plural(len(summary.figures), 'figure')}, "
               f"{plural(summary.tables, 'table')}, {plural(len(summary.networks), 'network file')}) in "
               f"{summary.seconds:.1f} s", err=True)


@cli.command()
@click.argument("url")
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the items into (created if missing); `build` then reads it.")
@click.option("--delay", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds between two requests.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds to wait for one answer.")
@click.option("--deadline", default=3600.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds for the whole harvest; what is not fetched by then is reported.")
@click.option("--retries", default=5, show_default=True, type=click.IntRange(min=0),
              help="More tries of a request answered 429 or 5xx, timed out or cut short (exponential backoff).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
def harvest(url, out_dir, delay, timeout, deadline, retries, quiet):
    """Fetch a WordPress REST API collection into a folder, one JSON file per item (`page-584.json`).

    Every page of the collection is listed; only items that are new or whose modified_gmt changed since the last
    run are fetched. Anything that could not be fetched is reported on one line (exit 2) after the rest is written.

    \b
    wsisgraph harvest https://www.itu.int/160/wp-json/wp/v2/pages --out harvest/itu160
    """
    from .harvest import harvest as run_harvest

    def on_progress(stage: str, done: int, total: int) -> None:
        if quiet:
            return
        if stage == "list":
            click.echo(f"listed page {done} of {total}", err=True)
        elif done == 0:
            click.echo(f"fetching {total} new or changed items", err=True)
        else:
            click.echo(f"fetched {done} of {total}", err=True)

    def on_notice(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    def summarise(summary) -> None:
        click.echo(
            f"harvested {summary.url}: {summary.listed} items listed, {summary.fetched} fetched, "
            f"{summary.unchanged} unchanged"
            + (f", {summary.unlisted} files no longer listed (kept)" if summary.unlisted else "")
            + f" in {summary.seconds:.1f} s ({summary.requests} requests, {summary.retries} retried) into {summary.out}",
            err=True)

    summary = run_harvest(url, out_dir, delay=delay, timeout=timeout, deadline=deadline, retries=retries,
                          on_progress=on_progress, on_notice=on_notice)  # HarvestError: one line, exit 2
    summarise(summary)


def main() -> None:
    cli(obj={})


if __name__ == "__main__":
    main()
