"""Child processes end with their parent, however the parent ends (even `kill -9`).

A worker pool's processes and the servers wsisgraph starts would otherwise outlive a killed parent: a pool worker
waits forever on a queue it holds both ends of, a server serves on. Linux sends a child a signal when its parent
dies if the child asked for it (prctl PR_SET_PDEATHSIG, kept across exec); the request only counts from the moment
it is made, so the child then checks that its parent is still the process that started it. Elsewhere a thread of
the child watches for the parent's end instead (for a pool's workers; a program started with `with_parent` is
watched on Linux only).

    ProcessPoolExecutor(n, mp_context=..., **pool_options())   # every worker dies with this process
    subprocess.Popen(with_parent(command))                     # a program (the Oxigraph server) does too

PR_SET_PDEATHSIG fires when the *thread* that started the child ends, so start children from a thread that lives
as long as they should (the main thread, or an event loop's thread).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def _ask_linux() -> bool:
    """Ask the kernel for SIGKILL when the parent ends; False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent(parent: int | None = None) -> None:
    """In a child: end (SIGKILL, or exit 1) when the parent process `parent` ends; end now if it already has."""
    asked = _ask_linux()
    if parent is None:
        return
    if os.getppid() != parent:  # the parent died before the request was made: no signal will come
        os._exit(1)
    if not asked:
        threading.Thread(target=_watch, args=(parent,), daemon=True, name="wsisgraph-parent-watch").start()


def pool_options() -> dict:
    """`initializer` and `initargs` for a ProcessPoolExecutor (or multiprocessing.Pool) whose workers must end with
    this process."""
    return {"initializer": die_with_parent, "initargs": (os.getpid(),)}


def with_parent(command: list[str]) -> list[str]:
    """`command` run so that it ends with this process: a short Python start that makes the request and checks
    the parent, then execs the program (the request survives exec)."""
    return [sys.executable, "-m", "wsisgraph.processes", str(os.getpid()), *command]


def _main(argv: list[str]) -> None:
    parent, program = int(argv[0]), argv[1]
    die_with_parent(parent)
    os.execv(program, argv[1:])


if __name__ == "__main__":
    _main(sys.argv[1:])
