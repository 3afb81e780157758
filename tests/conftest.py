"""What every test layer shares: lessons, traces and built scenes made once, and how the run is split.

Fixtures (session-scoped: under pytest-xdist, once per worker process):

- ``shape_cache``: the folder of built text and formula shapes
  (:mod:`production.shape_store`) every scene build and render of the run
  reads and fills, in-process and in ``render.py`` subprocesses alike:
  ``$ATTENTION_VIDEO_CACHE`` when set (``off`` turns the store off), else the
  store's default, ``~/.cache/attention-video``, as for real renders.
- ``lessons(source)`` and ``traces(source, topic=None)``: a built-in example or a
  lesson file under ``tests/`` (:mod:`support.lessons`), loaded and computed once.
- ``built(topic, source)``: the topic's scene built with Manim's dry run and
  checked after every animation (:func:`support.scene_harness.build_dry`),
  built once and handed to every test that checks it.

Splitting the run over xdist workers (``make test`` runs ``pytest -n auto``;
``--dist loadgroup`` is in pyproject's ``addopts``, and :mod:`support.xdist_groups`
makes it work with pytest 9.2):

- Tests that check one built scene run on one worker, so it is built once: a
  test using ``built`` with a ``topic`` parameter (and ``source``, else
  ``"default"``) is grouped by them, or by its ``scene(topic, source)`` marker.
- Tests that share an expensive module fixture (:data:`SHARED_FIXTURES`: a real
  render, a corpus of subprocess runs) run on one worker, so it runs once.
- The longest work starts first (real renders, then the biggest scene builds,
  then the rest), so that the two workers finish together.

Groups only decide where a test runs: every test still gets its own result,
and a test run alone builds what it needs.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from attention_math import compute
from attention_math.lesson import Lesson
from attention_math.trace import Trace
from production.shape_store import CACHE_ENV, OFF, shape_folder
from support.lessons import load_source

#: Module fixtures whose tests run on one worker, so that the fixture runs once:
#: fixture name -> (xdist group, rough seconds it takes, for the ordering).
SHARED_FIXTURES: dict[str, tuple[str, float]] = {
    "lesson_page": ("lesson-page", 40.0),  # test_page_browser: a real two-topic render with its page
    "cli_runs": ("bad-lesson-corpus", 20.0),  # test_bad_lessons: render.py run on every corpus file
    "narrated": ("narrated-render", 25.0),  # test_narration: two narrated renders of one topic
}
#: A real render (the ``render`` marker) is assumed to take this long, for the ordering.
RENDER_SECONDS = 100.0
#: How much longer a topic's dry build takes than the cheapest topic's, per matrix cell of
#: the lesson (measured: multihead and block are the longest, embeddings the shortest).
TOPIC_WEIGHT = {
    "multihead": 3.0,
    "block": 2.2,
    "projection": 1.8,
    "weighted_sum": 1.5,
    "next_word": 1.3,
    "single_query": 1.1,
}
#: Built scenes kept per worker: the tests of one scene run one after the other.
KEPT_SCENES = 6


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scene(topic, source): the test checks this built scene (fixture `built`); "
        "it runs on the worker that builds it. Either argument defaults to the test's parameter.",
    )


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session", autouse=True)
def shape_cache() -> Iterator[Path | None]:
    """The shape store's folder for this run, or None when ``ATTENTION_VIDEO_CACHE`` turns it off.

    Pinned in the environment for the whole session, so every build and every
    ``render.py`` a test starts reuses the same glyphs (a test that wants a store
    of its own, as the reliability tests do, passes its own variable).
    """
    setting = os.environ.get(CACHE_ENV, "")
    folder = shape_folder()
    with pytest.MonkeyPatch.context() as patch:
        if setting.lower() not in OFF and folder is not None:
            patch.setenv(CACHE_ENV, str(folder.parent))
        yield folder


@pytest.fixture(scope="session")
def lessons() -> Callable[[str], Lesson]:
    """``lessons(source)``: the lesson of a built-in example or of a file under ``tests/``, loaded once."""
    loaded: dict[str, Lesson] = {}

    def lesson(source: str) -> Lesson:
        if source not in loaded:
            loaded[source] = load_source(source)
        return loaded[source]

    return lesson


@pytest.fixture(scope="session")
def traces(lessons: Callable[[str], Lesson]) -> Callable[..., Trace]:
    """``traces(source, topic=None)``: the trace of a lesson (or of what ``topic`` draws of it), once."""
    from scenes import lesson_for

    computed: dict[tuple[str, str | None], Trace] = {}

    def trace(source: str, topic: str | None = None) -> Trace:
        if (source, topic) not in computed:
            lesson = lessons(source)
            computed[(source, topic)] = compute(lesson_for(topic, lesson) if topic else lesson)
        return computed[(source, topic)]

    return trace


@pytest.fixture(scope="session")
def scene_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The media folder dry builds give Manim (nothing is written there but Manim's text cache)."""
    return tmp_path_factory.mktemp("scene-media")


@pytest.fixture(scope="session")
def built(traces: Callable[..., Trace], scene_media: Path) -> Callable[[str, str], tuple[object, object]]:
    """``built(topic, source)``: (scene, screen log) of the topic drawn for ``source``, built once.

    The scene and its log are shared by the tests that check them: read them, do
    not change them.
    """
    from support.scene_harness import build_dry

    kept: OrderedDict[tuple[str, str], tuple[object, object]] = OrderedDict()

    def build(topic: str, source: str) -> tuple[object, object]:
        key = (topic, source)
        if key not in kept:
            kept[key] = build_dry(topic, traces(source, topic), scene_media)
            while len(kept) > KEPT_SCENES:
                kept.popitem(last=False)
        kept.move_to_end(key)
        return kept[key]

    return build


# ----------------------------------------------------------- splitting the run


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    from support.xdist_groups import give_worker_a_folder

    give_worker_a_folder(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from support.xdist_groups import GroupScheduling

    return GroupScheduling(config, log)


@pytest.hookimpl(tryfirst=True)  # before the worker tells the controller it has collected
def pytest_collection_finish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        from support.xdist_groups import write_groups

        write_groups(session)


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and config.pluginmanager.has_plugin("xdist"):
        from support.xdist_groups import remove_folder

        remove_folder(config)


def _scene_of(item: pytest.Item) -> tuple[str, str] | None:
    """The (topic, source) scene a test checks, if it says so or builds with a topic parameter."""
    params = item.callspec.params if isinstance(item, pytest.Function) and hasattr(item, "callspec") else {}
    marker = item.get_closest_marker("scene")
    if marker is None and not ("built" in getattr(item, "fixturenames", ()) and "topic" in params):
        return None
    args = list(marker.args) if marker is not None else []
    kwargs = dict(marker.kwargs) if marker is not None else {}
    topic = kwargs.get("topic", args[0] if args else params.get("topic"))
    source = kwargs.get("source", args[1] if len(args) > 1 else params.get("source", "default"))
    if topic is None:
        raise pytest.UsageError(f"{item.nodeid}: the scene marker needs a topic (or a `topic` parameter)")
    return str(topic), str(source)


def _build_seconds(topic: str, source: str, sizes: dict[str, int]) -> float:
    """A rough cost of building ``topic`` for ``source``, for ordering only."""
    if source not in sizes:
        try:
            lesson = load_source(source)
            sizes[source] = lesson.n_tokens * lesson.d_model
        except Exception:  # the test itself will say what is wrong with the lesson
            sizes[source] = 16
    return TOPIC_WEIGHT.get(topic, 1.0) * (4 + sizes[source]) / 5


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests that share a build or a render, and put the longest work first."""
    from support.xdist_groups import group_of

    sizes: dict[str, int] = {}
    units: OrderedDict[str, list[pytest.Item]] = OrderedDict()
    cost: dict[str, float] = {}
    for item in items:
        group, seconds = None, 0.0
        scene = _scene_of(item)
        if scene is not None:
            group = "scene:{}:{}".format(*scene)
            seconds = _build_seconds(*scene, sizes)
        for fixture, (name, fixture_seconds) in SHARED_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                group, seconds = name, max(seconds, fixture_seconds)
        if item.get_closest_marker("render") is not None:
            seconds = max(seconds, RENDER_SECONDS)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
        unit = group_of(item) or item.nodeid  # a group's tests stay together, wherever they were
        units.setdefault(unit, []).append(item)
        cost[unit] = max(cost.get(unit, 0.0), seconds)
    # Stable: equal costs keep the collection order.
    ordered = sorted(units, key=lambda unit: -cost[unit])
    items[:] = [item for unit in ordered for item in units[unit]]
