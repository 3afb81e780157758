"""A rendered scene's narration as files: the sound track, caption cues, the transcript, the manifest entry.

The scene times each sentence (:mod:`scenes.kit.narration`); here that timing
becomes

* the narration track (:func:`track`): each sentence's speech at its start,
  loudness-normalised (:mod:`production.audio`);
* caption cues (:func:`cues`): the narration itself, one sentence at a time,
  split into cues of at most two lines of about :data:`LINE` characters, each
  lasting its share of the sentence's speech (by characters);
* the transcript (:func:`transcript`): Markdown, one heading per step with its
  start time, then what is said;
* the manifest's ``narration`` (:func:`manifest_entries`): every sentence with
  its timing, the numbers it speaks (path, value, text, words) and the facts
  it states (kind, paths, what was found).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import audio
from .output import Cue

if TYPE_CHECKING:
    from scenes.kit.narration import StepNarration

    from .voice import Voice

__all__ = ["LINE", "cues", "manifest_entries", "track", "transcript"]

#: Characters per caption line (the usual limit for subtitles).
LINE = 42


def track(
    narration: Sequence[StepNarration], voice: Voice, seconds: float, *, ceiling: float | None = None
) -> np.ndarray:
    """The video's narration: every timed sentence's speech at its start, normalised.

    ``ceiling`` is the true peak the track may reach before encoding (dBTP; default
    :func:`production.audio.normalise`'s).
    """
    pieces = []
    for step in narration:
        for sentence, start in zip(step.sentences, step.starts, strict=False):
            speech = voice.speak(sentence.speech)
            pieces.append((start, speech.samples, speech.rate))
    raw = audio.narration_track(pieces, seconds)
    return audio.normalise(raw) if ceiling is None else audio.normalise(raw, ceiling=ceiling)


def _balanced(text: str) -> list[str]:
    """``text`` in the fewest lines of at most :data:`LINE` characters, two lines of about equal length."""
    if len(text) <= LINE:
        return [text]
    for width in range(-(-len(text) // 2), LINE + 1):
        lines = textwrap.wrap(text, width, break_long_words=False)
        if len(lines) <= 2:
            return lines
    return textwrap.wrap(text, LINE, break_long_words=False)


def _chunks(text: str) -> list[str]:
    """``text`` in as few cues as fit it, each at most two lines of :data:`LINE` characters, of even length.

    Even lengths, so that no cue is a lone word left over from the one before.
    """
    words = text.split()
    if not words:
        return [""]
    count = max(1, -(-len(textwrap.wrap(text, LINE, break_long_words=False)) // 2))
    while True:
        target = len(text) / count
        chunks: list[list[str]] = [[]]
        for word in words:
            current = " ".join(chunks[-1])
            if chunks[-1] and len(current) + 1 + len(word) / 2 > target and len(chunks) < count:
                chunks.append([])
            chunks[-1].append(word)
        wrapped = [_balanced(" ".join(chunk)) for chunk in chunks]
        if all(len(lines) <= 2 for lines in wrapped) or count > len(words):
            return ["\n".join(lines) for lines in wrapped]
        count += 1


def cues(narration: Sequence[StepNarration]) -> list[Cue]:
    """Caption cues of the narration, timed to the speech (a sentence's parts share its time by length)."""
    result = []
    for step in narration:
        for sentence, start, duration in zip(step.sentences, step.starts, step.durations, strict=False):
            parts = _chunks(sentence.display)
            total = sum(len(part) for part in parts)
            clock = start
            for part in parts:
                share = duration * len(part) / total if total else duration
                result.append(Cue(start=clock, end=clock + share, text=part))
                clock += share
    return result


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def transcript(heading: str, lesson: str, narration: Sequence[StepNarration]) -> str:
    """The narration as Markdown: the topic and lesson, then each step's caption, start time and sentences."""
    lines = [f"# {heading}", "", f"Lesson: {lesson}", ""]
    for step in narration:
        when = f" ({_clock(step.starts[0])})" if step.starts else ""
        lines += [f"## {step.step}. {step.caption}{when}", ""]
        lines += [" ".join(sentence.display for sentence in step.sentences) or "(no narration)", ""]
    return "\n".join(lines)


def manifest_entries(narration: Sequence[StepNarration]) -> list[dict[str, Any]]:
    """The narration for the numbers manifest: per step, its sentences with timing, numbers and facts."""
    entries = []
    for step in narration:
        sentences = []
        for n, sentence in enumerate(step.sentences):
            timed = n < len(step.starts)
            sentences.append(
                {
                    "text": sentence.display,
                    "speech": sentence.speech,
                    "start": round(step.starts[n], 6) if timed else None,
                    "duration": round(step.durations[n], 6) if timed else None,
                    "numbers": [
                        {"path": num.path, "value": num.value, "text": num.text, "words": num.words}
                        for num in sentence.numbers
                    ],
                    "facts": [fact.as_json() for fact in sentence.facts],
                }
            )
        entries.append({"step": step.step, "caption": step.caption, "sentences": sentences})
    return entries
