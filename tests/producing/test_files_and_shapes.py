"""Files appear whole or not at all; built shapes are kept on disk between renders."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from production.files import publish, write_bytes_atomically, write_text_atomically
from production.shape_store import CACHE_ENV, DiskShapeStore, shape_folder

# ------------------------------------------------------------------ atomic files


def test_an_atomic_write_replaces_the_file_readable_by_all_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "folder" / "page.html"
    write_text_atomically(path, "old")
    assert write_text_atomically(path, "new ✓", durable=True) == path
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["page.html"]


def test_a_failed_atomic_write_keeps_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    path = tmp_path / "record.json"
    write_bytes_atomically(path, b"old")

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_publish_replaces_a_file_and_a_folder_whole(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    (work / "clips").mkdir(parents=True)
    (work / "clips" / "01.mp4").write_text("new clip")
    (work / "video.mp4").write_text("new video")
    (out / "clips").mkdir(parents=True)
    (out / "clips" / "01.mp4").write_text("old clip")
    (out / "clips" / "02.mp4").write_text("old clip, gone from the new render")
    (out / "video.mp4").write_text("old video")
    assert publish(work / "clips", out / "clips") == out / "clips"
    publish(work / "video.mp4", out / "video.mp4")
    assert sorted(p.name for p in (out / "clips").iterdir()) == ["01.mp4"]
    assert (out / "clips" / "01.mp4").read_text() == "new clip"
    assert (out / "video.mp4").read_text() == "new video"
    assert sorted(p.name for p in out.iterdir()) == ["clips", "video.mp4"]  # the old folder is gone
    assert list(work.iterdir()) == []


# ------------------------------------------------------------------ shape store


def test_the_store_folder_follows_the_environment(tmp_path):
    for off in ("off", "OFF", "0", "false", "no"):
        assert shape_folder({CACHE_ENV: off}) is None
    named = shape_folder({CACHE_ENV: str(tmp_path)})
    assert named is not None and named.parent == tmp_path and named.name.startswith("mobjects-v2-")
    default = shape_folder({"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert default is not None and default.parent == tmp_path / "xdg" / "attention-video"
    assert default.name == named.name  # one subfolder per library versions, wherever it is


def test_a_stored_shape_reads_back_the_same_and_a_broken_entry_is_a_miss(tmp_path):
    import numpy as np
    from manim import Square

    store = DiskShapeStore(tmp_path / "shapes")
    key = hashlib.sha256(b"a square").hexdigest()
    assert store.load(key) is None
    square = Square(side_length=1.5)
    store.save(key, square)
    assert [p.name for p in (tmp_path / "shapes").iterdir()] == [f"{key}.npz"]  # the kit's key names the file
    loaded = store.load(key)
    assert isinstance(loaded, Square) and np.array_equal(loaded.points, square.points)

    (tmp_path / "shapes" / f"{key}.npz").write_bytes(b"half a file")
    assert store.load(key) is None
    store.save("any other key", square)
    assert store.load("any other key") is not None

    off = DiskShapeStore(None)
    off.save(key, square)
    assert off.load(key) is None


def test_a_store_that_cannot_write_costs_only_speed(tmp_path):
    from manim import Square

    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    store = DiskShapeStore(blocked / "shapes")
    store.save("key", Square())  # no exception
    assert store.load("key") is None


# -- issue 12: nothing read from the cache runs code, and only its owner may write there --------


def _planted(tmp_path, payload: bytes):
    store = DiskShapeStore(tmp_path / "shapes")
    key = hashlib.sha256(b"planted").hexdigest()
    (tmp_path / "shapes").mkdir(parents=True, exist_ok=True)
    (tmp_path / "shapes" / f"{key}.npz").write_bytes(payload)
    return store, key


class _RunsCode:
    """Unpickling this writes a marker file: what a planted pickle could do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_planted_pickle_is_not_run(tmp_path):
    import io
    import pickle

    import numpy as np

    marker = tmp_path / "ran"
    # A bare pickle, and a pickled object inside an .npz (np.load would unpickle it if allowed).
    for payload in (pickle.dumps(_RunsCode(marker)), None):
        if payload is None:
            buffer = io.BytesIO()
            np.savez(buffer, meta=np.array([_RunsCode(marker)], dtype=object))
            payload = buffer.getvalue()
        store, key = _planted(tmp_path, payload)
        assert store.load(key) is None
        assert not marker.exists()


def _entry(meta: dict, **arrays) -> bytes:
    import io
    import json

    import numpy as np

    buffer = io.BytesIO()
    np.savez(
        buffer,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        floats=np.zeros(0),
        **arrays,
    )
    return buffer.getvalue()


@pytest.mark.parametrize(
    "cls",
    [
        "os:system",
        "builtins:object",
        "subprocess:Popen",
        "manim.utils.color.core:ManimColor",
        "notloaded:Thing",
    ],
)
def test_an_entry_naming_a_class_that_is_not_an_allowed_mobject_is_refused(tmp_path, cls):
    from production.shape_codec import FORMAT

    key = hashlib.sha256(b"planted").hexdigest()
    meta = {"format": FORMAT, "key": key, "root": 0, "objects": [{"class": cls, "state": []}]}
    store, key = _planted(tmp_path, _entry(meta))
    assert store.load(key) is None


def test_an_entry_stored_under_another_key_or_with_malformed_arrays_is_refused(tmp_path):
    from manim import Square

    from production.shape_codec import ShapeFormatError, decode, encode

    good = encode("one key", Square())
    assert decode("one key", good) is not None
    with pytest.raises(ShapeFormatError, match="another key"):
        decode("another key", good)
    for broken in (b"", b"PK\x03\x04 not really", _entry({"format": "other"})):
        with pytest.raises(ShapeFormatError):
            decode("one key", broken)


def test_a_text_reads_back_with_the_same_outline_colours_and_class(tmp_path):
    import numpy as np

    from attention_math import compute, load_example
    from production.shape_codec import decode, encode
    from scenes.kit.widgets import NumberFactory

    numbers = NumberFactory(compute(load_example("default")))
    text = numbers.number("q[0][1]")
    back = decode("k", encode("k", text))
    assert type(back) is type(text) and back.text == text.text and back.trace_path == "q[0][1]"
    pairs = list(zip(text.family_members_with_points(), back.family_members_with_points(), strict=True))
    assert pairs
    for made, read in pairs:
        assert np.array_equal(made.points, read.points)
        assert np.array_equal(made.fill_rgbas, read.fill_rgbas)
        assert np.array_equal(made.stroke_rgbas, read.stroke_rgbas)


def test_the_cache_folder_is_made_private_and_one_others_can_write_is_refused(tmp_path, monkeypatch, capsys):
    import os
    import stat

    from production import shape_store

    made = tmp_path / "new-cache"
    assert shape_store.cache_root({CACHE_ENV: str(made)}) == made
    assert stat.S_IMODE(made.stat().st_mode) == 0o700

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert shape_store.cache_root({CACHE_ENV: str(shared)}) is None
    assert "others may write to it (mode 777)" in capsys.readouterr().err

    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    monkeypatch.setattr(os, "getuid", lambda: mine.stat().st_uid + 1)
    assert shape_store.cache_root({CACHE_ENV: str(mine)}) is None
    assert "it belongs to another user" in capsys.readouterr().err


def test_a_stored_text_with_spaces_is_read_back_not_built_again(tmp_path, monkeypatch):
    """Text keeps ``text`` without spaces: the store's check must compare the content as given."""
    from scenes.kit import widgets

    built: list[str] = []
    real = widgets._laid_out

    def counting(cls, content, **kwargs):
        built.append(content)
        return real(cls, content, **kwargs)

    monkeypatch.setattr(widgets, "_laid_out", counting)
    monkeypatch.setattr(widgets, "_PROTOTYPES", {})
    previous = widgets.use_shape_store(DiskShapeStore(tmp_path / "shapes"))
    try:
        first = widgets.make_text("the cat sat", font="DejaVu Sans", font_size=24, colour="#ffffff")
        widgets._PROTOTYPES.clear()  # as in a new process: only the store remembers
        second = widgets.make_text("the cat sat", font="DejaVu Sans", font_size=24, colour="#ffffff")
    finally:
        widgets.use_shape_store(previous)
    assert built == ["the cat sat"]
    assert second.original_text == "the cat sat" and second.text == first.text == "thecatsat"
