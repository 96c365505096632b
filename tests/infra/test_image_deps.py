"""infra/image_deps.py: the runtime requirements pinned as tested, and pruning what the base image ships."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from infra import image_deps
from tests.infra.conftest import REPO_ROOT


def test_runtime_requirements_are_pinned_to_the_installed_versions() -> None:
    pinned = image_deps.pinned_requirements(REPO_ROOT / "pyproject.toml")
    assert f"fastapi=={metadata.version('fastapi')}" in pinned
    assert f"aws-lambda-powertools[tracer]=={metadata.version('aws-lambda-powertools')}" in pinned
    assert not any(name.startswith(("torch", "nemo")) for name in pinned)  # runtime group only


def test_the_command_line_prints_one_requirement_per_line() -> None:
    done = subprocess.run(
        [sys.executable, REPO_ROOT / "infra/image_deps.py", "requirements", REPO_ROOT / "pyproject.toml"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.splitlines() == image_deps.pinned_requirements(REPO_ROOT / "pyproject.toml")


def install(target: Path, dist: str, files: dict[str, str]) -> None:
    """A distribution as ``pip install --target`` leaves it: its files and a RECORD that lists them."""
    info = target / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    for name, text in files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text)
    (info / "RECORD").write_text("".join(f"{name},," + "\n" for name in [*files, f"{info.name}/RECORD"]))


def test_prune_removes_the_named_distributions_and_nothing_else(tmp_path: Path) -> None:
    install(tmp_path, "botocore", {"botocore/__init__.py": "", "botocore/data/s3.json": "{}"})
    install(tmp_path, "python_dateutil", {"dateutil/__init__.py": ""})
    install(tmp_path, "aws_xray_sdk", {"aws_xray_sdk/__init__.py": ""})
    removed = image_deps.prune(tmp_path, ["botocore", "python-dateutil"])
    assert removed == ["botocore-1.0.dist-info", "python_dateutil-1.0.dist-info"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "aws_xray_sdk",
        "aws_xray_sdk-1.0.dist-info",
        "aws_xray_sdk-1.0.dist-info/RECORD",
        "aws_xray_sdk/__init__.py",
    ]
