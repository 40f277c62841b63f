#!/usr/bin/env python3
"""Benchmark wsisgraph at scale: generate N documents of every kind, build, validate, query, rebuild one.

Documents are made from templates and the reference vocabularies, with realistic sizes (responses of ~5 KB in
three layouts, WordPress pages of ~15-30 KB of HTML, collections of posts, plain notes) and a realistic mix of
mentions (codes, titles, topics, organizations, countries, distractors such as 5G and COVID-19).

It reports documents/s and triples/s of `build --no-validate`, the peak RSS of that process (its worker
processes not included), the time of `validate --store` and of a fresh `build` that validates (the default), the
latency of every saved query in-process (median of up to 5 runs on the built store) and of its first 100 rows for
the whole-corpus listings, the CLI's time for one query, and the time of a rebuild (validating) after one document
changed. Results go to bench/results/run-N.json and a table is printed.

    python bench/run.py --docs 10000
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REF = ROOT / "ontology" / "reference"

FILLER = [
    "Over the past two decades the situation has changed considerably in our region.",
    "We worked with partners at national and local level to make progress measurable.",
    "Much remains to be done, and the next ten years will require sustained commitment.",
    "Our members have reported both successes and setbacks, which we summarise below.",
    "Progress has been uneven, and the poorest communities have benefited least so far.",
    "This requires long-term funding, clear responsibilities and regular public reporting.",
    "Lessons learned from pilot projects should be shared more widely among practitioners.",
    "COVID-19 accelerated many of these trends, and 5G deployment is now under way.",
    "Our C-level executives attended the G20 meeting, where these issues were discussed.",
    "Operators in Geneva and Nairobi shared their experience with regulators from Africa.",
]
QUESTIONS = [
    (4, "Implementation of the WSIS Process", "What are the **main achievements** of the implementation of the WSIS process in the past 20 years?"),
    (5, "Implementation of the WSIS Process", "What are ITUs main contributions towards the implementation of the WSIS Process in 20 Years?"),
    (7, "Implementation of the WSIS Process", "What are the challenges that remain in the implementation of the WSIS process?"),
    (8, "WSIS Action Lines", "Which specific Action Lines have had the most significant impact, and why?"),
    (11, "WSIS Action Line for advancing the SDGs", "How can the alignment between the WSIS Action Lines and SDGs be strengthened towards the achievement of the 2030 Agenda for Sustainable Development?"),
    (12, "Future Vision and WSIS beyond 2025", "How can we further strengthen multistakeholder platforms such as the WSIS Forum as the platform for digital development and IGF as the platform for governance and policy issues?"),
    (14, "Future Vision and WSIS beyond 2025", "What are the key emerging digital trends and topics to be considered by ITU in the WSIS+20 review and future vision beyond 2025?"),
]
TYPES = ["Government", "Private Sector", "Civil Society", "Academia", "UN entity", "Technical community",
         "Other: Youth network", "NGO"]
COUNTRIES = ["Canada", "Republic of Korea", "Türkiye", "Côte d'Ivoire", "United States of America", "Chile", "Nepal",
             "Kenya", "Brazil", "India", "Germany", "Japan", "South Africa", "Mexico", "Viet Nam", "Egypt"]


def vocab() -> dict[str, list[str]]:
    def read(name, column="label"):
        with (REF / name).open(encoding="utf-8") as f:
            return [row[column] for row in csv.DictReader(f)]
    return {"topic": read("topics.csv"), "event": read("events.csv"), "framework": read("frameworks.csv"),
            "org": [r.split(";")[0] for r in read("organizations.csv", "alt_labels") if r] or read("organizations.csv"),
            "sdg": read("sdgs.csv", "short_title"), "al": [f"C{n}" for n in range(1, 12)] + ["e-health", "e-learning"]}


def sentence(rng: random.Random, v: dict[str, list[str]]) -> str:
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(FILLER)
    if kind < 0.55:
        return (f"We see {rng.choice(v['topic']).lower()} and {rng.choice(v['topic']).lower()} as priorities "
                f"under Action Line {rng.choice(v['al'])}.")
    if kind < 0.7:
        n = rng.randint(1, 17)
        return f"This contributes to SDG {n} ({v['sdg'][n - 1].title()}) and to target {n}.{rng.randint(1, 5)}."
    if kind < 0.85:
        return (f"The {rng.choice(v['event'])} and the {rng.choice(v['framework'])} gave {rng.choice(v['org'])} "
                f"a mandate to act in {rng.choice(COUNTRIES)}.")
    return (f"Telemedicine links rural clinics with hospitals, and health workers follow patients at home, "
            f"while teachers receive training in digital skills.")


def paragraph(rng, v, n) -> str:
    return " ".join(sentence(rng, v) for _ in range(n))


def response(i: int, rng, v) -> str:
    layout = i % 3
    name, kind, country = f"Organisation {i} for Digital Development", rng.choice(TYPES), rng.choice(COUNTRIES)
    out = ["# ITU CWG WSIS&SDG Call for Inputs on the WSIS+20 Review: Response", "",
           f"Response {i} – 11/02/2025 16:12", "", "## Respondent", ""]
    fields = [("Organization name", name), ("Organization type", kind), ("Organization country", country)]
    for n, (label, value) in enumerate(fields, start=1):
        out += ([f"### {n}. {label}", value, ""] if layout == 1 else
                [f"{n}. {label}: {value}", ""] if layout == 2 else [f"{n}. {label}", "", value, ""])
    section = None
    for number, sec, question in QUESTIONS:
        if sec != section:
            out += [f"## {sec}", ""]
            section = sec
        answer = paragraph(rng, v, rng.randint(3, 6))
        out += ([f"### {number}. {question}", answer, ""] if layout == 1 else
                [f"{number}. {question} {answer}", ""] if layout == 2 else [f"{number}. {question}", "", answer, ""])
    return "\n".join(out)


def wp_object(i: int, rng, v, kind="page") -> dict:
    blocks = []
    for s in range(rng.randint(6, 12)):
        blocks.append(f'<section class="text-section"><div class="ituContainer grid"><h3 class="h5">'
                      f'{rng.choice(v["topic"])} and the {rng.choice(v["event"])}</h3>'
                      f'<p class="has-text">{paragraph(rng, v, rng.randint(3, 6))}</p>'
                      f'<figure class="wp-block-image"><img src="https://www.itu.int/img/{i}-{s}.jpg" '
                      f'alt="Delegates in {rng.choice(COUNTRIES)}" class="wp-image-{s}"/>'
                      f'<figcaption>{rng.choice(FILLER)}</figcaption></figure>'
                      f'<script>var x = "SDG 4 {s}";</script></div></section>')
    return {"id": 1000 + i, "date": "2025-03-18T21:28:15", "date_gmt": "2025-03-18T21:28:15",
            "modified": "2025-09-10T23:53:35", "slug": f"page-{i}", "status": "publish", "type": kind,
            "link": f"https://www.itu.int/160/page-{i}/", "title": {"rendered": f"{rng.choice(v['topic'])} &amp; ITU"},
            "content": {"rendered": "\n".join(blocks), "protected": False},
            "excerpt": {"rendered": f"<p>{rng.choice(FILLER)} [&hellip;]</p>", "protected": False},
            "_links": {"self": [{"href": f"https://www.itu.int/160/wp-json/wp/v2/pages/{1000 + i}"}]}}


def generate(folder: Path, n: int, seed: int = 7) -> dict[str, int]:
    rng, v = random.Random(seed), vocab()
    counts = {"response": 0, "page": 0, "collection": 0, "text": 0}
    for i in range(n):
        r = i % 10
        if r < 6:
            text, counts["response"] = response(i, rng, v), counts["response"] + 1
        elif r < 8:
            text, counts["page"] = json.dumps(wp_object(i, rng, v)), counts["page"] + 1
        elif r < 9:
            text = json.dumps([wp_object(i * 10 + k, rng, v, "post") for k in range(2)])
            counts["collection"] += 1
        else:
            text, counts["text"] = f"# Notes {i}\n\n" + "\n\n".join(paragraph(rng, v, 5) for _ in range(4)), counts["text"] + 1
        (folder / f"{i:06}.txt").write_text(text, encoding="utf-8")
    return counts


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """Wall time, peak RSS (KiB) of the child, stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before), done.stderr


LISTINGS = ("mentions", "evidence", "documents", "respondents", "who-raises", "topical-links", "network-actors",
            "network-actor-concept")


def _median_ms(run) -> float:
    """Median of up to five runs (one when a run takes over 2 s: its latency is already clear)."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        run()
        runs.append(time.perf_counter() - started)
        if runs[-1] > 2:
            break
    return round(statistics.median(runs) * 1000, 1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--keep", help="keep the corpus and store in this folder")
    ap.add_argument("--skip-validate", action="store_true")
    ap.add_argument("--skip-queries", default="", help="comma-separated saved queries not to time")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="wsisbench-"))
    docs, store = work / "docs", work / "store"
    shutil.rmtree(docs, ignore_errors=True)
    shutil.rmtree(store, ignore_errors=True)
    docs.mkdir(parents=True)
    wsis = [sys.executable, "-m", "wsisgraph"]
    result: dict = {"docs": args.docs, "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    t = time.perf_counter()
    result["kinds"] = generate(docs, args.docs)
    result["corpus_mb"] = round(sum(p.stat().st_size for p in docs.iterdir()) / 1e6, 1)
    result["generate_s"] = round(time.perf_counter() - t, 1)

    seconds, peak, err = timed(wsis + ["build", str(docs), "--store", str(store), "--quiet", "--no-validate"])
    triples = int(err.split(" triples")[0].split()[-1])
    result.update(build_s=round(seconds, 2), docs_per_s=round(args.docs / seconds, 1), triples=triples,
                  triples_per_s=round(triples / seconds), peak_rss_mb=round(peak / 1024))
    if not args.skip_validate:
        seconds, _, _ = timed(wsis + ["validate", "--store", str(store)])
        result["validate_s"] = round(seconds, 2)
        # what a user runs: build as it validates by default (each document checked in its extraction worker)
        validated = work / "store-validated"
        shutil.rmtree(validated, ignore_errors=True)
        seconds, peak, _ = timed(wsis + ["build", str(docs), "--store", str(validated), "--quiet"])
        result.update(build_validated_s=round(seconds, 2), build_validated_peak_rss_mb=round(peak / 1024))
        shutil.rmtree(validated, ignore_errors=True)

    sys.path.insert(0, str(ROOT))
    from wsisgraph.query import list_queries, run_query
    from wsisgraph.store import open_store

    opened = open_store(store)
    latencies, pages = {}, {}
    for q in list_queries():
        if args.skip_queries and q.name in args.skip_queries.split(","):
            continue
        latencies[q.name] = _median_ms(lambda: run_query(opened, q.name, {}))
        if q.name in LISTINGS:  # a first page of a whole-corpus listing
            pages[q.name] = _median_ms(lambda: run_query(opened, q.name, {}, limit=100))
    result["query_ms"] = latencies
    result["first_page_ms"] = pages
    del opened
    # the CLI's own start-up (interpreter, imports, opening the store), beside the query's time
    seconds, _, _ = timed(wsis + ["query", "respondents-overview", "--store", str(store)])
    result["cli_respondents_overview_s"] = round(seconds, 2)

    changed = docs / "000000.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Organisation 0", "Organisation zero"), "utf-8")
    seconds, _, _ = timed(wsis + ["build", str(docs), "--store", str(store), "--quiet"])  # validating it
    result["rebuild_one_changed_s"] = round(seconds, 2)

    out = HERE / "results" / f"run-{args.docs}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{'measure':28} value")
    for key in ("docs", "corpus_mb", "build_s", "docs_per_s", "triples", "triples_per_s", "peak_rss_mb",
                "validate_s", "build_validated_s", "build_validated_peak_rss_mb", "rebuild_one_changed_s",
                "cli_respondents_overview_s"):
        if key in result:
            print(f"{key:28} {result[key]}")
    for name, ms in latencies.items():
        page = f"  (first 100 rows: {pages[name]} ms)" if name in pages else ""
        print(f"query {name:24} {ms} ms{page}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
