"""``handler``: S3 notifications (direct or through SQS) and S3 Batch Operations tasks -> transcripts.

The rules are ``s3_service``'s; Batch Operations tasks (bulk jobs over existing objects) are answered per
task by ``batch_operations``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import S3BatchOperationEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from hindi_asr.settings import get_settings
from hindi_asr_lambda import batch_operations
from hindi_asr_lambda.observability import S3_CORRELATION_PATH, logger, metrics, tracer
from hindi_asr_lambda.runtime import warm_up
from hindi_asr_lambda.s3_service import S3Transcriber

service = S3Transcriber.from_settings(get_settings())
warm_up(service.transcriber)


@logger.inject_lambda_context(correlation_id_path=S3_CORRELATION_PATH, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "invocationSchemaVersion" in event:  # one task of an S3 Batch Operations job
        return batch_operations.answer(S3BatchOperationEvent(event), service)
    return service.handle(event, context)
