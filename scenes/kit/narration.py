"""What the voice says at each step: sentences built from words, traced numbers, tokens and facts.

A topic's narration is written per step, like its captions, but every number
and every statement about the data in it comes from the trace:

- :class:`Num` speaks the number at a trace path, formatted exactly as the
  screen shows it (:class:`~scenes.kit.widgets.NumberFactory`), then put into
  words (:func:`attention_math.speech.spoken_number`);
- :class:`Pct` speaks a fraction (a weight, a probability) as a percentage;
- :class:`Tok` speaks a token, :class:`Word` a traced word (a vocabulary word);
- a :class:`~attention_math.facts.Fact` is phrased by the functions at the
  end of this module ("'love' attends most to 'coding'", a tie, an even
  spread, a head's habit), true for any lesson.

Literal text in a sentence holds no digit (as for captions), so no number is
ever typed. Each :class:`Sentence` keeps two renderings: ``display`` (digits,
as on screen: for the captions and the transcript) and ``speech`` (words: for
the voice), plus the numbers and facts it rests on, which the numbers
manifest records.

How long a sentence takes to say is asked of the voice through
:func:`use_voice` (production installs one; without it the scene is silent
and nothing is timed), so a step lasts as long as its narration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from attention_math.facts import Fact
from attention_math.formatting import fmt_percent
from attention_math.speech import sayable, spoken_number, spoken_token

from .widgets import NumberFactory

__all__ = [
    "Narrator",
    "Num",
    "Pct",
    "Sentence",
    "SpokenNumber",
    "StepNarration",
    "Tok",
    "Word",
    "speech_seconds",
    "use_voice",
]

#: Seconds of silence between two sentences of a step, and after a step's last one.
SENTENCE_GAP = 0.35
AFTER_SPEECH = 0.6


@dataclass(frozen=True)
class Num:
    """The number at a trace path, as the screen shows it."""

    path: str


@dataclass(frozen=True)
class Pct:
    """The fraction at a trace path, as a percentage ("36%")."""

    path: str


@dataclass(frozen=True)
class Tok:
    """Token ``index``, as a token (quoted on screen, bare in speech)."""

    index: int


@dataclass(frozen=True)
class Word:
    """A word read from the trace (``vocab[2]``, ``predicted_word``)."""

    path: str


Part = str | Num | Pct | Tok | Word


@dataclass(frozen=True)
class SpokenNumber:
    """One number a sentence says: its path, value, text on screen and words."""

    path: str
    value: float
    text: str
    words: str


@dataclass(frozen=True)
class Sentence:
    """One sentence of narration, in its two renderings, with what it rests on."""

    display: str
    speech: str
    numbers: tuple[SpokenNumber, ...] = ()
    facts: tuple[Fact, ...] = ()


@dataclass
class StepNarration:
    """A step's sentences and, once timed, when each starts and how long it lasts (seconds)."""

    step: int
    caption: str
    sentences: tuple[Sentence, ...]
    starts: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)


_voice: Callable[[str], float] | None = None


def use_voice(timer: Callable[[str], float] | None) -> Callable[[str], float] | None:
    """Install the voice's timer (speech text -> seconds); returns the previous one. None: silent."""
    global _voice
    previous, _voice = _voice, timer
    return previous


def speech_seconds(text: str) -> float | None:
    """How long the installed voice takes to say ``text``, or None when the scene is silent."""
    return None if _voice is None else _voice(text)


_NO_SPACE_BEFORE = set(",.;:!?)")


_VOCABULARY_ENTRY = re.compile(r"vocab\[(\d+)\]")


def _word_by_place(path: str) -> str:
    """A traced word the voice cannot read, named by where it is: "word three of the vocabulary"."""
    entry = _VOCABULARY_ENTRY.fullmatch(path)
    if entry is not None:
        return f"word {spoken_number(str(int(entry[1]) + 1))} of the vocabulary"
    return "the predicted word" if path == "predicted_word" else "this word"


def _join(pieces: Sequence[str]) -> str:
    text = ""
    for piece in pieces:
        if not piece:
            continue
        if text and not (piece[0] in _NO_SPACE_BEFORE or text.endswith(("(", " "))):
            text += " "
        text += piece
    return text


class Narrator:
    """Builds sentences for one scene from its :class:`NumberFactory`."""

    def __init__(self, numbers: NumberFactory) -> None:
        self.numbers = numbers

    def say(self, *parts: Part, facts: Sequence[Fact] = ()) -> Sentence:
        """A sentence of ``parts`` (see the module docstring); ``facts`` it states, for the manifest."""
        display: list[str] = []
        speech: list[str] = []
        spoken: list[SpokenNumber] = []
        for part in parts:
            if isinstance(part, str):
                if any(ch.isdigit() for ch in part):
                    raise ValueError(f"narration text {part!r} contains a digit; numbers come from the trace")
                display.append(part)
                speech.append(part)
            elif isinstance(part, Num | Pct):
                value = float(self.numbers.trace.get(part.path))
                text = (
                    self.numbers.text(part.path)
                    if isinstance(part, Num)
                    else fmt_percent(value, self.numbers.decimals)
                )
                words = spoken_number(text)
                spoken.append(SpokenNumber(part.path, value, text, words))
                display.append(text)
                speech.append(words)
            elif isinstance(part, Tok):
                label = self.numbers.text(f"token_labels[{part.index}]")
                display.append(f"\u201c{label}\u201d")
                # A word the English voice cannot read is named by its place in the lesson.
                place = f"token {spoken_number(str(part.index + 1))}"
                speech.append(spoken_token(label) if sayable(label) else place)
            else:
                word = self.numbers.text(part.path)
                display.append(f"\u201c{word}\u201d")
                speech.append(spoken_token(word) if sayable(word) else _word_by_place(part.path))
        return Sentence(_join(display), _join(speech), tuple(spoken), tuple(facts))


# -- facts, phrased ---------------------------------------------------------------------


def _tokens(indices: Sequence[int]) -> list[Part]:
    """``"a"``, ``"a and b"``, ``"a, b and c"`` as parts."""
    parts: list[Part] = []
    for n, index in enumerate(indices):
        if n:
            parts.append("and" if n == len(indices) - 1 else ",")
        parts.append(Tok(index))
    return parts


def say_focus(narrator: Narrator, fact: Fact, *, weights_path: str) -> Sentence:
    """Where a token puts its attention (a :func:`attention_math.facts.focus` fact), true for any lesson.

    ``weights_path`` is the weights matrix the fact was read from (``heads[0].weights``).
    """
    row, targets = fact.found["row"], fact.found["targets"]
    if fact.kind == "only":
        return narrator.say(Tok(row), "can only see itself, so all its attention goes there.", facts=[fact])
    if fact.kind == "even":
        return narrator.say(
            Tok(row), "spreads its attention evenly: every token it sees gets the same weight.", facts=[fact]
        )
    weight = Num(f"{weights_path}[{row}][{targets[0]}]")
    if fact.kind == "tie":
        return narrator.say(
            Tok(row), "attends equally to", *_tokens(targets), ", each with weight", weight, ".", facts=[fact]
        )
    return narrator.say(
        Tok(row), "attends most to", Tok(targets[0]), ", with weight", weight, ".", facts=[fact]
    )


_HABIT_WORDS = {
    "itself": "mostly looks at the token itself",
    "previous": "mostly looks at the token just before",
    "first": "mostly looks at the first token",
}


def say_habit(narrator: Narrator, fact: Fact, head_number_path: str) -> Sentence:
    """What a head mostly looks at (a :func:`attention_math.facts.head_habit` fact)."""
    habit = fact.found["habit"]
    if fact.found["of"] == 0:
        return narrator.say(
            "With a single token, head", Num(head_number_path), "has no choice to make.", facts=[fact]
        )
    if habit == "varied":
        return narrator.say(
            "Head",
            Num(head_number_path),
            "follows no simple habit here, such as the token itself or the one just before.",
            facts=[fact],
        )
    return narrator.say("Head", Num(head_number_path), _HABIT_WORDS[habit] + ".", facts=[fact])
