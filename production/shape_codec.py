"""A stored shape's format: plain data and arrays, never code.

A built Text or formula is a small graph of Manim objects: mobjects (each with
its points and colours as NumPy arrays), colours, enum members, lists and
dicts of those. :func:`encode` writes that graph as JSON (the structure) plus
numeric arrays, and :func:`decode` builds it back. Unlike ``pickle``, reading
runs no code from the file:

- an object's class is looked up by name among classes *already imported* and
  allowed: :class:`manim.Mobject` subclasses from ``manim`` or ``scenes``,
  Manim's enums and ``ManimColor``; nothing is imported, no constructor,
  ``__setstate__`` or ``__reduce__`` runs: the object is made with
  ``object.__new__`` and its attributes are set from plain values;
- arrays are read with ``allow_pickle=False`` and must be numeric;
- anything else in the file (an unknown class or tag, a malformed value) makes
  the entry unreadable (:class:`ShapeFormatError`), and the kit builds the
  shape again.
"""

from __future__ import annotations

import enum
import io
import json
import math
import sys
from pathlib import PurePosixPath
from typing import Any

import numpy as np

__all__ = ["FORMAT", "ShapeFormatError", "decode", "encode"]

#: Written in every entry; an entry of another format is not read.
FORMAT = "attention-video shape 1"
_ALLOWED_MODULES = ("manim.", "scenes.")
#: Arrays of at most this many numbers are written inline in the description.
_INLINE = 16


class ShapeFormatError(ValueError):
    """An entry that is not a shape of this format (or holds something not allowed)."""


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _allowed_class(name: str, base: type) -> type:
    """The already-imported class ``module:Qualname``, if it is a ``base`` from an allowed module."""
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(_ALLOWED_MODULES) or not qualname:
        raise ShapeFormatError(f"class {name!r} is not from Manim or the scenes")
    module = sys.modules.get(module_name)  # never imported here
    found: Any = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if not isinstance(found, type) or not issubclass(found, base):
        raise ShapeFormatError(f"class {name!r} is not an allowed {base.__name__}")
    return found


class _Encoder:
    def __init__(self) -> None:
        from manim import ManimColor, Mobject

        self.mobject, self.colour = Mobject, ManimColor
        self.objects: list[dict[str, Any]] = []
        self.seen: dict[int, int] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.floats: list[np.ndarray] = []

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, enum.Enum):
            return {"e": [_class_name(type(value)), value.name]}
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"x": repr(value)}
        if isinstance(value, np.generic):
            return {"n": self.array(np.asarray(value))}
        if isinstance(value, np.ndarray):
            return {"a": self.array(value)}
        if isinstance(value, self.colour):
            return {"c": self.array(np.asarray(value.to_rgba(), dtype=np.float64))}
        if isinstance(value, PurePosixPath):
            return {"p": str(value)}
        if isinstance(value, list):
            return {"l": [self.value(item) for item in value]}
        if isinstance(value, tuple):
            return {"t": [self.value(item) for item in value]}
        if isinstance(value, dict):
            return {"d": [[self.value(k), self.value(v)] for k, v in value.items()]}
        if isinstance(value, self.mobject):
            return {"o": self.obj(value)}
        raise ShapeFormatError(f"cannot store a {type(value).__name__}")

    def array(self, array: np.ndarray) -> Any:
        """A small array inline (dtype, shape, values: JSON keeps floats exactly); a large one by offset."""
        if array.dtype.kind not in "biuf":
            raise ShapeFormatError(f"cannot store an array of {array.dtype}")
        if array.size <= _INLINE:
            return [array.dtype.str, list(array.shape), array.ravel().tolist()]
        if array.dtype == np.float64:
            # Every large float array (points, mostly) goes into one: fewer, larger members read faster.
            start = sum(part.size for part in self.floats)
            self.floats.append(np.ascontiguousarray(array).ravel())
            return ["<f8", list(array.shape), start]
        name = f"a{len(self.arrays)}"
        self.arrays[name] = np.ascontiguousarray(array)
        return name

    def obj(self, mob: Any) -> int:
        known = self.seen.get(id(mob))
        if known is not None:
            return known
        _allowed_class(_class_name(type(mob)), self.mobject)  # refuse now what could not be read
        index = self.seen[id(mob)] = len(self.objects)
        entry: dict[str, Any] = {"class": _class_name(type(mob))}
        self.objects.append(entry)
        entry["state"] = [[name, self.value(v)] for name, v in vars(mob).items()]
        return index


def encode(key: str, mob: Any) -> bytes:
    """``mob`` stored under ``key``, as the bytes of an ``.npz`` file.

    Raises :class:`ShapeFormatError` when the mobject holds something this
    format does not store (the caller then keeps nothing: it only costs speed).
    """
    encoder = _Encoder()
    root = encoder.obj(mob)
    meta = json.dumps({"format": FORMAT, "key": key, "root": root, "objects": encoder.objects})
    buffer = io.BytesIO()
    floats = np.concatenate(encoder.floats) if encoder.floats else np.zeros(0)
    arrays: dict[str, Any] = {
        "meta": np.frombuffer(meta.encode("utf-8"), dtype=np.uint8),
        "floats": floats,
        **encoder.arrays,
    }
    np.savez(buffer, **arrays)
    return buffer.getvalue()


class _Decoder:
    def __init__(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        from manim import ManimColor, Mobject

        self.mobject, self.colour = Mobject, ManimColor
        self.entries = meta["objects"]
        self.arrays = arrays
        self.made: dict[int, Any] = {}

    def array(self, ref: Any) -> np.ndarray:
        if isinstance(ref, list) and len(ref) == 3:
            dtype, shape, body = ref
            if not isinstance(dtype, str) or np.dtype(dtype).kind not in "biuf":
                raise ShapeFormatError(f"not a numeric dtype: {dtype!r:.20}")
            if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
                raise ShapeFormatError("malformed shape")
            size = int(np.prod(shape)) if shape else 1
            if isinstance(body, list):
                if len(body) != size or not all(isinstance(x, int | float) for x in body):
                    raise ShapeFormatError("malformed inline array")
                return np.array(body, dtype=np.dtype(dtype)).reshape(shape)
            floats = self.arrays["floats"]
            if not isinstance(body, int) or not 0 <= body <= floats.size - size:
                raise ShapeFormatError("an array out of range")
            return floats[body : body + size].reshape(shape).copy()
        array = self.arrays.get(ref) if isinstance(ref, str) else None
        if array is None:
            raise ShapeFormatError(f"no array {ref!r:.20}")
        return array.copy()

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if not isinstance(value, dict) or len(value) != 1:
            raise ShapeFormatError(f"malformed value {value!r:.60}")
        ((tag, body),) = value.items()
        if tag == "a":
            return self.array(body)
        if tag == "n":
            return self.array(body)[()]
        if tag == "x":
            if body not in ("nan", "inf", "-inf"):
                raise ShapeFormatError(f"malformed float {body!r:.20}")
            return float(body)
        if tag == "c":
            rgba = self.array(body)
            if rgba.shape != (4,):
                raise ShapeFormatError("a colour is four numbers")
            return self.colour(rgba[:3], alpha=float(rgba[3]))
        if tag == "e":
            members: Any = _allowed_class(str(body[0]), enum.Enum)
            return members[str(body[1])]
        if tag == "p":
            from pathlib import Path

            return Path(str(body))
        if tag == "l":
            return [self.value(item) for item in body]
        if tag == "t":
            return tuple(self.value(item) for item in body)
        if tag == "d":
            return {self.value(k): self.value(v) for k, v in body}
        if tag == "o":
            return self.obj(body)
        raise ShapeFormatError(f"unknown tag {tag!r:.20}")

    def obj(self, index: Any) -> Any:
        if not isinstance(index, int) or not 0 <= index < len(self.entries):
            raise ShapeFormatError(f"no object {index!r:.20}")
        if index in self.made:
            return self.made[index]
        entry = self.entries[index]
        cls = _allowed_class(str(entry["class"]), self.mobject)
        mob: Any = object.__new__(cls)
        self.made[index] = mob
        state = {str(name): self.value(value) for name, value in entry["state"]}
        vars(mob).update(state)
        return mob


def decode(key: str, data: bytes) -> Any:
    """The mobject :func:`encode` stored under ``key``.

    Raises :class:`ShapeFormatError` for anything else: another key or format,
    a class not allowed, an array that is not numeric, a malformed value.
    """
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as error:  # not an npz, or one holding pickled objects
        raise ShapeFormatError(f"not a shape file ({error.__class__.__name__})") from None
    meta_bytes = arrays.pop("meta", None)
    if meta_bytes is None or meta_bytes.dtype != np.uint8:
        raise ShapeFormatError("no description")
    if "floats" not in arrays or arrays["floats"].dtype != np.float64 or arrays["floats"].ndim != 1:
        raise ShapeFormatError("no numbers")
    if any(array.dtype.kind not in "biuf" for array in arrays.values()):
        raise ShapeFormatError("an array that is not numbers")
    try:
        meta = json.loads(meta_bytes.tobytes().decode("utf-8"))
    except ValueError:
        raise ShapeFormatError("a description that is not JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ShapeFormatError("another format")
    if meta.get("key") != key:
        raise ShapeFormatError("stored under another key")
    try:
        mob = _Decoder(meta, arrays).obj(meta.get("root"))
    except (KeyError, TypeError, IndexError, AttributeError) as error:
        raise ShapeFormatError(f"malformed ({error.__class__.__name__})") from None
    from manim import Mobject

    if not isinstance(mob, Mobject):
        raise ShapeFormatError("not a mobject")
    return mob
