"""The static linked-data site: a page and two RDF files per resource, well-formed HTML, links that resolve,
no path of the building machine, a VoID description, and an OUTDIR that is replaced only when complete."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import rdflib
from click.testing import CliRunner
from lxml import etree
from rdflib.compare import isomorphic

import wsisgraph.publish as publish_module
from wsisgraph.cli import cli
from wsisgraph.errors import ExportError
from wsisgraph.namespaces import DEFAULT_BASE, ONTOLOGY_IRI, PREFIXES, WSIS
from wsisgraph.publish import SITE_MARKER, PublishSummary, href, publish, resource_path
from wsisgraph.store import open_store

VOID = rdflib.Namespace(PREFIXES["void"])
ENDPOINT = "https://example.org/sparql"


@pytest.fixture(scope="module")
def site(built_store, tmp_path_factory):
    """The seeds' site, published once through the command line."""
    outdir = tmp_path_factory.mktemp("published") / "site"
    result = CliRunner().invoke(cli, ["publish", "--store", str(built_store), str(outdir), "--endpoint", ENDPOINT],
                                obj={})
    assert result.exit_code == 0, result.output
    found = re.fullmatch(r"published (\d+) resources \((\d+) files, (\d+) triples\) in [\d.]+ s into (.+)\n",
                         result.stderr)
    assert found and found.group(4) == str(outdir), result.stderr
    return outdir, PublishSummary(outdir, *map(int, found.groups()[:3]))


def html_files(outdir: Path) -> list[Path]:
    return sorted(outdir.rglob("*.html"))


def parse_html(path: Path):
    # strict: every page is well-formed markup (HTML5 written in its XML-compatible form)
    return etree.parse(str(path), etree.XMLParser(recover=False, resolve_entities=False, no_network=True))


def iris(store, sparql: str) -> list[str]:
    return [row["x"]["value"] for row in store.select(sparql)["results"]["bindings"]]


# -- the IRI -> file mapping ---------------------------------------------------------------------------------

@pytest.mark.parametrize("iri,path", [
    (f"{DEFAULT_BASE}topic/quantum", "topic/quantum"),
    (f"{DEFAULT_BASE}document/002_x.txt", "document/002_x.txt"),
    (f"{DEFAULT_BASE}document/002_x.txt/q4", "document/002_x.txt/q4"),
    (f"{DEFAULT_BASE}document/a%20b.txt", "document/a b.txt"),  # files carry the decoded name, as servers map
    (f"{ONTOLOGY_IRI}#Mention", "ontology"),
    (f"{DEFAULT_BASE}document/x/../y", None),
    (f"{DEFAULT_BASE}document/", None),
    (f"{DEFAULT_BASE}void", None),  # would overwrite void.ttl
    (f"{DEFAULT_BASE}classes/x", None),
    ("http://metadata.un.org/sdg/4", None),  # not ours: linked, never minted a page
])
def test_resource_path(iri, path):
    assert resource_path(iri, DEFAULT_BASE) == path


def test_links_are_relative():
    assert href("document/x.txt/mention/1-2/topic/q", "topic/quantum.html") == "../../../../../topic/quantum.html"
    assert href("document/x.txt", "document/x.txt/q4.html") == "x.txt/q4.html"
    assert href("document/x.txt/q4", "document/x.txt.html") == "../x.txt.html"
    assert href("document/a b:c", "document/a b:c.html") == "a%20b%3Ac.html"  # never read as a URL scheme


# -- the site ------------------------------------------------------------------------------------------------

def test_every_document_concept_and_organization_has_a_page_and_two_rdf_files(site, built_store):
    outdir, _ = site
    store = open_store(built_store)
    wanted = iris(store, "SELECT DISTINCT ?x WHERE { { ?x a wsis:Document } UNION { ?x a skos:Concept } "
                         "UNION { ?x a org:Organization } FILTER(STRSTARTS(STR(?x), 'https://w3id.org/wsisgraph/')) }")
    assert len(wanted) > 300
    for iri in wanted:
        path = resource_path(iri, DEFAULT_BASE)
        assert path is not None, iri
        for ext in (".html", ".ttl", ".jsonld"):
            assert (outdir / (path + ext)).is_file(), (iri, ext)


def test_rdf_files_parse_and_agree(site, built_store):
    outdir, _ = site
    store = open_store(built_store)
    sample = iris(store, "SELECT ?x WHERE { { ?x a wsis:Document } UNION { ?x a wsis:Topic } "
                         "UNION { ?x a org:Organization } UNION { ?x a wsis:Mention } UNION { ?x a wsis:Answer } }")
    for iri in sample:
        path = resource_path(iri, DEFAULT_BASE)
        turtle = rdflib.Graph().parse(outdir / (path + ".ttl"), format="turtle")
        jsonld = rdflib.Graph().parse(outdir / (path + ".jsonld"), format="json-ld")
        assert (rdflib.URIRef(iri), None, None) in turtle, iri
        assert isomorphic(turtle, jsonld), iri
        assert "ns1:" not in (outdir / (path + ".ttl")).read_text(encoding="utf-8")


def test_pages_are_well_formed_and_every_link_resolves_inside_outdir(site):
    outdir, _ = site
    root = outdir.resolve()
    ids: dict[Path, set[str]] = {}
    pages = html_files(outdir)
    assert len(pages) > 100
    checked = 0
    for page in pages:
        tree = parse_html(page)
        ids[page.resolve()] = set(tree.xpath("//@id"))
    for page in pages:
        for link in parse_html(page).xpath("//a/@href | //link/@href"):
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                assert parts.scheme in ("http", "https"), (page, link)
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            assert target.is_relative_to(root), (page, link)
            assert target.is_file(), (page, link)
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in ids[target], (page, link)
            checked += 1
    assert checked > 1000


def test_no_path_of_the_building_machine_leaks(site, built_store):
    outdir, _ = site
    needles = {str(outdir), str(outdir.parent), str(built_store), "/work/", "/root/", "/home/", "/tmp/",
               str(Path.cwd())}
    for path in outdir.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8")
            for needle in needles:
                assert needle not in text, (path, needle)


def test_mention_page_shows_the_quote_in_its_context_and_the_source(site, built_store):
    outdir, _ = site
    store = open_store(built_store)
    rows = store.select("SELECT ?x ?doc ?target ?text ?s ?e WHERE { GRAPH ?doc { ?x a wsis:Mention ; "
                        "oa:hasTarget ?target . ?doc wsis:extractedText/rdf:value ?text . "
                        "?answer a wsis:Answer ; wsis:start ?s ; wsis:end ?e } } ORDER BY ?x ?target")["results"]["bindings"]
    spans = [(r, *map(int, r["target"]["value"].split("#char=")[1].split(","))) for r in rows]
    # the first mention whose first span sits in an answer (the page quotes a mention's first span)
    first = {}
    for r, start, end in spans:
        first.setdefault(r["x"]["value"], (start, end))
    row, start, end = next((r, s, e) for r, s, e in spans if first[r["x"]["value"]] == (s, e)
                           and int(r["s"]["value"]) <= s and e <= int(r["e"]["value"]))
    mention, document = row["x"]["value"], row["doc"]["value"]
    exact = row["text"]["value"][start:end]
    path = resource_path(mention, DEFAULT_BASE)
    tree = parse_html(outdir / (path + ".html"))
    assert tree.xpath("string(//blockquote/mark)") == exact
    assert len(tree.xpath("string(//blockquote)").strip()) > len(exact) + 40  # with the text around it
    assert any(link.endswith(Path(resource_path(document, DEFAULT_BASE)).name + ".html")
               for link in tree.xpath("//section[@class='quote']//a/@href"))


def test_sdg_goals_get_a_page_here_that_links_out_to_the_un_kos(site):
    outdir, _ = site
    tree = parse_html(outdir / "classes" / "wsis-SDG.html")
    links = tree.xpath("//ul[@class='instances']//a/@href")
    assert sorted(links) == sorted(f"../sdg/{n}.html" for n in range(1, 18))
    for n in (1, 17):
        page = parse_html(outdir / "sdg" / f"{n}.html")
        assert page.xpath("string(//h1)").startswith(f"SDG {n}: ")
        assert f"http://metadata.un.org/sdg/{n}" in page.xpath("//p[@class='outside']/a/@href")
        turtle = rdflib.Graph().parse(outdir / "sdg" / f"{n}.ttl", format="turtle")
        assert (rdflib.URIRef(f"http://metadata.un.org/sdg/{n}"), None, None) in turtle
    assert not (outdir / "sdg" / "4.4.html").exists()  # targets are collected on their goal's page


def test_ontology_page_documents_every_class_and_property(site):
    outdir, _ = site
    tree = parse_html(outdir / "ontology.html")
    ids = set(tree.xpath("//section[@class='term']/@id"))
    expected = {str(term).split("#", 1)[1] for term in dir(WSIS) if str(term).startswith(ONTOLOGY_IRI + "#")}
    assert expected and expected <= ids
    mention = tree.xpath("//section[@id='Mention']")[0]
    assert "oa:Annotation" in etree.tostring(mention, encoding="unicode")
    respondent = etree.tostring(tree.xpath("//section[@id='respondent']")[0], encoding="unicode")
    assert "domain" in respondent and "org:Organization" in respondent  # domain and range shown
    assert (outdir / "ontology.ttl").is_file() and (outdir / "ontology.jsonld").is_file()


def test_void_description(site, built_store):
    outdir, summary = site
    void = rdflib.Graph().parse(outdir / "void.ttl", format="turtle")
    dataset = rdflib.URIRef(DEFAULT_BASE + "dataset")
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in void
    union = {q.triple for q in open_store(built_store).store}
    assert int(void.value(dataset, VOID.triples)) == len(union) == summary.triples
    assert str(void.value(dataset, VOID.uriSpace)) == DEFAULT_BASE
    assert void.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(ENDPOINT)
    vocabularies = {str(v) for v in void.objects(dataset, VOID.vocabulary)}
    assert {PREFIXES[p] for p in ("skos", "org", "schema", "prov", "dct", "oa", "wsis")} <= vocabularies
    schemes = rdflib.URIRef(DEFAULT_BASE + "graph/schemes")
    assert (dataset, VOID.subset, schemes) in void and int(void.value(schemes, VOID.triples)) > 10000
    partitions = {void.value(p, VOID["class"]) for p in void.objects(dataset, VOID.classPartition)}
    assert rdflib.URIRef(PREFIXES["wsis"] + "Mention") in partitions
    # the dataset and its subsets dereference like any resource, and the index links the VoID file
    assert (outdir / "dataset.html").is_file() and (outdir / "graph" / "schemes.html").is_file()
    assert "void.ttl" in parse_html(outdir / "index.html").xpath("//a/@href")
    assert rdflib.Dataset().parse(outdir / "wsisgraph.trig", format="trig")


def test_summary_counts_files(site):
    outdir, summary = site
    files = [p for p in outdir.rglob("*") if p.is_file()]
    assert summary.files == len(files)
    assert summary.resources == len([p for p in files if p.suffix == ".ttl"]) - 1  # void.ttl has no page
    assert not summary.skipped


def test_files_are_readable_by_a_web_server(site):
    outdir, _ = site
    umask = os.umask(0)
    os.umask(umask)
    assert (outdir.stat().st_mode & 0o777) == 0o777 & ~umask
    assert ((outdir / "index.html").stat().st_mode & 0o777) == 0o666 & ~umask


# -- replacing OUTDIR ----------------------------------------------------------------------------------------

def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if re.search(r"\.(tmp|old)-", p.name)]


def test_refuses_a_folder_that_is_not_a_site(built_store, tmp_path):
    outdir = tmp_path / "mine"
    outdir.mkdir()
    (outdir / "notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty and holds no wsisgraph site"):
        publish(built_store, outdir)
    assert [p.name for p in outdir.iterdir()] == ["notes.txt"]
    assert not leftovers(tmp_path)


def test_republish_replaces_the_site_and_a_failure_keeps_it(site, built_store, tmp_path, monkeypatch):
    outdir = tmp_path / "site"
    shutil.copytree(site[0], outdir)
    (outdir / "stale.html").write_text("from an older run")
    publish(built_store, outdir)
    assert not (outdir / "stale.html").exists() and (outdir / SITE_MARKER).is_file()
    before = sorted(p.relative_to(outdir) for p in outdir.rglob("*"))

    write = publish_module._Writer.write

    def full_disk(self, path, data):  # the disk fills up after 100 files
        if self.files >= 100:
            raise OSError(28, "No space left on device")
        write(self, path, data)

    monkeypatch.setattr(publish_module._Writer, "write", full_disk)
    with pytest.raises(ExportError, match="cannot write the site"):
        publish(built_store, outdir)
    assert sorted(p.relative_to(outdir) for p in outdir.rglob("*")) == before
    assert not leftovers(tmp_path)


def test_cli_publish_errors_are_one_line(built_store, tmp_path):
    runner = CliRunner()
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "x").write_text("x")
    result = runner.invoke(cli, ["publish", "--store", str(built_store), str(tmp_path / "site")], obj={})
    assert result.exit_code == 2 and result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    result = runner.invoke(cli, ["publish", "--store", str(built_store), str(tmp_path / "s2"),
                                 "--endpoint", "not a url"], obj={})
    assert result.exit_code == 2 and "not an http(s) URL" in result.stderr


@pytest.mark.parametrize("endpoint", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/sparql",
                                      "mailto:a@example.org", "https://", "http:example.org/sparql",
                                      "https://exa mple.org/"])
def test_the_endpoint_must_be_an_http_url(built_store, tmp_path, endpoint):
    with pytest.raises(ExportError, match=r"not an http\(s\) URL"):
        publish(built_store, tmp_path / "site", endpoint=endpoint)
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_to_a_folder_that_is_no_site_is_refused(built_store, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    (tmp_path / "to-mine").symlink_to(tmp_path / "mine")
    with pytest.raises(ExportError, match="holds no wsisgraph site"):
        publish(built_store, tmp_path / "to-mine")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_a_killed_publish_leaves_the_old_site_and_the_next_run_clears_its_leftovers(site, built_store, tmp_path):
    """Also: OUTDIR is a symbolic link, which stays one (the folder it points to is replaced)."""
    import signal
    import subprocess
    import sys
    import time

    real = tmp_path / "real-site"
    shutil.copytree(site[0], real)
    (real / "stale.html").write_text("from an older run")
    outdir = tmp_path / "site"
    outdir.symlink_to(real, target_is_directory=True)
    before = sorted(p.relative_to(real) for p in real.rglob("*"))
    proc = subprocess.Popen([sys.executable, "-m", "wsisgraph", "publish", "--store", str(built_store), str(outdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not any(leftovers(tmp_path)) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "publish ended before it could be killed"
        time.sleep(0.3)  # let it write some pages
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    left = leftovers(tmp_path)
    assert left and all(name.startswith(".real-site.tmp-") for name in left)
    assert sorted(p.relative_to(real) for p in real.rglob("*")) == before
    # a leftover of a run still going (its process is alive) is not touched; a killed run's is removed
    alive = tmp_path / f".real-site.tmp-{os.getppid()}-abcdefgh"
    alive.mkdir()
    publish(built_store, outdir)
    assert leftovers(tmp_path) == [alive.name]
    assert outdir.is_symlink() and os.readlink(outdir) == str(real)
    assert (real / "index.html").is_file() and not (real / "stale.html").exists()


# -- what an analyst reads: the index, a document's text, a concept's three kinds of links --------------------------

@pytest.fixture(scope="module")
def analyst_site(tmp_path_factory):
    """A site with every kind of link: SDG 3 is named (company-brazil.md), inferred (health.md) and implied by the
    WSIS-SDG Matrix only (documents naming C7 e-health or C7.4)."""
    from conftest import FIXTURES, SEEDS
    from wsisgraph.store import build

    folder = tmp_path_factory.mktemp("analyst-site")
    build([FIXTURES / "topical", FIXTURES / "analysts", SEEDS], folder / "store", validate=False)
    publish(folder / "store", folder / "site")
    return folder / "site", open_store(folder / "store")


def _file_of(page: Path, link: str) -> str:
    """The document file name a link to a document's page names ('../document/x.md.html' -> 'x.md')."""
    return unquote(urlsplit(link).path).rsplit("/", 1)[-1].removesuffix(".html")


def test_the_index_starts_with_what_an_analyst_looks_for(analyst_site):
    from collections import Counter

    from wsisgraph.query import records, run_query

    outdir, store = analyst_site
    tree = parse_html(outdir / "index.html")
    assert [s.get("id") for s in tree.xpath("//main/section")] == [
        "responses", "actionline", "sdg", "topic", "organization", "event", "framework", "country"]
    assert tree.xpath("//main/section[last()]/following-sibling::h2[@id='classes']")  # the class index below
    respondents = records(run_query(store, "respondents"))
    labels = {r["notation"]: r["label"] for r in records(run_query(store, "concepts", {"scheme": "stakeholdertype"}))}
    expected = Counter(labels.get(r["stakeholdertype"], "not known") for r in respondents)
    by_type = tree.xpath("//section[@id='responses']//table[1]/tbody/tr")
    assert {(row.xpath("string(th/a)") or row.xpath("string(th/text()[1])")).strip(): int(row.xpath("string(th/span)"))
            for row in by_type} == dict(expected)
    names = tree.xpath("//section[@id='responses']//table[1]//td/a/text()")
    assert "Response 83: Ocgrow Group" in names and len(names) == len(respondents)
    assert not any("Call for Inputs" in n for n in names)  # no response shown by the questionnaire's title
    named = {r["notation"]: r["documents"] for r in records(run_query(store, "concepts", {"scheme": "actionline"}))}
    rows = tree.xpath("//section[@id='actionline']//tbody/tr")
    assert [row.xpath("string(td[1])").split()[0] for row in rows] == sorted(named, key=lambda n: [
        int(x) for x in n[1:].split(".")])
    assert all(row.xpath("string(td[2])") == named[row.xpath("string(td[1])").split()[0]] for row in rows)
    matrix_only = Counter(r["goal"]["value"].rsplit("/", 1)[1] for r in store.select(
        "SELECT DISTINCT ?goal ?doc WHERE { GRAPH ?doc { ?l a wsis:MatrixImpliedLink ; oa:hasBody ?goal } }")
        ["results"]["bindings"])
    rows = tree.xpath("//section[@id='sdg']//tbody/tr")
    assert len(rows) == 17
    assert {row.xpath("string(td[1])").split(":")[0].removeprefix("SDG "): int(row.xpath("string(td[4])"))
            for row in rows if row.xpath("string(td[4])") != "0"} == dict(matrix_only)


def test_a_document_page_shows_its_text_with_every_mention_highlighted_and_linked(analyst_site):
    outdir, store = analyst_site
    document = DEFAULT_BASE + "document/002_0a617c45d6870c06.txt"
    page = outdir / "document" / "002_0a617c45d6870c06.txt.html"
    tree = parse_html(page)
    assert tree.xpath("string(//h1)") == "Response 83: Ocgrow Group"
    rows = store.select(f"""SELECT ?text ?target ?body WHERE {{ GRAPH <{document}> {{
        <{document}> wsis:extractedText/rdf:value ?text . ?m a wsis:Mention ; oa:hasTarget ?target ; oa:hasBody ?body
        }} }}""")["results"]["bindings"]
    text = rows[0]["text"]["value"]
    spans = {tuple(map(int, r["target"]["value"].split("#char=")[1].split(","))): r["body"]["value"] for r in rows}
    # the whole text is shown, in order
    blocks = tree.xpath("//div[@class='blocks']/div")
    shown = " ".join("".join(b.xpath("node()[not(self::a[@class='part'])]/descendant-or-self::text()"))
                     for b in blocks)
    assert shown.split() == text.split()
    # every highlighted piece is the text at its offset, inside a mention, linked to that mention's concept page
    covered = set()
    for mark in tree.xpath("//div[@class='blocks']//a[contains(concat(' ', @class, ' '), ' m ')]"):
        at, piece = int(mark.get("data-at")), mark.xpath("string(.)")
        assert text[at:at + len(piece)] == piece
        inside = [body for (start, end), body in spans.items() if start <= at and at + len(piece) <= end]
        assert inside, (at, piece)
        target = (page.parent / unquote(mark.get("href"))).resolve()
        assert target.is_file() and any(target == (outdir / (resource_path(b, DEFAULT_BASE) + ".html")).resolve()
                                        for b in inside if resource_path(b, DEFAULT_BASE))
        covered |= set(range(at, at + len(piece)))
    assert covered == {i for start, end in spans for i in range(start, end)}
    # no list of raw mention IRIs: mention pages are reached from the concepts' pages
    assert not [a for a in tree.xpath("//main//a/@href") if "/mention/" in a]


def test_a_concept_page_tells_named_inferred_and_matrix_only_apart(analyst_site):
    outdir, store = analyst_site
    expected = {}
    for cls, section in (("Mention", "named-in"), ("TopicalLink", "inferred"), ("MatrixImpliedLink", "matrix-only")):
        expected[section] = {r["f"]["value"] for r in store.select(f"""SELECT DISTINCT ?f WHERE {{ GRAPH ?d {{
            ?l a wsis:{cls} ; oa:hasBody ?c . ?d wsis:fileName ?f }}
            FILTER (?c = <http://metadata.un.org/sdg/3> || STRSTARTS(STR(?c), "http://metadata.un.org/sdg/3.")) }}""")
            ["results"]["bindings"]}
    assert all(expected.values())  # the fixture has each kind
    page = outdir / "sdg" / "3.html"
    tree = parse_html(page)
    for section, files in expected.items():
        links = tree.xpath(f"//section[@id='{section}']/ul/li/a[1]/@href")
        assert {_file_of(page, link) for link in links} == files, section
    assert "Named in 2 documents" in tree.xpath("string(//section[@id='named-in']/h2)")


def test_a_stakeholder_type_and_a_country_list_their_responses(analyst_site):
    from wsisgraph.query import records, run_query

    outdir, store = analyst_site
    respondents = records(run_query(store, "respondents"))
    for path, key, value in (("stakeholder-type/private-sector", "stakeholdertype", "private-sector"),
                             ("country/KE", "country", "KE")):
        page = outdir / (path + ".html")
        links = parse_html(page).xpath("//section[@id='responses']//a/@href")
        assert {_file_of(page, link) for link in links} == {r["source"] for r in respondents if r[key] == value}
        assert links
