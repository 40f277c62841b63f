#!/usr/bin/env python3
"""Candidate profile terms for each SDG, derived from the UN SDG KOS target and indicator texts.

For every goal it gathers the English labels of the goal, its targets and its indicators
(ontology/un-sdg-kos/sdg-kos-goals-targets-indicators.ttl), takes the phrases of one to three words that neither
start nor end with a function word, and ranks them by how much they belong to this goal: occurrences in the
goal's texts times log(17 / number of goals whose texts hold the phrase). Phrases found under more than three goals
("developing countries", "by 2030", "proportion of population") say nothing about any one goal and are dropped.

The output is a list of candidates to review, not a profile: ontology/topical-profiles.csv takes, as its `kos`
rows, the candidates a reader keeps (a phrase that names the goal's subject on its own becomes a strong term).
Nothing here reads the SDG Classification Benchmark or any other labelled text.

    python bench/kos_terms.py [--top 40] > /tmp/kos-candidates.csv
"""
from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyoxigraph as ox

KOS = Path(__file__).resolve().parent.parent / "ontology" / "un-sdg-kos" / "sdg-kos-goals-targets-indicators.ttl"
QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
SELECT ?notation ?label WHERE {
  ?concept skos:prefLabel ?label ; skos:notation ?notation .
  FILTER (LANG(?label) = "en" && DATATYPE(?notation) = sdgo:SDGCodeCompact)
}"""
# function words, and the framing words of target texts ("by 2030, ensure ... proportion of ...")
STOP = set("""a an and are as at be by for from in into including its of on or other over per such that the their
these this those through to under with within all any both each more most less their which who whose among between
ensure achieve increase reduce promote strengthen support enhance implement develop improve provide adopt take
substantially significantly significant particular especially relevant appropriate effective including
proportion number rate total share level levels type types age sex year years previous months population
countries country national international global regional local developing developed least small island states
per cent 100,000 1,000 sustainable development policy policies programmes programs measures access all""".split())
WORD = re.compile(r"[a-z][a-z'’-]*[a-z]|[a-z]")


def texts_by_goal(path: Path = KOS) -> dict[str, list[str]]:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    out: dict[str, list[str]] = defaultdict(list)
    for row in store.query(QUERY):
        notation = row["notation"].value
        if re.fullmatch(r"\d+(\.\w+){0,2}", notation):
            out[notation.split(".")[0]].append(row["label"].value)
    return out


def phrases(text: str, longest: int = 3) -> list[str]:
    words = WORD.findall(text.lower().replace("’", "'"))
    out = []
    for n in range(1, longest + 1):
        for i in range(len(words) - n + 1):
            gram = words[i:i + n]
            if gram[0] in STOP or gram[-1] in STOP or any(len(w) < 3 for w in (gram[0], gram[-1])):
                continue
            out.append(" ".join(gram))
    return out


def candidates(top: int = 40) -> list[tuple[str, str, int, int, float]]:
    goals = texts_by_goal()
    counts = {goal: Counter(p for text in texts for p in phrases(text)) for goal, texts in goals.items()}
    spread = Counter(p for counter in counts.values() for p in counter)
    rows = []
    for goal in sorted(counts, key=int):
        scored = [(p, c, spread[p], c * math.log(len(goals) / spread[p])) for p, c in counts[goal].items()
                  if spread[p] <= 3]
        scored.sort(key=lambda r: (-r[3], r[0]))
        rows += [(goal, p, c, s, round(score, 2)) for p, c, s, score in scored[:top]]
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=40, help="candidates per goal")
    args = ap.parse_args()
    out = csv.writer(sys.stdout)
    out.writerow(["goal", "phrase", "occurrences", "goals", "score"])
    out.writerows(candidates(args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
