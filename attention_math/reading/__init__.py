"""Read lessons as teachers write them: Markdown, Jupyter notebooks, plain text.

No drawing library is imported here. `read_text_lesson` turns a text into a
`Lesson` whose claims are the numbers the text states, each with its source
line; `lesson_toml` writes that lesson as a lesson TOML file.
"""

from __future__ import annotations

from .importer import TEXT_SUFFIXES, Found, TextLesson, lesson_from_lines, read_text_lesson
from .toml_writer import lesson_toml

__all__ = ["TEXT_SUFFIXES", "Found", "TextLesson", "lesson_from_lines", "lesson_toml", "read_text_lesson"]
