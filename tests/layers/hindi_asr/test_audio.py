"""Decoding and validation of audio bytes: formats, rates, channels, and every way a file can be bad."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile as sf
from numpy.typing import NDArray

from hindi_asr.audio import SAMPLE_RATE, check_wav_header, decode_audio
from hindi_asr.errors import (
    AsrError,
    AudioTooLongError,
    AudioTooShortError,
    EmptyAudioError,
    NonFiniteAudioError,
    TruncatedAudioError,
    UndecodableAudioError,
)

from .tiny_model import encode


def tone(
    seconds: float, hz: float = 1000.0, rate: int = SAMPLE_RATE, amplitude: float = 0.5
) -> NDArray[np.float32]:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def wav(samples: NDArray[np.float32], rate: int = SAMPLE_RATE, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def peak_hz(samples: NDArray[np.float32], rate: int = SAMPLE_RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


FORMATS = [
    ("WAV", "PCM_16", 16_000, 1),
    ("WAV", "PCM_24", 44_100, 2),
    ("WAV", "FLOAT", 8_000, 1),
    ("FLAC", "PCM_16", 22_050, 2),
    ("OGG", "VORBIS", 48_000, 2),
    ("OGG", "OPUS", 48_000, 1),
    ("MP3", "MPEG_LAYER_III", 44_100, 2),
]


@pytest.mark.parametrize(("file_format", "subtype", "rate", "channels"), FORMATS)
def test_every_format_rate_and_channel_count_decodes_to_16k_mono(
    file_format: str, subtype: str, rate: int, channels: int
) -> None:
    # GIVEN two seconds of a 1 kHz tone in some container, rate and channel count
    data = encode(tone(2.0), sample_rate=rate, file_format=file_format, subtype=subtype, channels=channels)
    # WHEN it is decoded
    audio = decode_audio(data)
    # THEN it is 16 kHz mono float32 of the same length and pitch
    assert audio.sample_rate == SAMPLE_RATE and audio.samples.ndim == 1 and audio.samples.dtype == np.float32
    assert (
        audio.source_rate == rate and audio.source_channels == channels and audio.source_format == file_format
    )
    assert audio.duration_s == pytest.approx(2.0, abs=0.03)
    assert peak_hz(audio.samples) == pytest.approx(1000.0, abs=2.0)


def test_stereo_is_downmixed_by_averaging() -> None:
    left, right = tone(1.0), np.zeros(SAMPLE_RATE, np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([left, right], axis=1), SAMPLE_RATE, format="WAV", subtype="FLOAT")
    audio = decode_audio(buffer.getvalue())
    np.testing.assert_allclose(audio.samples, left / 2, atol=1e-6)


def test_resampling_keeps_the_signal() -> None:
    source = tone(1.0, hz=440.0, rate=44_100)
    audio = decode_audio(wav(source, rate=44_100, subtype="FLOAT"))
    expected = tone(1.0, hz=440.0)
    # away from the edges the resampled tone matches the tone generated at 16 kHz
    np.testing.assert_allclose(audio.samples[800:-800], expected[800:-800], atol=2e-3)


def test_long_audio_is_decoded_in_blocks_without_loss() -> None:
    source = tone(40.0, hz=300.0, rate=22_050, amplitude=0.3)  # several decode blocks
    audio = decode_audio(wav(source, rate=22_050), max_duration_s=60.0)
    assert len(audio.samples) == pytest.approx(40 * SAMPLE_RATE, abs=2)
    assert peak_hz(audio.samples) == pytest.approx(300.0, abs=0.5)


# ---- bad input --------------------------------------------------------------------------------------------


def test_zero_bytes_is_empty() -> None:
    with pytest.raises(EmptyAudioError):
        decode_audio(b"")


def test_a_header_without_samples_is_empty() -> None:
    with pytest.raises(EmptyAudioError):
        decode_audio(wav(np.zeros(0, np.float32)))


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_wav_is_rejected(cut: float) -> None:
    data = wav(tone(1.0))
    with pytest.raises(TruncatedAudioError, match="declares 32000 bytes"):
        decode_audio(data[: int(len(data) * cut)])


def test_wav_header_claiming_more_data_than_the_file_holds_is_rejected() -> None:
    data = bytearray(wav(tone(1.0)))
    data[40:44] = struct.pack("<I", 10_000_000)  # the data chunk's size field
    with pytest.raises(TruncatedAudioError):
        decode_audio(bytes(data))


def test_wav_header_claiming_no_data_is_empty() -> None:
    data = bytearray(wav(tone(1.0)))
    data[40:44] = struct.pack("<I", 0)
    with pytest.raises(EmptyAudioError):
        decode_audio(bytes(data))


def test_streamed_wav_of_unknown_length_is_accepted() -> None:
    data = bytearray(wav(tone(1.0)))
    data[4:8] = data[40:44] = struct.pack("<I", 0xFFFFFFFF)  # what writers to a pipe put there
    check_wav_header(bytes(data))
    assert decode_audio(bytes(data)).duration_s == pytest.approx(1.0)


def test_truncated_flac_is_undecodable() -> None:
    data = encode(tone(2.0), file_format="FLAC")
    with pytest.raises(UndecodableAudioError):
        decode_audio(data[: len(data) // 2])


def test_truncated_mp3_is_rejected_against_its_header() -> None:
    data = encode(tone(3.0), sample_rate=44_100, file_format="MP3")
    with pytest.raises(TruncatedAudioError, match="MP3 header declares"):
        decode_audio(data[: len(data) // 2])


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is text",
        b"RIFF" + b"\x00" * 100,
        bytes(range(256)) * 20,
        b"\x00\x00\x00\x20ftypM4A " + b"\0" * 64,
    ],
    ids=["text", "riff-garbage", "noise", "m4a"],
)
def test_unrecognised_bytes_are_undecodable(data: bytes) -> None:
    with pytest.raises(UndecodableAudioError, match="not a readable audio file"):
        decode_audio(data)


def test_formats_outside_the_accepted_list_are_refused() -> None:
    buffer = io.BytesIO()
    sf.write(buffer, tone(1.0), SAMPLE_RATE, format="AU", subtype="PCM_16")
    with pytest.raises(UndecodableAudioError, match="AU audio is not accepted"):
        decode_audio(buffer.getvalue())


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_rejected(bad: float) -> None:
    samples = tone(1.0)
    samples[12_345] = bad
    with pytest.raises(NonFiniteAudioError, match="sample 12345"):
        decode_audio(wav(samples, subtype="FLOAT"))


def test_too_short() -> None:
    with pytest.raises(AudioTooShortError, match=r"0\.200 s"):
        decode_audio(wav(tone(0.2)))
    assert decode_audio(wav(tone(0.2)), min_duration_s=0.1).duration_s == pytest.approx(0.2)


def test_too_long_by_header_and_by_decoded_length() -> None:
    with pytest.raises(AudioTooLongError):
        decode_audio(wav(tone(3.0)), max_duration_s=2.0)
    # an OGG states no length up front: the limit is enforced while decoding
    with pytest.raises(AudioTooLongError):
        decode_audio(
            encode(tone(3.0), sample_rate=48_000, file_format="OGG", subtype="OPUS"), max_duration_s=2.0
        )


def test_sample_rate_and_channel_count_limits() -> None:
    with pytest.raises(UndecodableAudioError, match="sample rate 2000 Hz"):
        decode_audio(wav(tone(1.0, hz=100, rate=2000), rate=2000))
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros((8000, 40), np.float32), 8000, format="WAV", subtype="PCM_16")
    with pytest.raises(UndecodableAudioError, match="40 channels"):
        decode_audio(buffer.getvalue())


def test_every_audio_error_is_a_client_error() -> None:
    for error in (EmptyAudioError, TruncatedAudioError, UndecodableAudioError, NonFiniteAudioError,
                  AudioTooShortError, AudioTooLongError):  # fmt: skip
        assert issubclass(error, AsrError) and 400 <= error.status < 500
