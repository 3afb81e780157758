"""What a statement's subject names: ``W_q``, ``Q_love``, ``K``, ``Attention Score for 'I' and 'love'``.

`classify` reads a subject (and the working after it) and returns a `Name`:
the kind of thing (weights, embeddings, a Q/K/V row or matrix, a score, a
softmax, attention weights, a context row, a residual sum) and the token
references it carries, as written (``"I"``, ``"1"``, ``"token 2"``).
`resolve_token` turns a reference into a row index once the tokens are known.

Spellings: ``W_q``, ``W_Q``, ``W_query``, ``Wq``, ``W^Q``, ``W_{q}``,
``\\mathbf{W}_q``, ``query weights``; ``Q_I``, ``Q1``, ``q_1``, ``Q('I')``,
``Q_love``, ``query for 'I'``; ``Q``, ``queries``, ``Query matrix``; ``X``,
``E``, ``embeddings``, ``inputs``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Name", "classify", "clean_subject", "resolve_token"]


@dataclass(frozen=True)
class Name:
    """What a subject names.

    Attributes
    ----------
    kind
        ``"w_q"``, ``"w_k"``, ``"w_v"``, ``"w_o"``, ``"embeddings"``, ``"q"``,
        ``"k"``, ``"v"``, ``"scores"``, ``"softmax"``, ``"weights"``,
        ``"context"`` or ``"residual"``.
    row, col
        Token references as written (None: the whole matrix, or a row);
        ``score(the, cat)`` names row ``the`` and column ``cat``.
    dot
        The working shows the dot product itself (``Q_I . K_love``, ``23*40 + ...``).
    scaled
        The subject or its note says the score is divided (``/√d_k``, ``scaled``);
        None when it does not say.
    """

    kind: str
    row: str | None = None
    col: str | None = None
    dot: bool = False
    scaled: bool | None = None


_QUOTED = re.compile(r"['\"‘“`«]([^'\"’”`«»]+)['\"’”`»]")
_WEIGHT = re.compile(
    r"^(?:(?:let|the|self|model)\W+)?w_?(q|k|v|o|query|key|value|out|output|queries|keys|values)(?:_?weights?)?"
    r"(?:\s+matrix)?(?:\s*\(.*\))?$",
    re.IGNORECASE,
)
_WEIGHT_WORDS = re.compile(
    r"^(?:the\s+)?(query|key|value|output)\s+(?:weights?|projection)(?:\s+matrix)?(?:\s*\(.*\))?$",
    re.IGNORECASE,
)
_EMBEDDINGS = re.compile(
    r"^(?:the\s+)?(?:x|e|h|embeddings?|inputs?|input\s+(?:embeddings?|matrix)|(?:word|token)\s+embeddings?|"
    r"embedding\s+matrix|encoded\s+words)(?:\s*\(.*\))?$",
    re.IGNORECASE,
)
_QKV_WHOLE = re.compile(
    r"^(?:the\s+)?(q|k|v|quer(?:y|ies)|keys?|values?)(?:\s+(?:matrix|matrices|vectors))?"
    r"(?:\s+\(.*\)|\([^()]*(?:\s|×|,|\d\s*x\s*\d)[^()]*\))?$",  # "Q (3 × 2)", not "q(fox)"
    re.IGNORECASE,
)
_QKV_ROW = re.compile(r"^(q|k|v)_?\(?['\"‘“`]?([^\s'\"’”`()]+)['\"’”`]?\)?$", re.IGNORECASE)
_QKV_WORDS_ROW = re.compile(
    r"^(?:the\s+)?(query|key|value)(?:\s+vector)?\s+(?:for|of)\s+(.+)$",
    re.IGNORECASE,
)
_DOT = re.compile(
    r"\b[Qq]_?\(?['\"‘“]?([^\s.·⋅'\"’”()]+?)['\"’”]?\)?\s*(?:\.|·|⋅|\*|@)\s*[Kk]_?\(?['\"‘“]?([^\s'\"’”()]+?)['\"’”]?\)?(?:_?\^?T)?(?=\s|$|[,;)])"
)
_PRODUCTS = re.compile(r"\d\s*[*×·]\s*\(?[-−]?\d")
_WITH_KEY = re.compile(
    r"\bwith\s+(?:(?:the\s+)?(?:key\s+(?:of\s+)?|word\s+|token\s+))?(?:[Kk](?:_|(?=\d)))?['\"‘“]?([^\s:,;'\"’”()]+)",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    r"\b(?:between|of)\s+(?:the\s+(?:word|token|query)\s+)?(?:(?:[Qq](?:_|(?=\d)))|query\s+(?:of\s+)?)?['\"‘“]?([^\s:,;'\"’”()]+)['\"’”]?"
    r"\s+and\s+(?:the\s+(?:word|token|key)\s+)?(?:(?:[Kk](?:_|(?=\d)))|key\s+(?:of\s+)?)?['\"‘“]?([^\s:,;'\"’”()]+?)['\"’”]?(?=$|[\s,;:)])",
    re.IGNORECASE,
)
_TOKEN_N = re.compile(r"\b(?:token|word|position|row)\s+#?(\d+)\b", re.IGNORECASE)
_FOR_REF = re.compile(
    r"\b(?:for|of|de|para|pour|du|von|für)\s+(?:the\s+)?(?:word|token\s+)?['\"‘“`«]?([^\s'\"’”`«»,:]+)['\"’”`»]?",
    re.IGNORECASE,
)
_WEIGHTS = re.compile(
    r"^(?:(?:the|los|las|les|die)\s+)?(?:attention\s+)?(?:weights?|probabilities|alphas?|a|α|"
    r"pesos(?:\s+de\s+atenci[oó]n)?|poids(?:\s+d['’]attention)?|(?:aufmerksamkeits)?gewichte)"
    r"(?:\s+(?:for|of|de|du|para|pour|von|für)\s+(.+?))?"
    r"(?:\s*\([^()]*\))?$",
    re.IGNORECASE,
)
_CONTEXT = re.compile(
    r"^(?:the\s+)?(?:final\s+)?(?:self-?attention(?:\s+(?:output|scores?))?|attention(?:\s+output)?|"
    r"context(?:\s+vector)?|output|out|new\s+(?:vector|representation)|weighted\s+sum)(?:\s+(?:for|of)\s+(.+))?$",
    re.IGNORECASE,
)
_CONTEXT_ROW = re.compile(
    r"^(?:[zZoO](?:_|(?=\d))|(?:out|output|context|attention)_)\(?['\"‘“]?([^\s'\"’”()]+)['\"’”]?\)?$",
    re.IGNORECASE,
)
_X_ROW = re.compile(r"^(?:x|e|embedding|input)_?\(?['\"‘“]?([^\s'\"’”()]*)['\"’”]?\)?$", re.IGNORECASE)
_CONTEXT_WORD = re.compile(r"attention|context|output|^z\b|^z_?\w+$|weighted", re.IGNORECASE)
_QK_T = re.compile(r"^Q\s*(?:·|⋅|\*|@)?\s*K_?(?:T|⊤|transpose)$", re.IGNORECASE)
_CALL = re.compile(
    r"(?:^|\s)(?P<fn>scores?|s|sim(?:ilarity)?|dot|logits?|weights?|w|α|alpha|a|attn|attention)\s*"
    r"\(\s*['\"‘“]?(?P<row>[^\s,'\"’”()]+)['\"’”]?\s*,\s*['\"‘“]?(?P<col>[^\s,'\"’”()]+)['\"’”]?\s*\)$",
    re.IGNORECASE,
)
_ADD_BACK = re.compile(
    r"^(?:(?:then|finally|next|now),?\s+)?(?:we\s+)?add(?:ing)?\s+(?:the\s+|its\s+)?(?:input|embedding|original)s?"
    r"(?:\s+(?:embedding|vector))?\s+back(?:\s+((?:for|of|to)\s+.+))?$",
    re.IGNORECASE,
)
_LABELLED_SOFTMAX = re.compile(
    r"^(?:the\s+)?(?:attention\s+)?(?:weights?|probabilities)\s+((?:for|of)\s+[^:]+?)\s*:\s*softmax\s*\(",
    re.IGNORECASE,
)
_SCALED_NOTE = re.compile(r"√|sqrt|scaled|/\s*\d|÷|divided", re.IGNORECASE)


def clean_subject(subject: str) -> str:
    """A subject without LaTeX and Markdown dress: ``\\mathbf{W}^{Q}`` gives ``W_Q``."""
    text = re.sub(
        r"\\(?:mathbf|mathrm|mathit|text|textbf|boldsymbol|bm|vec|operatorname)\s*\{([^}]*)\}", r"\1", subject
    )
    text = text.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")
    text = text.replace("^", "_").replace("**", "").replace("`", "")
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    return " ".join(text.split()).strip(" :,")


def classify(subject: str, middle: Sequence[str] = (), note: str = "") -> Name | None:
    """What ``subject`` names, or None when it names nothing a lesson uses.

    Parameters
    ----------
    subject
        The text before the first ``=`` (or ``:``/``→``).
    middle
        The working between the subject and the stated value.
    note
        Text after the stated value, such as ``(after /√d_k)``.
    """
    text = clean_subject(subject)
    if not text:
        return None
    name = _classify(text, middle, note)
    if name is None and ":" in text:
        # "Then we add it to the embedding: x_1 + attention": the name follows the colon.
        name = _classify(text.rpartition(":")[2].strip(), middle, note)
    if name is None and " " in text:
        # "the query weight matrix W_q is [...]": a symbol at the end names it.
        last = text.rsplit(None, 1)[-1]
        called = re.fullmatch(r"[A-Za-z]\(['\"‘“]?\w+['\"’”]?\)", last)  # "its key is k('red')"
        if called or (
            re.fullmatch(r"[A-Za-z]_?\w{0,12}", last) and any(ch.isupper() or ch == "_" for ch in last)
        ):
            name = _classify(last, middle, note)
    return name


def _classify(text: str, middle: Sequence[str], note: str) -> Name | None:
    lower = text.lower()
    working = " ".join(middle)
    weight = _WEIGHT.match(text) or _WEIGHT_WORDS.match(text)
    if weight:
        return Name("w_" + weight.group(1)[0].lower())
    if lower.startswith("softmax"):
        return Name("softmax")
    labelled = _LABELLED_SOFTMAX.match(text)
    if labelled:
        # "Weights for dogs: softmax([0.16, 0.24, 0.24])": the softmax of that token's row.
        return Name("softmax", row=_ref(labelled.group(1)))
    if _EMBEDDINGS.match(text):
        return Name("embeddings")
    if "+" in text and not _PRODUCTS.search(text):
        return _residual(text)
    added = _ADD_BACK.match(text)
    if added:
        # "Add the input back for 'sleep'": the residual sum of that token.
        return Name("residual", row=_ref(added.group(1)))
    if _QK_T.match(text):
        scaled_note = True if _SCALED_NOTE.search(note) else None
        return Name("scores", dot=True, scaled=scaled_note)
    whole = _QKV_WHOLE.match(text)
    if whole:
        return Name(whole.group(1)[0].lower())
    row = _QKV_ROW.match(text)
    if row and not _EMBEDDINGS.match(text):
        return Name(row.group(1).lower(), row=row.group(2))
    words_row = _QKV_WORDS_ROW.match(text)
    if words_row:
        return Name(words_row.group(1)[0].lower(), row=_strip_ref(words_row.group(2)))
    scaled = True if (_SCALED_NOTE.search(note) or re.search(r"\bscaled\b", lower)) else None
    call = _CALL.search(text)
    if call:
        # score(the, cat) = 4, α(the, cat) = 0.40: the row's token first, then the column's.
        kind = "scores" if call.group("fn").lower().startswith(("s", "d", "l")) else "weights"
        shown = bool(_DOT.search(working) or _PRODUCTS.search(working))
        return Name(kind, row=call.group("row"), col=call.group("col"), dot=shown, scaled=scaled)
    dot = _DOT.search(text) or _DOT.search(working)
    scoreish = ("score", "similarit", "dot product", "puntuaci", "punktzahl")
    if any(word in lower for word in scoreish) or dot or _PRODUCTS.search(text):
        return _score(text, working, scaled, dot)
    weights = _WEIGHTS.match(text)
    if weights:
        return Name("weights", row=_ref(weights.group(1)))
    context = _CONTEXT.match(text)
    if context:
        return Name("context", row=_ref(context.group(1)))
    context_row = _CONTEXT_ROW.match(text)
    if context_row:
        return Name("context", row=context_row.group(1))
    return None


def _score(text: str, working: str, scaled: bool | None, dot: re.Match[str] | None) -> Name:
    explicit = bool(dot) or bool(_PRODUCTS.search(text)) or bool(_PRODUCTS.search(working))
    explicit = explicit or bool(re.search(r"dot[- ]products?|\braw\b|\bunscaled\b", text, re.IGNORECASE))
    quoted = _QUOTED.findall(text)
    numbered = _TOKEN_N.findall(text)
    refs = quoted or numbered
    if dot is not None and len(refs) < 2:
        return Name("scores", row=dot.group(1), col=dot.group(2), dot=True, scaled=scaled)
    if len(refs) >= 2:
        return Name("scores", row=refs[0], col=refs[1], dot=explicit, scaled=scaled)
    between = _BETWEEN.search(text)
    if between:
        row, col = between.group(1), between.group(2)
        if row.lower() in ("q", "queries") and re.fullmatch(r"(?:k|keys)(?:_?t|ᵀ|⊤)?", col, re.IGNORECASE):
            return Name("scores", dot=True, scaled=scaled)  # "the dot product of Q and K": the whole matrix
        return Name("scores", row=row, col=col, dot=explicit, scaled=scaled)
    key = _WITH_KEY.search(text)
    if key:
        # "score of dogs with cats", "Q_dogs with K_cats": the row is the token named before "with".
        before = _FOR_REF.search(text[: key.start()])
        row = refs[0] if refs else (before.group(1) if before else None)
        col = row if key.group(1).lower() in ("itself", "himself", "herself") else key.group(1)
        return Name("scores", row=row, col=col, dot=explicit, scaled=scaled)
    if refs:
        return Name("scores", row=refs[0], dot=explicit, scaled=scaled)
    found = _FOR_REF.search(text)
    return Name("scores", row=found.group(1) if found else None, dot=explicit, scaled=scaled)


def _residual(text: str) -> Name | None:
    parts = [part.strip() for part in text.split("+")]
    if len(parts) != 2:
        return None
    for x_part, other in (parts, parts[::-1]):
        x_row = _X_ROW.match(x_part)
        if x_row and _CONTEXT_WORD.search(other):
            return Name("residual", row=x_row.group(1) or None)
    return None


def _ref(text: str | None) -> str | None:
    """The token a phrase is about: ``for token 1`` gives ``"1"``, ``for 'I'`` gives ``"I"``."""
    if not text:
        return None
    number = _TOKEN_N.search(text)
    if number:
        return number.group(1)
    quoted = _QUOTED.search(text)
    if quoted:
        return quoted.group(1)
    found = _FOR_REF.search(" for " + text if not re.match(r"\s*(?:for|of)\b", text) else text)
    return found.group(1) if found else None


def _strip_ref(text: str) -> str:
    return _ref(text) or text.strip("'\"‘’“” ")


def resolve_token(ref: str | None, tokens: Sequence[str], one_based: bool = True) -> int | None:
    """The row a token reference names, or None.

    A reference is a token as written (case-insensitive when unambiguous), a
    quoted token, ``token 2`` or a number (counted from 1 unless
    ``one_based`` is False).
    """
    if ref is None:
        return None
    ref = ref.strip().strip("'\"‘’“”`*_")
    if not ref:
        return None
    if ref in tokens:
        return tokens.index(ref)
    folded = [token.casefold() for token in tokens]
    if folded.count(ref.casefold()) == 1:
        return folded.index(ref.casefold())
    number = re.fullmatch(r"(?:token\s*|word\s*)?#?(\d+)", ref, re.IGNORECASE)
    if number:
        index = int(number.group(1)) - (1 if one_based else 0)
        return index if 0 <= index < len(tokens) else None
    return None
