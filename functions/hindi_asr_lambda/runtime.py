"""Both handlers load the model at import, during Lambda's init phase."""

from __future__ import annotations

from collections.abc import Callable

from hindi_asr.errors import AsrError
from hindi_asr_lambda.observability import logger


def warm_up(load: Callable[[], object]) -> bool:
    """Load the model during the init phase (not billed to the first request); False, logged, if unavailable.

    A missing model must not crash the import: requests then get a clear 503 instead.
    """
    try:
        load()
    except AsrError as exc:
        logger.error("model not loaded during init", extra={"detail": exc.detail, "code": exc.code})
        return False
    return True
