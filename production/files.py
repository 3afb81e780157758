"""Writing files so that no reader ever sees half of one.

Two ways, used by every writer in :mod:`production`:

* :func:`write_text_atomically` / :func:`write_bytes_atomically` write a small
  file (a cache record, the lesson page, a cached shape) to a temporary file
  beside it and rename it over the old one: a reader, in this process or
  another, sees the old file or the new one, never a mix, and a crash leaves
  no temporary file behind.
* :func:`publish` moves a file or folder finished in a private work folder
  (a render's video, poster, clips) to its final name in one step. Files
  written inside a private work folder need no atomic write of their own:
  nobody looks there, and they appear under their final names only whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["FILE_MODE", "publish", "write_bytes_atomically", "write_text_atomically"]

#: Permissions of a written file: readable by all, like a file a program writes with ``open``.
FILE_MODE = 0o644


def write_bytes_atomically(path: Path, data: bytes, *, durable: bool = False, mode: int = FILE_MODE) -> Path:
    """Write ``data`` to ``path``: readers see the old file or the new one, never a part.

    The folder is made if missing. ``durable`` also flushes the file to disk
    before the rename, so a power cut leaves the old file or the new one (not
    an empty one). Returns ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            if durable:
                file.flush()
                os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: Path, text: str, *, durable: bool = False, mode: int = FILE_MODE) -> Path:
    """Write ``text`` (UTF-8) to ``path`` like :func:`write_bytes_atomically`."""
    return write_bytes_atomically(path, text.encode("utf-8"), durable=durable, mode=mode)


def publish(source: Path, target: Path) -> Path:
    """Move the finished file or folder ``source`` to ``target``, replacing what is there.

    ``source`` and ``target`` must be on one file system (a work folder beside
    the target). A file replaces a file in one step. A folder cannot replace a
    folder in one step: the old one is renamed aside (``.<name>.old-<pid>``,
    which a later render removes if this one is killed in between) and removed.
    Returns ``target``.
    """
    if source.is_dir() and target.is_dir():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(source, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(source, target)
    return target
