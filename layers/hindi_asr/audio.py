"""Audio in: decode bytes (WAV, FLAC, OGG/Vorbis/Opus, MP3), validate, downmix, resample to 16 kHz.

The file is decoded in blocks that are downmixed and resampled as they arrive, so the memory held is the
16 kHz mono result (at most ``max_duration_s``), never a float copy of the original rate and channels.
``stream_audio`` hands the same blocks out one at a time, for files too long to hold (hours, from S3).
libsndfile is lenient where a service must not be: a truncated WAV decodes to fewer frames, a header
claiming too many bytes decodes to what is there, NaN samples come back unchanged. Those cases are
checked here and turned into typed errors; samples beyond full scale are clipped.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr
from numpy.typing import NDArray

from hindi_asr.errors import (
    AudioTooLongError,
    AudioTooShortError,
    EmptyAudioError,
    NonFiniteAudioError,
    TruncatedAudioError,
    UndecodableAudioError,
)

SAMPLE_RATE = 16_000
ACCEPTED_FORMATS = frozenset({"WAV", "WAVEX", "RF64", "W64", "FLAC", "OGG", "MP3", "AIFF"})
MIN_SOURCE_RATE = 4_000
MAX_SOURCE_RATE = 384_000
MAX_CHANNELS = 32
BLOCK_SAMPLES = 1 << 18  # samples (all channels) decoded per block
TRUNCATION_TOLERANCE = 0.02  # compressed formats whose header states a length may undershoot it slightly
RIFF_MAGICS = (b"RIFF", b"RIFX", b"RF64", b"BW64")
FULL_SCALE = 1.0
UNKNOWN_WAV_SIZE = 0xFFFFFFFF  # streaming writers and RF64 put this in the 32-bit data size
WAV_HEADER_BYTES = 1 << 16  # of a file on disk, this much is read to find the WAV ``data`` chunk

Waveform = NDArray[np.float32]


@dataclass(frozen=True)
class Audio:
    """Decoded audio: mono float32 samples at ``sample_rate``, plus what the source was."""

    samples: Waveform
    sample_rate: int
    source_format: str
    source_rate: int
    source_channels: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def decode_audio(
    data: bytes,
    *,
    sample_rate: int = SAMPLE_RATE,
    min_duration_s: float = 0.3,
    max_duration_s: float = 600.0,
) -> Audio:
    """Decode an audio file held in memory to mono ``sample_rate`` float32 samples.

    Raises ``EmptyAudioError``, ``UndecodableAudioError`` (or ``TruncatedAudioError``),
    ``NonFiniteAudioError``, ``AudioTooShortError`` or ``AudioTooLongError``.
    """
    if not data:
        raise EmptyAudioError("the audio is zero bytes long")
    check_wav_header(data)
    with _open(io.BytesIO(data)) as f:
        stream = AudioStream(f, sample_rate, min_duration_s, max_duration_s)
        blocks = list(stream)
        samples = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
        return Audio(samples.astype(np.float32, copy=False), sample_rate, f.format, f.samplerate, f.channels)


class AudioStream:
    """The audio of an open file as mono ``sample_rate`` blocks, decoded as they are iterated.

    Iterating to the end runs the same checks as ``decode_audio``; the errors for a truncated file or
    a wrong length are raised after the last block. ``samples`` counts the samples handed out.
    """

    def __init__(
        self, f: sf.SoundFile, sample_rate: int, min_duration_s: float, max_duration_s: float
    ) -> None:
        _check_stream(f, max_duration_s)
        self.file = f
        self.sample_rate = sample_rate
        self.min_duration_s = min_duration_s
        self.max_duration_s = max_duration_s
        self.samples = 0

    @property
    def source_format(self) -> str:
        return str(self.file.format)

    def __iter__(self) -> Iterator[Waveform]:
        f = self.file
        max_frames = int(self.max_duration_s * f.samplerate) + 1
        frames = 0
        resampler = (
            None
            if f.samplerate == self.sample_rate
            else soxr.ResampleStream(f.samplerate, self.sample_rate, 1)
        )
        for block in _blocks(f):
            frames += len(block)
            _check_block(block, frames, f.samplerate, max_frames)
            mono = block.mean(axis=1, dtype=np.float32) if f.channels > 1 else block[:, 0]
            yield self._counted(mono if resampler is None else resampler.resample_chunk(mono))
        if resampler is not None:
            yield self._counted(resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        _check_complete(f, frames)
        _check_duration(frames / f.samplerate, self.min_duration_s, self.max_duration_s)

    def _counted(self, block: Waveform) -> Waveform:
        self.samples += len(block)
        # Float files may exceed full scale (1e30 overflows the model to NaN) and resampling overshoots
        # a little: the model is given -1..1, as integer formats deliver it.
        return np.clip(block, -FULL_SCALE, FULL_SCALE)


@contextmanager
def stream_audio(
    path: str | Path,
    *,
    sample_rate: int = SAMPLE_RATE,
    min_duration_s: float = 0.3,
    max_duration_s: float = 600.0,
) -> Iterator[AudioStream]:
    """Open an audio file on disk for block-wise decoding; memory does not grow with its length."""
    with Path(path).open("rb") as raw:
        head = raw.read(WAV_HEADER_BYTES)
        if not head:
            raise EmptyAudioError("the audio is zero bytes long")
        check_wav_header(head, size=raw.seek(0, io.SEEK_END))
        raw.seek(0)
        with _open(raw) as f:
            yield AudioStream(f, sample_rate, min_duration_s, max_duration_s)


def check_wav_header(data: bytes, *, size: int | None = None) -> None:
    """Reject a RIFF/RF64 WAV whose ``data`` chunk declares more bytes than the file holds.

    ``data`` is the file, or its first bytes when ``size`` gives the length of the whole file.
    """
    size_of_file = len(data) if size is None else size
    magic = data[:4]
    if magic not in RIFF_MAGICS or data[8:12] != b"WAVE":
        return
    size_format = ">I" if magic == b"RIFX" else "<I"
    position, ds64_data_size = 12, None
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        (declared,) = struct.unpack_from(size_format, data, position + 4)
        body = position + 8
        if chunk_id == b"ds64" and len(data) >= body + 16:
            (ds64_data_size,) = struct.unpack_from("<Q", data, body + 8)
        if chunk_id == b"data":
            if declared == UNKNOWN_WAV_SIZE:
                if ds64_data_size is None:
                    return  # a streamed WAV of unknown length: it ends where the file ends
                declared = ds64_data_size
            available = size_of_file - body
            if declared > available:
                raise TruncatedAudioError(
                    f"the WAV header declares {declared} bytes of audio but the file holds only {available}"
                )
            return
        position = body + declared + (declared & 1)


def _open(file: BinaryIO) -> sf.SoundFile:
    try:
        f = sf.SoundFile(file)
    except (sf.SoundFileError, RuntimeError, ValueError, TypeError) as exc:
        raise UndecodableAudioError(
            f"not a readable audio file (WAV, FLAC, OGG/Vorbis/Opus or MP3 expected): {_reason(exc)}"
        ) from exc
    if f.format not in ACCEPTED_FORMATS:
        f.close()
        raise UndecodableAudioError(
            f"{f.format} audio is not accepted: use WAV, FLAC, OGG/Vorbis/Opus or MP3"
        )
    return f


def _check_stream(f: sf.SoundFile, max_duration_s: float) -> None:
    if not MIN_SOURCE_RATE <= f.samplerate <= MAX_SOURCE_RATE:
        raise UndecodableAudioError(
            f"sample rate {f.samplerate} Hz is outside {MIN_SOURCE_RATE}..{MAX_SOURCE_RATE} Hz"
        )
    if not 1 <= f.channels <= MAX_CHANNELS:
        raise UndecodableAudioError(f"{f.channels} channels is outside 1..{MAX_CHANNELS}")
    declared_s = f.frames / f.samplerate
    if declared_s > max_duration_s:
        raise AudioTooLongError(f"the audio lasts {declared_s:.1f} s; the limit is {max_duration_s:g} s")


def _check_block(block: NDArray[np.float32], frames: int, source_rate: int, max_frames: int) -> None:
    """``frames`` source frames decoded so far, ``block`` the last of them."""
    if frames > max_frames:
        raise AudioTooLongError(
            f"the audio lasts over {max_frames / source_rate:.1f} s; the limit is "
            f"{(max_frames - 1) / source_rate:g} s"
        )
    if not np.isfinite(block).all():
        where = frames - len(block) + int(np.argmin(np.isfinite(block).all(axis=1)))
        raise NonFiniteAudioError(f"sample {where} (at {where / source_rate:.3f} s) is NaN or infinite")


def _blocks(f: sf.SoundFile) -> Iterator[NDArray[np.float32]]:
    """Blocks of what libsndfile actually decodes (``SoundFile.blocks`` pads short reads with garbage)."""
    blocksize = max(1024, BLOCK_SAMPLES // f.channels)
    while True:
        try:
            block = f.read(blocksize, dtype="float32", always_2d=True)
        except (sf.SoundFileError, RuntimeError, ValueError) as exc:
            raise UndecodableAudioError(f"the audio stream is corrupt: {_reason(exc)}") from exc
        if not len(block):
            return
        yield block


def _check_complete(f: sf.SoundFile, frames: int) -> None:
    """Compressed formats that state their length (FLAC, MP3 with a Xing/LAME header) must deliver it."""
    if f.format in ("FLAC", "MP3") and frames < f.frames * (1 - TRUNCATION_TOLERANCE):
        raise TruncatedAudioError(
            f"the {f.format} header declares {f.frames} frames but only {frames} could be decoded"
        )


def _check_duration(duration_s: float, min_duration_s: float, max_duration_s: float) -> None:
    if duration_s == 0:
        raise EmptyAudioError("the audio holds no samples")
    if duration_s < min_duration_s:
        raise AudioTooShortError(
            f"the audio lasts {duration_s:.3f} s; at least {min_duration_s:g} s is needed"
        )
    if duration_s > max_duration_s:
        raise AudioTooLongError(f"the audio lasts {duration_s:.1f} s; the limit is {max_duration_s:g} s")


def _reason(exc: BaseException) -> str:
    """libsndfile's message without the Python object repr it starts with."""
    text = str(exc)
    if text.startswith("Error opening") and ": " in text:
        text = text.split(": ", 1)[1]
    return text.strip().rstrip(".") or type(exc).__name__
