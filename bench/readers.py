#!/usr/bin/env python3
"""Readers during rebuilds: how many queries and exports fail, or see neither the old nor the new graph, while a
store is rebuilt again and again (issue 15 §4).

Two corpora (one seed document, then both) are built in turn into one store with `wsisgraph build`, M times, while
R reader processes loop until the rebuilds end. `--mode library` readers open the store, run the saved query
`documents` and export the whole graph as N-Quads, each in-process (many opens a second); `--mode cli` readers run
`wsisgraph query documents` and `wsisgraph export` as users do; `--mode serve` readers query `wsisgraph serve` over
HTTP (one query counting both). Every answer must be complete: the document count and the number of quads of one
of the two graphs.

    python bench/readers.py --rebuilds 20 --readers 2 --mode library
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOTH = """SELECT ?documents ?n WHERE {
  { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } }
  { SELECT (COUNT(DISTINCT ?g) AS ?documents) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), "/document/")) } }
}"""


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsisgraph", *args], capture_output=True, text=True, **kwargs)


def shape_of(store: Path) -> tuple[int, int]:
    """(documents, quads) of a built store."""
    from wsisgraph.export import export
    from wsisgraph.query import run_query
    from wsisgraph.store import open_store

    opened = open_store(store)
    documents = len(run_query(opened, "documents")["results"]["bindings"])
    out = io.BytesIO()
    export(opened, "nq", out)
    return documents, out.getvalue().count(b"\n")


def read_library(store: Path) -> tuple[int, int]:
    return shape_of(store)


def read_cli(store: Path) -> tuple[int, int]:
    done = cli("query", "documents", "--store", str(store), "--format", "csv")
    if done.returncode:
        raise RuntimeError(f"query exit {done.returncode}: {done.stderr.strip()}")
    documents = done.stdout.count("\n") - 1
    done = cli("export", "--store", str(store), "--format", "nq", "--out", "-")
    if done.returncode:
        raise RuntimeError(f"export exit {done.returncode}: {done.stderr.strip()}")
    return documents, done.stdout.count("\n")


def read_serve(endpoint: str) -> tuple[int, int]:
    from wsisgraph.remote import RemoteStore

    row = RemoteStore(endpoint, adhoc=True).select(BOTH)["results"]["bindings"][0]  # one answer, one generation
    return int(row["documents"]["value"]), int(row["n"]["value"])


def reader(mode: str, target: str, stop: Path, expected: list) -> None:
    """One reader process: loops until `stop` exists, then prints its tally as JSON."""
    tally = {"ok": 0, "failed": 0, "incomplete": 0, "errors": []}
    read = {"library": read_library, "cli": read_cli, "serve": read_serve}[mode]
    while not stop.exists():
        try:
            seen = list(read(Path(target) if mode != "serve" else target))
        except Exception as err:  # noqa: BLE001 - counted and shown
            tally["failed"] += 1
            tally["errors"].append(" ".join(f"{type(err).__name__}: {err}".split())[:300])
            continue
        if seen in expected or mode == "cli" and any(seen[0] == e[0] for e in expected) and \
                any(seen[1] == e[1] for e in expected):  # two commands: each may see another generation
            tally["ok"] += 1
        else:
            tally["incomplete"] += 1
            tally["errors"].append(f"incomplete: {seen}")
    print(json.dumps(tally))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuilds", type=int, default=20)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--mode", choices=["library", "cli", "serve"], default="library")
    parser.add_argument("--reader", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reader:
        mode, target, stop, expected = args.reader
        reader(mode, target, Path(stop), json.loads(expected))
        return
    with tempfile.TemporaryDirectory(prefix="wsisgraph-readers-") as tmp:
        tmp = Path(tmp)
        seeds = sorted((ROOT / "seeds").glob("*.txt"))
        corpora = [tmp / "a", tmp / "b"]
        for corpus, files in zip(corpora, (seeds[:1], seeds)):
            corpus.mkdir()
            for file in files:
                shutil.copy(file, corpus / file.name)
        expected = []
        for corpus in corpora:
            done = cli("build", str(corpus), "--store", str(tmp / f"ref-{corpus.name}"), "--quiet", "--no-validate")
            assert done.returncode == 0, done.stderr
            expected.append(list(shape_of(tmp / f"ref-{corpus.name}")))
        store = tmp / "store"
        done = cli("build", str(corpora[0]), "--store", str(store), "--quiet", "--no-validate")
        assert done.returncode == 0, done.stderr
        server, target = None, str(store)
        if args.mode == "serve":
            port = free_port()
            server = subprocess.Popen([sys.executable, "-m", "wsisgraph", "serve", "--store", str(store),
                                       "--port", str(port)], stderr=subprocess.DEVNULL)
            target = f"http://127.0.0.1:{port}/query"
            deadline = time.monotonic() + 30
            while True:
                try:
                    read_serve(target)
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        stop = tmp / "stop"
        readers = [subprocess.Popen([sys.executable, __file__, "--reader", args.mode, target, str(stop),
                                     json.dumps(expected)], stdout=subprocess.PIPE, text=True)
                   for _ in range(args.readers)]
        started = time.perf_counter()
        failed_builds = 0
        for i in range(args.rebuilds):
            done = cli("build", str(corpora[(i + 1) % 2]), "--store", str(store), "--quiet", "--no-validate")
            failed_builds += done.returncode != 0
        seconds = time.perf_counter() - started
        stop.touch()
        tallies = [json.loads(r.communicate(timeout=120)[0]) for r in readers]
        last = expected[args.rebuilds % 2]
        if server is not None:
            deadline, latest = time.monotonic() + 10, None
            while latest != last and time.monotonic() < deadline:  # the server follows the last rebuild
                try:
                    latest = list(read_serve(target))
                except Exception as err:  # noqa: BLE001 - shown
                    latest = f"{type(err).__name__}: {err}"
                time.sleep(0.2)
            print(f"serve after the last rebuild: {latest} (the last graph is {last})")
            server.terminate()
            server.wait(timeout=30)
        total = {key: sum(t[key] for t in tallies) for key in ("ok", "failed", "incomplete")}
        errors = sorted({e for t in tallies for e in t["errors"]})
        generations = sorted(p.name for p in store.glob("gen-*"))
        print(f"{args.mode}: {sum(total.values())} reads ({total['ok']} complete, {total['failed']} failed, "
              f"{total['incomplete']} incomplete) by {args.readers} readers during {args.rebuilds} rebuilds "
              f"({failed_builds} failed) in {seconds:.1f} s; {len(generations)} generation(s) left")
        for error in errors[:10]:
            print("  " + error)


if __name__ == "__main__":
    main()
