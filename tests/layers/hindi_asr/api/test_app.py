"""The app factory as ``make run`` serves it: ``uvicorn --factory hindi_asr.api.app:create_app``."""

from __future__ import annotations

import json

import httpx
import numpy as np

from hindi_asr.settings import get_settings

from ..tiny_model import encode
from .conftest import serve

FACTORY = "hindi_asr.api.app:create_app"


def test_uvicorn_builds_the_app_from_the_factory_with_the_environments_model() -> None:
    # GIVEN the settings of the environment (by default the embedded model)
    model_dir = get_settings().transcriber.model_dir
    name = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))["name"]
    silence = encode(np.zeros(16_000, np.float32))
    # WHEN uvicorn builds the app by calling the factory, as `make run` does
    with serve(FACTORY, factory=True) as url, httpx.Client(base_url=url, timeout=60.0) as client:
        health = client.get("/health")
        answer = client.post("/transcribe", content=silence, headers={"content-type": "audio/wav"})
    # THEN the model was loaded at start-up and serves requests
    assert health.status_code == 200 and health.json()["model"]["name"] == name
    assert answer.status_code == 200 and answer.json()["text"] == ""
