#!/usr/bin/env python3
"""wsisgraph on the public SDG Classification Benchmark, end to end, beside the published results of other tools.

The benchmark (PyPI `sdgclassification-benchmark`, https://github.com/SDGClassification/benchmark) ships 1,251
expert-verified English snippets of 28-202 words, each labelled true or false for one SDG, and a `Benchmark` class
that asks a classifier for each snippet's SDGs and computes precision, recall and F1 per SDG and their unweighted
average. For each topical preset this script

1. writes every distinct snippet as a text document into one folder (the same text twice is one document),
2. builds them with `wsisgraph.store.build` (the library behind `wsisgraph build`; --no-validate skips SHACL),
3. reads each document's SDGs from the `mentions` query as the evaluation contract does (explicit and topical),
4. gives those to the benchmark's own `Benchmark(predict_sdgs).run()`,

and prints one table: wsisgraph's rows next to the figures the benchmark's repository publishes for other tools
(evaluations/<tool>/README.md, commit d2037e0, February 2026). Results also go to bench/results/sdg_benchmark.json.
The benchmark is only a measure: nothing in wsisgraph's profiles comes from its snippets.

    pip install '.[bench]'
    python bench/sdg_benchmark.py [--presets precise,balanced,broad,none] [--per-sdg balanced] [--no-validate]
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = "https://github.com/SDGClassification/benchmark/blob/d2037e0/evaluations/{}/README.md"
# (tool, kind, evaluation folder, average F1, precision %, recall %), as published in each README's 'Average' row
PEERS = [
    ("OSDG v1", "keyword ontology", "osdg", 0.60, 84.3, 53.0),
    ("JRC SDG Mapper", "keyword queries", "sdg-mapper", 0.71, 92.7, 58.6),
    ("Global Goals Directory", "NLP service", "global-goals-directory", 0.78, 88.1, 72.1),
    ("Aurora SDG", "mBERT classifier", "aurora-sdg", 0.79, 80.2, 78.8),
    ("text2sdg", "five query systems", "text2sdg", 0.82, 84.3, 81.4),
    ("AFD SDG Prospector", "DistilRoBERTa classifier", "sdg-prospector", 0.87, 92.4, 82.1),
    ("Meta Llama 3 70B", "LLM, zero-shot", "llama-3", 0.86, 81.4, 93.0),
    ("OpenAI GPT-4o", "LLM, zero-shot", "openai-gpt-4o", 0.88, 80.8, 97.0),
]


def document_name(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] + ".txt"


def write_documents(texts, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for text in set(texts):
        (folder / document_name(text)).write_text(text, encoding="utf-8")


def sdgs_by_document(docs: Path, store: Path, preset: str, validate: bool) -> tuple[dict[str, set[int]], float]:
    """Build the documents at one preset; each document's SDGs as the `mentions` query reports them."""
    from wsisgraph.query import records, run_query
    from wsisgraph.store import build, open_store

    started = time.perf_counter()
    if preset == "none":  # explicit mentions only
        build([docs], store, topical=None, validate=validate)
    else:
        build([docs], store, topical_threshold=preset, validate=validate)
    seconds = time.perf_counter() - started
    found: dict[str, set[int]] = {}
    for row in records(run_query(open_store(store), "mentions")):
        if row["scheme"] == "sdg":
            found.setdefault(row["source"], set()).add(int(row["notation"]))
    return found, seconds


def run_benchmark(found: dict[str, set[int]]):
    """The benchmark's own run, its chatter sent to stderr; returns its Stats."""
    from sdgclassification.benchmark import Benchmark

    benchmark = Benchmark(predict_sdgs=lambda text: sorted(found.get(document_name(text), ())))
    with contextlib.redirect_stdout(sys.stderr):
        benchmark.run()
    return benchmark.stats


def table(rows: list[tuple[str, str, float, float, float, str]]) -> str:
    lines = ["| system | kind | average F1 | precision | recall | source |", "|---|---|---|---|---|---|"]
    for name, kind, f1, precision, recall, source in rows:
        lines.append(f"| {name} | {kind} | {f1:.2f} | {precision / 100:.2f} | {recall / 100:.2f} | {source} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presets", default="precise,balanced,broad,none",
                    help="comma-separated presets, numbers, or none for explicit mentions only "
                         "(default: precise,balanced,broad,none)")
    ap.add_argument("--per-sdg", default="balanced", help="the preset whose per-SDG table is printed too")
    ap.add_argument("--no-validate", action="store_true", help="skip SHACL validation of each build")
    ap.add_argument("--workdir", type=Path, default=None, help="keep documents and stores here (default: a temp dir)")
    args = ap.parse_args()
    from sdgclassification.benchmark import load_benchmark_df

    frame = load_benchmark_df()
    rows, results = [], {}
    with tempfile.TemporaryDirectory(prefix="sdg-benchmark-") as tmp:
        work = args.workdir or Path(tmp)
        write_documents(frame["text"], work / "docs")
        for preset in [p.strip() for p in args.presets.split(",") if p.strip()]:
            found, seconds = sdgs_by_document(work / "docs", work / f"store-{preset}", preset, not args.no_validate)
            stats = run_benchmark(found)
            average = stats.average
            kind = "explicit mentions only" if preset == "none" else "keyword profiles"
            rows.append((f"**wsisgraph `{preset}`**", kind, average.f1, average.precision,
                         average.recall, "bench/sdg_benchmark.py"))
            results[preset] = {"f1": round(average.f1, 3), "precision": round(average.precision, 1),
                               "recall": round(average.recall, 1), "build_seconds": round(seconds, 1),
                               "per_sdg": {str(n): round(stats.sdg(n).f1, 3) for n in range(1, 18)}}
            print(f"{preset}: average F1 {average.f1:.3f}, precision {average.precision:.1f}%, recall "
                  f"{average.recall:.1f}% (build {seconds:.0f} s)", file=sys.stderr)
            if preset == args.per_sdg:
                print(f"Per SDG, preset {preset} (the benchmark's own table):\n{stats.format('github')}\n")
    rows += [(name, kind, f1, precision, recall, f"[{folder}]({SOURCE.format(folder)})")
             for name, kind, folder, f1, precision, recall in PEERS]
    print(table(rows))
    out = HERE / "results" / "sdg_benchmark.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
