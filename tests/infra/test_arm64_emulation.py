"""The Lambda API handler on aarch64: the image's arm64 packages under qemu user-mode, no Docker, no root.

`infra/arm64_emulation.py` builds the aarch64 side from Debian trixie (qemu 10, Python 3.13) and the
image's pins (`infra/lambda-pip.sh`, LAMBDA_ARCH=arm64). The handler runs in its own aarch64 process, as
the image's entrypoint would run it, and transcribes the committed clip from a recorded HTTP API event.
Nothing is timed: speed under emulation means nothing.
"""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.error
from pathlib import Path
from typing import Any

import jiwer
import pytest

from infra.arm64_emulation import Emulation, prepare
from tests.infra.conftest import OFFLINE_AWS_ENV, REPO_ROOT
from tests.reliability.lambda_process import LambdaProcess

pytestmark = pytest.mark.slow

CLIP = REPO_ROOT / "tests/data/hindi_clip.wav"
EXPECTED = (REPO_ROOT / "tests/data/hindi_clip.txt").read_text(encoding="utf-8").strip()
MODEL_DIR = REPO_ROOT / "layers/hindi_asr/models/default"
EM_AARCH64 = 183  # ELF e_machine
MAX_CER = 0.15


@pytest.fixture(scope="module")
def emulation() -> Emulation:
    try:
        return prepare(REPO_ROOT / "artifacts" / "arm64")
    except urllib.error.URLError as exc:  # the Debian archive (apt's own source) cannot be reached
        pytest.skip(f"Debian archive unreachable, no aarch64 sysroot: {exc}")


def test_the_interpreter_and_onnxruntime_are_aarch64(emulation: Emulation) -> None:
    probe = "import onnxruntime, platform; print(platform.machine()); print(onnxruntime.__file__)"
    done = subprocess.run(
        [*emulation.python(), "-c", probe], env=emulation.env(), capture_output=True, text=True, check=True
    )
    machine, module = done.stdout.split()
    (library,) = Path(module).parent.glob("capi/onnxruntime_pybind11_state*.so")
    with library.open("rb") as elf:
        header = elf.read(20)
    assert machine == "aarch64" and int.from_bytes(header[18:20], "little") == EM_AARCH64


def test_the_api_handler_transcribes_the_clip_on_aarch64(emulation: Emulation, tmp_path: Path) -> None:
    # GIVEN the API handler in an aarch64 process, configured as template.yaml configures it
    env = {
        **OFFLINE_AWS_ENV,
        "HINDI_ASR_MODEL_DIR": str(MODEL_DIR),
        "POWERTOOLS_SERVICE_NAME": "hindi-asr-arm64",
        "POWERTOOLS_METRICS_NAMESPACE": "HindiAsr",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    event: dict[str, Any] = json.loads((REPO_ROOT / "tests/events/apigw-http-v2.json").read_text("utf-8"))
    event.update(body=base64.b64encode(CLIP.read_bytes()).decode(), isBase64Encoded=True)
    event["headers"] = {**event["headers"], "content-type": "audio/wav"}
    log = tmp_path / "handler.log"
    handler = LambdaProcess(
        "hindi_asr_lambda.api.handler",
        env,
        log,
        python=emulation.python(),
        site_packages=[emulation.site_packages],
    )
    # WHEN the recorded HTTP API event posts the committed clip
    with handler:
        invocation = handler.invoke(event)
    # THEN the handler answers with the clip's text, as it does on x86_64
    assert not invocation.failed and invocation.result is not None, log.read_text(encoding="utf-8")[-3000:]
    assert invocation.result["statusCode"] == 200, invocation.result
    body = json.loads(invocation.result["body"])
    assert jiwer.cer(EXPECTED, body["text"]) <= MAX_CER, body["text"]
