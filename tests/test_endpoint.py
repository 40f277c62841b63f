"""A real SPARQL endpoint: the tests start the Oxigraph server themselves on a free 127.0.0.1 port, push the seeds'
graph into it through the Graph Store Protocol, and check that every saved query returns the same rows through
--endpoint as from the local store. They also start `wsisgraph serve` on the seed store, read-only."""
from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.errors import StoreError
from wsisgraph.query import get_query, list_queries, run_query
from wsisgraph.store import RemoteStore, open_store

from servers import free_port, misbehaving, oxigraph, start, stop, wait_for

HOSTILE = ['x" } ; DROP ALL ; #', "x' } } DROP ALL { {", '"""\n} DROP ALL #', "\\\" ) } DELETE WHERE { ?s ?p ?o } #"]


@pytest.fixture(scope="module")
def server():
    """An empty, writable Oxigraph server on a free port; always stopped at the end."""
    with oxigraph() as base:
        yield base


@pytest.fixture(scope="module")
def pushed(server, built_store) -> str:
    """The seeds' graph pushed into the server; the query endpoint's URL."""
    result = CliRunner().invoke(cli, ["push", "--store", str(built_store), "--to", server + "/store", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "pushed" in result.output
    return server + "/query"


def normalized(results: dict) -> tuple:
    """Head and rows, each term as (type, value, datatype, language); rows as a sorted multiset (ties in ORDER BY
    may come back in either order)."""
    def term(b):
        kind = "literal" if b["type"] == "typed-literal" else b["type"]
        datatype = b.get("datatype")
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            datatype = None
        return kind, b["value"], datatype, b.get("xml:lang")

    columns = results["head"]["vars"]
    rows = sorted(json.dumps([term(b[c]) if c in b else None for c in columns]) for b in results["results"]["bindings"])
    return columns, rows


def count_remote(endpoint: str) -> int:
    results = RemoteStore(endpoint).select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(results["results"]["bindings"][0]["n"]["value"])


def test_push_copies_every_graph(pushed, built_store):
    local = open_store(built_store)
    assert count_remote(pushed) == len(local)
    graphs = RemoteStore(pushed).select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {b["g"]["value"] for b in graphs["results"]["bindings"]} == {g.value for g in local.store.named_graphs()}


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_saved_query_remote_equals_local(pushed, built_store, name):
    local = run_query(open_store(built_store), name)
    remote = run_query(RemoteStore(pushed), name)
    assert normalized(remote) == normalized(local)
    assert remote["head"]["vars"] == get_query(name).columns


@pytest.mark.parametrize("name, params", [("who-raises", {"concept": "ITU"}), ("evidence", {"concept": "ca"}),
                                          ("concepts", {"scheme": "topic"}), ("who-raises", {"concept": "C2"})])
def test_parameters_remote_equal_local(pushed, built_store, name, params):
    local = run_query(open_store(built_store), name, params)
    remote = run_query(RemoteStore(pushed), name, params)
    assert local["results"]["bindings"]
    assert normalized(remote) == normalized(local)


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_cli_endpoint_output_equals_local(pushed, built_store, fmt):
    for args in (["query", "respondents"], ["query", "who-raises", "-p", "concept=C7"],
                 ["sparql", "SELECT ?s WHERE { ?d wsis:fileName ?s } ORDER BY ?s"]):
        local = CliRunner().invoke(cli, [*args, "--store", str(built_store), "--format", fmt])
        remote = CliRunner().invoke(cli, [*args, "--endpoint", pushed, "--format", fmt])
        assert local.exit_code == remote.exit_code == 0, remote.output
        assert remote.output == local.output


def test_sparql_file_through_the_endpoint(pushed, tmp_path):
    query = tmp_path / "count.rq"
    query.write_text("# how many documents\nSELECT (COUNT(?d) AS ?n) WHERE { ?d a wsis:Document }\n")
    result = CliRunner().invoke(cli, ["sparql", "-f", str(query), "--endpoint", pushed, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output == "n\n2\n"


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_changes_nothing_remotely(pushed, value):
    before = count_remote(pushed)
    # a notation is looked up first (the lookup query gets the value in a VALUES block): no concept has it
    result = CliRunner().invoke(cli, ["query", "who-raises", "--endpoint", pushed, "-p", f"concept={value}",
                                      "--format", "json"])
    assert result.exit_code == 2 and "no concept has the notation" in result.output, result.output
    # a string parameter goes straight into the query's VALUES block, as one literal that matches nothing
    result = CliRunner().invoke(cli, ["query", "explain", "--endpoint", pushed, "-p", f"document={value}",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"]["bindings"] == []
    assert count_remote(pushed) == before


def test_updates_are_refused_before_the_endpoint(pushed):
    before = count_remote(pushed)
    result = CliRunner().invoke(cli, ["sparql", "DROP ALL", "--endpoint", pushed])
    assert result.exit_code == 2 and "updates are not allowed" in result.output
    assert count_remote(pushed) == before


def test_push_twice_replaces_each_graph(server, built_store):
    target = server + "/store"
    CliRunner().invoke(cli, ["push", "--store", str(built_store), "--to", target, "-q"])
    result = CliRunner().invoke(cli, ["push", "--store", str(built_store), "--to", target, "-q"])
    assert result.exit_code == 0, result.output
    assert count_remote(server + "/query") == len(open_store(built_store))


def test_an_endpoint_that_is_down_is_one_line(built_store):
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint"):
        RemoteStore(url).select("ASK {}")
    for args in (["query", "respondents", "--endpoint", url], ["sparql", "ASK {}", "--endpoint", url],
                 ["push", "--store", str(built_store), "--to", url.replace("/query", "/store"), "-q"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: http://127.0.0.1:") and "cannot reach" in result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output


@pytest.mark.parametrize("url, fragment", [("ftp://example.org/sparql", "not the http(s) URL"),
                                           ("not a url", "not the http(s) URL")])
def test_a_bad_endpoint_url_is_one_line(url, fragment):
    result = CliRunner().invoke(cli, ["query", "respondents", "--endpoint", url])
    assert result.exit_code == 2 and fragment in result.output


def test_not_a_sparql_endpoint(server):
    result = CliRunner().invoke(cli, ["query", "respondents", "--endpoint", server + "/nothing-here"])
    assert result.exit_code == 2 and result.output.startswith("Error: ") and result.output.count("\n") == 1


def _no_exec(*args):
    raise AssertionError(f"serve would have started a server in the test process: {args}")


def test_serve_is_read_only_and_answers_like_the_store(built_store, server, monkeypatch):
    port = free_port()
    process = start([sys.executable, "-m", "wsisgraph", "serve", "--store", str(built_store), "--port", str(port)])
    try:
        endpoint = f"http://127.0.0.1:{port}/query"
        wait_for(endpoint, process)
        for name in ("respondents", "mentions", "matrix-divergence"):
            assert normalized(run_query(RemoteStore(endpoint), name)) == \
                normalized(run_query(open_store(built_store), name))
        update = urllib.request.Request(f"http://127.0.0.1:{port}/update", data=b"update=DROP+ALL", method="POST",
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(update, timeout=10)
        assert refused.value.code in (403, 405)
        assert count_remote(endpoint) == len(open_store(built_store))
    finally:
        stop(process)
    # a port already taken gives one line, before any server starts
    monkeypatch.setattr("wsisgraph.serve._Supervisor.run", _no_exec)
    taken = int(server.rsplit(":", 1)[1])
    result = CliRunner().invoke(cli, ["serve", "--store", str(built_store), "--port", str(taken)])
    assert result.exit_code == 2 and "choose another --port" in result.output


def test_serve_needs_a_store(tmp_path, monkeypatch):
    monkeypatch.setattr("wsisgraph.serve._Supervisor.run", _no_exec)
    result = CliRunner().invoke(cli, ["serve", "--store", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such store" in result.output


# -- a server whose default graph is not the union of its named graphs, or that holds no wsisgraph graph ---------

@pytest.fixture(scope="module")
def apart(built_store) -> str:
    """An Oxigraph server started WITHOUT --union-default-graph, holding the seeds' graph; its query URL."""
    with oxigraph(union=False) as base:
        result = CliRunner().invoke(cli, ["push", "--store", str(built_store), "--to", base + "/store", "-q"])
        assert result.exit_code == 0, result.output
        yield base + "/query"


@pytest.mark.parametrize("args", [["query", "respondents"], ["query", "who-raises", "-p", "concept=C7"],
                                  ["sparql", "SELECT ?s WHERE { ?d wsis:fileName ?s }"],
                                  ["network", "stats", "co-mention"]])
def test_a_default_graph_apart_from_the_named_graphs_is_one_line(apart, args):
    # the data is there, in named graphs: without the check every query would answer nothing, silently
    assert RemoteStore(apart, adhoc=True).select("ASK { GRAPH ?g { ?d a wsis:Document } }")["boolean"]
    result = CliRunner().invoke(cli, [*args, "--endpoint", apart])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith(f"Error: {apart}: the server's default graph")
    assert "--union-default-graph" in result.output and "unionDefaultGraph" in result.output


def test_an_endpoint_without_a_wsisgraph_graph(server):
    with oxigraph() as empty:
        result = CliRunner().invoke(cli, ["query", "respondents", "--endpoint", empty + "/query"])
        assert result.exit_code == 2 and "holds no wsisgraph graph" in result.output, result.output
        assert "wsisgraph push" in result.output and result.output.count("\n") == 1
        # ad hoc SPARQL may explore any endpoint
        result = CliRunner().invoke(cli, ["sparql", "ASK { ?s ?p ?o }", "--endpoint", empty + "/query"])
        assert result.exit_code == 0 and result.output == "false\n", result.output


# -- results from their RDF terms -------------------------------------------------------------------------------

def test_terms_are_canonical_whatever_the_engine():
    from wsisgraph.remote import canonical_results

    xsd = "http://www.w3.org/2001/XMLSchema#"
    virtuoso_like = {"head": {"link": [], "vars": ["b", "n", "s", "l", "u"]},
                     "results": {"distinct": False, "ordered": True, "bindings": [
                         {"b": {"type": "typed-literal", "datatype": xsd + "boolean", "value": "1"},
                          "n": {"type": "typed-literal", "datatype": xsd + "integer", "value": "+007"},
                          "s": {"type": "typed-literal", "datatype": xsd + "string", "value": "C7"},
                          "l": {"type": "literal", "xml:lang": "en", "value": "ICT"},
                          "u": {"type": "uri", "value": "http://example.org/x"},
                          "d": {"type": "typed-literal", "datatype": xsd + "double", "value": "1.0E20"},
                          "m": {"type": "typed-literal", "datatype": xsd + "decimal", "value": "2.50"}},
                         {"b": {"type": "typed-literal", "datatype": xsd + "boolean", "value": "0"}}]}}
    results = canonical_results(virtuoso_like)
    assert results["head"] == {"vars": ["b", "n", "s", "l", "u"]}
    first, second = results["results"]["bindings"]
    assert first["b"] == {"type": "literal", "datatype": xsd + "boolean", "value": "true"}
    assert second["b"]["value"] == "false"
    assert first["n"] == {"type": "literal", "datatype": xsd + "integer", "value": "7"}
    assert first["s"] == {"type": "literal", "value": "C7"}
    assert first["l"] == {"type": "literal", "xml:lang": "en", "value": "ICT"}
    assert first["d"]["value"] == "100000000000000000000" and first["m"]["value"] == "2.5"  # as pyoxigraph writes
    assert canonical_results({"head": {}, "boolean": 1}) == {"head": {}, "boolean": True}


def test_numbers_from_a_server_read_as_the_embedded_store_writes_them(pushed, built_store):
    query = ("SELECT ?a ?b ?c ?d ?e WHERE { BIND(1.0 AS ?a) BIND(2.50 AS ?b) BIND(1.0E20 AS ?c) BIND(1.0E-7 AS ?d) "
             "BIND(0.1E0 + 0.2E0 AS ?e) }")
    assert RemoteStore(pushed).select(query) == open_store(built_store).select(query)


# -- remote waits and answers (issue 15 §6) ----------------------------------------------------------------------

def _one_line_error(args, env, fragment, seconds):
    began = time.monotonic()
    result = CliRunner().invoke(cli, args, env=env)
    took = time.monotonic() - began
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: http://127.0.0.1:") and result.output.count("\n") == 1, result.output
    assert fragment in result.output, result.output
    assert took < seconds, f"{args[0]} took {took:.1f} s"


@pytest.mark.parametrize("command", ["query", "push"])
def test_a_dripping_server_hits_the_total_deadline(built_store, command):
    with misbehaving("drip") as base:
        args = ["query", "respondents", "--endpoint", base + "/query"] if command == "query" else \
            ["push", "--store", str(built_store), "--to", base + "/store", "-q"]
        # each byte comes well within any per-read timeout; only a total deadline ends this
        _one_line_error(args, {"WSISGRAPH_REMOTE_TIMEOUT": "1.5"}, "no complete answer within 1.5 s", 10)


@pytest.mark.parametrize("command", ["query", "push"])
def test_an_endless_answer_hits_the_size_limit(built_store, command):
    with misbehaving("endless") as base:
        args = ["query", "respondents", "--endpoint", base + "/query"] if command == "query" else \
            ["push", "--store", str(built_store), "--to", base + "/store", "-q"]
        _one_line_error(args, {"WSISGRAPH_REMOTE_MAX_MB": "2"}, "the answer is larger than 2 MB", 30)


def test_an_endpoint_answering_html_is_one_line():
    with misbehaving("html") as base:
        _one_line_error(["query", "respondents", "--endpoint", base + "/"], {},
                        "answered text/html, not SPARQL JSON results", 10)
        _one_line_error(["sparql", "ASK {}", "--endpoint", base + "/"], {}, "answered text/html", 10)


@pytest.mark.parametrize("name, value", [("WSISGRAPH_REMOTE_TIMEOUT", "soon"), ("WSISGRAPH_REMOTE_MAX_MB", "-1")])
def test_bad_remote_limits_are_one_line(name, value):
    result = CliRunner().invoke(cli, ["query", "respondents", "--endpoint", "http://127.0.0.1:9/query"],
                                env={name: value})
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
