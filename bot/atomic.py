"""Atomic writes: a file or a folder appears complete, or not at all. The one way the project writes to disk.

Every temporary path is a hidden sibling of its target, named `.<target>.tmp-<random>` (work in
progress) or `.<target>.old-<random>` (a folder being replaced), and its owner holds an exclusive
`flock` on it for as long as it exists. A process killed mid-write (even by SIGKILL) leaves the
path behind but loses the lock, so `sweep_leftovers` can tell a leftover from another process's
write still under way, and remove only the former.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows: no flock; sweeping then relies on age alone
    fcntl = None  # type: ignore[assignment]  # no fcntl on Windows: writes go unlocked there

log = logging.getLogger(__name__)

TMP_MARK, OLD_MARK = ".tmp-", ".old-"
LEFTOVER_MIN_AGE = 60.0  # seconds; a path younger than this may be between its creation and its lock
UNLOCKED_LEFTOVER_AGE = 24 * 3600.0  # without flock (Windows), only paths untouched this long are swept
_LEFTOVER_RE = re.compile(r"^\.(?P<target>.+)\.(?:tmp|old)-[A-Za-z0-9_]+$")


def _make_parent(path: Path) -> None:
    """Create `path`'s folder; a file where a folder should be is named plainly (not "File exists")."""
    for ancestor in (path.parent, *path.parent.parents):
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "a file is in the way of a folder", str(ancestor))
            break
    path.parent.mkdir(parents=True, exist_ok=True)


def temp_name(target: Path, mark: str = TMP_MARK) -> Path:
    """A fresh hidden sibling of `target` (`.<name>.tmp-<hex>`), not yet created."""
    return target.with_name(f".{target.name}{mark}{uuid.uuid4().hex[:12]}")


@contextlib.contextmanager
def _held(path: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on `path` (a file or a folder) while the block runs.

    Without `wait`, a lock held elsewhere raises BlockingIOError. With `wait`, a path that cannot
    be opened for locking is used unlocked (the lock only protects it from `sweep_leftovers`).
    """
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if not wait:
            raise
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def atomic_file(
    path: Path, mode: str = "wb", *, encoding: str | None = None, fsync: bool = True, permissions: int = 0o644,
    exclusive: bool = False,
) -> Iterator[IO[Any]]:
    """Open a temp file beside `path` for writing; when the block succeeds it replaces `path` atomically.

    On any error (or a kill) `path` keeps its previous content and the temp file is removed
    (or, after a kill, left for `sweep_leftovers`). `exclusive`: create `path` only if it does not
    exist (FileExistsError otherwise, e.g. when another process created it first), never replace it.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_file writes whole files: mode 'w' or 'wb', not {mode!r}")
    path = Path(path)
    _make_parent(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}{TMP_MARK}", dir=path.parent)
    tmp = Path(name)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with os.fdopen(os.dup(fd), mode, encoding=encoding if "b" not in mode else None) as handle:
            yield handle
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.chmod(tmp, permissions)  # mkstemp makes 0600; an index or state file is not secret
        if exclusive:
            os.link(tmp, path)  # fails if `path` exists: the first writer wins, whole
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_file(path, "wb") as handle:
        handle.write(data)


def write_text(path: Path, text: str) -> None:
    with atomic_file(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_json(path: Path, data: object, *, indent: int | None = 2) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=indent) + "\n")


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty, locked temp folder beside `target`; when the block succeeds it becomes `target`.

    Readers see the old folder or the complete new one, never a mix: the new one is renamed into
    place; an existing `target` is first renamed aside (a non-empty folder cannot be replaced), then
    deleted. On failure `target` is left as it was and the temp folder is removed.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "a file is in the way of a folder", str(target))
    _make_parent(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{TMP_MARK}", dir=target.parent))
    try:
        with _held(staging, wait=True):
            staging.chmod(0o755)  # mkdtemp makes 0700
            yield staging
            replace_directory(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def replace_directory(new: Path, target: Path) -> None:
    """Rename folder `new` to `target`, swapping an existing `target` out first (and deleting it)."""
    if not target.exists():
        os.replace(new, target)
        return
    aside = temp_name(target, OLD_MARK)
    with _held(target, wait=True):  # the lock moves with the folder: the sweeper leaves `aside` alone meanwhile
        os.replace(target, aside)  # fails cleanly (nothing left behind) when `target` cannot be moved
        try:
            os.replace(new, target)
        except BaseException:
            os.replace(aside, target)
            raise
        remove_tree(aside)


def remove_tree(path: Path) -> bool:
    """Delete a folder we own, read-only sub-folders included (an operator may have chmod-ed them).

    Only folders inside `path` (and `path` itself) are made writable, never its parent. Failures
    are logged; the result says whether the folder is gone.
    """
    root = os.path.abspath(path)

    def make_writable_and_retry(func: Any, name: str, exc: BaseException) -> None:
        parent = os.path.dirname(os.path.abspath(name))
        if not (parent == root or parent.startswith(root + os.sep)):
            raise exc
        os.chmod(parent, os.stat(parent).st_mode | 0o700)
        func(name)

    try:
        if _HAS_ONEXC:
            shutil.rmtree(path, onexc=make_writable_and_retry)  # type: ignore[call-arg]  # 3.12+, checked above
        else:
            shutil.rmtree(path, onerror=lambda func, name, info: make_writable_and_retry(func, name, info[1]))
    except OSError as exc:
        log.warning("could not remove %s (%s)", path, exc.strerror or exc)
    return not os.path.lexists(path)


_HAS_ONEXC = sys.version_info >= (3, 12)


def sweep_leftovers(directory: Path, target: str | None = None, *, min_age: float | None = None) -> list[Path]:
    """Remove temp and set-aside paths in `directory` that no live write owns; return what was removed.

    Only names of our own pattern (`.<target>.tmp-*`, `.<target>.old-*`; with `target` given, only
    for that name) are considered, only if untouched for `min_age` seconds, and only if no process
    holds their lock (default age: `LEFTOVER_MIN_AGE`). Failures to remove are logged, never raised.
    """
    removed: list[Path] = []
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return removed
    now = time.time()
    if min_age is None:
        min_age = LEFTOVER_MIN_AGE
    for path in entries:
        match = _LEFTOVER_RE.match(path.name)
        if match is None or (target is not None and match["target"] != target):
            continue
        try:
            info = path.lstat()
            age = now - max(info.st_mtime, info.st_ctime)
            if path.is_symlink() or age < (min_age if fcntl is not None else max(min_age, UNLOCKED_LEFTOVER_AGE)):
                continue
            with _held(path):
                if path.is_dir():
                    if not remove_tree(path):
                        continue
                else:
                    path.unlink()
        except BlockingIOError:
            continue  # a write still under way in another process
        except OSError as exc:
            log.warning("could not remove the leftover %s (%s)", path, exc.strerror or exc)
            continue
        removed.append(path)
    if removed:
        log.info("removed %d leftover(s) of interrupted writes in %s", len(removed), directory)
    return removed
