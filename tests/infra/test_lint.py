"""The linters CI relies on, run on our templates and scripts (also part of `make lint`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import OFFLINE_AWS_ENV, REPO_ROOT

BIN = Path(sys.executable).parent
SHELL_SCRIPTS = [
    *sorted(REPO_ROOT.glob("infra/*.sh")),
    REPO_ROOT / "infra/lambda-base/lambda-entrypoint.sh",
    REPO_ROOT / "infra/lambda-base/bootstrap",
]


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=REPO_ROOT,
        env={**os.environ, **OFFLINE_AWS_ENV},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("template", ["template.yaml", "infra/deploy-role.yaml"])
def test_cfn_lint(template: str) -> None:
    result = run(BIN / "cfn-lint", template)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint() -> None:
    result = run(BIN / "sam", "validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.name)
def test_shell_scripts_parse_and_are_strict(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    assert run("bash", "-n", script).returncode == 0
    if text.startswith("#!/usr/bin/env bash"):
        assert "set -euo pipefail" in text
    assert os.access(script, os.X_OK), f"{script} is not executable"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck() -> None:
    result = run("shellcheck", *SHELL_SCRIPTS)
    assert result.returncode == 0, result.stdout
