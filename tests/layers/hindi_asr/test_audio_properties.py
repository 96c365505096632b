"""Properties of ``decode_audio`` over generated files and generated damage (hypothesis).

Whatever the bytes, the decoder returns finite mono 16 kHz samples within full scale, or raises an
``AsrError`` whose status is a 4xx: never another exception, never a 5xx.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hindi_asr.audio import SAMPLE_RATE, Audio, decode_audio
from hindi_asr.errors import AsrError

MAX_DURATION_S = 5.0
SUBTYPES = ["PCM_16", "PCM_24", "PCM_32", "PCM_U8", "FLOAT", "DOUBLE", "ULAW", "ALAW"]
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def decode_or_reject(data: bytes) -> Audio | AsrError:
    try:
        return decode_audio(data, max_duration_s=MAX_DURATION_S)
    except AsrError as error:
        assert 400 <= error.status < 500, error
        assert error.detail
        return error


def assert_sound(audio: Audio) -> None:
    assert audio.sample_rate == SAMPLE_RATE and audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1 and np.isfinite(audio.samples).all()
    assert np.abs(audio.samples).max(initial=0) <= 1.0
    assert 0.3 - 1 / SAMPLE_RATE <= audio.duration_s <= MAX_DURATION_S + 1 / SAMPLE_RATE


@st.composite
def audio_files(draw: st.DrawFn) -> tuple[bytes, float, int]:
    """A WAV or FLAC file: random rate, channels, sample format, length and content."""
    rate = draw(st.sampled_from([4_000, 8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000]))
    channels = draw(st.integers(1, 4))
    file_format = draw(st.sampled_from(["WAV", "FLAC"]))
    subtype = draw(st.sampled_from(SUBTYPES if file_format == "WAV" else ["PCM_16", "PCM_24"]))
    frames = draw(st.integers(int(0.3 * rate) + 1, int(2.0 * rate)))
    seed = draw(st.integers(0, 2**32 - 1))
    amplitude = draw(st.sampled_from([0.0, 1e-6, 0.1, 0.99, 1.0]))
    samples = np.random.default_rng(seed).uniform(-amplitude, amplitude, (frames, channels))
    buffer = io.BytesIO()
    sf.write(buffer, samples.astype(np.float32), rate, format=file_format, subtype=subtype)
    return buffer.getvalue(), frames / rate, channels


@PROPERTY_SETTINGS
@given(audio_files())
def test_any_valid_file_decodes_to_its_length(file: tuple[bytes, float, int]) -> None:
    data, duration_s, channels = file
    audio = decode_audio(data, max_duration_s=MAX_DURATION_S)
    assert_sound(audio)
    assert audio.source_channels == channels
    assert abs(audio.duration_s - duration_s) <= 2 / SAMPLE_RATE + 1e-9


@PROPERTY_SETTINGS
@given(st.binary(max_size=4096))
def test_any_bytes_decode_or_are_rejected(data: bytes) -> None:
    result = decode_or_reject(data)
    if isinstance(result, Audio):
        assert_sound(result)


@PROPERTY_SETTINGS
@given(audio_files(), st.data())
def test_a_damaged_file_decodes_or_is_rejected(file: tuple[bytes, float, int], data: st.DataObject) -> None:
    original = file[0]
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(damaged)))
    result = decode_or_reject(bytes(damaged[:cut]))
    if isinstance(result, Audio):
        assert_sound(result)


@pytest.mark.parametrize("value", [1.5, -7.0, 1e30, -3.4e38])
def test_samples_beyond_full_scale_are_clipped(value: float) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, np.full(8_000, value, np.float32), SAMPLE_RATE, format="WAV", subtype="FLOAT")
    audio = decode_audio(buffer.getvalue())
    assert np.array_equal(audio.samples, np.full(8_000, np.sign(value), np.float32))
