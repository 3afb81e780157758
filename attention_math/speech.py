"""Numbers and tokens as a voice says them.

The narration speaks the same text the screen shows: a number is first
formatted by :func:`attention_math.formatting.fmt` (or ``fmt_percent``), then
that text is turned into words here, so what is heard always matches what is
drawn. Integers are read by ``num2words`` (American style, without "and":
"two thousand five hundred five"); digits after the point are read one by one,
as people read decimals ("zero point four seven"); the minus sign is "minus",
``∞`` is "infinity", ``%`` is "percent".
"""

from __future__ import annotations

import re
import unicodedata

from .formatting import INFINITY, MINUS

__all__ = ["sayable", "spoken_number", "spoken_token"]

_NUMBER = re.compile(
    r"^(?P<sign>[" + MINUS + r"-]?)(?P<whole>\d+|" + INFINITY + r")(?:\.(?P<frac>\d+))?(?P<pct>%?)$"
)
_DIGITS_IN_WORD = re.compile(r"\d+(?:\.\d+)?")
_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

#: Tokens that are punctuation, as a person names them.
_PUNCTUATION = {
    ".": "full stop",
    ",": "comma",
    "?": "question mark",
    "!": "exclamation mark",
    ":": "colon",
    ";": "semicolon",
    "'": "apostrophe",
    '"': "quote",
    "-": "dash",
}


def _integer_words(digits: str) -> str:
    from num2words import num2words  # type: ignore[import-untyped]  # ships no type hints

    words: str = num2words(int(digits), lang="en")
    # num2words writes British "two thousand, five hundred and five"; a voice reads
    # numbers better without the commas and the "and".
    return " ".join(word for word in words.replace(",", "").split() if word != "and")


def spoken_number(text: str) -> str:
    """Words for a number as formatted for the screen.

    >>> spoken_number("0.47")
    'zero point four seven'
    >>> spoken_number("\u22121.2")
    'minus one point two'
    >>> spoken_number("\u2212\u221e")
    'minus infinity'
    >>> spoken_number("2505.5")
    'two thousand five hundred five point five'
    >>> spoken_number("36%")
    'thirty-six percent'

    Raises ``ValueError`` for text that is not one formatted number.
    """
    match = _NUMBER.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a formatted number")
    words = []
    if match["sign"]:
        words.append("minus")
    whole = match["whole"]
    words.append("infinity" if whole == INFINITY else _integer_words(whole))
    if match["frac"]:
        words.append("point")
        words.extend(_DIGITS[int(d)] for d in match["frac"])
    if match["pct"]:
        words.append("percent")
    return " ".join(words)


def spoken_token(label: str) -> str:
    """A token as spoken: primes that tell repeats apart are not said ("the′" is "the").

    A token that is only punctuation is named ("full stop"); digits in a token
    are said as a number ("token 3" is "token three").
    """
    bare = label.rstrip("\u2032")
    if bare in _PUNCTUATION:
        return _PUNCTUATION[bare]
    # Digits in a token ("token 3") are said as a number ("token three").
    return _DIGITS_IN_WORD.sub(lambda match: spoken_number(match.group()), bare)


def sayable(word: str) -> bool:
    """Whether the English voice can say ``word``: Latin letters, digits, punctuation, primes.

    A word in another script (Hebrew, Hindi, Chinese...) or an emoji would come
    out as noise from an English voice, so the narration names it by its
    place instead ("token three"), while the captions show it as written.
    """
    for ch in word:
        if ch.isspace() or ch == "\u2032" or (ch.isascii() and not ch.isalpha()):
            continue
        if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN "):
            continue
        return False
    return True
