"""A Lambda handler in a process of its own, invoked with events as the Lambda runtime would.

The handler is named as template.yaml names it (``module.function``) and configured only through its
environment, so these tests exercise the deployed contract, not the code's internal names. The child
reads one JSON event per line and answers one JSON line: ``{"result": ...}`` or ``{"error": ...}``.
Its logs and EMF metrics go to a file (``log``), as CloudWatch would receive them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Invocation:
    result: dict[str, Any] | None
    error: str | None  # the exception's type name, as Lambda reports errorType

    @property
    def failed(self) -> bool:
        return self.error is not None


class LambdaProcess:
    """``with LambdaProcess("pkg.module.handler", env, log) as fn: fn.invoke(event)``."""

    def __init__(
        self,
        handler: str,
        env: dict[str, str],
        log: Path,
        *,
        python: Sequence[str] = (sys.executable,),
        site_packages: Sequence[Path] = (),
    ) -> None:
        """``python``: the interpreter command (another one, e.g. under emulation, with its
        ``site_packages`` first on the path)."""
        self.handler = handler
        self.python = list(python)
        self.env = {**os.environ, **env}
        paths = [*site_packages, REPO_ROOT / "layers", REPO_ROOT / "functions", REPO_ROOT]
        self.env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
        self.log = log
        self._process: subprocess.Popen[str] | None = None
        self._log_file: IO[str] | None = None

    def __enter__(self) -> LambdaProcess:
        self._log_file = self.log.open("a", encoding="utf-8")
        self._process = subprocess.Popen(
            [*self.python, "-m", "tests.reliability.lambda_process", self.handler],
            cwd=REPO_ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        return self

    def invoke(self, event: dict[str, Any]) -> Invocation:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(event, ensure_ascii=False) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        assert line, f"the handler process died:\n{self.log.read_text(encoding='utf-8')[-4000:]}"
        answer = json.loads(line)
        return Invocation(answer.get("result"), answer.get("error"))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=30)
        if self._log_file is not None:
            self._log_file.close()


def _serve(handler_name: str) -> None:
    """The child: answers on the original stdout; everything the handler prints goes to stderr."""
    import importlib

    from infra.lambda_context import LocalLambdaContext

    context = LocalLambdaContext("hindi-asr-reliability", remaining_ms=300_000)

    answers = sys.stdout
    sys.stdout = sys.stderr  # Powertools' logger and metrics write to sys.stdout as it is at import
    module_name, function_name = handler_name.rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    for line in sys.stdin:
        try:
            answer: dict[str, Any] = {"result": handler(json.loads(line), context)}
        except Exception as exc:  # Lambda reports the error and the process lives on
            answer = {"error": type(exc).__name__}
            print(f"invocation failed: {type(exc).__name__}: {exc}", file=sys.stderr)  # noqa: T201
        answers.write(json.dumps(answer, ensure_ascii=False) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve(sys.argv[1])
