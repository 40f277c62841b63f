"""The reference files under ontology/ are unchanged copies of the project's shared reference folder."""
import filecmp

import pytest

from conftest import ROOT, SHARED
from wsisgraph.schemes import load_vocabulary

COPIES = [(f"reference/{p.name}", f"reference/{p.name}") for p in (ROOT / "ontology" / "reference").glob("*")] + [
    (f"reference/un-sdg-kos/{p.name}", f"un-sdg-kos/{p.name}") for p in (ROOT / "ontology" / "un-sdg-kos").glob("*")]


@pytest.mark.skipif(not (SHARED / "reference").is_dir(), reason="../shared/reference is not beside this checkout")
@pytest.mark.parametrize("shared,ours", COPIES)
def test_vendored_copy_is_unchanged(shared, ours):
    assert filecmp.cmp(SHARED / shared, ROOT / "ontology" / ours, shallow=False)


def test_seeds_are_unchanged_copies():
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for path in (SHARED / "seeds").iterdir():
        assert filecmp.cmp(path, ROOT / "seeds" / path.name, shallow=False)


def test_vocabulary_sizes():
    v = load_vocabulary()
    count = lambda scheme: len(v.in_scheme(scheme))  # noqa: E731
    assert count("actionline") == 19  # C1..C11 and C7.1..C7.8
    goals = [c for c in v.in_scheme("sdg") if c.properties["level"] == "goal"]
    targets = [c for c in v.in_scheme("sdg") if c.properties["level"] == "target"]
    assert len(goals) == 17 and len(targets) == 169
    assert v.get("sdg", "4").iri == "http://metadata.un.org/sdg/4"
    assert {"en", "fr", "es"} <= set(v.get("sdg", "4").labels)
    assert v.get("actionline", "C7.4").broader == v.get("actionline", "C7").iri
    assert count("country") == 249 and v.get("country", "CI").properties["authority"].endswith("/country/CIV")
    assert count("stakeholdertype") == 7 and count("organization") == 42
