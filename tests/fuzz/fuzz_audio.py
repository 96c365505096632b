"""Coverage-guided fuzzing of the audio decoder: ``python tests/fuzz/fuzz_audio.py [libFuzzer flags] DIR...``.

Any input must decode to finite samples within full scale or raise an ``AsrError`` with a 4xx status;
anything else (another exception, a 5xx, a crash inside libsndfile) is a finding and stops the run.
"""

from __future__ import annotations

import sys

import atheris
import numpy as np

with atheris.instrument_imports(include=["hindi_asr"]):
    from hindi_asr.audio import decode_audio
    from hindi_asr.errors import AsrError

MAX_DURATION_S = 30.0


def test_one_input(data: bytes) -> None:
    try:
        audio = decode_audio(data, max_duration_s=MAX_DURATION_S)
    except AsrError as error:
        if not 400 <= error.status < 500:
            raise
        return
    samples = audio.samples
    if not (np.isfinite(samples).all() and np.abs(samples).max(initial=0) <= 1.0):
        raise AssertionError(f"decoded samples out of range: {samples.min()}..{samples.max()}")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
