"""The kit's faster ``Mobject.copy`` (scenes.kit.copying) makes the copy Manim's own makes.

For every mobject on screen at the end of every topic (words, numbers, formulas,
matrices, bars, arrows, groups), the copy is compared with the one Manim's own
``Mobject.__deepcopy__`` makes, attribute by attribute, at every depth; and
nothing that can change in place (arrays, lists, dicts, mobjects, colours) is
shared with the original, while what the original shares (the same array in
two places) stays shared in the copy.
"""

from __future__ import annotations

import copy
import enum
import types

import numpy as np
import pytest
from manim import Circle, Mobject, Square, VGroup

from scenes import TOPICS
from scenes.kit import copying

_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), range, types.FunctionType, type, enum.Enum)


def _manim_copy(mob: Mobject) -> Mobject:
    """The copy Manim 0.22's own ``Mobject.__deepcopy__`` makes."""
    copying.uninstall()
    try:
        return copy.deepcopy(mob)
    finally:
        copying.install()


def _same(ours: object, theirs: object, where: str, seen: set[tuple[int, int]]) -> None:
    """``ours`` and ``theirs`` (two copies of one value) are equal at every depth."""
    assert type(ours) is type(theirs), where
    if (id(ours), id(theirs)) in seen:
        return
    seen.add((id(ours), id(theirs)))
    if isinstance(ours, np.ndarray):
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), where  # type: ignore[union-attr]
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs), where  # type: ignore[arg-type]
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):  # type: ignore[call-overload]
            _same(a, b, f"{where}[{i}]", seen)
    elif isinstance(ours, dict):
        assert list(ours) == list(theirs), where  # type: ignore[call-overload]
        for key in ours:
            _same(ours[key], theirs[key], f"{where}[{key!r}]", seen)  # type: ignore[index]
    elif hasattr(ours, "__dict__") and not isinstance(ours, _IMMUTABLE):
        ours_vars, theirs_vars = vars(ours), vars(theirs)
        assert list(ours_vars) == list(theirs_vars), where
        for key in ours_vars:
            if key == "original_id":  # the id of the original: equal, as both copy the same one
                assert ours_vars[key] == theirs_vars[key], where
                continue
            _same(ours_vars[key], theirs_vars[key], f"{where}.{key}", seen)
    else:
        assert ours == theirs, where


def _mutable_ids(value: object, found: dict[int, object]) -> dict[int, object]:
    """Every value inside ``value`` (itself included) that can change in place, by id.

    A value whose class says its deep copy is itself (the trace and the number
    factory: a copied number still reads the one trace) is shared by design.
    """
    if id(value) in found or isinstance(value, _IMMUTABLE) or isinstance(value, np.generic):
        return found
    if _shared_by_design(value):
        return found
    if isinstance(value, (np.ndarray, list, dict)) or hasattr(value, "__dict__"):
        found[id(value)] = value
    if isinstance(value, (list, tuple)):
        for item in value:
            _mutable_ids(item, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _mutable_ids(key, found)
            _mutable_ids(item, found)
    elif hasattr(value, "__dict__") and not isinstance(value, np.ndarray):
        for item in vars(value).values():
            _mutable_ids(item, found)
    return found


def _shared_by_design(value: object) -> bool:
    own = getattr(type(value), "__deepcopy__", None)
    return own is not None and not isinstance(value, (Mobject, np.ndarray)) and copy.deepcopy(value) is value


def _check_copy(mob: Mobject, where: str) -> None:
    ours = mob.copy()
    _same(ours, _manim_copy(mob), where, set())
    shared = set(_mutable_ids(ours, {})) & set(_mutable_ids(mob, {}))
    assert not shared, f"{where}: the copy shares {len(shared)} changeable values with the original"


def test_the_fast_copy_is_installed_and_manims_own_can_be_given_back():
    assert Mobject.__deepcopy__ is not copying.MANIM_DEEPCOPY
    copying.uninstall()
    try:
        assert Mobject.__deepcopy__ is copying.MANIM_DEEPCOPY
    finally:
        copying.install()


def test_shared_values_stay_shared_and_cycles_end():
    circle, square = Circle(), Square()
    circle.shared = square.shared = np.array([1.0, 2.0])  # one array in two mobjects
    circle.partner, square.partner = square, circle  # a cycle
    group = VGroup(circle, square)
    ours = group.copy()
    one, two = ours.submobjects
    assert one.shared is two.shared and one.shared is not circle.shared
    assert one.partner is two and two.partner is one
    _check_copy(group, "circle and square")


@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_mobject_a_topic_ends_with_copies_as_manim_copies_it(topic, built):
    scene, _log = built(topic, "default")
    assert scene.mobjects
    for i, mob in enumerate(scene.mobjects):
        _check_copy(mob, f"{topic}: mobject {i} ({type(mob).__name__})")
