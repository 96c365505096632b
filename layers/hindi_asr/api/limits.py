"""The request body limit: Lambda's synchronous payload (6 MB) by default, the same under uvicorn."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hindi_asr.errors import PayloadTooLargeError


class BodyLimitMiddleware:
    """Raise ``PayloadTooLargeError`` from ``receive`` once a body is known to exceed ``max_bytes``.

    The error surfaces where the route reads the body, so the app's problem handler answers it (413).
    A declared ``Content-Length`` over the limit fails before any byte is read.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > self.max_bytes:
                raise self._too_large(declared)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large(received)
            return message

        await self.app(scope, limited_receive, send)

    def _too_large(self, size: int) -> PayloadTooLargeError:
        return PayloadTooLargeError(
            f"the request body has at least {size} bytes; the limit is {self.max_bytes} "
            "(send longer audio through the S3 upload flow)"
        )


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None
