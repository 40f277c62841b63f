"""`harvest` against a real WordPress-like REST server on 127.0.0.1 (http.server in a thread) that pages its
collection, answers some requests with 503 or a body cut short, or hangs; then `build` reads what was harvested."""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from wsisgraph import __version__
from wsisgraph.cli import cli
from wsisgraph.harvest import HarvestError, harvest

COLLECTION = "/wp-json/wp/v2/pages"


def page_item(i: int, modified: str = "2025-09-10T23:53:35") -> dict:
    """A page as /wp-json/wp/v2/pages returns it (the fields of seeds/000_...), naming a few concepts."""
    return {
        "id": i, "date": "2025-03-18T21:28:15", "date_gmt": "2025-03-18T21:28:15", "guid": {"rendered": f"https://www.itu.int/160/?page_id={i}"},
        "modified": modified, "modified_gmt": modified, "slug": f"page-{i}", "status": "publish", "type": "page",
        "link": f"https://www.itu.int/160/page-{i}/", "title": {"rendered": f"Page {i}: Action Line C{i % 11 + 1}"},
        "content": {"rendered": f"<h2>Goals</h2><p>This page on SDG {i % 17 + 1} names the Internet Governance Forum "
                                f"and the Global Digital Compact.</p>"},
        "excerpt": {"rendered": ""}, "author": 5, "parent": 165, "menu_order": 0, "template": "",
        "_links": {"self": [{"href": f"https://www.itu.int/160/wp-json/wp/v2/pages/{i}"}]},
    }


class WordPress(ThreadingHTTPServer):
    """The collection, paged as WordPress pages it; `faults` maps a request number (1-based) to '503', '429',
    'truncate' or 'hang'; `fail_always` answers every request (or, with 'fetch', every include= request) 503."""

    daemon_threads = True

    def __init__(self, items: list[dict]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.items = {item["id"]: item for item in items}
        self.faults: dict[int, str] = {}
        self.fail_always: str | None = None
        self.total_pages_header = True
        self.answer: bytes | None = None  # answer every request with these bytes instead
        self.log: list[dict] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{COLLECTION}"


class Handler(BaseHTTPRequestHandler):
    server: WordPress

    def log_message(self, *args):  # quiet
        pass

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None, send_bytes: int | None = None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body[:send_bytes] if send_bytes is not None else body)

    def do_GET(self):
        wp = self.server
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        wp.log.append({"path": parts.path, "query": query, "agent": self.headers.get("User-Agent")})
        number = len(wp.log)
        fault = wp.faults.get(number)
        if wp.fail_always == "all" or (wp.fail_always == "fetch" and "include" in query) or fault in ("503", "429"):
            code = 429 if fault == "429" else 503
            self.send(code, b'{"code":"unavailable"}', {"Retry-After": "2"})
            return
        if fault == "hang":
            wp.release.wait(5)
            return
        if wp.answer is not None:
            self.send(200, wp.answer)
            return
        if parts.path != COLLECTION:
            self.send(404, b'{"code":"rest_no_route"}')
            return
        items = [wp.items[i] for i in sorted(wp.items)]
        per_page = int(query.get("per_page", 10))
        if "include" in query:
            wanted = [int(i) for i in query["include"].split(",")]
            items = [wp.items[i] for i in wanted if i in wp.items]
        total = len(items)
        pages = max(1, -(-total // per_page))
        page = int(query.get("page", 1))
        if page > pages:
            self.send(400, b'{"code":"rest_post_invalid_page_number"}')
            return
        items = items[(page - 1) * per_page: page * per_page]
        if "_fields" in query:
            keep = query["_fields"].split(",")
            items = [{k: v for k, v in item.items() if k in keep} for item in items]
        body = json.dumps(items).encode()
        headers = {"X-WP-Total": str(total)}
        if wp.total_pages_header:
            headers["X-WP-TotalPages"] = str(pages)
        self.send(200, body, headers, send_bytes=len(body) // 2 if fault == "truncate" else None)


@pytest.fixture
def wordpress():
    server = WordPress([page_item(i) for i in range(1, 13)])  # 12 pages: 3 result pages of 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def quick(**overrides):
    """No waiting in tests: no delay, no backoff; the waits asked for are recorded instead of slept."""
    waits: list[float] = []
    options = dict(delay=0, backoff=0, per_page=5, timeout=5, sleep=waits.append)
    options.update(overrides)
    return options, waits


def stored(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def fetched_ids(server: WordPress) -> list[str]:
    return [entry["query"]["include"] for entry in server.log if "include" in entry["query"]]


def test_harvest_survives_a_503_and_a_truncated_body_and_builds(wordpress, tmp_path):
    wordpress.faults = {2: "503", 5: "truncate"}  # listing page 2, then the first fetch
    out = tmp_path / "harvest"
    options, waits = quick()
    notices = []
    summary = harvest(wordpress.url, out, on_notice=notices.append, **options)
    assert summary.complete and (summary.listed, summary.fetched, summary.unchanged) == (12, 12, 0)
    assert summary.retries == 2 and summary.requests == 3 + 3 + 2
    assert waits == [2.0]  # the 503's Retry-After, though the backoff asked for 0
    assert len(notices) == 2 and "HTTP 503" in notices[0] and "body cut short" in notices[1]
    files = stored(out)
    assert sorted(files) == sorted(f"page-{i}.json" for i in range(1, 13))  # nothing else: no temporary file
    for i in range(1, 13):
        assert json.loads(files[f"page-{i}.json"]) == wordpress.items[i]
    listing = [entry for entry in wordpress.log if "_fields" in entry["query"]]
    assert {entry["query"]["page"] for entry in listing} == {"1", "2", "3"}
    assert all(entry["query"]["per_page"] == "5" and entry["query"]["_fields"] == "id,modified_gmt,type"
               for entry in listing)
    assert {entry["agent"] for entry in wordpress.log} == {f"wsisgraph/{__version__} (WSIS knowledge graph "
                                                           "harvester; Python-urllib)"}
    # one item per file is a WordPress document build reads (validation is left out: it starts worker processes)
    result = CliRunner().invoke(cli, ["build", str(out), "--store", str(tmp_path / "store"), "--quiet",
                                      "--no-validate"], obj={})
    assert result.exit_code == 0, result.output
    assert "built 12 documents" in result.stderr and "(0 skipped)" in result.stderr
    rows = CliRunner().invoke(cli, ["query", "documents", "--store", str(tmp_path / "store"), "--format", "csv"],
                              obj={})
    assert rows.stdout.count("wordpress-json") == 12


def test_second_run_fetches_only_what_changed(wordpress, tmp_path):
    out = tmp_path / "harvest"
    options, _ = quick()
    harvest(wordpress.url, out, **options)
    before = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    wordpress.log.clear()
    again = harvest(wordpress.url, out, **options)
    assert (again.listed, again.fetched, again.unchanged) == (12, 0, 12)
    assert fetched_ids(wordpress) == [] and again.requests == 3
    wordpress.items[7] = page_item(7, modified="2025-11-01T08:00:00")
    wordpress.items[7]["title"]["rendered"] = "Page 7, revised"
    (out / "page-3.json").unlink()  # a file removed by hand is fetched again
    wordpress.log.clear()
    third = harvest(wordpress.url, out, **options)
    assert (third.fetched, third.unchanged) == (2, 10)
    assert fetched_ids(wordpress) == ["3,7"]
    assert json.loads((out / "page-7.json").read_text())["title"]["rendered"] == "Page 7, revised"
    after = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    assert {name for name in after if after[name] != before.get(name)} == {"page-3.json", "page-7.json"}
    del wordpress.items[12]  # unpublished: its file is kept, and counted
    fourth = harvest(wordpress.url, out, **options)
    assert (fourth.listed, fourth.fetched, fourth.unlisted) == (11, 0, 1) and (out / "page-12.json").exists()


def test_missing_total_pages_header_reads_until_a_short_page(wordpress, tmp_path):
    wordpress.total_pages_header = False
    options, _ = quick()
    summary = harvest(wordpress.url, tmp_path / "out", **options)
    assert summary.complete and summary.fetched == 12


def test_a_request_that_hangs_times_out_and_is_retried(wordpress, tmp_path):
    wordpress.faults = {1: "hang"}
    options, _ = quick(timeout=0.3)
    summary = harvest(wordpress.url, tmp_path / "out", **options)
    assert summary.complete and summary.fetched == 12 and summary.retries == 1


def test_server_that_keeps_failing_is_one_line_and_keeps_earlier_files(wordpress, tmp_path):
    out = tmp_path / "harvest"
    options, _ = quick()
    harvest(wordpress.url, out, **options)
    before = stored(out)
    # items changed, but every fetch fails: the listing works, nothing is half-written, the old files stay
    for i in (3, 9):
        wordpress.items[i] = page_item(i, modified="2025-12-01T00:00:00")
    wordpress.fail_always = "fetch"
    result = CliRunner().invoke(cli, ["harvest", wordpress.url, "--out", str(out), "--delay", "0", "--retries", "0",
                                      "--quiet"], obj={})
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {wordpress.url}: 2 not fetched: page-3.json (HTTP 503")
    assert "10 unchanged" in lines[0] and "run harvest again" in lines[0]
    assert stored(out) == before
    # a server that fails everything: one line, exit 2, files intact
    wordpress.fail_always = "all"
    result = CliRunner().invoke(cli, ["harvest", wordpress.url, "--out", str(out), "--delay", "0", "--retries", "0",
                                      "--quiet"], obj={})
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.splitlines() == [f"Error: {wordpress.url}: cannot list the collection "
                                          "(HTTP 503 Service Unavailable after 1 tries)"]
    assert stored(out) == before


def test_retry_after_past_the_deadline_gives_up_at_once(wordpress, tmp_path):
    wordpress.fail_always = "all"
    options, waits = quick(deadline=1.0, retries=5)
    with pytest.raises(HarvestError, match=r"asks to wait 2 s, past the deadline") as err:
        # Retry-After is 2 s and the deadline 1 s
        harvest(wordpress.url, tmp_path / "out", **options)
    assert waits == [] and "\n" not in str(err.value)


def test_429_is_retried(wordpress, tmp_path):
    wordpress.faults = {1: "429"}
    options, waits = quick()
    assert harvest(wordpress.url, tmp_path / "out", **options).complete and waits == [2.0]


@pytest.mark.parametrize("answer,fragment", [
    (b'{"id": 1, "title": {"rendered": "one page"}}', "the answer is a JSON dict, not a list"),
    (b"<html><body>Not found</body></html>", "not JSON"),
])
def test_not_a_collection_is_one_line(wordpress, tmp_path, answer, fragment):
    wordpress.answer = answer
    options, _ = quick(retries=0)
    with pytest.raises(HarvestError, match=fragment) as err:
        harvest(wordpress.url, tmp_path / "out", **options)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_progress_and_summary_on_stderr(wordpress, tmp_path):
    result = CliRunner().invoke(cli, ["harvest", wordpress.url, "--out", str(tmp_path / "out"), "--delay", "0"],
                                obj={})
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:4] == ["listed page 1 of 1", "fetching 12 new or changed items", "fetched 12 of 12",
                         lines[3]]  # per_page 100: one listing page, one fetch
    assert lines[3].startswith(f"harvested {wordpress.url}: 12 items listed, 12 fetched, 0 unchanged in ")
    assert lines[3].endswith(f"(2 requests, 0 retried) into {tmp_path / 'out'}")


def test_not_an_http_url(tmp_path):
    with pytest.raises(HarvestError, match="not an http"):
        harvest("ftp://example.org/pages", tmp_path / "out")
