"""Files written whole or not at all, and file checksums computed once.

One home for the two things every part of brainweave does with files: replace a
file atomically (the app, sweeps and ``index status`` read records while other
processes write them) and know a file's sha256 without reading it again when it
has not changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the filesystem allows it)."""
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` whole: a reader sees the old file or the new one,
    never a part. The data is fsynced before the rename and the rename after it."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide results from colleagues
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class FileHashes:
    """sha256 of files, each computed once and computed again only when the file's
    size or modification time changes (an index's files are checked on every
    ``status``; at full corpus size hashing them costs about 0.14 s each time)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def sha256(self, path: Path) -> str:
        st = path.stat()
        key = str(path.resolve())
        with self._lock:
            hit = self._known.get(key)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        digest = sha256_file(path)
        with self._lock:
            self._known[key] = (st.st_size, st.st_mtime_ns, digest)
        return digest
