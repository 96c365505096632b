"""A real uvicorn server on 127.0.0.1 (free port), serving the app with the tiny model; stopped after use."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from hindi_asr.api.app import create_app
from hindi_asr.options import TranscriberOptions
from hindi_asr.settings import Settings, TranscriberSettings
from hindi_asr.transcribe import Transcriber, Transcript

START_TIMEOUT_S = 30.0


@dataclass
class RecordingObserver:
    transcripts: list[Transcript] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)

    def transcribed(self, transcript: Transcript) -> None:
        self.transcripts.append(transcript)

    def failed(self, status: int, code: str) -> None:
        self.failures.append((status, code))


@dataclass
class Served:
    client: httpx.Client
    observer: RecordingObserver


@contextmanager
def serve(app: FastAPI | str, *, factory: bool = False) -> Iterator[str]:
    """Run ``app`` (or the app factory named ``module:function``) under uvicorn in a thread on a free
    loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, factory=factory, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)
        sock.close()


@contextmanager
def served_app(settings: Settings, provider: Callable[[], Transcriber]) -> Iterator[Served]:
    observer = RecordingObserver()
    app = create_app(settings, transcriber_provider=provider, observer=observer)
    with serve(app) as url, httpx.Client(base_url=url, timeout=60.0) as client:
        yield Served(client, observer)


@pytest.fixture(scope="module")
def api_settings(tiny_options: TranscriberOptions) -> Settings:
    """The tiny model, the default request limit (Lambda's 6 MB), audio up to 40 s in chunks of 8 s."""
    section = TranscriberSettings(
        model_dir=tiny_options.model_dir, max_duration_s=40.0, chunk_s=8.0, overlap_s=2.0
    )
    return Settings(transcriber=section)


@pytest.fixture(scope="module")
def served(api_settings: Settings) -> Iterator[Served]:
    transcriber = Transcriber.load(api_settings.transcriber.options())
    with served_app(api_settings, lambda: transcriber) as result:
        yield result


@pytest.fixture
def api(served: Served) -> Iterator[httpx.Client]:
    served.observer.transcripts.clear()
    served.observer.failures.clear()
    yield served.client
