"""S3 Batch Operations (``LambdaInvoke``, invocation schema 1.0 or 2.0) into the S3 transcriber.

A bulk job (``infra/bulk.py``) invokes the function synchronously, one task (object) per invocation,
for every object of a manifest. The result is written exactly as for an upload, and each task answers:

- ``Succeeded`` ``<result key>``: transcribed, or already transcribed for this ETag and version (a task
  retried or a job run again costs one HEAD per result, no inference);
- ``PermanentFailure`` ``<code>``: the audio cannot be transcribed (``<code>: <error record key>``: the
  record is written as for an upload, the code is the HTTP API's problem code), the object does not
  exist (``object_not_found``), S3 refuses it (``access_denied``: also what a missing key reads as where
  the function may not list the bucket), or any other S3 error (``s3_error: <S3 code>``);
- ``TemporaryFailure`` ``<code>``: S3 throttled or failed after the client's own retries, the network
  failed, the model is unavailable, or the object changed while it was read; Batch Operations retries.
"""

from __future__ import annotations

from typing import Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3BatchOperationEvent, S3BatchOperationResponse
from aws_lambda_powertools.utilities.data_classes.s3_batch_operation_event import (
    S3BatchOperationResponseRecord,
    S3BatchOperationTask,
)
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from hindi_asr.errors import AsrError
from hindi_asr_lambda.documents import SourceObject
from hindi_asr_lambda.observability import logger, metrics
from hindi_asr_lambda.s3_service import Outcome, Status

ResultCode = Literal["Succeeded", "TemporaryFailure", "PermanentFailure"]
NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket", "NoSuchVersion"})
ACCESS_DENIED = frozenset({"403", "AccessDenied", "Forbidden"})
# S3's throttling and transient codes (botocore retries them first; these are what is left after that).
TRANSIENT = frozenset(
    {"SlowDown", "503", "ServiceUnavailable", "500", "InternalError", "RequestTimeout", "Throttling"}
    | {"ThrottlingException", "RequestLimitExceeded", "TooManyRequests", "429"}
)


class ObjectTranscriber(Protocol):
    """The S3 service as this adapter uses it."""

    def describe(self, bucket: str, key: str, version_id: str | None = None) -> SourceObject: ...

    def transcribe(self, source: SourceObject) -> Outcome: ...


def answer(event: S3BatchOperationEvent, service: ObjectTranscriber) -> dict[str, object]:
    """The response Batch Operations expects: one result for the one task of the invocation."""
    response = S3BatchOperationResponse(
        event.invocation_schema_version, event.invocation_id, treat_missing_keys_as="PermanentFailure"
    )
    response.add_result(run_task(event.task, service))
    return response.asdict()


def run_task(task: S3BatchOperationTask, service: ObjectTranscriber) -> S3BatchOperationResponseRecord:
    bucket, key = task.s3_bucket, task.s3_key  # s3_key URL-decodes, as manifests hold encoded keys
    logger.append_keys(object_key=key, task_id=task.task_id)
    try:
        outcome = service.transcribe(service.describe(bucket, key, task.s3_version_id))
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        result_code: ResultCode = "TemporaryFailure" if code in TRANSIENT else "PermanentFailure"
        return _failed(task, result_code, _s3_problem(code))
    except (ConnectionError, HTTPClientError) as exc:  # endpoint unreachable, timeouts, resets
        return _failed(task, "TemporaryFailure", f"network_error: {type(exc).__name__}")
    except AsrError as exc:  # a server-side error (client errors become rejected outcomes)
        return _failed(task, "TemporaryFailure", exc.code)
    return _answered(task, outcome)


def _answered(task: S3BatchOperationTask, outcome: Outcome) -> S3BatchOperationResponseRecord:
    if outcome.status in (Status.TRANSCRIBED, Status.DUPLICATE):
        return task.build_task_batch_response("Succeeded", outcome.output)
    if outcome.status == Status.REJECTED:
        return _failed(task, "PermanentFailure", f"{outcome.code}: {outcome.output}")
    if task.s3_version_id:  # results follow the current upload: an older version is never transcribed again
        return _failed(task, "PermanentFailure", f"object_superseded: {outcome.detail}")
    return _failed(task, "TemporaryFailure", f"object_changed: {outcome.detail}")


def _s3_problem(code: str) -> str:
    if code in NOT_FOUND:
        return "object_not_found"
    if code in ACCESS_DENIED:
        return "access_denied"
    return f"s3_error: {code}"


def _failed(
    task: S3BatchOperationTask, result_code: ResultCode, problem: str
) -> S3BatchOperationResponseRecord:
    logger.warning("task failed", extra={"result_code": result_code, "problem": problem})
    metrics.add_metric(name=f"Bulk{result_code}", unit=MetricUnit.Count, value=1)
    return task.build_task_batch_response(result_code, problem)
