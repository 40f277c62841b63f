"""Real servers for the tests, each on a free 127.0.0.1 port and each ended with its test: the Oxigraph server (with
or without --union-default-graph), Virtuoso 7 (a throwaway database and a generated virtuoso.ini), `wsisgraph api`,
and a misbehaving HTTP server that drips its answer or never ends it. Every process is started with
PR_SET_PDEATHSIG, so it dies with the test process even when that is killed."""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from wsisgraph.store import oxigraph_binary

PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start(command: list[str], **kwargs) -> subprocess.Popen:
    """A child process that is killed when this (test) process dies, however it dies."""
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(command, preexec_fn=_die_with_parent, text=True, **kwargs)


def children(pid: int) -> set[int]:
    """The processes `pid` started that are still its children."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def descendants(pid: int) -> set[int]:
    """Its children, their children, and so on."""
    found, todo = set(), [pid]
    while todo:
        for child in children(todo.pop()) - found:
            found.add(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone_within(pids: set[int], seconds: float = 15.0) -> set[int]:
    """The pids still alive after waiting up to `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return {p for p in pids if alive(p)}


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30.0) -> None:
    """Until the server answers a query (or the process dies, or time runs out)."""
    deadline = time.monotonic() + seconds
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"}) if url.endswith(("/query", "/sparql")) else url
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: "
                               f"{process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                response.read()
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server (SIGTERM, then SIGKILL after 10 s); fails if a process it started outlives it."""
    started = descendants(process.pid) if process.poll() is None else set()
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream:
            stream.close()
    left = gone_within(started)
    assert not left, f"left running after {process.args[:3]} stopped: {[cmdline(pid) for pid in left]}"


@contextmanager
def oxigraph(union: bool = True) -> Iterator[str]:
    """An empty, writable Oxigraph server; its base URL (/query, /store)."""
    with tempfile.TemporaryDirectory(prefix="wsisgraph-oxigraph-") as location:
        port = free_port()
        process = start([oxigraph_binary(), "serve", "--location", location, "--bind", f"127.0.0.1:{port}",
                         *(["--union-default-graph"] if union else [])])
        try:
            wait_for(f"http://127.0.0.1:{port}/query", process)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 4
MaxClientConnections = 4
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
"""


def virtuoso_binary() -> str:
    """Debian's virtuoso-t; skipped where it is missing, except in CI (.ci/run installs it), where it fails."""
    found = shutil.which("virtuoso-t")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: .ci/run installs the virtuoso-opensource package")
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    return found


@contextmanager
def virtuoso(max_rows: int = 1000000) -> Iterator[str]:
    """A Virtuoso 7 server on a throwaway database (user dba, password dba); its base URL (/sparql,
    /sparql-graph-crud-auth). `max_rows` is its ResultSetMaxRows (Debian's own virtuoso.ini says 10000)."""
    binary = virtuoso_binary()
    with tempfile.TemporaryDirectory(prefix="wsisgraph-virtuoso-") as folder:
        http_port, sql_port = free_port(), free_port()
        ini = Path(folder) / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(db=folder, sql_port=sql_port, http_port=http_port, max_rows=max_rows),
                       encoding="utf-8")
        process = start([binary, "-f", "-c", str(ini)], cwd=folder, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"http://127.0.0.1:{http_port}/sparql", process, seconds=60)
            yield f"http://127.0.0.1:{http_port}"
        finally:
            stop(process)


@contextmanager
def misbehaving(mode: str) -> Iterator[str]:
    """An HTTP server that answers every request badly; its base URL. Modes: `drip` (a 200 whose headers and body
    come one byte at a time), `ask-then-drip` (answers an ASK query true, drips anything else), `endless` (a 200
    whose body never ends), `html` (a 200 with an HTML page).
    Each connection stops by itself after 60 s; all stop when the block ends."""
    done = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)

    def answer(conn: socket.socket) -> None:
        end = time.monotonic() + 60
        try:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request and time.monotonic() < end:
                request += conn.recv(65536)
            head, _, body = request.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            while length and len(body) < int(length.group(1)) and time.monotonic() < end:
                body += conn.recv(65536)
            if mode == "ask-then-drip" and b"ASK" in urllib.parse.unquote_plus(body.decode("latin-1")).encode():
                answer = b'{"head":{},"boolean":true}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(answer), answer))
                return
            if mode == "html":
                page = b"<!DOCTYPE html><html><body><h1>Welcome</h1><p>This is a web page.</p></body></html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n%s" % (len(page), page))
                return
            if mode in ("drip", "ask-then-drip"):
                for byte in b'HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n{"head":':
                    if done.is_set() or time.monotonic() > end:
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(0.05)
                while not done.is_set() and time.monotonic() < end:
                    conn.sendall(b" ")
                    time.sleep(0.05)
            if mode == "endless":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n"
                             b'{"head":{"vars":["x"]},"results":{"bindings":[')
                row = b'{"x":{"type":"literal","value":"' + b"x" * 1000 + b'"}},'
                while not done.is_set() and time.monotonic() < end:
                    conn.sendall(row * 64)
        except OSError:
            pass
        finally:
            conn.close()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        thread.join(5)
        listener.close()


@contextmanager
def recording_proxy(target: str) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """An HTTP proxy on a free 127.0.0.1 port that forwards every request to `target` (a base URL such as
    http://127.0.0.1:7878) and records (method, path) of each; its base URL and the record. Headers and bodies
    pass unchanged, so Digest authentication (whose digest covers the path) still works."""
    import http.client
    import http.server

    parsed = urllib.parse.urlsplit(target)
    record: list[tuple[str, str]] = []

    class Forward(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            record.append((self.command, urllib.parse.urlsplit(self.path).path))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            upstream = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                upstream.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

        def log_message(self, *args) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", record
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def shown(results: dict) -> tuple:
    """Columns and rows as `wsisgraph query` shows them: each cell's value with its datatype and language (an
    unbound cell and an empty string both print as an empty cell), rows as a sorted multiset."""
    columns = results["head"]["vars"]

    def cell(term):
        if term is None or term.get("value") == "" and term["type"] == "literal" and "datatype" not in term:
            return ("", None, None)
        return term["value"], term.get("datatype"), term.get("xml:lang")

    return columns, sorted(repr([cell(row.get(c)) for c in columns]) for row in results["results"]["bindings"])
