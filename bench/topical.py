#!/usr/bin/env python3
"""Compare the topical-link methods and presets on the annotated development set with the project's own scorer.

Runs ../shared/eval/score, which builds a store with `wsisgraph build` as a user would, once per configuration:
none (explicit mentions only), bm25 (lexical profiles, bench/topical_bm25.py, kept out of the runtime) and the
runtime method `keywords` at each preset (precise, balanced = the default, broad). Keeps the scorer's table;
results go to bench/results/topical.json and are printed.

    pip install '.[bench]'
    python bench/topical.py [--score ../shared/eval/score]
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# name -> (environment for `wsisgraph build`, CLI the scorer runs)
CONFIGURATIONS = {
    "none": ({"WSISGRAPH_TOPICAL": "none"}, "wsisgraph"),
    "bm25": ({"WSISGRAPH_TOPICAL": "keywords"}, f"{shlex.quote(sys.executable)} {HERE / 'topical_bm25.py'}"),
    "keywords precise": ({"WSISGRAPH_TOPICAL_THRESHOLD": "precise"}, "wsisgraph"),
    "keywords balanced": ({"WSISGRAPH_TOPICAL_THRESHOLD": "balanced"}, "wsisgraph"),
    "keywords broad": ({"WSISGRAPH_TOPICAL_THRESHOLD": "broad"}, "wsisgraph"),
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--score", default=str(HERE.parent.parent / "shared" / "eval" / "score"))
    args = ap.parse_args()
    results = {}
    for name, (env, cli) in CONFIGURATIONS.items():
        started = time.perf_counter()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("WSISGRAPH_TOPICAL")}
        done = subprocess.run([sys.executable, args.score, "--quiet", "--cli", cli], capture_output=True, text=True,
                              env={**environment, **env}, cwd=HERE.parent)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        table = done.stdout.strip()
        lines = table.splitlines()
        last = lines[-1].split()
        about = {line.split()[0]: [float(x) for x in line.split()[1:7]] for line in lines if line.startswith("about-")}
        tp, fp, fn = (sum(counts[i] for counts in about.values()) for i in range(3))
        precision, recall = tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
        results[name] = {"table": table, "seconds": round(time.perf_counter() - started, 1),
                         "explicit_f1": float(last[last.index("F1") + 1]), "topical_f1": float(last[-1]),
                         "topical_precision": round(precision, 3), "topical_recall": round(recall, 3),
                         "about": about}
        print(f"== {name}  ({results[name]['seconds']} s)\n{table}\n")
    out = HERE / "results" / "topical.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    for name, r in results.items():
        print(f"{name:18} topical P {r['topical_precision']:.3f} R {r['topical_recall']:.3f} F1 {r['topical_f1']:.3f}"
              f"   explicit F1 {r['explicit_f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
