"""Powertools Logger, Metrics and Tracer for both handlers; service and namespace from the environment."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from hindi_asr.errors import AsrError

CORE_LOGGER = "hindi_asr"
DEFAULT_NAMESPACE = "HindiAsr"
# API Gateway (REST v1 and HTTP v2) events carry a request id; ALB events only the trace header.
API_CORRELATION_PATH = 'requestContext.requestId || headers."x-amzn-trace-id"'
# S3 notifications carry S3's request id; SQS messages their message id.
S3_CORRELATION_PATH = 'Records[0].responseElements."x-amz-request-id" || Records[0].messageId'

logger = Logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE))
tracer = Tracer()

# The core package logs through the standard library; its records get Powertools' JSON format too.
logging.getLogger(CORE_LOGGER)
copy_config_to_registered_loggers(source_logger=logger, include={CORE_LOGGER})


def warm_up(load_model: Callable[[], object]) -> bool:
    """Load the model during the init phase (not billed to the first request); False, logged, if unavailable.

    A missing model must not crash the import: requests then get a clear 503 instead.
    """
    try:
        load_model()
    except AsrError as exc:
        logger.error("model not loaded during init", extra={"detail": exc.detail, "code": exc.code})
        return False
    return True
