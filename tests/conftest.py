"""Shared fixtures: the real seeds, a store built from them once per session, and our own small documents."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def fixture_docs() -> Path:
    return FIXTURES / "docs"


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """A store built from the seeds through the library, shared by read-only tests."""
    from wsisgraph.store import build

    path = tmp_path_factory.mktemp("seedstore") / "store"
    build([SEEDS], path)
    return path


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory) -> Path:
    """A store built from tests/fixtures/docs (every layout variant and distractor)."""
    from wsisgraph.store import build

    path = tmp_path_factory.mktemp("fixturestore") / "store"
    build([FIXTURES / "docs"], path)
    return path


@pytest.fixture(scope="session")
def no_matrix_store(tmp_path_factory) -> Path:
    """The seeds built with an empty WSIS-SDG Matrix (its header only), for what is said when none is loaded."""
    from wsisgraph.store import build

    folder = tmp_path_factory.mktemp("nomatrix")
    empty = folder / "empty-matrix.csv"
    empty.write_text("action_line,sdg,targets,source\n", encoding="utf-8")
    build([SEEDS], folder / "store", matrix=empty, validate=False)
    return folder / "store"
