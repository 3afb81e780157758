"""A faster ``Mobject.copy``: the same copy as Manim's, made without ``copy.deepcopy``'s general machinery.

Manim copies mobjects all the time: every ``Transform`` copies its mobject and
its target when it begins, every ``FadeIn`` and ``FadeOut`` its mobject, and the
kit copies a prototype for every word and number drawn. Manim's
``Mobject.__deepcopy__`` hands each of a mobject's forty-odd attributes to
``copy.deepcopy``, which costs about 70 µs per glyph; copies were about half of
a preview's time and of a dry build's.

:func:`copy_mobject` makes the same copy directly: a new instance of the same
class whose attributes are the originals' values, with NumPy arrays, lists,
dicts, sets and mobjects copied (through the same ``memo`` as ``copy.deepcopy``,
so shared references stay shared and cycles end) and values that cannot change
in place (numbers, strings, enums, functions, ``None``) shared, as
``copy.deepcopy`` itself shares them. Anything else goes to ``copy.deepcopy``.
Like Manim's, the copy notes the original's ``id`` in ``original_id``.

:func:`install` makes it ``Mobject.__deepcopy__`` (and so ``Mobject.copy``);
the kit installs it when it is imported. ``tests/drawing/test_copying.py``
checks, for every mobject of every topic's scene, that the copy equals Manim's
own copy attribute by attribute and shares nothing that can change.
"""

from __future__ import annotations

import copy
import enum
import types
from typing import Any

import numpy as np
from manim import Mobject

#: Types whose values never change in place: shared by a copy, as ``copy.deepcopy`` shares them.
_SHARED: frozenset[type] = frozenset(
    {
        int,
        float,
        bool,
        complex,
        str,
        bytes,
        type(None),
        type(Ellipsis),
        range,
        types.FunctionType,
        types.BuiltinFunctionType,
        types.LambdaType,
        type,
        np.float64,
        np.float32,
        np.int64,
        np.int32,
        np.bool_,
    }
)

_ARRAY = np.ndarray
#: NumPy kinds of arrays whose elements are plain numbers (not objects): bool, int, uint, float, complex.
_NUMERIC = frozenset("biufc")

#: Manim's own ``Mobject.__deepcopy__``, kept so that :func:`uninstall` (and the tests) can restore it.
MANIM_DEEPCOPY = Mobject.__deepcopy__


def _copy_value(value: Any, memo: dict[int, Any]) -> Any:
    """A deep copy of one value (see the module docstring for what is shared)."""
    kind = type(value)
    if kind in _SHARED:
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    if kind is _ARRAY and value.dtype.kind in _NUMERIC:
        result: Any = value.copy()
    elif kind is list:
        result = []
        memo[id(value)] = result
        result.extend([_copy_value(item, memo) for item in value])
        return result
    elif kind is dict:
        result = {}
        memo[id(value)] = result
        for key, item in value.items():
            result[_copy_value(key, memo)] = _copy_value(item, memo)
        return result
    elif isinstance(value, Mobject):
        return copy_mobject(value, memo)
    elif isinstance(value, enum.Enum):
        return value
    else:
        return copy.deepcopy(value, memo)
    memo[id(value)] = result
    return result


def copy_mobject(mobject: Mobject, memo: dict[int, Any] | None = None) -> Any:
    """A deep copy of ``mobject``, equal to the one Manim's ``Mobject.__deepcopy__`` makes.

    Values are held alive by ``mobject`` while it is copied, so (unlike
    ``copy.deepcopy``) nothing needs keeping alive for ``memo``'s ids to stay unique.
    """
    if memo is None:
        memo = {}
    found = memo.get(id(mobject))
    if found is not None:
        return found
    cls = type(mobject)
    result = cls.__new__(cls)
    memo[id(mobject)] = result
    attributes = mobject.__dict__.copy()
    for key, value in attributes.items():
        kind = type(value)
        if kind in _SHARED:
            continue
        if kind is _ARRAY and value.dtype.kind in _NUMERIC:
            found = memo.get(id(value))
            if found is None:
                found = memo[id(value)] = value.copy()
            attributes[key] = found
        else:
            attributes[key] = _copy_value(value, memo)
    attributes["original_id"] = str(id(mobject))
    result.__dict__ = attributes
    return result


def _deepcopy(self: Mobject, memo: dict[int, Any]) -> Any:
    return copy_mobject(self, memo)


def install() -> None:
    """Make :func:`copy_mobject` Manim's ``Mobject.__deepcopy__`` (and so ``Mobject.copy``)."""
    Mobject.__deepcopy__ = _deepcopy  # type: ignore[method-assign, assignment]  # the same copy, made faster


def uninstall() -> None:
    """Give Manim its own ``Mobject.__deepcopy__`` back."""
    Mobject.__deepcopy__ = MANIM_DEEPCOPY  # type: ignore[method-assign]
