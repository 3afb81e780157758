"""Built text and formula shapes, kept on disk between renders.

Building a ``Text`` (Pango, then SVG parsing) or a Typst formula costs far more
than reading the finished mobject back, and every render draws the same
numbers, tokens and labels. The drawing kit asks a store for a shape by key
before building it (``scenes.kit.widgets.use_shape_store``); :class:`DiskShapeStore`
is that store, on disk, installed by the runner before it builds a scene.

Where: ``$ATTENTION_VIDEO_CACHE`` names the folder (``off``, ``0``, ``false``
or ``no`` turn the store off); by default ``$XDG_CACHE_HOME/attention-video``
(``~/.cache/attention-video``). Entries go in a subfolder per version of
everything that shapes an outline (Manim, Pango's binding, the SVG parser,
Typst, NumPy, and the kit's own code, ``scenes/kit/*.py``),
``mobjects-v<SCHEMA>-<tag>/``, so stale entries are never read; each is
``<key>.npz`` (the kit's keys are SHA-256 hex digests; any other key is hashed
to one), written atomically (:mod:`production.files`), so parallel
renders never read half a file.

Safe to read: an entry holds plain data and numeric arrays
(:mod:`production.shape_codec`), never code, and is checked (its key, its
classes, its arrays) before it reaches a scene. The cache folder is made
private (0700); a folder owned by another user, or that others may write to,
is not used (:func:`cache_root` refuses it, with a warning), so nobody else can
plant a shape or a sound in it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_bytes_atomically
from .shape_codec import ShapeFormatError, decode, encode

if TYPE_CHECKING:
    from manim import Mobject

__all__ = [
    "CACHE_ENV",
    "OFF",
    "SCHEMA",
    "DiskShapeStore",
    "cache_root",
    "install_shape_store",
    "private_folder_problem",
    "shape_folder",
]

#: The environment variable naming the store's folder, or turning it off.
CACHE_ENV = "ATTENTION_VIDEO_CACHE"
#: Values of :data:`CACHE_ENV` that turn the store off (any case).
OFF = ("off", "0", "false", "no")
#: Bump when what a stored mobject holds changes (the kit drops more from it, say).
SCHEMA = 2
_VERSIONED = ("manim", "manimpango", "svgelements", "typst", "numpy")
_FILE_KEY = re.compile(r"[0-9a-f]{64}")


@lru_cache(maxsize=1)
def _versions_tag() -> str:
    versions = []
    for package in _VERSIONED:
        try:
            versions.append(f"{package}-{metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}-none")
    # The kit's code that builds the shapes (how a word is handed to Pango, for one):
    # a change there must not read shapes the old code built.
    kit = Path(__file__).resolve().parent.parent / "scenes" / "kit"
    builders = b"".join(path.read_bytes() for path in sorted(kit.glob("*.py")))
    versions.append(hashlib.sha256(builders).hexdigest())
    return hashlib.sha256(" ".join(versions).encode()).hexdigest()[:12]


def cache_root(environ: os._Environ[str] | dict[str, str] | None = None) -> Path | None:
    """The project's cache folder (shapes, synthesised speech), or None when caching is off.

    Made private (0700) if missing. A folder owned by another user, or that
    group or others may write to, is refused (None, with one warning line):
    whoever can write there could change what a video shows or says.
    """
    environ = os.environ if environ is None else environ
    setting = environ.get(CACHE_ENV, "")
    if setting.lower() in OFF:
        return None
    folder = (
        Path(setting)
        if setting
        else Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "attention-video"
    )
    problem = private_folder_problem(folder)
    if problem:
        _warn_once(f"warning: not using the cache folder {folder}: {problem}")
        return None
    return folder


def private_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` is not safe to cache in (None when it is; it is made, mode 0700, if missing)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = folder.lstat()
    except OSError as error:
        return f"cannot use it ({error.strerror or error.__class__.__name__})"
    if not stat.S_ISDIR(status.st_mode):
        return "it is not a folder"
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return "it belongs to another user"
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"others may write to it (mode {stat.S_IMODE(status.st_mode):o}); chmod 700 it"
    return None


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        print(message, file=sys.stderr)


def shape_folder(environ: os._Environ[str] | dict[str, str] | None = None) -> Path | None:
    """The folder shapes are kept in (per the environment), or None when the store is off."""
    base = cache_root(environ)
    return None if base is None else base / f"mobjects-v{SCHEMA}-{_versions_tag()}"


class DiskShapeStore:
    """Mobjects on disk by key, in ``folder``; with ``folder`` None it keeps nothing.

    Pickling keeps every array bit for bit, so a stored mobject draws exactly
    like a newly built one. Nothing here raises: an unreadable entry is a miss
    (the kit builds the shape again) and a read-only or full disk only costs speed.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def from_environment(cls) -> DiskShapeStore:
        """The store :data:`CACHE_ENV` asks for."""
        return cls(shape_folder())

    def _path(self, key: str) -> Path | None:
        if self.folder is None:
            return None
        name = key if _FILE_KEY.fullmatch(key) else hashlib.sha256(key.encode()).hexdigest()
        return self.folder / f"{name}.npz"

    def load(self, key: str) -> Mobject | None:
        """The mobject saved under ``key``, or None (missing, unreadable or not a valid shape)."""
        path = self._path(key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            mob: Mobject = decode(key, data)
        except ShapeFormatError:  # from an older version, damaged, or not ours: build it again
            return None
        return mob

    def save(self, key: str, mob: Mobject) -> None:
        """Keep ``mob`` under ``key`` (replacing what was there)."""
        path = self._path(key)
        if path is None:
            return
        try:
            write_bytes_atomically(path, encode(key, mob), mode=0o600)
        except (OSError, ShapeFormatError):  # a read-only or full disk, or a shape we cannot store
            pass


def install_shape_store() -> DiskShapeStore:
    """Give the drawing kit the store the environment asks for (``use_shape_store``), and return it."""
    from scenes.kit.widgets import use_shape_store  # imports Manim: only when a scene is built

    store = DiskShapeStore.from_environment()
    use_shape_store(store)
    return store
