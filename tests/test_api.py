"""`wsisgraph api`: the tests start the real server (uvicorn, in a child process) on a free 127.0.0.1 port and call
it over HTTP. Every saved query must answer the rows `wsisgraph query` prints, in each format; the OpenAPI
description must validate; errors are one line of JSON; a query past its deadline is stopped; nothing is left
running when the server ends, even when it is killed."""
from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.query import format_results, list_queries, run_query
from wsisgraph.store import open_store

from servers import children, cmdline, free_port, gone_within, misbehaving, oxigraph, start, stop, wait_for

HOSTILE = ['x" } ; DROP ALL ; #', "x' } } DROP ALL { {", '"""\n} DROP ALL #', "\\\" ) } DELETE WHERE { ?s ?p ?o } #",
           "<script>alert(1)</script>"]


def serve(*args: str) -> tuple:
    """`wsisgraph api ARGS` on a free port: (process, base URL), once it answers."""
    port = free_port()
    process = start([sys.executable, "-m", "wsisgraph", "api", *args, "--port", str(port), "--quiet"])
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/openapi.json", process, seconds=60)
    return process, base


def get(url: str, accept: str | None = None, method: str = "GET") -> tuple[int, str, str]:
    """(status, content type, body) of one request."""
    request = urllib.request.Request(url, method=method, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read().decode("utf-8")


def url(base: str, name: str, **params: str) -> str:
    return f"{base}/api/{name}" + ("?" + urllib.parse.urlencode(params) if params else "")


def normalized(results: dict) -> tuple:
    columns = results["head"]["vars"]
    rows = sorted(json.dumps([row.get(c) for c in columns], sort_keys=True) for row in results["results"]["bindings"])
    return columns, rows


def cli_output(store, name: str, fmt: str, params: dict | None = None) -> str:
    args = ["query", name, "--store", str(store), "--format", fmt]
    for key, value in (params or {}).items():
        args += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def same_table(text: str, expected: str) -> bool:
    """Same header, same rows in any order (ties of ORDER BY may come in either order from another process)."""
    got, want = text.splitlines(), expected.splitlines()
    return got[:1] == want[:1] and sorted(got[1:]) == sorted(want[1:])


@pytest.fixture(scope="module")
def api(built_store):
    process, base = serve("--store", str(built_store))
    try:
        yield base
    finally:
        stop(process)


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_every_saved_query_answers_the_rows_of_the_cli(api, built_store, name):
    local = run_query(open_store(built_store), name)  # what `wsisgraph query NAME` formats
    status, kind, body = get(url(api, name, format="json"))
    assert status == 200 and kind == "application/sparql-results+json", body
    assert normalized(json.loads(body)) == normalized(local)
    for fmt in ("csv", "tsv"):
        status, kind, body = get(url(api, name, format=fmt))
        assert status == 200, body
        assert same_table(body, format_results(local, fmt))


@pytest.mark.parametrize("accept, fmt, kind", [
    ("text/csv", "csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "tsv", "text/tab-separated-values; charset=utf-8"),
    ("application/sparql-results+json", "json", "application/sparql-results+json"),
    ("application/json", "json", "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html", "text/html; charset=utf-8"),
    ("text/html;q=0.5, text/csv", "csv", "text/csv; charset=utf-8"),
    (None, "json", "application/sparql-results+json"),
])
def test_the_format_follows_the_accept_header_or_the_format_parameter(api, built_store, accept, fmt, kind):
    status, got, body = get(url(api, "respondents"), accept=accept)
    assert status == 200 and got == kind
    if fmt in ("csv", "tsv"):
        assert body == cli_output(built_store, "respondents", fmt)
    elif fmt == "html":
        assert "<table" in body and "Ocgrow Group" in body
    # ?format= wins over the header
    status, got, body = get(url(api, "respondents", format="tsv"), accept=accept)
    assert status == 200 and got.startswith("text/tab-separated-values")


def test_the_html_table_escapes_what_it_shows(api):
    status, _, body = get(url(api, "explain", document="<b>x</b>", concept="C7", format="html"))
    assert status == 200
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body


@pytest.mark.parametrize("name, params", [("who-raises", {"concept": "c7"}), ("evidence", {"concept": "ca"}),
                                          ("concepts", {"scheme": "topic"}),
                                          ("explain", {"document": "000_4a3d6c9ea7ec870d.txt", "concept": "C3"})])
def test_parameters_are_bound_as_the_cli_binds_them(api, built_store, name, params):
    status, _, body = get(url(api, name, format="csv", **params))
    assert status == 200, body
    expected = cli_output(built_store, name, "csv", params)
    assert len(expected.splitlines()) > 1 and same_table(body, expected)


@pytest.mark.parametrize("path, method, accept, status, fragment", [
    ("/api/no-such-query", "GET", None, 404, "no saved query named 'no-such-query'"),
    ("/api/who-raises?colour=red", "GET", None, 400, "unknown parameter 'colour'"),
    ("/api/who-raises?concept=C7&concept=C3", "GET", None, 400, "given more than once"),
    ("/api/who-raises?concept=NOPE", "GET", None, 400, "no concept has the notation 'NOPE'"),
    ("/api/respondents?format=xml", "GET", None, 400, "not a format"),
    ("/api/respondents", "GET", "image/png", 406, "cannot answer 'image/png'"),
    ("/nothing/here", "GET", None, 404, "not found"),
    ("/api/respondents", "POST", None, 405, "read-only"),
    ("/api/respondents", "DELETE", None, 405, "read-only"),
    ("/api/respondents", "PUT", None, 405, "read-only"),
])
def test_errors_are_one_line_of_json(api, path, method, accept, status, fragment):
    got, kind, body = get(api + path, accept=accept, method=method)
    assert got == status, body
    assert kind == "application/json" and body.count("\n") == 0
    assert fragment in json.loads(body)["error"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_values_change_nothing(api, built_store, value):
    before = len(open_store(built_store))
    status, _, body = get(url(api, "explain", document=value, concept="C7"))
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, body = get(url(api, "who-raises", concept=value))
    assert status == 400 and "no concept has the notation" in json.loads(body)["error"]
    assert len(open_store(built_store)) == before


def test_openapi_validates_and_describes_every_query(api):
    from openapi_spec_validator import validate

    status, kind, body = get(api + "/openapi.json")
    assert status == 200 and kind == "application/json"
    spec = json.loads(body)
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema
    assert spec["openapi"].startswith("3.1")
    for query in list_queries():
        operation = spec["paths"][f"/api/{query.name}"]["get"]
        assert operation["summary"] == query.summary and query.description in operation["description"]
        declared = {p["name"]: p for p in operation["parameters"] if "name" in p}
        assert set(declared) == {p.name for p in query.params}
        for param in query.params:
            assert declared[param.name]["schema"]["default"] == param.default
            assert declared[param.name]["schema"]["type"] == ("integer" if param.type == "integer" else "string")
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/sparql-results+json", "text/csv", "text/tab-separated-values",
                                "text/html"}
        json_schema = content["application/sparql-results+json"]["schema"]
        assert json_schema["properties"]["head"]["properties"]["vars"]["const"] == query.columns
    # the list of queries agrees
    status, _, body = get(api + "/api")
    assert [entry["name"] for entry in json.loads(body)] == [q.name for q in list_queries()]


def test_the_docs_page_lists_every_query_and_fetches_nothing(api):
    status, kind, body = get(api + "/", accept="text/html")
    assert status == 200 and kind.startswith("text/html")
    for query in list_queries():
        assert f'id="{query.name}"' in body and f'action="/api/{query.name}"' in body
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", body)
    assert "@import" not in body and "url(" not in body


def test_a_query_past_its_deadline_is_stopped_and_ctrl_c_stops_everything(built_store):
    process, base = serve("--store", str(built_store), "--timeout", "0.0001", "--workers", "1")
    try:
        workers = {pid for pid in children(process.pid) if "resource_tracker" not in cmdline(pid)}
        assert len(workers) == 1
        status, kind, body = get(url(base, "co-mentions"))
        assert status == 504 and kind == "application/json" and body.count("\n") == 0
        assert "did not finish within 0.0001 s" in json.loads(body)["error"]
        assert not gone_within(workers), "the worker running the query was not stopped"
        replaced = {pid for pid in children(process.pid) if "resource_tracker" not in cmdline(pid)}
        assert len(replaced) == 1 and not replaced & workers
        # the server goes on answering: the next query times out again, cleanly
        assert get(url(base, "respondents"))[0] == 504
        # Ctrl-C ends the server, its workers and multiprocessing's resource tracker
        started = children(process.pid)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
        assert not gone_within(started), "left running after Ctrl-C"
    finally:
        stop(process)


def test_the_api_over_an_endpoint(built_store):
    with oxigraph() as server:
        result = CliRunner().invoke(cli, ["push", "--store", str(built_store), "--to", server + "/store", "-q"])
        assert result.exit_code == 0, result.output
        process, base = serve("--endpoint", server + "/query")
        try:
            for name, params in (("respondents", {}), ("mentions", {}), ("who-raises", {"concept": "c7"})):
                status, _, body = get(url(base, name, format="csv", **params))
                assert status == 200 and same_table(body, cli_output(built_store, name, "csv", params))
            status, _, body = get(url(base, "who-raises", color="red"))
            assert status == 400 and "unknown parameter" in json.loads(body)["error"]
        finally:
            stop(process)


def test_cli_mistakes_are_one_line(api, built_store, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["api"])
    assert result.exit_code == 2 and "give --store PATH or --endpoint URL" in result.output
    result = runner.invoke(cli, ["api", "--store", str(tmp_path / "missing"), "--port", str(free_port())])
    assert result.exit_code == 2 and "no such store" in result.output and result.output.count("\n") == 1
    result = runner.invoke(cli, ["api", "--endpoint", f"http://127.0.0.1:{free_port()}/query",
                                 "--port", str(free_port())])
    assert result.exit_code == 2 and "cannot reach the SPARQL endpoint" in result.output
    taken = api.rsplit(":", 1)[1]  # the running API's port
    result = runner.invoke(cli, ["api", "--store", str(built_store), "--port", taken])
    assert result.exit_code == 2 and "choose another --port" in result.output


def test_an_endpoint_past_the_deadline_is_a_504():
    # the server passes the startup check (its ASKs are answered) and then drips every query's answer
    with misbehaving("ask-then-drip") as server:
        process, base = serve("--endpoint", server + "/sparql", "--timeout", "1")
        try:
            began = time.monotonic()
            status, _, body = get(url(base, "respondents"))
            assert status == 504 and "did not answer within 1 s" in json.loads(body)["error"]
            assert time.monotonic() - began < 10
        finally:
            stop(process)


def test_a_rebuilt_store_is_served_without_a_restart(tmp_path, seed_dir):
    from wsisgraph.store import build

    docs = tmp_path / "docs"
    docs.mkdir()
    first, second = sorted(seed_dir.glob("*.txt"))[:2]
    (docs / first.name).write_bytes(first.read_bytes())
    store = tmp_path / "store"
    build([docs], store, validate=False)
    process, base = serve("--store", str(store), "--workers", "1")
    try:
        assert get(url(base, "documents", format="csv"))[2].count("\n") == 2  # header and one document
        (docs / second.name).write_bytes(second.read_bytes())
        build([docs], store, validate=False)  # a new generation becomes current
        status, _, body = get(url(base, "documents", format="csv"))
        assert status == 200 and body.count("\n") == 3 and second.name in body, body
        # a kill that cleans nothing up leaves nothing running either (the workers die with the server)
        started = children(process.pid)
        assert len(started) >= 1
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        assert not gone_within(started), "left running after SIGKILL"
    finally:
        stop(process)


def test_a_page_is_the_cli_page(api, built_store):
    local = run_query(open_store(built_store), "mentions", limit=4, offset=3)
    status, _, body = get(url(api, "mentions", format="json", limit="4", offset="3"))
    assert status == 200 and normalized(json.loads(body)) == normalized(local)
    assert len(local["results"]["bindings"]) == 4
    for bad in ("-2", "\u00b2"):  # a superscript two is a digit to str.isdigit, not a number to int()
        status, _, body = get(url(api, "mentions", limit=bad))
        assert status == 400 and "limit" in json.loads(body)["error"]
