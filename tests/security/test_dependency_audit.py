"""pip-audit of the runtime packages: what the Lambda image and ``make run`` install.

The packages are the closure of the ``[project] dependencies`` of pyproject.toml at the versions
installed here, which infra/stage-image.sh pins into the image. Policy: any published vulnerability in
one of them fails the build, unless ``ACCEPTED`` names its advisory with the reason it does not apply
and a date by which to look again (an expired entry fails too). The advisories come from PyPI's
vulnerability data (pip-audit's default service); where that service cannot be reached (an offline
machine) the test is skipped with the reason, never passed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_PROBE = "https://pypi.org/pypi/jinja2/3.0.0/json"  # a release with known advisories
PROBE_TIMEOUT_S = 10
AUDIT_TIMEOUT_S = 300
# advisory id -> (why it does not apply, review by)
ACCEPTED: dict[str, tuple[str, dt.date]] = {}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure() -> dict[str, str]:
    """name -> installed version, for the runtime dependencies and everything they require."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pending = [Requirement(spec) for spec in project["dependencies"]]
    found: dict[str, str] = {}
    while pending:
        requirement = pending.pop()
        name = canonical(requirement.name)
        if name in found:
            continue
        found[name] = metadata.version(requirement.name)
        for spec in metadata.requires(requirement.name) or []:
            child = Requirement(spec)
            environment = {"extra": next(iter(requirement.extras), "")}
            if child.marker is None or child.marker.evaluate(environment):
                pending.append(child)
    return found


def advisory_service_answers() -> str | None:
    """None if PyPI's vulnerability data can be read, else why not."""
    try:
        with urllib.request.urlopen(SERVICE_PROBE, timeout=PROBE_TIMEOUT_S) as response:
            document = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        return f"{SERVICE_PROBE} unreachable: {exc}"
    if not document.get("vulnerabilities"):
        return f"{SERVICE_PROBE} answered without vulnerability data (a mirror, not PyPI's JSON API)"
    return None


def test_the_runtime_closure_is_the_runtime() -> None:
    closure = runtime_closure()
    assert {"onnxruntime", "numpy", "fastapi", "starlette", "mangum", "pydantic"} <= set(closure)
    assert not {"torch", "nemo-toolkit", "pytest"} & set(closure)


def test_no_known_vulnerabilities_in_runtime_packages(tmp_path: Path) -> None:
    unreachable = advisory_service_answers()
    if unreachable:
        pytest.skip(f"dependency audit not possible here: {unreachable}")
    requirements = tmp_path / "runtime.txt"
    requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(runtime_closure().items())))
    audit = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--requirement", str(requirements), "--no-deps",
         "--disable-pip", "--format", "json", "--progress-spinner", "off"],
        capture_output=True, text=True, timeout=AUDIT_TIMEOUT_S, check=False,
    )  # fmt: skip
    report = json.loads(audit.stdout)
    unaudited = [d["name"] for d in report["dependencies"] if "skip_reason" in d]
    assert not unaudited, f"not audited: {unaudited}\n{audit.stderr[-2000:]}"
    today = dt.date.today()
    findings = [
        f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release'})"
        for d in report["dependencies"]
        for v in d["vulns"]
        if v["id"] not in ACCEPTED or ACCEPTED[v["id"]][1] < today
    ]
    assert not findings, "vulnerable runtime packages (upgrade, or accept with a reason):\n" + "\n".join(
        findings
    )
