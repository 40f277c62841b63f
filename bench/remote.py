#!/usr/bin/env python3
"""Benchmark `build --remote`: N generated documents (bench/run.py's generator) in two shards built one after the
other into a real server (the Oxigraph server, or Virtuoso 7 with --server virtuoso), then a rebuild with nothing
changed and one after one document changed, which recomputes the statistics from every document's summary.

    python bench/remote.py --docs 1000 [--server oxigraph|virtuoso]
    python bench/remote.py --growth 1000,2000,4000,8000


Reports the wall time of each build, and of its two reads alone: the documents' state (queries/remote/
documents.rq, what every build reads) and the summaries (summaries.rq, what a build that changed something reads,
for every document of every shard); writes bench/results/remote-SERVER-N.json. Builds run without validation
(its cost is `build`'s, measured by bench/run.py). `--growth` only extracts the documents (no server) and prints
how many triples the whole statistics graph, which each build that changed something PUTs, has at each size.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from run import generate  # noqa: E402
from servers import oxigraph, virtuoso  # noqa: E402

from wsisgraph.namespaces import base_iri  # noqa: E402
from wsisgraph.remote import RemoteStore  # noqa: E402
from wsisgraph.remote_build import build_remote, read_documents, read_summaries  # noqa: E402


def timed(label: str, results: dict, function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    results[label] = round(time.perf_counter() - started, 2)
    print(f"{label}: {results[label]} s", file=sys.stderr)
    return value


def growth(sizes: list[int]) -> None:
    from wsisgraph import statistics
    from wsisgraph.store import _extracted

    base = base_iri()
    with tempfile.TemporaryDirectory(prefix="wsisgraph-bench-growth-") as scratch:
        generate(Path(scratch), max(sizes))
        tasks = [(str(p), p.name, base, "keywords", None, None, ()) for p in sorted(Path(scratch).iterdir())]
        totals = statistics.Totals(statistics.index(base))
        for done, result in enumerate(_extracted(tasks, 2), 1):
            totals.add(result["summary"])
            if done in sizes:
                lines = "".join(text for _, text in statistics.observations(totals, None, base))
                print(f"{done} documents: {lines.count(chr(10))} statistics triples", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--server", choices=["oxigraph", "virtuoso"], default="oxigraph")
    parser.add_argument("--growth", help="comma-separated corpus sizes: the statistics graph's size at each")
    args = parser.parse_args()
    if args.growth:
        growth([int(n) for n in args.growth.split(",")])
        return 0
    results: dict = {"documents": args.docs, "server": args.server}
    with tempfile.TemporaryDirectory(prefix="wsisgraph-bench-remote-") as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        generate(corpus, args.docs)
        shards = [Path(scratch) / "shard-a", Path(scratch) / "shard-b"]
        for shard in shards:
            shard.mkdir()
        for i, path in enumerate(sorted(corpus.iterdir())):
            path.rename(shards[i % 2] / path.name)
        server = oxigraph() if args.server == "oxigraph" else virtuoso()
        with server as base:
            gsp, endpoint = ((base + "/store", base + "/query") if args.server == "oxigraph" else
                             (base.replace("http://", "http://dba:dba@") + "/sparql-graph-crud-auth", base + "/sparql"))
            for shard in shards:
                summary = timed(f"first build of {shard.name}", results, build_remote, [shard], gsp, endpoint,
                                validate=False)
                results[f"triples sent by {shard.name}"] = summary.triples_sent
            summary = timed("rebuild of shard-a, nothing changed", results, build_remote, [shards[0]], gsp, endpoint,
                            validate=False)
            assert summary.graphs_sent == summary.graphs_deleted == 0
            changed = sorted(shards[0].iterdir())[0]
            changed.write_text(changed.read_text(encoding="utf-8") + "\n\nWe also work on e-health (C7.5).\n",
                               encoding="utf-8")
            summary = timed("rebuild of shard-a, one document changed", results, build_remote, [shards[0]], gsp,
                            endpoint, validate=False)
            assert summary.extracted == 1 and summary.statistics_updated
            results["triples sent after one change"] = summary.triples_sent
            remote = RemoteStore(endpoint, adhoc=True)
            documents = timed("read of every document's state", results, read_documents, remote)
            summaries, _ = timed("read of every document's summary", results, read_summaries, remote, base_iri())
            results["remote documents"] = len(documents)
            count = remote.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                                  {"g": ("iri", f"{base_iri()}graph/statistics")})
            results["statistics triples"] = int(count["results"]["bindings"][0]["n"]["value"])
            assert len(summaries) == len(documents)
    out = HERE / "results" / f"remote-{args.server}-{args.docs}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
