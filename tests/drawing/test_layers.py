"""The drawing layer's boundaries, read from the source: topics import the kit, nothing touches the system.

Every module under ``scenes/`` is parsed (not imported): a topic module
imports no other topic module, the kit imports none either, and no module
imports a file, process or signal library or calls ``open()``. The topic
summaries are written once, in the registry.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from scenes import TOPICS, topic_class
from scenes.kit.stage import TopicScene
from support.paths import ROOT

SCENES = ROOT / "scenes"
TOPIC_MODULES = sorted(path.stem for path in SCENES.glob("*.py") if path.stem != "__init__")
MODULES = sorted(SCENES.rglob("*.py"))
SYSTEM = {"os", "subprocess", "signal", "tempfile", "shutil", "pickle", "pathlib"}


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imported(path: Path, root: Path = ROOT) -> list[str]:
    """Every module ``path`` imports, as absolute dotted names (relative imports resolved)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # "from . import palette" imports the module palette of that package.
            found += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return found


def _topic_imports(path: Path) -> set[str]:
    return {
        name.split(".")[1]
        for name in _imported(path)
        if name.startswith("scenes.") and name.split(".")[1] in TOPIC_MODULES
    }


def test_the_topic_modules_are_the_registry_s_topics():
    assert set(TOPIC_MODULES) == set(TOPICS)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_imports_a_topic_module_but_its_own(path):
    own = {path.stem} if path.parent == SCENES else set()
    assert _topic_imports(path) - own == set()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_nothing_under_scenes_touches_files_processes_or_signals(path):
    system = sorted({name for name in _imported(path) if name.split(".")[0] in SYSTEM})
    assert system == []
    calls = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "open")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "open")
        )
    ]
    assert calls == [], f"open() called at lines {calls}"


def test_the_layer_check_sees_a_forbidden_import(tmp_path):
    module = tmp_path / "scenes" / "example.py"
    module.parent.mkdir()
    module.write_text("import os.path\nfrom .scores import ScoresScene\nfrom pathlib import Path\n")
    assert {"os.path", "scenes.scores", "pathlib"} <= set(_imported(module, tmp_path))


@pytest.mark.parametrize("topic", list(TOPICS))
def test_each_topic_s_summary_is_written_once_in_the_registry(topic):
    scene = topic_class(topic)
    assert scene.topic == topic
    # Read from the registry by TopicScene, not written again by the topic.
    assert all("summary" not in vars(cls) for cls in scene.__mro__ if cls is not TopicScene)
    assert TopicScene.summary.fget(object.__new__(scene)) == TOPICS[topic]


@pytest.mark.parametrize("path", sorted(SCENES.rglob("*.py")), ids=_name)
def test_no_scene_moves_anything_while_it_waits(path):
    # The layout checks look at the picture after every animation and not during
    # waits (tests/support/scene_harness.py): that holds only without updaters.
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    names = {
        node.id
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Name)
    }
    assert not calls & {"add_updater", "add_background_rectangle_to_updater"}
    assert "always_redraw" not in names
