"""The whole pipeline on the tiny model: text, word times, confidences, long audio, caching."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from hindi_asr.audio import Audio
from hindi_asr.errors import AudioTooShortError
from hindi_asr.model import AsrModel, LogProbs
from hindi_asr.options import TranscriberOptions
from hindi_asr.transcribe import Transcriber, get_transcriber

from .tiny_model import FRAME, MODEL_NAME, encode, speech, word_start_s

TEXT = "नमस्ते आप कैसे हैं"
WORDS = ["नमस्ते", "आप", "कैसे", "हैं", "भारत", "ल"]


def audio_of(samples: NDArray[np.float32]) -> Audio:
    return Audio(samples, 16_000, "WAV", 16_000, 1)


def test_text_words_and_times(tiny_transcriber: Transcriber) -> None:
    transcript = tiny_transcriber.transcribe(encode(speech(TEXT)))
    assert transcript.text == TEXT and transcript.language == "hi"
    assert [w.word for w in transcript.words] == TEXT.split()
    assert [w.start for w in transcript.words] == pytest.approx([word_start_s(TEXT, i) for i in range(4)])
    assert all(w.end > w.start and w.confidence > 0.99 for w in transcript.words)
    assert (transcript.model_name, transcript.model_variant) == (MODEL_NAME, "fp32")
    assert transcript.duration_s == pytest.approx(len(speech(TEXT)) / 16_000)


def test_an_unclear_word_has_a_low_confidence(tiny_transcriber: Transcriber) -> None:
    samples = speech(TEXT)
    second = int(word_start_s(TEXT, 1) * 16_000)
    samples[second : second + 3 * FRAME] *= 1.07  # "आप" sung between two of the model's levels
    words = tiny_transcriber.transcribe(encode(samples)).words
    assert words[1].word == "आप" and words[1].confidence < 0.9
    assert min(w.confidence for i, w in enumerate(words) if i != 1) > 0.99


def test_silence_gives_empty_text(tiny_transcriber: Transcriber) -> None:
    transcript = tiny_transcriber.transcribe(encode(np.zeros(16_000, np.float32)))
    assert transcript.text == "" and transcript.words == ()


def test_limits_come_from_the_options(tiny_model_dir: Path) -> None:
    transcriber = Transcriber.load(TranscriberOptions(model_dir=tiny_model_dir, min_duration_s=2.0))
    with pytest.raises(AudioTooShortError):
        transcriber.transcribe(encode(speech("आप")))


class RecordingModel(AsrModel):
    """The tiny model, noting the length of every waveform it is given."""

    lengths: list[int]

    def run(self, waveform: NDArray[np.float32]) -> LogProbs:
        self.lengths.append(len(waveform))
        return super().run(waveform)


def long_text(words: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words))


@pytest.mark.parametrize(("word_gap_frames", "chunk_s"), [(4, 5.0), (1, 3.0), (8, 7.3)])
def test_long_audio_in_chunks_loses_and_doubles_nothing(
    tiny_model_dir: Path, word_gap_frames: int, chunk_s: float
) -> None:
    # GIVEN about a minute of speech and chunks of a few seconds
    text = long_text(200)
    samples = speech(text, word_gap_frames=word_gap_frames)
    options = TranscriberOptions(model_dir=tiny_model_dir, chunk_s=chunk_s, overlap_s=chunk_s / 4)
    model = RecordingModel.load(options)
    assert isinstance(model, RecordingModel)
    model.lengths = []
    # WHEN it is transcribed
    transcript = Transcriber(model, options).transcribe_audio(audio_of(samples))
    # THEN the model never saw more than a chunk, and every word is there once, in order, at its time
    assert len(model.lengths) > 10 and max(model.lengths) <= chunk_s * 16_000
    assert transcript.text == text
    starts = [word_start_s(text, i, word_gap_frames=word_gap_frames) for i in range(len(text.split()))]
    assert [w.start for w in transcript.words] == pytest.approx(starts)


def test_chunks_are_capped_by_the_models_longest_input(tiny_model_dir: Path) -> None:
    transcriber = Transcriber.load(TranscriberOptions(model_dir=tiny_model_dir, chunk_s=600.0, overlap_s=2.0))
    assert transcriber.chunk_s == 20.0  # max_input_s in the tiny model's metadata
    text = long_text(120, seed=1)
    assert transcriber.transcribe_audio(audio_of(speech(text))).text == text


def test_the_chunk_length_comes_from_model_json_unless_the_options_set_it(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    model_dir = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model_dir)
    assert Transcriber.load(TranscriberOptions(model_dir=model_dir)).chunk_s == 20.0  # 30 s, capped
    settings = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    (model_dir / "model.json").write_text(json.dumps({**settings, "chunk_s": 6}), encoding="utf-8")
    transcriber = Transcriber.load(TranscriberOptions(model_dir=model_dir))
    assert (transcriber.chunk_s, transcriber.overlap_s) == (6.0, 1.5)  # the overlap: a quarter at most
    assert Transcriber.load(TranscriberOptions(model_dir=model_dir, chunk_s=8.0)).chunk_s == 8.0
    text = long_text(60, seed=2)
    assert transcriber.transcribe_audio(audio_of(speech(text))).text == text


def test_audio_at_another_rate_is_a_programming_error(tiny_transcriber: Transcriber) -> None:
    with pytest.raises(ValueError, match="8000 Hz"):
        tiny_transcriber.transcribe_audio(Audio(np.zeros(8000, np.float32), 8000, "WAV", 8000, 1))


def test_the_process_wide_transcriber_is_built_once(tiny_model_dir: Path) -> None:
    options = TranscriberOptions(model_dir=tiny_model_dir, overlap_s=1.0)
    assert get_transcriber(options) is get_transcriber(options)
    other = get_transcriber(TranscriberOptions(model_dir=tiny_model_dir, overlap_s=1.0, intra_op_threads=1))
    assert other is not get_transcriber(options) and other.model is not get_transcriber(options).model


def test_input_shorter_than_the_graphs_minimum_is_padded(tiny_model_dir: Path) -> None:
    options = TranscriberOptions(model_dir=tiny_model_dir)
    model = RecordingModel.load(options)
    assert isinstance(model, RecordingModel)
    model.lengths = []
    samples = speech("आप", lead_frames=0, tail_frames=0)[: 2 * FRAME]  # 80 ms of "आप"
    transcript = Transcriber(model, options).transcribe_audio(audio_of(samples))
    assert model.lengths == [1600] and transcript.text == "आप"
    assert transcript.duration_s == pytest.approx(0.08)


def test_the_package_exports_the_pipeline(tiny_model_dir: Path) -> None:
    import hindi_asr

    transcriber = hindi_asr.get_transcriber(hindi_asr.TranscriberOptions(model_dir=tiny_model_dir))
    assert transcriber.transcribe(encode(speech("भारत"))).text == "भारत"
    assert hindi_asr.__version__ and isinstance(transcriber.model, hindi_asr.AsrModel)
