"""A hook for whoever hosts the app (the Lambda adapter records metrics through it)."""

from __future__ import annotations

from typing import Protocol

from hindi_asr.transcribe import Transcript


class Observer(Protocol):
    def transcribed(self, transcript: Transcript) -> None:
        """A request was answered with ``transcript``."""

    def failed(self, status: int, code: str) -> None:
        """A request was answered with a problem of HTTP ``status`` and machine-readable ``code``."""


class NullObserver:
    def transcribed(self, transcript: Transcript) -> None:
        return None

    def failed(self, status: int, code: str) -> None:
        return None
