"""The pipeline: bytes -> audio -> chunks -> model -> CTC decoding -> merged words -> ``Transcript``.

``transcribe_file`` runs the same pipeline on a file on disk while it is decoded, block by block: memory
stays flat in the audio's length (hours of audio from S3), holding about one chunk and the words.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hindi_asr.audio import Audio, Waveform, decode_audio, stream_audio
from hindi_asr.chunking import Chunk, merge_chunk_words, stream_chunks
from hindi_asr.contract import MIN_INPUT_S
from hindi_asr.decoder import Decoder, finish_words
from hindi_asr.decoding import DecodingOptions, Word, join_words
from hindi_asr.model import AsrModel
from hindi_asr.options import TranscriberOptions

LANGUAGE = "hi"

__all__ = [
    "LANGUAGE",
    "DecodingOptions",
    "Transcriber",
    "TranscriberOptions",
    "Transcript",
    "Word",
    "get_transcriber",
]
GREEDY = DecodingOptions()


@dataclass(frozen=True)
class Transcript:
    """The result for one audio file (``TranscriptionResponse.from_transcript`` gives its JSON shape)."""

    text: str
    words: tuple[Word, ...]
    duration_s: float
    model_name: str
    model_variant: str
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    language: str = LANGUAGE
    decoder: Mapping[str, Any] = field(default_factory=lambda: {"name": "greedy", "numbers": "words"})


class Transcriber:
    """Transcribes audio with one model; safe to share between threads."""

    def __init__(self, model: AsrModel, options: TranscriberOptions, decoder: Decoder | None = None) -> None:
        self.model = model
        self.options = options
        self.decoder = decoder or Decoder.load(options.model_dir)
        info = model.info
        self.chunk_s = min(options.chunk_s or info.chunk_s, info.max_input_s)
        self.overlap_s = min(options.overlap_s, self.chunk_s / 4)
        self.frame_samples = max(1, round(info.frame_shift_s * info.sample_rate))
        self.min_samples = round(MIN_INPUT_S * info.sample_rate)

    @classmethod
    def load(cls, options: TranscriberOptions) -> Transcriber:
        """Open the model that ``options`` names (``AsrError`` subclasses if it cannot be used)."""
        return cls(AsrModel.load(options), options)

    def _padded(self, samples: Waveform) -> Waveform:
        """Silence after input shorter than the exported graph's minimum; times are unaffected."""
        missing = self.min_samples - len(samples)
        return np.pad(samples, (0, missing)) if missing > 0 else samples

    def decoding_options(
        self,
        *,
        decoder: str | None = None,
        hotwords: str | Iterable[str] | None = None,
        numbers: str | None = None,
    ) -> DecodingOptions:
        """Validated options for this model; ``InvalidDecodingOptionsError`` (422) on bad values."""
        return DecodingOptions.parse(
            decoder=decoder, hotwords=hotwords, numbers=numbers, vocabulary=self.model.info.vocabulary
        )

    def transcribe(self, data: bytes, decoding: DecodingOptions = GREEDY) -> Transcript:
        """Decode and transcribe an audio file held in memory; raises ``AsrError`` subclasses."""
        started = time.perf_counter()
        audio = decode_audio(
            data,
            sample_rate=self.model.info.sample_rate,
            min_duration_s=self.options.min_duration_s,
            max_duration_s=self.options.max_duration_s,
        )
        return self.transcribe_audio(audio, decoding, started=started)

    def transcribe_file(
        self, path: str | Path, decoding: DecodingOptions = GREEDY, *, max_duration_s: float | None = None
    ) -> Transcript:
        """Transcribe an audio file on disk while decoding it; ``max_duration_s`` overrides the setting."""
        started = time.perf_counter()
        limit = self.options.max_duration_s if max_duration_s is None else max_duration_s
        with stream_audio(
            path,
            sample_rate=self.model.info.sample_rate,
            min_duration_s=self.options.min_duration_s,
            max_duration_s=limit,
        ) as stream:
            return self._transcribe_chunks(self._chunks(stream), lambda: stream.samples, started, decoding)

    def transcribe_audio(
        self, audio: Audio, decoding: DecodingOptions = GREEDY, *, started: float | None = None
    ) -> Transcript:
        """Transcribe decoded audio (at the model's sample rate), chunk by chunk."""
        info = self.model.info
        if audio.sample_rate != info.sample_rate:
            raise ValueError(f"audio at {audio.sample_rate} Hz given to a {info.sample_rate} Hz model")
        begin = time.perf_counter()
        started = begin if started is None else started
        chunks = self._chunks([audio.samples])
        return self._transcribe_chunks(chunks, lambda: len(audio.samples), started, decoding, decoded=begin)

    def _chunks(self, blocks: Iterable[Waveform]) -> Iterable[tuple[Chunk, Waveform]]:
        return stream_chunks(
            blocks,
            self.model.info.sample_rate,
            chunk_s=self.chunk_s,
            overlap_s=self.overlap_s,
            align=self.frame_samples,
        )

    def _transcribe_chunks(
        self,
        chunks: Iterable[tuple[Chunk, Waveform]],
        total_samples: Callable[[], int],
        started: float,
        decoding: DecodingOptions,
        *,
        decoded: float | None = None,
    ) -> Transcript:
        """Run the model on each chunk as it comes; ``decoded``: when the audio was decoded, if before."""
        info = self.model.info
        inference_s = ctc_s = 0.0
        results = []
        for chunk, samples in chunks:
            t0 = time.perf_counter()
            logprobs = self.model.run(self._padded(samples))
            t1 = time.perf_counter()
            words = self.decoder.decode(
                logprobs,
                info.vocabulary,
                decoding,
                blank_id=info.blank_id,
                frame_shift_s=info.frame_shift_s,
                offset_s=chunk.start / info.sample_rate,
            )
            results.append((chunk, words))
            inference_s, ctc_s = inference_s + t1 - t0, ctc_s + time.perf_counter() - t1
        merged = tuple(finish_words(merge_chunk_words(results), decoding))
        finished = time.perf_counter()
        total_s = finished - started
        decode_s = (decoded - started) if decoded is not None else total_s - inference_s - ctc_s
        timings = {
            "decode_audio": decode_s * 1e3,
            "inference": inference_s * 1e3,
            "ctc_decode": ctc_s * 1e3,
            "total": total_s * 1e3,
        }
        return Transcript(
            text=join_words(merged),
            words=merged,
            duration_s=total_samples() / info.sample_rate,
            model_name=info.name,
            model_variant=info.variant,
            timings_ms=timings,
            decoder=self.decoder.describe(decoding),
        )


_transcribers: dict[TranscriberOptions, Transcriber] = {}
_lock = threading.Lock()


def get_transcriber(options: TranscriberOptions) -> Transcriber:
    """The process-wide transcriber for ``options`` (the one cache): the model is loaded on first use only."""
    with _lock:
        if options not in _transcribers:
            _transcribers[options] = Transcriber.load(options)
        return _transcribers[options]
