"""The `bm25` topical method, kept out of the runtime for comparison with `keywords` (bench/topical.py).

Lexical profiles: each Action Line (C7 by sub-line) is profiled by its title and scope text, each SDG by its title, short title
and the texts of its targets (UN SDG KOS). Every sentence of the document is scored against the profiles with
Okapi BM25 (rank_bm25); a sentence is on a subject when that profile scores highest and above THRESHOLD, and a
document is about a subject when MIN_SENTENCES of its sentences are. Its links are document-level.

Run as a script, it is the wsisgraph CLI with this method in place of `keywords`, so the project's scorer can
build with it:  ../shared/eval/score --cli "python bench/topical_bm25.py"  (needs `pip install '.[bench]'`).
"""
from __future__ import annotations

import re
import sys
from functools import lru_cache

from wsisgraph.schemes import load_vocabulary
from wsisgraph.topical import Sentence, TopicalLink, sentences

METHOD = "bm25-v1"
THRESHOLD = 8.0
MIN_SENTENCES = 3
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
_STOP = set("""the and for with that this from are was were has have had its their our your they them into over
under about more most than then also such these those which while where when what how who whom can could would
should will may might must not but all any each other some only very been being per via across between within
use used using well new make made many much one two three both own same""".split())


def tokens(text: str) -> list[str]:
    return [w[:-1] if w.endswith("s") and len(w) > 4 else w for w in _WORD.findall(text.lower()) if w not in _STOP]


@lru_cache(maxsize=4)
def _profiles(base: str | None):
    from rank_bm25 import BM25Okapi

    vocabulary = load_vocabulary(base)
    concepts, docs = [], []
    for concept in vocabulary.in_scheme("actionline"):
        if concept.notation == "C7":
            continue  # profiled by its eight sub-lines
        concepts.append(concept)
        docs.append(tokens(f"{concept.label}. {concept.definition or ''}"))
    targets: dict[str, list[str]] = {}
    for concept in vocabulary.in_scheme("sdg"):
        if concept.properties.get("level") == "target":
            targets.setdefault(concept.broader, []).append(concept.labels.get("en", ""))
    for concept in vocabulary.in_scheme("sdg"):
        if concept.properties.get("level") == "goal":
            short = " ".join(label for label, lang in concept.alt_labels if lang == "en")
            concepts.append(concept)
            docs.append(tokens(" ".join([concept.label, short, *targets.get(concept.iri, [])])))
    return concepts, BM25Okapi(docs)


def infer_bm25(parsed, named: set[str], base: str | None = None, **_) -> list[TopicalLink]:
    concepts, bm25 = _profiles(base)
    chosen: dict[int, list[tuple[Sentence, float]]] = {}
    for sentence in sentences(parsed):
        words = tokens(parsed.text[sentence.start:sentence.end])
        if not words:
            continue
        scores = bm25.get_scores(words)
        best = max(range(len(concepts)), key=lambda i: scores[i])
        if scores[best] >= THRESHOLD:
            chosen.setdefault(best, []).append((sentence, float(scores[best])))
    links = []
    for index, found in chosen.items():
        concept = concepts[index]
        if len(found) < MIN_SENTENCES or concept.iri in named or (concept.broader and concept.broader in named):
            continue
        links.append(TopicalLink(concept, round(sum(score for _, score in found), 1), METHOD,
                                 [sentence for sentence, _ in found]))
    return sorted(links, key=lambda link: (link.concept.scheme, link.concept.notation))


def main() -> int:
    """The wsisgraph CLI, with `--topical keywords` inferring links with bm25."""
    import wsisgraph.topical
    from wsisgraph.cli import main as cli_main

    wsisgraph.topical.infer = lambda parsed, named, base=None, method="keywords", **kw: infer_bm25(parsed, named, base)
    cli_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
