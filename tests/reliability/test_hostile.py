"""The hostile corpus through both doors: HTTP (real uvicorn on 127.0.0.1) and S3 (moto on 127.0.0.1).

HTTP: each case gets its status and problem ``code``, never a 500, and the server answers normally
afterwards. S3: the same bodies as objects give exactly one record each (an error document with the
case's code, or a transcript), the invocation does not fail (so Lambda does not retry it), and a second
delivery of the same event writes nothing.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from hindi_asr.settings import Settings, TranscriberSettings
from hindi_asr.transcribe import Transcriber
from tests.layers.hindi_asr.api.conftest import served_app
from tests.reliability.conftest import put, read_json, results, sqs_event
from tests.reliability.hostile import CHUNK_S, MAX_DURATION_S, OVERLAP_S, PROBLEM, SKIP, Case, audio, corpus
from tests.reliability.lambda_process import LambdaProcess

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CASES = corpus()
S3_CASES = [case for case in CASES if case.s3_code != SKIP]


def test_the_corpus_is_large_and_its_names_unique() -> None:
    assert len(CASES) >= 60 and len(S3_CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)
    assert sum(case.status >= 400 for case in CASES) >= 60


@pytest.fixture(scope="module")
def api(tiny_model_dir: Path) -> Iterator[httpx.Client]:
    section = TranscriberSettings(
        model_dir=tiny_model_dir, max_duration_s=MAX_DURATION_S, chunk_s=CHUNK_S, overlap_s=OVERLAP_S
    )
    settings = Settings(transcriber=section)
    transcriber = Transcriber.load(section.options())
    with served_app(settings, lambda: transcriber) as served:
        yield served.client


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_over_http(api: httpx.Client, case: Case) -> None:
    response = api.send(case.request(api))
    assert response.status_code == case.status, response.text[:500]
    if case.code is not None:
        assert response.headers["content-type"].split(";")[0] == PROBLEM
        problem = response.json()
        assert (problem["status"], problem["code"]) == (case.status, case.code)
        assert problem["title"] and problem["detail"]
    elif case.status == 200:
        assert response.json()["language"] == "hi"
    # the server is still there, and still right
    assert api.post("/transcribe", content=audio(), headers={"content-type": "audio/wav"}).status_code == 200


def test_over_s3_one_record_each_and_no_retry(s3: S3Client, bucket: str, transcriber: LambdaProcess) -> None:
    # GIVEN every body of the corpus uploaded under the input prefix
    records = {f"uploads/hostile/{index:02d}.bin": case for index, case in enumerate(S3_CASES)}
    event = {"Records": [put(s3, bucket, key, case.object_bytes()) for key, case in records.items()]}

    # WHEN one notification carries them all, and is delivered again (S3 delivers at least once)
    first = transcriber.invoke(event)
    second = transcriber.invoke({"Records": event["Records"][::10]})

    # THEN the invocation succeeds (no retry), every object has exactly one record, and the second
    # delivery is recognised as a duplicate
    assert not first.failed and first.result is not None, first.error
    statuses = {outcome["key"]: outcome["status"] for outcome in first.result["results"]}
    expected_kind = {key: "rejected" if case.s3_code else "transcribed" for key, case in records.items()}
    assert statuses == expected_kind
    assert second.result is not None and {o["status"] for o in second.result["results"]} == {"duplicate"}
    written = results(s3, bucket)
    assert written == sorted(
        f"{'errors' if case.s3_code else 'transcripts'}/{key}.json" for key, case in records.items()
    )
    for key, case in records.items():
        if case.s3_code:
            error = read_json(s3, bucket, f"errors/{key}.json")["error"]
            assert error["code"] == case.s3_code, (case.name, error)


def test_over_sqs_no_message_is_returned_for_retry(
    s3: S3Client, bucket: str, transcriber: LambdaProcess
) -> None:
    # GIVEN a few hostile objects, each announced by its own SQS message
    chosen = [case for case in S3_CASES if case.s3_code][:8]
    bodies = [
        json.dumps({"Records": [put(s3, bucket, f"uploads/sqs/{i}.bin", case.object_bytes())]})
        for i, case in enumerate(chosen)
    ]
    # WHEN the batch is delivered
    result = transcriber.invoke(sqs_event(*bodies))
    # THEN no message is reported failed, and each object has its error record
    assert result.result == {"batchItemFailures": []}, result
    assert results(s3, bucket) == sorted(f"errors/uploads/sqs/{i}.bin.json" for i in range(len(chosen)))


def test_a_stalled_body_holds_its_connection_only(api: httpx.Client) -> None:
    # GIVEN a client that announces 100 KB and sends 10 bytes, then stalls
    host, port = api.base_url.host, api.base_url.port
    assert port is not None
    with socket.create_connection((host, port), timeout=10) as stalled:
        head = [
            "POST /transcribe HTTP/1.1",
            f"Host: {host}",
            "Content-Type: audio/wav",
            "Content-Length: 100000",
        ]
        stalled.sendall("\r\n".join([*head, "", ""]).encode() + b"RIFF\0\0\0\0WA")
        # WHEN another client asks meanwhile THEN it is answered at once
        started = time.monotonic()
        response = api.post("/transcribe", content=audio(), headers={"content-type": "audio/wav"})
        assert response.status_code == 200 and time.monotonic() - started < 10


def test_a_header_block_over_uvicorns_limit_is_refused_and_the_server_stays(api: httpx.Client) -> None:
    # uvicorn (h11) buffers at most 16 KB of an incomplete header block; API Gateway allows 10 KB
    try:
        refused = api.get("/health", headers={"x-hostile": "a" * 1_000_000})
        assert refused.status_code == 400 and "problem" not in refused.headers.get("content-type", "")
    except httpx.TransportError:
        pass  # or it closes the connection while the client is still sending
    assert api.get("/health").status_code == 200
