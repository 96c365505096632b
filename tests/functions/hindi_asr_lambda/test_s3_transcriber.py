"""The S3 handler module as Lambda runs it: a fresh process, configured by the environment alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.layers.hindi_asr.tiny_model import encode, speech

from .conftest import CREDENTIALS, REGION, Buckets
from .test_s3_service import LoadEvent, read_json, s3_record

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REPO_ROOT = Path(__file__).resolve().parents[3]
INVOKE = """
import json, sys
from tests.functions.hindi_asr_lambda.conftest import LAMBDA_CONTEXT
from hindi_asr_lambda.s3_transcriber import handler
print(json.dumps(handler(json.load(sys.stdin), LAMBDA_CONTEXT)))
"""


def invoke_fresh(event: dict[str, Any], moto_endpoint: str, model_dir: Path, **env: str) -> Any:
    """The S3 handler's answer to ``event`` in a fresh process configured by the environment alone:
    the local S3, the model, and ``env`` (``HINDI_ASR_S3_OUTPUT_BUCKET`` and the like)."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "AWS_ENDPOINT_URL_S3": moto_endpoint,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": REGION,
        "HINDI_ASR_MODEL_DIR": str(model_dir),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", INVOKE], input=json.dumps(event), env=environment, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_handler_configured_by_the_environment_alone(
    moto_endpoint: str, s3: S3Client, buckets: Buckets, tiny_model_dir: Path, load_event: LoadEvent
) -> None:
    # GIVEN what template.yaml sets (the S3 names unprefixed, as the first template did), the local S3
    environment = {
        "HINDI_ASR_S3_OUTPUT_BUCKET": buckets.output,
        "OUTPUT_PREFIX": "text/",
        "HINDI_ASR_S3_ERROR_PREFIX": "failed/",
    }
    key = "uploads/नमस्ते clip.wav"  # the recorded event's key
    etag = s3.put_object(Bucket=buckets.input, Key=key, Body=encode(speech("नमस्ते आप")))["ETag"].strip('"')
    event = {"Records": [s3_record(load_event, buckets.input, key, etag, 1)]}
    # WHEN a fresh process imports the handler and runs it on the event
    result = invoke_fresh(event, moto_endpoint, tiny_model_dir, **environment)
    # THEN the transcript is where the environment said
    assert result["results"][0] == {
        "status": "transcribed",
        "key": key,
        "output": f"text/{key}.json",
        "detail": "",
        "code": "",
    }
    document = read_json(s3, buckets.output, f"text/{key}.json")
    assert document["results"]["transcripts"][0]["transcript"] == "नमस्ते आप"
