"""Readers and the generation swap (issue 15 §4), and processes that end with their parent (§5): real builds, real
reader processes, the real `wsisgraph serve` (Oxigraph behind its proxy), real SIGKILLs.

Two small corpora are built into one store in turn: A (one seed document) and B (both). A reader sees A or B, whole,
never an error; a generation a reader holds is not removed, and the next build after the reader closes removes it."""
from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from wsisgraph.store import READERS, TRASH, build, hold_generation, open_store

from servers import cmdline, descendants, free_port, gone_within, start, stop, wait_for

BOTH = """SELECT ?documents ?n WHERE {
  { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } }
  { SELECT (COUNT(DISTINCT ?g) AS ?documents) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), "/document/")) } }
}"""


def shape(store) -> list[int]:
    """[documents, quads] of what an open store (or a store path) holds, read as users read it: a saved query and
    a whole export."""
    from wsisgraph.export import export
    from wsisgraph.query import run_query

    opened = open_store(store) if isinstance(store, (str, Path)) else store
    out = io.BytesIO()
    export(opened, "nq", out)
    return [len(run_query(opened, "documents")["results"]["bindings"]), out.getvalue().count(b"\n")]


def reader_loop(store: str, stop_file: str) -> None:
    """A reader process: opens the store, reads it whole, closes it, again and again until `stop_file` exists;
    prints "ready" after its first read, then one JSON list of what it saw (a shape, or an error's text)."""
    seen = []
    while not os.path.exists(stop_file):
        try:
            with open_store(store) as opened:
                seen.append(shape(opened))
        except Exception as err:  # noqa: BLE001 - reported to the test
            seen.append(f"{type(err).__name__}: {err}")
        if len(seen) == 1:
            print("ready", flush=True)
    print(json.dumps(seen), flush=True)


def held_reader(store: str) -> None:
    """A reader process that opens the store, says "open", and on each line of input reads it whole and prints the
    shape; at end of input it closes the store and says "closed"."""
    opened = open_store(store)
    print("open", flush=True)
    for _ in sys.stdin:
        print(json.dumps(shape(opened)), flush=True)
    opened.close()
    print("closed", flush=True)


def python(*args: str, **kwargs) -> subprocess.Popen:
    return start([sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, **kwargs)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory, seed_dir):
    """The folders A and B, and the shape of each graph built alone."""
    folder = tmp_path_factory.mktemp("corpora")
    seeds = sorted(seed_dir.glob("*.txt"))
    shapes = {}
    for name, files in (("a", seeds[:1]), ("b", seeds)):
        (folder / name).mkdir()
        for file in files:
            shutil.copy(file, folder / name / file.name)
        build([folder / name], folder / f"store-{name}", validate=False)
        shapes[name] = shape(folder / f"store-{name}")
    assert shapes["a"] != shapes["b"]
    return folder / "a", folder / "b", shapes


def generations(store: Path) -> set[str]:
    return {p.name for p in store.glob("gen-*")}


def current(store: Path) -> Path:
    return (store / "current").resolve()


def test_readers_during_rebuilds_see_the_old_or_the_new_graph(tmp_path, corpora):
    a, b, shapes = corpora
    store = tmp_path / "store"
    build([a], store, validate=False)
    stop_file = tmp_path / "stop"
    readers = [python("reader", str(store), str(stop_file)) for _ in range(2)]
    try:
        for reader in readers:
            assert reader.stdout.readline().strip() == "ready"
        for corpus in (b, a, b):
            build([corpus], store, validate=False)
        stop_file.touch()
        seen = [entry for reader in readers for entry in json.loads(reader.communicate(timeout=60)[0])]
    finally:
        for reader in readers:
            stop(reader)
    errors = [entry for entry in seen if not isinstance(entry, list)]
    assert not errors, errors[:3]
    assert all(entry in (shapes["a"], shapes["b"]) for entry in seen), seen
    assert len(seen) > 4  # the readers read all along the rebuilds
    assert len(generations(store)) <= 3  # the current one, and at most one held by each reader when it ended


def test_a_held_generation_is_kept_until_its_reader_closes(tmp_path, corpora):
    a, b, shapes = corpora
    store = tmp_path / "store"
    build([a], store, validate=False)
    old = current(store)
    reader = python("hold", str(store))
    try:
        assert reader.stdout.readline().strip() == "open"
        build([b], store, validate=False)
        assert current(store) != old and old.exists()  # a new graph is current, the held one is still there
        reader.stdin.write("read\n")
        reader.stdin.flush()
        assert json.loads(reader.stdout.readline()) == shapes["a"]  # and still readable, whole
        assert shape(store) == shapes["b"]  # a new reader sees the new graph
        reader.stdin.close()
        assert reader.stdout.readline().strip() == "closed"
        assert old.exists()  # nothing removes it until a build runs
        build([a], store, validate=False)
        assert not old.exists()  # the next build does
        assert generations(store) == {current(store).name} and not list(store.glob(f"{TRASH}*"))
    finally:
        stop(reader)


def test_a_generation_removed_while_it_is_being_opened_is_skipped(tmp_path, corpora, monkeypatch):
    """`current` named a generation that a build removed before the reader locked it: the reader opens the new one.
    And what a killed removal left (a `.trash-*` folder), or a generation made before readers took locks, is
    handled by the next build and reader."""
    from wsisgraph import store as store_module

    a, b, shapes = corpora
    store = tmp_path / "store"
    build([a], store, validate=False)
    stale = current(store)
    build([b], store, validate=False)
    assert not stale.exists()  # nobody held it: removed
    resolve, calls = store_module._resolve, []

    def resolve_late(path):
        calls.append(path)
        return stale if len(calls) == 1 else resolve(path)

    monkeypatch.setattr(store_module, "_resolve", resolve_late)
    held = hold_generation(store)
    assert held.location == current(store) and len(calls) == 2
    held.release()
    monkeypatch.undo()
    # a generation locked for removal (the build holds it exclusively) is not opened either
    with open(current(store) / READERS) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        looks = []

        def resolve_then_swap(path):
            looks.append(path)
            if len(looks) == 2:
                fcntl.flock(lock, fcntl.LOCK_UN)  # the "build" gave up: the generation is current after all
            return resolve(path)

        monkeypatch.setattr(store_module, "_resolve", resolve_then_swap)
        held = hold_generation(store)
        assert len(looks) == 2 and held.location == current(store)
        held.release()
        monkeypatch.undo()
    # leftovers of a killed build, and a generation from before readers took locks
    (store / f"{TRASH}gen-1").mkdir()
    (store / f"{TRASH}gen-1" / "000001.sst").write_bytes(b"x")
    (current(store) / READERS).unlink()
    old = current(store)
    with open_store(store) as opened:
        assert (old / READERS).exists()
        build([a], store, validate=False)
        assert old.exists() and shape(opened) == shapes["b"]
    build([b], store, validate=False)
    assert generations(store) == {current(store).name} and not list(store.glob(f"{TRASH}*"))


def open_files(folder: Path) -> list[str]:
    """The files under `folder` this process has open."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder) + os.sep):
            found.append(target)
    return found


def test_a_build_has_closed_its_store_when_it_returns(tmp_path, corpora):
    """An incremental build validated in this process (pySHACL leaves reference cycles that reach the store) must
    not leave its writer open: it would go on compacting the generation readers now open, deleting their files."""
    a, b, shapes = corpora
    store = tmp_path / "store"
    build([a], store, validate=False)
    build([b], store)
    assert open_files(store) == []
    with open_store(store) as opened:
        assert shape(opened) == shapes["b"]


def ask(endpoint: str) -> list[int]:
    url = endpoint + "?" + urllib.parse.urlencode({"query": BOTH})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        row = json.loads(response.read())["results"]["bindings"][0]
    return [int(row["documents"]["value"]), int(row["n"]["value"])]


def locked(generation: Path) -> bool:
    """Does a reader hold this generation (could a build not remove it now)?"""
    try:
        lock = open(generation / READERS)
    except FileNotFoundError:
        return False  # removed
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except OSError:
            return True


def serve(store: Path, *extra: str) -> tuple[subprocess.Popen, str, str]:
    """`wsisgraph serve` on a free port: (process, query endpoint, its first line), once it answers."""
    port = free_port()
    process = start([sys.executable, "-m", "wsisgraph", "serve", "--store", str(store), "--port", str(port), *extra])
    endpoint = f"http://127.0.0.1:{port}/query"
    wait_for(endpoint, process)
    return process, endpoint, process.stderr.readline()


def until(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_serve_answers_throughout_rebuilds_and_then_from_the_new_graph(tmp_path, corpora):
    a, b, shapes = corpora
    store = tmp_path / "store"
    build([a], store, validate=False)
    first = current(store)
    process, endpoint, said = serve(store)
    answers, done = [], threading.Event()

    def client() -> None:
        while not done.is_set():
            try:
                answers.append(ask(endpoint))
            except Exception as err:  # noqa: BLE001 - reported by the test
                answers.append(f"{type(err).__name__}: {err}")

    thread = threading.Thread(target=client)
    try:
        assert "read-only" in said and endpoint in said
        thread.start()
        for corpus in (b, a, b):
            build([corpus], store, validate=False)
        assert until(lambda: answers and answers[-1] == shapes["b"]), answers[-3:]  # it follows the rebuilds
        done.set()
        thread.join()
        errors = [answer for answer in answers if not isinstance(answer, list)]
        assert not errors, errors[:3]
        assert all(answer in (shapes["a"], shapes["b"]) for answer in answers)
        assert shapes["a"] in answers and len(answers) > 10
        # the first generation was released when its server stopped, and a build removes it
        assert not first.exists() or until(lambda: not locked(first))
        served = current(store)
        build([b], store, validate=False)
        assert not first.exists() and not list(store.glob(f"{TRASH}*"))
        # serve takes the new generation and lets go of the one it served (it may still be on a generation
        # between the two, whose server it started before the last builds ended: the answer comes with the switch)
        assert until(lambda: locked(current(store)) and not locked(served) and ask(endpoint) == shapes["b"])
        # killed, it leaves no server behind
        servers = descendants(process.pid)
        assert servers and all("oxigraph" in cmdline(pid) for pid in servers)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert not gone_within(servers), "an Oxigraph server outlived serve"
    finally:
        done.set()
        if thread.is_alive():
            thread.join()
        stop(process)


def test_serve_writable_keeps_its_generation(tmp_path, corpora):
    a, b, shapes = corpora
    store = tmp_path / "store"
    build([a], store, validate=False)
    served = current(store)
    process, endpoint, said = serve(store, "--writable")
    try:
        assert "read-write" in said and "restart" in said
        build([b], store, validate=False)
        assert served.exists() and current(store) != served  # not removed: it is being served
        began = time.monotonic()
        while time.monotonic() - began < 1.5:  # three looks at `current` by serve: it does not switch
            assert ask(endpoint) == shapes["a"]
        servers = descendants(process.pid)
        process.terminate()
        assert process.wait(timeout=20) == 0
        assert not gone_within(servers)
    finally:
        stop(process)


def test_a_killed_build_leaves_no_process_running(tmp_path, seed_dir):
    """`kill -9` of a build while its worker processes extract: they end with it, and so does multiprocessing's
    resource tracker."""
    docs = tmp_path / "docs"
    docs.mkdir()
    template = (seed_dir / "002_0a617c45d6870c06.txt").read_text(encoding="utf-8")
    for i in range(200):  # enough for worker processes (64 and more documents to extract)
        (docs / f"r{i:03}.md").write_text(template.replace("Ocgrow Group", f"Ocgrow Group {i}"), encoding="utf-8")
    process = start([sys.executable, "-m", "wsisgraph", "build", str(docs), "--store", str(tmp_path / "store"),
                     "--quiet", "--no-validate"])
    try:
        def working() -> bool:
            return sum("spawn_main" in cmdline(pid) for pid in descendants(process.pid)) >= 2

        assert until(working, 120), "the build started no worker processes"
        started = descendants(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert not gone_within(started), [cmdline(pid) for pid in started]
    finally:
        stop(process)


if __name__ == "__main__":
    {"reader": reader_loop, "hold": held_reader}[sys.argv[1]](*sys.argv[2:])


def test_serve_on_a_port_in_use_is_one_line_and_starts_no_server(tmp_path, corpora):
    """The public port is taken before any Oxigraph server starts: a port in use is one Error line, exit 2."""
    import socket

    a, _, _ = corpora
    store = tmp_path / "store"
    build([a], store, validate=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "wsisgraph", "serve", "--store", str(store), "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"Error: 127.0.0.1:{port}: cannot listen there "
                                                "(Address already in use); choose another --port"]
    assert not locked(current(store))  # nothing holds the generation: no server was left behind

