#!/usr/bin/env python3
"""Compare the topical-link methods on the annotated development set with the project's own scorer.

For each method (none = explicit mentions only, bm25 = lexical profiles, keywords = curated term profiles, the
default) it runs ../shared/eval/score, which builds a store with `wsisgraph build` as a user would, and keeps the
scorer's table. Results go to bench/results/topical.json and are printed.

    python bench/topical.py [--score ../shared/eval/score]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
METHODS = ("none", "bm25", "keywords")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--score", default=str(HERE.parent.parent / "shared" / "eval" / "score"))
    args = ap.parse_args()
    results = {}
    for method in METHODS:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, args.score, "--quiet"], capture_output=True, text=True,
                              env={**os.environ, "WSISGRAPH_TOPICAL": method}, cwd=HERE.parent)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        table = done.stdout.strip()
        last = table.splitlines()[-1].split()
        results[method] = {"table": table, "seconds": round(time.perf_counter() - started, 1),
                           "explicit_f1": float(last[last.index("F1") + 1]),
                           "topical_f1": float(last[-1])}
        print(f"== topical method: {method}  ({results[method]['seconds']} s)\n{table}\n")
    out = HERE / "results" / "topical.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(" ".join(f"{m}: topical F1 {r['topical_f1']:.3f}" for m, r in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
