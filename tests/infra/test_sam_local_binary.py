"""`sam local start-api` and binary uploads, for both API variants, pinned without Docker.

SAM CLI's emulator base64-encodes a request body only when its media type is among the binary media
types it read from the template; otherwise it decodes the body as UTF-8, and a multipart upload of
audio fails with UnicodeDecodeError, answered 502 (SAM CLI issues #3110 and #7927: an ``HttpApi``
alone declares no binary media types). The emulator ignores resource Conditions, so the REST API's
``BinaryMediaTypes`` in template.yaml apply to the HTTP API's routes too: both variants pass uploads
locally. These tests run SAM CLI's own template reader and event constructors: if SAM CLI fixes the
bug, ``test_an_http_api_alone_still_breaks_uploads_locally`` fails and the notes can say so.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import httpx
import pytest
from samcli.lib.providers.api_provider import ApiProvider  # type: ignore[import-untyped]
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider  # type: ignore[import-untyped]
from samcli.local.apigw.event_constructor import (  # type: ignore[import-untyped]
    construct_v1_event,
    construct_v2_event_http,
)

from tests.infra.conftest import REPO_ROOT, TEMPLATE, load_cfn_yaml

CLIP = REPO_ROOT / "tests/data/hindi_clip.wav"
UPLOAD_TYPES = {"multipart/form-data", "audio/*", "application/octet-stream"}
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def local_api(template: Path, api_type: str) -> Any:
    """What `sam local start-api --language-extensions --parameter-overrides ApiType=...` serves."""
    stacks, _ = SamLocalStackProvider.get_stacks(
        str(template), parameter_overrides={"ApiType": api_type}, language_extensions_enabled=True
    )
    return ApiProvider(stacks)


@pytest.fixture(scope="module")
def upload() -> tuple[bytes, str]:
    request = httpx.Request(
        "POST", "http://127.0.0.1/transcribe", files={"file": ("clip.wav", CLIP.read_bytes())}
    )
    return request.read(), request.headers["content-type"]


@pytest.fixture
def flask_request(upload: tuple[bytes, str]) -> Iterator[Any]:
    body, content_type = upload
    app = flask.Flask("sam-local-probe")
    app.add_url_rule("/transcribe", "/transcribe", methods=["POST"])  # SAM CLI names endpoints by path
    with app.test_request_context("/transcribe", method="POST", data=body, content_type=content_type):
        yield flask.request


@pytest.mark.parametrize(("api_type", "event_type"), [("HTTP", "HttpApi"), ("REST", "Api")])
def test_both_variants_pass_uploads_locally(
    api_type: str, event_type: str, flask_request: Any, upload: tuple[bytes, str]
) -> None:
    provider = local_api(TEMPLATE, api_type)
    routes = {(route.path, method) for route in provider.routes for method in route.methods}
    assert ("/transcribe", "POST") in routes
    assert {route.event_type for route in provider.routes} == {event_type}
    binary_types = provider.api.binary_media_types
    assert set(binary_types) >= UPLOAD_TYPES
    if api_type == "HTTP":
        event = construct_v2_event_http(flask_request, 3000, binary_types, stage_name="$default")
    else:
        event = construct_v1_event(flask_request, 3000, binary_types, stage_name="api")
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == upload[0]


def test_an_http_api_alone_still_breaks_uploads_locally(flask_request: Any, tmp_path: Path) -> None:
    # GIVEN the template without its REST API: an HttpApi declares no binary media types to SAM CLI
    template = load_cfn_yaml(TEMPLATE)
    del template["Resources"]["RestApi"]
    alone = tmp_path / "template.json"  # JSON is YAML, and dumps the loader's OrderedDicts as they are
    alone.write_text(json.dumps(template), encoding="utf-8")
    provider = local_api(alone, "HTTP")
    assert not UPLOAD_TYPES & set(provider.api.binary_media_types)
    # THEN SAM CLI decodes the upload as UTF-8 and fails (its server answers 502)
    with pytest.raises(UnicodeDecodeError):
        construct_v2_event_http(flask_request, 3000, provider.api.binary_media_types, stage_name="$default")
