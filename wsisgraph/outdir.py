"""Output folders that are replaced whole: the linked-data site (`publish`) and the analyst report (`report`).

A run writes into a hidden folder beside the target, `.NAME.tmp-PID-XXXX`, and swaps it in only when complete,
so a failed or killed run leaves the previous folder as it was. The swap renames the old folder to
`.NAME.old-PID` and the new one into place, then deletes the old. A run killed with SIGKILL leaves its hidden
folders behind; the next run of the same command removes those whose process is gone (and, if the kill landed
between the two renames, first puts the previous folder back). A target that is a symbolic link stays one: the
folder it points to is replaced.

A target is replaced only if it is missing, empty, or holds what the same command wrote before (its marker
file), so no other folder is ever deleted.
"""
from __future__ import annotations

import errno
import glob
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .errors import ExportError

#: `tmp-PID-XXXX` and `old-PID` of this module; `tmp-XXXXXXXX` of publish before it (no process id: stale)
_LEFTOVER = re.compile(r"(?:tmp|old)-(?P<pid>\d+)(?:-[a-z0-9_]+)?|tmp-[a-z0-9_]{8}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process runs one replacement at a time: its own leftovers are stale
    try:
        os.kill(pid, 0)
    except OSError as err:
        return err.errno == errno.EPERM  # exists, owned by someone else
    return True


def leftovers(real: Path) -> list[Path]:
    """The hidden folders that earlier, killed runs left beside `real` (not those of runs still going)."""
    found = []
    prefix = f".{real.name}."
    for path in sorted(real.parent.glob(f"{glob.escape(prefix)}*")):
        match = _LEFTOVER.fullmatch(path.name[len(prefix):])
        if match and path.is_dir() and not path.is_symlink() \
                and not (match.group("pid") and _alive(int(match.group("pid")))):
            found.append(path)
    return found


def remove_leftovers(real: Path) -> list[Path]:
    """Remove what killed runs left beside `real`; if `real` itself is missing because a run was killed between
    the two renames of its swap, put the previous folder back first. Returns the folders removed."""
    stale = leftovers(real)
    olds = [p for p in stale if p.name[len(real.name) + 2:].startswith("old-")]
    if not os.path.lexists(real) and olds:
        newest = max(olds, key=lambda p: p.stat().st_mtime)
        os.rename(newest, real)
        stale.remove(newest)
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def resolve_target(target: Path) -> Path:
    """The folder to replace: `target`, or where it points when it is a symbolic link (the link is kept)."""
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


@contextmanager
def replacing(target: str | Path, *, marker: str, marker_text: str, ours: Callable[[Path], bool],
              what: str) -> Iterator[Path]:
    """Yield an empty hidden folder beside `target` to write into; when the block ends normally, write the
    marker file and swap the folder in place of `target`. On any error the hidden folder is removed and
    `target` is left as it was. `ours(folder)` says whether an existing, non-empty folder may be replaced;
    `what` names the contents in messages ("site", "report")."""
    target = Path(target)
    real = resolve_target(target)
    if real.exists() and not real.is_dir():
        raise ExportError(f"{target}: exists and is not a folder; give a folder path")
    parent = real.parent if str(real.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"{target}: folder {parent} does not exist; create it first")
    try:
        remove_leftovers(real)
    except OSError as err:
        raise ExportError(f"{target}: cannot clear what an earlier run left in {parent} "
                          f"({err.strerror or err})") from None
    if real.is_dir() and any(real.iterdir()) and not ((real / marker).is_file() or ours(real)):
        raise ExportError(f"{target}: folder is not empty and holds no wsisgraph {what}; "
                          "give a new or empty folder")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}.tmp-{os.getpid()}-", dir=parent))
    except OSError as err:
        raise ExportError(f"{target}: cannot write in {parent} ({err.strerror or err})") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700 folders; a web server must read a site
        yield tmp
        (tmp / marker).write_text(marker_text, encoding="utf-8")
        _swap(tmp, real)
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(err, OSError):
            raise ExportError(f"{target}: cannot write the {what} ({err.strerror or err})") from None
        raise


def _swap(new: Path, real: Path) -> None:
    """Put the finished folder in place of `real`; the old one, if any, is removed after the switch."""
    if not real.exists():
        os.rename(new, real)
        return
    if not any(real.iterdir()):
        real.rmdir()
        os.rename(new, real)
        return
    old = real.parent / f".{real.name}.old-{os.getpid()}"
    if old.exists():
        shutil.rmtree(old)
    os.rename(real, old)
    os.rename(new, real)
    shutil.rmtree(old, ignore_errors=True)
