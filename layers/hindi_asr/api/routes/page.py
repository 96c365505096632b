"""``GET /``: the web page (one HTML file with its CSS and JavaScript inline, no CDN)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()
PAGE = Path(__file__).resolve().parent.parent / "static" / "index.html"
DIRECT_LIMIT_MARK = "__DIRECT_LIMIT__"
MULTIPART_MARGIN_BYTES = 16 * 1024  # form boundaries and part headers around the file


def direct_upload_limit(max_request_bytes: int) -> int:
    """The largest file the page sends to ``POST /transcribe``; larger ones go through ``POST /uploads``.

    API Gateway hands binary bodies to Lambda base64-encoded (4/3 larger), and the request limit is
    Lambda's payload limit: a file must fit in 3/4 of it, with room for the multipart framing.
    """
    return max(0, max_request_bytes * 3 // 4 - MULTIPART_MARGIN_BYTES)


@cache
def _page_template() -> str:
    return PAGE.read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request) -> HTMLResponse:
    limit = direct_upload_limit(request.app.state.max_request_bytes)
    return HTMLResponse(_page_template().replace(DIRECT_LIMIT_MARK, str(limit)))
