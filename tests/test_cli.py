"""The command line, in process through click's CliRunner, plus one smoke test of the installed entry point."""
import json
import shutil
import subprocess
import sys

import pytest
import rdflib
from click.testing import CliRunner

from wsisgraph.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), obj={})


def test_build_then_contract_queries(tmp_path, seed_dir):
    store = tmp_path / "store"
    result = run("build", seed_dir, "--store", store, "--quiet")
    assert result.exit_code == 0, result.output
    assert "built 2 documents" in result.stderr and "(0 skipped)" in result.stderr
    mentions = json.loads(run("query", "mentions", "--store", store, "--format", "json").stdout)
    assert mentions["head"]["vars"] == ["source", "scheme", "notation", "explicit"]
    rows = {(b["source"]["value"], b["scheme"]["value"], b["notation"]["value"], b["explicit"]["value"])
            for b in mentions["results"]["bindings"]}
    assert ("002_0a617c45d6870c06.txt", "actionline", "C7", "true") in rows
    assert ("000_4a3d6c9ea7ec870d.txt", "organization", "itu", "true") in rows
    assert ("002_0a617c45d6870c06.txt", "country", "CA", "true") in rows
    respondents = json.loads(run("query", "respondents", "--store", store, "--format", "json").stdout)
    assert respondents["head"]["vars"] == ["source", "name", "stakeholdertype", "country"]
    [row] = respondents["results"]["bindings"]
    assert {k: v["value"] for k, v in row.items()} == {
        "source": "002_0a617c45d6870c06.txt", "name": "Ocgrow Group", "stakeholdertype": "private-sector",
        "country": "CA"}


def test_building_twice_gives_the_same_graph(tmp_path, seed_dir):
    outputs = []
    for name in ("a", "b"):
        run("build", seed_dir, "--store", tmp_path / name, "--quiet")
        out = tmp_path / f"{name}.nq"
        assert run("export", "--store", tmp_path / name, "--format", "nq", "--out", out).exit_code == 0
        outputs.append(sorted(out.read_text(encoding="utf-8").splitlines()))
    assert outputs[0] == outputs[1]


def test_rebuild_replaces_the_store(tmp_path, seed_dir, fixture_docs):
    store = tmp_path / "store"
    run("build", fixture_docs, "--store", store, "--quiet")
    run("build", seed_dir, "--store", store, "--quiet")
    rows = json.loads(run("query", "mentions", "--store", store, "--format", "json").stdout)["results"]["bindings"]
    assert {b["source"]["value"] for b in rows} == {"000_4a3d6c9ea7ec870d.txt", "002_0a617c45d6870c06.txt"}
    assert len(list(store.glob("gen-*"))) == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv"])
def test_query_text_formats(built_store, fmt):
    out = run("query", "respondents", "--store", built_store, "--format", fmt).stdout
    assert "Ocgrow Group" in out and "private-sector" in out
    if fmt == "csv":
        assert out.splitlines()[0] == "source,name,stakeholdertype,country"


def test_export_turtle_parses_with_rdflib(built_store, tmp_path):
    out = tmp_path / "graph.ttl"
    result = run("export", "--store", built_store, "--format", "turtle", "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "@prefix wsis:" in text and "ns1:" not in text
    graph = rdflib.Graph().parse(out, format="turtle")
    assert (None, rdflib.URIRef("https://w3id.org/wsisgraph/ontology#respondentName"), rdflib.Literal("Ocgrow Group")) in graph


def test_query_list_and_header():
    listing = run("query", "--list").stdout
    assert "mentions" in listing and "respondents" in listing
    assert "#+ columns: [source, scheme, notation, explicit]" in run("query", "mentions", "--help-query").stdout


@pytest.mark.parametrize("args,fragment", [
    (["build", "does-not-exist", "--store", "{tmp}/s"], "does-not-exist: no such file or folder"),
    (["query", "mentions", "--store", "{tmp}/nostore"], "no such store"),
    (["query", "no-such-query", "--store", "{tmp}"], "no saved query named 'no-such-query'"),
    (["query", "../etc/passwd", "--store", "{tmp}"], "not a query name"),
])
def test_user_errors_are_one_line_exit_2(tmp_path, args, fragment):
    result = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("Error: ") and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_sparql_refuses_updates(built_store):
    result = run("sparql", "DROP ALL", "--store", built_store)
    assert result.exit_code == 2 and "updates are not allowed" in result.stderr


def test_sparql_select(built_store):
    out = run("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?d a wsis:Document }", "--store", built_store,
              "--format", "csv").stdout
    assert out.splitlines() == ["n", "2"]


def test_installed_entry_point(tmp_path, seed_dir):
    exe = shutil.which("wsisgraph")
    cmd = [exe] if exe else [sys.executable, "-m", "wsisgraph"]
    done = subprocess.run(cmd + ["build", str(seed_dir), "--store", str(tmp_path / "s"), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "built 2 documents" in done.stderr
