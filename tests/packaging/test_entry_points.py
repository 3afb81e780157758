"""How a user reaches the project without render.py's flags: its name and version, plain Manim's lesson.

In this process, without a wheel (``test_wheel.py`` installs one): the
command names itself as it was run, ``--version`` reads the package metadata,
a scene made without a trace (as ``manim FILE Scene`` makes it) draws the
lesson the environment or ``manim.cfg`` names, and a lesson is named the same
way everywhere (a built-in example, else a file).
"""

from __future__ import annotations

import copy
from importlib import metadata

import pytest
from click.testing import CliRunner

from attention_math import DEFAULT_EXAMPLE, LessonError
from attention_math.named import LESSON_VARIABLE, load_named, manim_lesson_name
from production.session import lesson_choice
from render import cli, program_name
from support.paths import EXAMPLES, LESSONS


@pytest.mark.parametrize(
    ("argv0", "name"),
    [
        ("/home/teacher/.venv/bin/attention-video", "attention-video"),
        ("render.py", "render.py"),
        ("/work/clone/render.py", "render.py"),
        ("", "attention-video"),
    ],
)
def test_the_command_names_itself_as_it_was_run(argv0, name):
    assert program_name(argv0) == name


def test_help_and_version_use_that_name():
    runner = CliRunner()
    helped = runner.invoke(cli, ["--help"], prog_name="attention-video")
    assert helped.output.startswith("Usage: attention-video [OPTIONS]")
    versioned = runner.invoke(cli, ["--version"], prog_name="attention-video")
    assert versioned.exit_code == 0
    assert versioned.output == f"attention-video {metadata.version('attention-video')}\n"


def test_the_environment_wins_over_manim_cfg_which_wins_over_the_default():
    assert manim_lesson_name(None, {}) == DEFAULT_EXAMPLE
    assert manim_lesson_name("  ", {LESSON_VARIABLE: ""}) == DEFAULT_EXAMPLE
    assert manim_lesson_name("write-a-poem", {}) == "write-a-poem"
    assert manim_lesson_name("write-a-poem", {LESSON_VARIABLE: "my lesson.toml"}) == "my lesson.toml"


def test_a_name_is_a_built_in_example_unless_a_file_of_that_name_is_here(tmp_path, monkeypatch):
    assert lesson_choice(None) == (None, None)
    assert lesson_choice("token-residual") == (None, "token-residual")
    assert lesson_choice("lesson.toml") == ("lesson.toml", None)
    example, file = load_named("token-residual"), load_named(str(EXAMPLES / "token-residual.toml"))
    expected = ("token-residual", ("token 1", "token 2"))
    assert (example.name, example.tokens) == (file.name, file.tokens) == expected
    monkeypatch.chdir(tmp_path)
    (tmp_path / "token-residual").write_text("", encoding="utf-8")
    assert lesson_choice("token-residual") == ("token-residual", None)
    with pytest.raises(LessonError, match="unsupported lesson file type"):
        load_named("token-residual")


@pytest.fixture
def manim_cfg(monkeypatch):
    """Manim's parsed manim.cfg files, with the project's key as a test sets it."""
    from manim import _config

    parser = copy.deepcopy(_config.parser)
    monkeypatch.setattr(_config, "parser", parser)
    monkeypatch.delenv(LESSON_VARIABLE, raising=False)
    return parser


def test_a_scene_made_without_a_trace_draws_the_lesson_manim_cfg_names(manim_cfg, monkeypatch):
    from scenes import topic_class

    scene_class = topic_class("masking")
    assert scene_class.configured_trace().lesson.name == DEFAULT_EXAMPLE
    manim_cfg["CLI"]["attention_video_lesson"] = "i-love-coding"
    trace = scene_class.configured_trace()
    assert trace.lesson.tokens == ("I", "love", "coding")
    assert trace.lesson.causal  # masking draws the causal version of a lesson that is not
    assert not load_named("i-love-coding").causal
    monkeypatch.setenv(LESSON_VARIABLE, str(LESSONS / "largest.toml"))
    assert topic_class("embeddings").configured_trace().lesson.name == "largest"


def test_a_lesson_the_topic_cannot_draw_is_one_line(manim_cfg, tmp_path):
    from scenes import topic_class

    lesson = tmp_path / "wide.toml"
    lesson.write_text(
        'tokens = ["a", "b"]\nembeddings = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]\n'
        "w_q = [[1.0], [0.0], [0.0]]\nw_k = [[1.0], [0.0], [0.0]]\nw_v = [[1.0], [0.0], [0.0]]\n",
        encoding="utf-8",
    )
    manim_cfg["CLI"]["attention_video_lesson"] = str(lesson)
    with pytest.raises(LessonError, match=r"^block: the attention output is 1 wide but the embeddings are 3"):
        topic_class("block").configured_trace()
    assert topic_class("scores").configured_trace().lesson.name == "wide"
