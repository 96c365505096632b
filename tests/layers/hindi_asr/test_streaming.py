"""Long audio from a file: decoded block by block, chunked as it arrives, the same words as in memory."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hindi_asr.audio import stream_audio
from hindi_asr.chunking import plan_chunks, stream_chunks
from hindi_asr.errors import (
    AudioTooLongError,
    AudioTooShortError,
    EmptyAudioError,
    TruncatedAudioError,
    UndecodableAudioError,
)
from hindi_asr.options import TranscriberOptions
from hindi_asr.transcribe import Transcriber

from .tiny_model import encode, speech

RATE = 16_000
WORDS = ["नमस्ते", "आप", "कैसे", "हैं", "भारत", "ल"]


def long_text(words: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words))


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (0.3 * np.random.default_rng(seed).standard_normal(int(seconds * RATE))).astype(np.float32)


@pytest.mark.parametrize("block", [1, 999, 16_000, 300_001, 10**7])
def test_streamed_chunks_are_the_plan_of_the_whole(block: int) -> None:
    samples = noise(95.0 if block > 1 else 9.0)
    samples[int(41.3 * RATE) : int(41.6 * RATE)] = 0.0  # a pause for one of the cuts to find
    blocks = [samples[i : i + block] for i in range(0, len(samples), block)]
    streamed = list(
        stream_chunks(blocks, RATE, chunk_s=4.0 if block == 1 else 20.0, overlap_s=1.0, align=640)
    )
    planned = plan_chunks(samples, RATE, chunk_s=4.0 if block == 1 else 20.0, overlap_s=1.0, align=640)
    assert [chunk for chunk, _ in streamed] == planned
    for chunk, chunk_samples in streamed:
        np.testing.assert_array_equal(chunk_samples, samples[chunk.start : chunk.end])


def test_no_blocks_is_one_empty_chunk() -> None:
    ((chunk, samples),) = stream_chunks([], RATE, chunk_s=20.0, overlap_s=2.0)
    assert (chunk.start, chunk.end, len(samples)) == (0, 0, 0)


@pytest.fixture(scope="module")
def chunked(tiny_model_dir: Path) -> Transcriber:
    return Transcriber.load(TranscriberOptions(model_dir=tiny_model_dir, chunk_s=5.0, overlap_s=1.25))


@pytest.mark.parametrize(
    ("file_format", "sample_rate", "channels"), [("WAV", 16_000, 1), ("FLAC", 44_100, 2), ("WAV", 8_000, 3)]
)
def test_a_file_gives_the_same_transcript_as_its_bytes(
    chunked: Transcriber, tmp_path: Path, file_format: str, sample_rate: int, channels: int
) -> None:
    text = long_text(150)
    data = encode(speech(text), file_format=file_format, sample_rate=sample_rate, channels=channels)
    path = tmp_path / f"speech.{file_format.lower()}"
    path.write_bytes(data)
    from_file, from_bytes = chunked.transcribe_file(path), chunked.transcribe(data)
    assert from_file.words == from_bytes.words and from_file.text == text
    assert from_file.duration_s == pytest.approx(from_bytes.duration_s)
    assert set(from_file.timings_ms) == {"decode_audio", "inference", "ctc_decode", "total"}


def test_memory_stays_flat_in_the_audio_length(chunked: Transcriber, tmp_path: Path) -> None:
    # GIVEN 10 minutes of speech on disk (19 MB as 16-bit WAV, 38 MB as float32 samples)
    path = tmp_path / "long.wav"
    text = long_text(40, seed=3)
    piece = speech(text)
    with sf.SoundFile(path, "w", RATE, 1, "PCM_16") as f:
        while f.frames < 600 * RATE:
            f.write(piece)
    repeats = -(-600 * RATE // len(piece))
    # WHEN it is transcribed from the file
    tracemalloc.start()
    try:
        transcript = chunked.transcribe_file(path, max_duration_s=14_400)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # THEN every word is there and Python's peak allocation is a few chunks, not the audio
    assert transcript.text == " ".join([text] * repeats)
    assert transcript.duration_s == pytest.approx(repeats * len(piece) / RATE)
    assert peak < 12_000_000, f"peak {peak / 1e6:.1f} MB"


def test_the_file_limits_hold(chunked: Transcriber, tmp_path: Path) -> None:
    wav = encode(speech(long_text(30)))
    cases = {
        "empty.wav": (b"", EmptyAudioError),
        "text.wav": (b"not audio at all" * 10, UndecodableAudioError),
        "cut.wav": (wav[: len(wav) // 2], TruncatedAudioError),
        "short.wav": (encode(np.zeros(RATE // 10, np.float32)), AudioTooShortError),
    }
    for name, (data, error) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(error):
            chunked.transcribe_file(tmp_path / name)
    (tmp_path / "long.wav").write_bytes(wav)
    with pytest.raises(AudioTooLongError):
        chunked.transcribe_file(tmp_path / "long.wav", max_duration_s=2.0)


def test_a_stream_counts_its_samples(tmp_path: Path) -> None:
    path = tmp_path / "a.flac"
    path.write_bytes(encode(speech("आप कैसे हैं"), file_format="FLAC", sample_rate=8_000))
    with stream_audio(path) as stream:
        blocks = list(stream)
        assert stream.source_format == "FLAC"
    assert stream.samples == sum(len(b) for b in blocks) > 0
