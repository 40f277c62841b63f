"""`build --remote`: two shards built one after the other into a real Oxigraph server (--union-default-graph) and a
real Virtuoso 7, then one shard changed and one document removed. After each stage every saved query gives the
rows of an embedded store built from both folders together; the requests each build sends are counted by a
recording proxy (a second run sends no PUT or DELETE, nor anything else to the Graph Store); a stale statistics
graph is repaired by the next build; misuse and unusable servers are one line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli
from wsisgraph.extract import extract
from wsisgraph.graph import document_iri
from wsisgraph.load import iter_paths, load_document
from wsisgraph.namespaces import base_iri
from wsisgraph.query import list_queries, run_query
from wsisgraph.remote_build import build_remote, read_summaries
from wsisgraph.statistics import summarize
from wsisgraph.store import RemoteStore, build, open_store

from conftest import FIXTURES, SEEDS, SHARED
from servers import free_port, oxigraph, recording_proxy, shown, virtuoso

SHARD_A = [SEEDS / "000_4a3d6c9ea7ec870d.txt", SEEDS / "002_0a617c45d6870c06.txt",
           FIXTURES / "docs" / "response-bold.md", FIXTURES / "docs" / "notes.md"]
SHARD_B = [FIXTURES / "docs" / "collection.json", FIXTURES / "docs" / "post.json",
           FIXTURES / "docs" / "response-headings.md", FIXTURES / "docs" / "page.html"]
CHANGED, REMOVED = "response-bold.md", "post.json"  # in shard-a, shard-b
GRAPH_STORE_PATHS = ("/store", "/sparql-graph-crud-auth")


def shards(root: Path, changed: bool) -> tuple[Path, Path]:
    a, b = root / "shard-a", root / "shard-b"
    for folder, files in ((a, SHARD_A), (b, SHARD_B)):
        folder.mkdir(parents=True)
        for path in files:
            shutil.copy(path, folder / path.name)
    if changed:
        edited = a / CHANGED
        edited.write_text(edited.read_text(encoding="utf-8").replace("cybersecurity", "e-government and ICT4D")
                          + "\nWe also work on gender equality (SDG 5) and e-health (C7.5).\n", encoding="utf-8")
        (b / REMOVED).unlink()
    return a, b


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("shards")
    return {"before": shards(root / "before", False), "after": shards(root / "after", True)}


@pytest.fixture(scope="module")
def embedded(folders, tmp_path_factory) -> dict[str, Path]:
    """Each stage built the usual way, both folders together into one embedded store."""
    stores = {}
    for stage, (a, b) in folders.items():
        stores[stage] = tmp_path_factory.mktemp(f"embedded-{stage}") / "store"
        build([a, b], stores[stage], validate=False)
    return stores


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def server(request):
    """(Graph Store URL, query endpoint URL, the server's base URL) of an empty server."""
    if request.param == "oxigraph":
        with oxigraph() as base:
            yield base + "/store", base + "/query", base
    else:
        with virtuoso() as base:
            yield base.replace("http://", "http://dba:dba@") + "/sparql-graph-crud-auth", base + "/sparql", base


def through(proxy: str, url: str, base: str) -> str:
    """`url` of the server at `base`, sent through the proxy instead (a user and password kept)."""
    host = base.removeprefix("http://")
    return url.replace(host, proxy.removeprefix("http://"))


def graph_store_requests(record: list[tuple[str, str]]) -> list[str]:
    """The methods of the requests sent to the Graph Store, the probe's GET once (Virtuoso asks for Digest
    authentication: the first GET is answered 401 and sent again)."""
    methods = [method for method, path in record if path.endswith(GRAPH_STORE_PATHS)]
    return ["GET"] * min(1, methods.count("GET")) + [method for method in methods if method != "GET"]


def rows(endpoint: str) -> dict[str, tuple]:
    return {q.name: shown(run_query(RemoteStore(endpoint), q.name)) for q in list_queries()}


def build_stage(server, stage_folders, validate: bool) -> dict:
    """Build shard-a then shard-b through a recording proxy; the summaries, the Graph Store requests of each build
    and every saved query's rows afterwards."""
    gsp, endpoint, base = server
    out = {}
    with recording_proxy(base) as (proxy, record):
        for folder in stage_folders:
            record.clear()
            summary = build_remote([folder], through(proxy, gsp, base), through(proxy, endpoint, base),
                                   validate=validate)
            out[folder.name] = (summary, graph_store_requests(record))
    out["rows"] = rows(endpoint)
    return out


@pytest.fixture(scope="module")
def first(server, folders):
    return build_stage(server, folders["before"], validate=False)


@pytest.fixture(scope="module")
def second(server, folders, first):
    return build_stage(server, folders["after"], validate=True)


def test_two_shards_give_the_rows_of_one_embedded_build(first, embedded):
    local = open_store(embedded["before"])
    for name, remote in first["rows"].items():
        assert remote == shown(run_query(local, name)), name


def test_first_builds_send_the_reference_graphs_once_and_each_document(first):
    a, a_requests = first["shard-a"]
    b, b_requests = first["shard-b"]
    # a GET probe, the matrix and schemes graphs, four documents, the statistics
    assert a_requests == ["GET"] + ["PUT"] * 7 and a.reference_replaced and a.extracted == 4
    assert b_requests == ["GET"] + ["PUT"] * 5 and not b.reference_replaced and b.extracted == 4
    assert (a.remote_documents, b.remote_documents) == (4, 8)


def test_a_change_and_a_removal_send_only_those(second):
    a, a_requests = second["shard-a"]
    b, b_requests = second["shard-b"]
    assert (a.extracted, a.reused, a.removed, a.validated) == (1, 3, 0, True)
    assert a_requests == ["GET", "PUT", "PUT"]  # the changed document, the statistics
    assert (b.extracted, b.reused, b.removed) == (0, 3, 1)
    assert b_requests == ["GET", "DELETE", "PUT"]  # the removed document, the statistics
    assert b.remote_documents == 7  # shard-a's four were kept: shard-b's build manages shard-b only


def test_after_the_change_the_rows_are_those_of_one_embedded_build(second, embedded):
    local = open_store(embedded["after"])
    for name, remote in second["rows"].items():
        assert remote == shown(run_query(local, name)), name


def test_a_second_run_sends_nothing(server, folders, second):
    gsp, endpoint, base = server
    with recording_proxy(base) as (proxy, record):
        for folder in folders["after"]:
            result = CliRunner().invoke(cli, ["build", str(folder), "--remote", through(proxy, gsp, base),
                                              "--endpoint", through(proxy, endpoint, base), "-q"])
            assert result.exit_code == 0, result.output
            assert "nothing sent: the remote store is up to date" in result.output
    assert graph_store_requests(record) == []
    assert {method for method, _ in record} == {"POST"}  # queries only


def test_stale_statistics_are_repaired_by_the_next_build(server, folders, second):
    """Two builds racing may leave statistics that miss one's documents: the next build, though it changes no
    document, sees that the statistics graph counts other documents than the store holds and rewrites it."""
    gsp, endpoint, base = server
    from wsisgraph.remote_build import GraphStore

    statistics_graph = f"{base_iri()}graph/statistics"
    GraphStore(gsp).put(statistics_graph, b"")  # as if a racing build had written the statistics of no document
    counted = ("concepts", "co-mentions", "respondents-overview", "network-al-sdg", "topics-by-stakeholder")
    for name in counted:  # queries that read the statistics graph
        assert shown(run_query(RemoteStore(endpoint), name)) != second["rows"][name], name
    with recording_proxy(base) as (proxy, record):
        summary = build_remote([folders["after"][0]], through(proxy, gsp, base), through(proxy, endpoint, base))
    assert graph_store_requests(record) == ["GET", "PUT"] and summary.statistics_updated
    assert summary.extracted == 0 and summary.graphs_sent == 1
    for name in counted:
        assert shown(run_query(RemoteStore(endpoint), name)) == second["rows"][name], name


def test_a_name_another_folder_built_is_an_error_naming_both(server, folders, second, tmp_path):
    gsp, endpoint, base = server
    other = tmp_path / "shard-c"
    other.mkdir()
    (other / "notes.md").write_text("# Notes\n\nAnother text about the WSIS Forum.\n", encoding="utf-8")
    with recording_proxy(base) as (proxy, record):
        result = CliRunner().invoke(cli, ["build", str(other), "--remote", through(proxy, gsp, base),
                                          "--endpoint", through(proxy, endpoint, base), "-q"])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "'shard-a'" in result.output and "'shard-c'" in result.output and "notes.md" in result.output
    assert graph_store_requests(record) == []


def test_a_folder_whose_files_all_fail_deletes_nothing(server, second, tmp_path):
    """A shard whose files can no longer be read (a failed mount, a bad export) is refused, not emptied."""
    gsp, endpoint, base = server
    (tmp_path / "shard-a").mkdir()
    (tmp_path / "shard-a" / "empty.md").write_text("", encoding="utf-8")
    with recording_proxy(base) as (proxy, record):
        result = CliRunner().invoke(cli, ["build", str(tmp_path / "shard-a"), "--remote", through(proxy, gsp, base),
                                          "--endpoint", through(proxy, endpoint, base), "-q"])
    assert result.exit_code == 2 and "none of the 1 files" in result.output, result.output
    assert graph_store_requests(record) == ["GET"]  # the probe only
    assert shown(run_query(RemoteStore(endpoint), "documents")) == second["rows"]["documents"]


# -- the summaries read back from the graph are those extraction makes ------------------------------------------

SUMMARY_FOLDERS = [SHARED / "eval" / "dev" / "docs", FIXTURES / "docs", FIXTURES / "analysts",
                   FIXTURES / "real-style" / "docs", FIXTURES / "topical"]


def canonical(summary: dict) -> dict:
    return {**summary, "parts": sorted(sorted(p) for p in summary["parts"]), "about": sorted(summary["about"])}


def test_summaries_read_from_the_graph_equal_those_of_extraction(tmp_path):
    folders = [f for f in SUMMARY_FOLDERS if f.exists()]
    store = tmp_path / "store"
    build(folders, store, validate=False)
    base = base_iri()
    read, _ = read_summaries(open_store(store), base)
    expected = {}
    for path, name in iter_paths(folders):
        expected[document_iri(name, base)] = canonical(summarize(extract(load_document(path, name), base), base))
    assert len(expected) >= 30 and set(read) == set(expected)
    assert any(s["response"] and s["type"] and s["country"] for s in expected.values())
    assert any(s["about"] for s in expected.values())
    for iri, summary in expected.items():
        assert canonical(read[iri]) == summary, iri


# -- misuse and servers that cannot be used ----------------------------------------------------------------------

def invoke(*args: str):
    return CliRunner().invoke(cli, ["build", *args, "-q"])


def test_remote_needs_an_endpoint_and_no_store(tmp_path):
    for args in (["--remote", "http://127.0.0.1:1/store"], ["--endpoint", "http://127.0.0.1:1/query"],
                 ["--remote", "http://127.0.0.1:1/store", "--endpoint", "http://127.0.0.1:1/query",
                  "--store", str(tmp_path / "s")]):
        result = invoke(str(SEEDS), *args)
        assert result.exit_code == 2 and "--remote GSP_URL" in result.output, result.output


def test_an_unreachable_endpoint_is_one_line():
    port = free_port()
    result = invoke(str(SEEDS), "--remote", f"http://127.0.0.1:{port}/store",
                    "--endpoint", f"http://127.0.0.1:{port}/query")
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "cannot reach the SPARQL endpoint" in result.output


def test_a_query_endpoint_given_as_the_graph_store_is_one_line():
    with oxigraph() as base:
        result = invoke(str(SEEDS), "--no-validate", "--remote", base + "/query", "--endpoint", base + "/query")
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "not a Graph Store Protocol endpoint" in result.output and "/store" in result.output


def test_a_default_graph_that_is_not_the_union_is_one_line():
    with oxigraph(union=False) as base:
        for _ in range(2):  # on the empty server once the reference graphs are in; then before sending anything
            result = invoke(str(SEEDS), "--no-validate", "--remote", base + "/store", "--endpoint", base + "/query")
            assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
            assert "not the union of its named graphs" in result.output


def test_a_wrong_password_is_one_line_without_it(server, second, tmp_path):
    gsp, endpoint, base = server
    if "dba:dba@" not in gsp:
        pytest.skip("the Oxigraph server asks for no password")
    (tmp_path / "shard-d").mkdir()
    (tmp_path / "shard-d" / "new.md").write_text("# New\n\nA note on the WSIS Forum.\n", encoding="utf-8")
    result = invoke(str(tmp_path / "shard-d"), "--no-validate", "--remote", gsp.replace("dba:dba@", "dba:wrong@"),
                    "--endpoint", endpoint)
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "HTTP 401" in result.output and "wrong" not in result.output


def test_build_remote_needs_both_urls_and_no_store(tmp_path, seed_dir):
    from click.testing import CliRunner

    from wsisgraph.cli import cli

    for args in (["--remote", "http://127.0.0.1:9/store"], ["--endpoint", "http://127.0.0.1:9/query"],
                 ["--store", str(tmp_path / "s"), "--remote", "http://127.0.0.1:9/store",
                  "--endpoint", "http://127.0.0.1:9/query"]):
        result = CliRunner().invoke(cli, ["build", str(seed_dir), *args], obj={})
        assert result.exit_code == 2 and "give --store PATH, or --remote GSP_URL with --endpoint QUERY_URL" in \
            result.output
    assert not (tmp_path / "s").exists()
