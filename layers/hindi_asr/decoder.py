"""Runs a request's ``DecodingOptions`` on one chunk's log-probs: greedy or beam search, then numbers.

The model directory's ``model.json`` may carry a ``decoder`` section (``asr_build.lm`` writes it):

    "decoder": {"lm": "lm.arpa", "alpha": 0.3, "beta": 1.0, "beam_size": 12, "hotword_weight": 1.5}

``lm`` is a path relative to the model directory. The file must exist when the model is loaded, but it
is read on the first beam request (~0.3 s, +24 MB for the demo LM), so greedy-only use never pays for
it; ``Decoder.language_model()`` reads it ahead of time. Without the section (or without ``lm``) beam
search runs on the acoustic scores alone.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hindi_asr.beam import BeamOptions, beam_search
from hindi_asr.decoding import DecodingOptions, Word, greedy_tokens, words_from_tokens
from hindi_asr.errors import InvalidModelError
from hindi_asr.hotwords import HotwordScorer
from hindi_asr.lm import NgramLanguageModel
from hindi_asr.numbers import words_to_digits

SECTION = "decoder"
SETTINGS_FILE = "model.json"
_TUNABLE = frozenset(option.name for option in fields(BeamOptions))
_INTEGERS = frozenset({"beam_size", "token_top_k"})


@dataclass(frozen=True)
class Decoder:
    """The model directory's decoding resources: its language model and beam settings; thread-safe."""

    beam: BeamOptions
    lm_path: Path | None = None
    _lm: list[NgramLanguageModel] = field(default_factory=list, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def load(cls, model_dir: Path) -> Decoder:
        """Read ``model.json``'s ``decoder`` section; ``InvalidModelError`` if it is wrong."""
        path = model_dir / SETTINGS_FILE
        try:
            settings = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, ValueError) as exc:
            raise InvalidModelError(f"{path} is not valid JSON: {exc}") from exc
        section = settings.get(SECTION, {}) if isinstance(settings, dict) else {}
        if not isinstance(section, dict):
            raise InvalidModelError(f"{path}: '{SECTION}' must be an object")
        return cls(_beam_options(section, path), _language_model_path(section, model_dir))

    def language_model(self) -> NgramLanguageModel | None:
        """The language model, read on the first call."""
        if self.lm_path is None:
            return None
        with self._lock:
            if not self._lm:
                self._lm.append(NgramLanguageModel.load(self.lm_path))
            return self._lm[0]

    def decode(
        self,
        logprobs: NDArray[np.float32],
        vocabulary: tuple[str, ...],
        options: DecodingOptions,
        *,
        blank_id: int,
        frame_shift_s: float,
        offset_s: float = 0.0,
    ) -> list[Word]:
        """Words of one chunk, with absolute times."""
        if options.decoder == "beam":
            hotwords = HotwordScorer.build(options.hotwords, self.beam.hotword_weight)
            lm = self.language_model()
            tokens = beam_search(
                logprobs, vocabulary, blank_id=blank_id, lm=lm, hotwords=hotwords, options=self.beam
            )
        else:
            tokens = greedy_tokens(logprobs, blank_id)
        return words_from_tokens(tokens, vocabulary, frame_shift_s=frame_shift_s, offset_s=offset_s)

    def describe(self, options: DecodingOptions) -> dict[str, Any]:
        """What the response says about decoding."""
        described: dict[str, Any] = {"name": options.decoder, "numbers": options.numbers}
        if options.decoder == "beam":
            fused = self.lm_path is not None
            described |= {
                "lm": self.lm_path.name if self.lm_path is not None else None,
                "alpha": self.beam.alpha if fused else None,
                "beta": self.beam.beta if fused else None,
                "beam_size": self.beam.beam_size,
                "hotwords": list(options.hotwords),
            }
        return described


def finish_words(words: list[Word], options: DecodingOptions) -> list[Word]:
    """Post-processing of the merged words of all chunks (numbers as digits)."""
    return words_to_digits(words) if options.numbers == "digits" else words


def _beam_options(section: Mapping[str, Any], path: Path) -> BeamOptions:
    unknown = sorted(set(section) - _TUNABLE - {"lm"})
    if unknown:
        raise InvalidModelError(f"{path}: unknown decoder settings {unknown}")
    try:
        values: dict[str, Any] = {
            name: (int(value) if name in _INTEGERS else float(value))
            for name, value in section.items()
            if name != "lm"
        }
    except (TypeError, ValueError) as exc:
        raise InvalidModelError(f"{path}: decoder settings must be numbers: {exc}") from exc
    options = replace(BeamOptions(), **values)
    if options.beam_size < 1 or options.token_top_k < 1 or not 0 < options.blank_skip <= 1:
        raise InvalidModelError(f"{path}: beam_size and token_top_k must be >= 1, blank_skip in (0, 1]")
    return options


def _language_model_path(section: Mapping[str, Any], model_dir: Path) -> Path | None:
    name = section.get("lm")
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise InvalidModelError(f"{model_dir / SETTINGS_FILE}: decoder 'lm' must be a file name")
    path = model_dir / name
    if not path.is_file():
        raise InvalidModelError(f"language model {path} does not exist")
    return path
