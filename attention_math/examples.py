"""Built-in lessons: one TOML file each in ``attention_math/examples/``.

Each file is an ordinary lesson file (the same format ``load_lesson`` reads)
shipped as package data; its ``description`` is the one-line text listed in
`EXAMPLES`. Four come from the seed lesson texts, with the numbers those texts
state kept as ``claims`` (wrong ones included, so the checker can show them);
``default`` is made for the multi-head topic.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from .errors import LessonError
from .lesson import Lesson
from .loading import load_lesson

__all__ = ["DEFAULT_EXAMPLE", "EXAMPLES", "example_names", "example_path", "load_example"]

_DIRECTORY = Path(__file__).with_name("examples")

#: The example rendered when no lesson is given.
DEFAULT_EXAMPLE = "default"

_ORDER = ("default", "i-love-coding", "write-a-poem", "token-residual", "transformer-breakdown")


def _first_line(path: Path) -> str:
    with path.open("rb") as file:
        description = tomllib.load(file).get("description", "")
    return description.strip().splitlines()[0] if description.strip() else ""


#: Example name -> one-line description, in the order ``--list`` shows them.
EXAMPLES: Mapping[str, str] = MappingProxyType(
    {name: _first_line(_DIRECTORY / f"{name}.toml") for name in _ORDER}
)


def example_names() -> list[str]:
    """The built-in examples' names, `DEFAULT_EXAMPLE` first."""
    return list(EXAMPLES)


def example_path(name: str) -> Path:
    """The TOML file of built-in example ``name``.

    Raises
    ------
    LessonError
        If ``name`` is not a built-in example; the message lists the valid names.
    """
    if name not in EXAMPLES:
        raise LessonError(None, f"no built-in example named '{name}'; choose one of: {', '.join(EXAMPLES)}")
    return _DIRECTORY / f"{name}.toml"


def load_example(name: str) -> Lesson:
    """Load and validate built-in example ``name``; the lesson is named ``name``.

    Raises
    ------
    LessonError
        If ``name`` is not a built-in example; the message lists the valid names.
    """
    return load_lesson(example_path(name))
