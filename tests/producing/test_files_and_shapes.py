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
    assert named is not None and named.parent == tmp_path and named.name.startswith("mobjects-v1-")
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
    assert [p.name for p in (tmp_path / "shapes").iterdir()] == [
        f"{key}.pickle"
    ]  # the kit's key names the file
    loaded = store.load(key)
    assert isinstance(loaded, Square) and np.array_equal(loaded.points, square.points)

    (tmp_path / "shapes" / f"{key}.pickle").write_bytes(b"half a pickle")
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
