#!/usr/bin/env python3
"""Time the saved queries on a built store, and check that another version of them gives the same rows.

For each saved query it runs `run_query` with its default parameters (or those given) in-process: the whole
result and its first page (`--limit 100`), the best of `--runs` runs. With `--against DIR` (another checkout's
`queries/` folder, e.g. main's) it runs that folder's version too and says whether both give the same columns
and the same rows in the same order, so a rewritten query can be checked and measured in one go:

    python bench/queries.py STORE --against ../main/queries
    python bench/queries.py STORE explain:document=000731.txt,concept=C7 who-raises:concept=4

A name may carry parameters after a colon (`name:key=value,key=value`). Nothing is written to the store.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from wsisgraph.query import bind_params, list_queries, paged, parse_query_file, queries_dir, resolve_notations
from wsisgraph.store import open_store


def run(store, path: Path, params: dict[str, str], limit: int | None) -> dict:
    query = parse_query_file(path)
    return store.select(paged(query.sparql, limit), resolve_notations(store, query, bind_params(query, params)))


def best(store, path: Path, params: dict[str, str], limit: int | None, runs: int) -> tuple[dict, float]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = run(store, path, params, limit)
        times.append(time.perf_counter() - start)
    return result, min(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a built store folder")
    parser.add_argument("names", nargs="*", help="saved queries, optionally name:key=value,... (default: all)")
    parser.add_argument("--queries", default=str(queries_dir()), help="the queries folder to time (default: this checkout's)")
    parser.add_argument("--against", help="another queries folder to compare rows and times with")
    parser.add_argument("--runs", type=int, default=3, help="runs of each query; the best is shown (default 3)")
    args = parser.parse_intermixed_args()

    store = open_store(args.store)
    names = args.names or [q.name for q in list_queries()]
    header = f"{'query':<42} {'rows':>7} {'ms':>7} {'page ms':>8}"
    if args.against:
        header += f" {'before ms':>9} {'page':>7}  same rows"
    print(header)
    differ = 0
    for spec in names:
        name, _, given = spec.partition(":")
        params = dict(item.split("=", 1) for item in given.split(",")) if given else {}
        ours = Path(args.queries) / f"{name}.rq"
        full, ms = best(store, ours, params, None, args.runs)
        page, page_ms = best(store, ours, params, 100, args.runs)
        rows = full["results"]["bindings"]
        line = f"{spec:<42} {len(rows):>7} {ms:>7.0f} {page_ms:>8.0f}"
        if args.against:
            theirs = Path(args.against) / f"{name}.rq"
            before, before_ms = best(store, theirs, params, None, args.runs)
            before_page, before_page_ms = best(store, theirs, params, 100, args.runs)
            same = (before["head"] == full["head"] and before["results"]["bindings"] == rows
                    and before_page["results"]["bindings"] == page["results"]["bindings"])
            differ += not same
            line += f" {before_ms:>9.0f} {before_page_ms:>7.0f}  {'yes' if same else 'NO'}"
        print(line, flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
