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
Typst, NumPy), ``mobjects-v<SCHEMA>-<tag>/``, so stale entries are never read;
each is the pickled mobject in ``<key>.pickle`` (the kit's keys are SHA-256
hex digests; any other key is hashed to one), written atomically
(:mod:`production.files`), so parallel renders never read half a file.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_bytes_atomically

if TYPE_CHECKING:
    from manim import Mobject

__all__ = [
    "CACHE_ENV",
    "OFF",
    "SCHEMA",
    "DiskShapeStore",
    "cache_root",
    "install_shape_store",
    "shape_folder",
]

#: The environment variable naming the store's folder, or turning it off.
CACHE_ENV = "ATTENTION_VIDEO_CACHE"
#: Values of :data:`CACHE_ENV` that turn the store off (any case).
OFF = ("off", "0", "false", "no")
#: Bump when what a stored mobject holds changes (the kit drops more from it, say).
SCHEMA = 1
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
    return hashlib.sha256(" ".join(versions).encode()).hexdigest()[:12]


def cache_root(environ: os._Environ[str] | dict[str, str] | None = None) -> Path | None:
    """The project's cache folder (shapes, synthesised speech), or None when caching is off."""
    environ = os.environ if environ is None else environ
    setting = environ.get(CACHE_ENV, "")
    if setting.lower() in OFF:
        return None
    return (
        Path(setting)
        if setting
        else Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "attention-video"
    )


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
        return self.folder / f"{name}.pickle"

    def load(self, key: str) -> Mobject | None:
        """The mobject saved under ``key``, or None."""
        from manim import Mobject

        path = self._path(key)
        if path is None:
            return None
        try:
            mob = pickle.loads(path.read_bytes())
        except Exception:  # missing, from an older crash, or from elsewhere: build it again
            return None
        return mob if isinstance(mob, Mobject) else None

    def save(self, key: str, mob: Mobject) -> None:
        """Keep ``mob`` under ``key`` (replacing what was there)."""
        path = self._path(key)
        if path is None:
            return
        try:
            write_bytes_atomically(path, pickle.dumps(mob, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # a read-only or full disk, or a shape pickle refuses: only costs speed
            pass


def install_shape_store() -> DiskShapeStore:
    """Give the drawing kit the store the environment asks for (``use_shape_store``), and return it."""
    from scenes.kit.widgets import use_shape_store  # imports Manim: only when a scene is built

    store = DiskShapeStore.from_environment()
    use_shape_store(store)
    return store
