"""Powertools Logger, Metrics and Tracer for both handlers; service name and metrics namespace come from
the environment (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE: template.yaml sets them)."""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from hindi_asr.transcribe import Transcript

CORE_LOGGER = "hindi_asr"
# API Gateway (REST v1 and HTTP v2) events carry a request id; ALB events only the trace header.
API_CORRELATION_PATH = 'requestContext.requestId || headers."x-amzn-trace-id"'
# S3 notifications carry S3's request id; SQS messages their message id; Batch Operations an invocation id.
S3_CORRELATION_PATH = 'Records[0].responseElements."x-amz-request-id" || Records[0].messageId || invocationId'

logger = Logger()
metrics = Metrics()
tracer = Tracer()

# The core package logs through the standard library; its records get Powertools' JSON format too.
logging.getLogger(CORE_LOGGER)
copy_config_to_registered_loggers(source_logger=logger, include={CORE_LOGGER})


def add_transcript_metrics(transcript: Transcript) -> None:
    """Seconds of audio transcribed and the pipeline's latency: the same two metrics from both handlers."""
    metrics.add_metric(name="AudioSeconds", unit=MetricUnit.Seconds, value=transcript.duration_s)
    metrics.add_metric(
        name="InferenceLatency", unit=MetricUnit.Milliseconds, value=transcript.timings_ms["total"]
    )
