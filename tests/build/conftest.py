"""Fixtures for the build stage: models the project makes itself, and real Hindi speech."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from asr_build.export import export_model, load_model
from asr_build.random_model import build_random_medium

SAMPLE_RATE = 16_000
HINDI_SENTENCE = "नमस्ते, आज मौसम बहुत अच्छा है और हम बाज़ार जा रहे हैं।"
DEMO_NEMO = Path(__file__).resolve().parents[2] / "build" / "models" / "hi_demo_conformer_ctc_small.nemo"


@pytest.fixture(scope="session")
def random_medium_nemo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("random") / "stt_hi_conformer_ctc_medium_random.nemo"
    build_random_medium(path, seed=0)
    return path


def _exported(nemo: Path, out: Path) -> tuple[Path, Path]:
    model, sha = load_model(nemo=nemo)
    export_model(model, out, name=nemo.stem, source_sha256=sha, max_input_s=60.0)
    return nemo, out


MODELS = ["random_medium", "demo"]


@pytest.fixture(scope="session", params=MODELS)
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(source .nemo, exported model directory) for each model the project has."""
    if request.param == "demo":
        if not DEMO_NEMO.exists():
            pytest.skip(f"the demo model {DEMO_NEMO.name} is built by `make demo-model`")
        nemo = DEMO_NEMO
    else:
        nemo = request.getfixturevalue("random_medium_nemo")
    return _exported(nemo, tmp_path_factory.mktemp(f"export_{request.param}"))


@pytest.fixture(scope="session")
def hindi_speech() -> np.ndarray:
    """A Hindi sentence spoken by espeak-ng, resampled to 16 kHz float32."""
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is required (apt-get install espeak-ng)"
    wav = subprocess.run(
        [espeak, "-v", "hi", "-s", "150", "--stdout"],
        input=HINDI_SENTENCE.encode(),
        capture_output=True,
        check=True,
    ).stdout
    audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return np.asarray(soxr.resample(audio, rate, SAMPLE_RATE), dtype=np.float32)
