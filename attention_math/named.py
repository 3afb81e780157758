"""A lesson named by a string: a lesson file or a built-in example.

The command line's ``check``, the Python API and plain ``manim`` all take a
lesson by one name. :func:`load_named` reads it; :func:`manim_lesson_name`
says which lesson a scene rendered by plain ``manim`` draws, where Manim's
command line cannot hand the scene a trace: the environment variable
:data:`LESSON_VARIABLE`, else the ``attention_video_lesson`` key of
``manim.cfg``, else the default example.

>>> load_named("token-residual").name
'token-residual'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .examples import DEFAULT_EXAMPLE, EXAMPLES, load_example
from .lesson import Lesson
from .loading import load_lesson

__all__ = ["CONFIG_KEY", "LESSON_VARIABLE", "is_example_name", "load_named", "manim_lesson_name"]

#: The environment variable naming the lesson plain ``manim`` draws.
LESSON_VARIABLE = "ATTENTION_VIDEO_LESSON"
#: The key, in the ``[CLI]`` section of ``manim.cfg``, naming the lesson plain ``manim`` draws.
CONFIG_KEY = "attention_video_lesson"


def is_example_name(name: str) -> bool:
    """Whether ``name`` means a built-in example: it is one, and no file of that name is here."""
    return name in EXAMPLES and not Path(name).exists()


def load_named(name: str | Path) -> Lesson:
    """The lesson ``name`` names: a built-in example, else a lesson file.

    Raises
    ------
    LessonError
        When the file cannot be read or is not a lesson (one line, as
        :func:`~attention_math.loading.load_lesson` says it).
    """
    if isinstance(name, str) and is_example_name(name):
        return load_example(name)
    return load_lesson(name)


def manim_lesson_name(configured: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The lesson a scene rendered by plain ``manim`` draws.

    Parameters
    ----------
    configured
        The ``attention_video_lesson`` value of ``manim.cfg``, if any.
    environ
        The environment (default: this process's).

    Returns
    -------
    str
        ``$ATTENTION_VIDEO_LESSON`` if set and not blank, else ``configured``
        if not blank, else :data:`~attention_math.examples.DEFAULT_EXAMPLE`.
    """
    environ = os.environ if environ is None else environ
    for value in (environ.get(LESSON_VARIABLE), configured):
        if value is not None and value.strip():
            return value.strip()
    return DEFAULT_EXAMPLE
