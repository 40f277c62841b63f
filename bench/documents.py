"""The development set with its responses exported to PDF and to DOCX (tests/docgen.py: fpdf2, python-docx), timed
and scored like the Markdown originals: the scores should not move.

    python bench/documents.py [--dev ../shared/eval/dev] [--repeat 5]

Needs the test extras (`pip install '.[test]'`, for fpdf2). Prints, per format, the median time `load_document`
takes (read, convert, sniff) for a response and for one ten times as long, then the scorer's last line.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import docgen  # noqa: E402

from wsisgraph.load import load_document  # noqa: E402


def timed(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        load_document(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    docs = sorted((args.dev / "docs").iterdir())
    responses = [path for path in docs if load_document(path).kind == "questionnaire-md"]
    with tempfile.TemporaryDirectory(prefix="wsisgraph-documents-") as tmp:
        for fmt, write in (("pdf", docgen.write_pdf), ("docx", docgen.write_docx)):
            folder = Path(tmp) / fmt
            folder.mkdir()
            for path in docs:  # same names as the originals, so the gold files apply
                if path in responses:
                    write(docgen.markdown_blocks(path.read_text(encoding="utf-8")), folder / path.name)
                else:
                    shutil.copy(path, folder / path.name)
            long = Path(tmp) / f"long.{fmt}"
            write(docgen.markdown_blocks(responses[0].read_text(encoding="utf-8")) * 10, long)
            each = statistics.median(timed(folder / path.name, args.repeat) for path in responses)
            print(f"{fmt}: {len(responses)} responses, load {each * 1000:.0f} ms each (median); "
                  f"10x {responses[0].name}: {timed(long, args.repeat) * 1000:.0f} ms")
            score = subprocess.run([str(args.dev.parent / "score"), "--docs", str(folder), "--gold",
                                    str(args.dev / "gold"), "--quiet"], capture_output=True, text=True, check=True)
            print(f"{fmt}: {score.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
