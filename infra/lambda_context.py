"""A Lambda context for invoking a handler outside Lambda (the load test, the tests): the attributes
that Powertools' logger, metrics and tracer read from the context Lambda passes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalLambdaContext:
    function_name: str
    memory_limit_in_mb: int = 3008
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    remaining_ms: int = 30_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
