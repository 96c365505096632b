"""Smoke test of a deployed stack: the API and the S3 path each transcribe a Hindi clip correctly.

    python infra/smoke_test.py --stack hindi-asr-dev --clip tests/data/hindi_clip.wav \\
        --expected tests/data/hindi_clip.txt

Reads the stack's Outputs (ApiUrl, AuthMode, buckets and prefixes), then

1. ``GET /health`` answers 200 with the model loaded;
2. ``POST /transcribe`` (multipart, SigV4-signed when AuthMode is IAM, ``Authorization: Bearer
   $SMOKE_TEST_JWT`` when JWT) returns text within ``--max-cer`` of the expected text;
3. the clip uploaded under ``InputPrefix`` gets a transcript under ``OutputPrefix`` in the output bucket
   within ``--s3-timeout`` seconds, again within ``--max-cer``.

Prints one JSON summary line; exits 1 if a check failed. Needs only boto3 (no test dependencies).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

LOG = logging.getLogger("smoke_test")
HTTP_TIMEOUT_S = 60
POLL_INTERVAL_S = 5
SMOKE_TEST_FOLDER = "smoke-test/"  # under InputPrefix; the deploy role may write only there


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over characters divided by the reference length (whitespace collapsed)."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(len(ref), 1)


def stack_outputs(stack: str, region: str | None) -> dict[str, str]:
    cloudformation = boto3.client("cloudformation", region_name=region)
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs if "OutputKey" in o and "OutputValue" in o}


def multipart(field: str, filename: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    """A multipart/form-data body with one file field, and its Content-Type header."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def auth_headers(
    auth_mode: str, method: str, url: str, body: bytes, headers: dict[str, str], region: str
) -> dict[str, str]:
    """Headers that satisfy the API's authoriser: SigV4 for IAM, a bearer token for JWT."""
    if auth_mode == "IAM":
        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise RuntimeError("AuthMode is IAM but no AWS credentials were found")
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", region).add_auth(request)
        return dict(request.headers.items())
    if auth_mode == "JWT":
        token = os.environ.get("SMOKE_TEST_JWT")
        if not token:
            raise RuntimeError("AuthMode is JWT: set SMOKE_TEST_JWT to a token the authoriser accepts")
        return {**headers, "Authorization": f"Bearer {token}"}
    return headers


def http(method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), {"error": error.read().decode(errors="replace")}


def check_health(api_url: str) -> Check:
    status, payload = http("GET", f"{api_url}health", None, {})
    ok = status == 200 and payload.get("model_loaded") is True
    return Check("GET /health", ok, f"{status} {json.dumps(payload, ensure_ascii=False)[:300]}")


def check_api(outputs: dict[str, str], clip: Path, expected: str, max_cer: float, region: str) -> Check:
    url = f"{outputs['ApiUrl']}transcribe"
    body, content_type = multipart("file", clip.name, clip.read_bytes(), "audio/wav")
    headers = auth_headers(
        outputs.get("AuthMode", "NONE"), "POST", url, body, {"Content-Type": content_type}, region
    )
    status, payload = http("POST", url, body, headers)
    if status != 200:
        return Check("POST /transcribe", False, f"{status} {json.dumps(payload, ensure_ascii=False)[:300]}")
    text = str(payload.get("text", ""))
    cer = character_error_rate(expected, text)
    return Check("POST /transcribe", cer <= max_cer, f"CER {cer:.3f}: {text!r}")


def check_s3(
    outputs: dict[str, str], clip: Path, expected: str, max_cer: float, timeout_s: float, region: str
) -> Check:
    s3 = boto3.client("s3", region_name=region)
    key = f"{outputs['InputPrefix']}{SMOKE_TEST_FOLDER}{uuid.uuid4().hex}{clip.suffix}"
    s3.put_object(Bucket=outputs["InputBucketName"], Key=key, Body=clip.read_bytes())
    results = {
        "transcript": f"{outputs['OutputPrefix']}{key}.json",
        "error": f"{outputs['ErrorPrefix']}{key}.json",
    }
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for kind, result_key in results.items():
            try:
                obj = s3.get_object(Bucket=outputs["OutputBucketName"], Key=result_key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                    continue
                raise
            document = json.loads(obj["Body"].read())
            if kind == "error":
                return Check("S3 upload", False, f"error report: {document.get('failureReason')}")
            text = str(document["results"]["transcripts"][0]["transcript"])
            cer = character_error_rate(expected, text)
            return Check("S3 upload", cer <= max_cer, f"CER {cer:.3f}: {text!r} ({result_key})")
        time.sleep(POLL_INTERVAL_S)
    return Check("S3 upload", False, f"no result for {key} after {timeout_s:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="CloudFormation stack name, e.g. hindi-asr-dev")
    parser.add_argument("--region", default=None, help="default: the AWS SDK's (AWS_REGION, profile)")
    parser.add_argument("--clip", type=Path, default=Path("tests/data/hindi_clip.wav"))
    parser.add_argument("--expected", type=Path, default=Path("tests/data/hindi_clip.txt"))
    parser.add_argument("--max-cer", type=float, default=0.15)
    parser.add_argument("--s3-timeout", type=float, default=300.0, help="seconds to wait for the transcript")
    parser.add_argument("--skip-s3", action="store_true", help="check the API only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    region = args.region or boto3.Session().region_name
    if not region:
        parser.error("no AWS region: pass --region or set AWS_REGION")
    expected = args.expected.read_text(encoding="utf-8").strip()
    outputs = stack_outputs(args.stack, region)
    LOG.info("stack %s: API %s (auth %s)", args.stack, outputs["ApiUrl"], outputs.get("AuthMode"))

    checks = [
        check_health(outputs["ApiUrl"]),
        check_api(outputs, args.clip, expected, args.max_cer, region),
    ]
    if not args.skip_s3:
        checks.append(check_s3(outputs, args.clip, expected, args.max_cer, args.s3_timeout, region))
    for check in checks:
        LOG.info("%s %s: %s", "PASS" if check.ok else "FAIL", check.name, check.detail)
    sys.stdout.write(json.dumps({"stack": args.stack, "checks": [asdict(c) for c in checks]}) + "\n")
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
