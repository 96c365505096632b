"""The Lambda image recipe: runtime dependencies only, offline build, one Python version everywhere."""

from __future__ import annotations

import re
import tomllib

from tests.infra.conftest import REPO_ROOT

DOCKERFILE = (REPO_ROOT / "functions/Dockerfile").read_text(encoding="utf-8")
BUILD_ONLY = re.compile(r"\b(torch|nemo|lightning|triton|nvidia)\b", re.IGNORECASE)


def instructions(dockerfile: str) -> list[str]:
    """Dockerfile instructions without comments, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def test_no_torch_or_nemo_in_the_image() -> None:
    for line in instructions(DOCKERFILE):
        assert not BUILD_ONLY.search(line), line
    runtime = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    assert runtime
    for requirement in runtime:
        assert not BUILD_ONLY.search(requirement), requirement


def test_build_needs_no_network_inside_the_container() -> None:
    runs = [line for line in instructions(DOCKERFILE) if line.upper().startswith("RUN ")]
    for line in runs:
        assert not re.search(r"pip\S* install|apt|yum|dnf|curl|wget", line), line


def test_lambda_base_image_and_entry_points() -> None:
    lines = instructions(DOCKERFILE)
    assert "FROM public.ecr.aws/lambda/python:${PYTHON_VERSION}" in lines
    assert 'CMD ["hindi_asr_lambda.api.handler"]' in lines
    assert "ENV HINDI_ASR_MODEL_DIR=/opt/model" in lines
    copies = {tuple(line.split()[1:]) for line in lines if line.startswith("COPY ")}
    assert copies == {
        ("artifacts/image/site-packages/", "${LAMBDA_TASK_ROOT}/"),
        ("artifacts/image/model/", "/opt/model/"),
        ("layers/hindi_asr/", "${LAMBDA_TASK_ROOT}/hindi_asr/"),
        ("functions/hindi_asr_lambda/", "${LAMBDA_TASK_ROOT}/hindi_asr_lambda/"),
    }


def test_build_context_sends_only_what_is_copied() -> None:
    patterns = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*"
    included = {p.removeprefix("!").rstrip("/") for p in patterns if p.startswith("!")}
    assert included == {
        "artifacts/image/site-packages",
        "artifacts/image/model",
        "layers/hindi_asr",
        "functions/hindi_asr_lambda",
        "functions/Dockerfile",
    }
    assert "layers/hindi_asr/models/" in patterns  # the model goes to /opt/model, not twice


def test_one_python_version_everywhere() -> None:
    default = re.search(r"ARG PYTHON_VERSION=(\S+)", DOCKERFILE)
    assert default
    version = default.group(1)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"LAMBDA_PYTHON ?= {version}" in makefile
    for script in ("infra/stage-image.sh", "infra/lambda-base-image.sh"):
        text = (REPO_ROOT / script).read_text(encoding="utf-8")
        assert f"LAMBDA_PYTHON:-{version}" in text, script
    # the offline stand-in needs a Debian release with that interpreter
    assert f"{version}) suite=" in (REPO_ROOT / "infra/lambda-base-image.sh").read_text(encoding="utf-8")
