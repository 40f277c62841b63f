"""A build killed with SIGKILL at any moment leaves the previous store readable and unchanged, and no process of
its own running."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from wsisgraph.cli import cli

from servers import descendants, gone_within


def snapshot(store):
    result = CliRunner().invoke(cli, ["export", "--store", str(store), "--format", "nq", "--out", "-"], obj={})
    assert result.exit_code == 0, result.output
    return sorted(result.stdout.splitlines())


def build_cmd(docs, store, *extra):
    return [sys.executable, "-m", "wsisgraph", "build", str(docs), "--store", str(store), "--quiet", *extra]


@pytest.fixture(scope="module")
def big_build(tmp_path_factory, seed_dir):
    """A corpus of distinct responses, and how long a whole build of it takes here (the kills are timed by it)."""
    folder = tmp_path_factory.mktemp("corpus")
    template = (seed_dir / "002_0a617c45d6870c06.txt").read_text(encoding="utf-8")
    for i in range(300):
        (folder / f"r{i:04}.md").write_text(template.replace("Ocgrow Group", f"Ocgrow Group {i}"), encoding="utf-8")
    full = tmp_path_factory.mktemp("full") / "store"
    started = time.perf_counter()
    done = subprocess.run(build_cmd(folder, full, "--no-validate"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return folder, time.perf_counter() - started, snapshot(full)


@pytest.mark.parametrize("fraction", [0.05, 0.25, 0.5, 0.75, 0.95])
def test_sigkill_mid_build_keeps_previous_store(tmp_path, built_store, big_build, fraction):
    docs, seconds, complete = big_build
    store = tmp_path / "store"
    shutil.copytree(built_store, store, symlinks=True)
    before = snapshot(store)
    proc = subprocess.Popen(build_cmd(docs, store, "--no-validate"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(seconds * fraction)
    started = descendants(proc.pid)  # its extraction or validation workers, if it has any at this moment
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not gone_within(started), "a worker process outlived the killed build"
    # the old graph, or (if the build switched before the kill landed) the complete new one: never a mix
    after = snapshot(store)
    assert after == before or after == complete


def test_store_is_usable_after_a_killed_build(tmp_path, built_store, seed_dir, big_build):
    docs, seconds, _ = big_build
    store = tmp_path / "store"
    shutil.copytree(built_store, store, symlinks=True)
    proc = subprocess.Popen(build_cmd(docs, store, "--no-validate"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(seconds / 2)
    started = descendants(proc.pid)
    proc.kill()
    proc.wait()
    assert not gone_within(started), "a worker process outlived the killed build"
    # the lock died with the process; the next build succeeds and clears the killed build's generation
    done = subprocess.run(build_cmd(seed_dir, store), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(list(store.glob("gen-*"))) == 1
    assert snapshot(store) == snapshot(built_store)
