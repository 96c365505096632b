"""Infra fixtures: the SAM template as written and as CloudFormation receives it, offline AWS settings."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from samcli.lib.translate.sam_template_validator import (  # type: ignore[import-untyped]
    SamTemplateValidator,
)
from samcli.yamlhelper import yaml_parse  # type: ignore[import-untyped]

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"
# Offline AWS tooling wants a region and credentials; these are never valid anywhere.
OFFLINE_AWS_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "SAM_CLI_TELEMETRY": "0",
}

Template = dict[str, Any]
Translate = Callable[..., Template]


def load_cfn_yaml(path: Path) -> Template:
    """A CloudFormation YAML file with its short-form tags (!Ref, !Sub, ...) as long-form dicts."""
    return cast(Template, yaml_parse(path.read_text(encoding="utf-8")))


class _NoManagedPolicies:
    """The translator's managed-policy lookup; the template uses none, so no IAM call is needed."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in OFFLINE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    yield


@pytest.fixture(scope="session")
def template() -> Template:
    return load_cfn_yaml(TEMPLATE)


@pytest.fixture(scope="session")
def translate(template: Template) -> Translate:
    """The template after AWS::LanguageExtensions and AWS::Serverless, for given parameter values.

    CloudFormation hands every parameter value (defaults included) to the transforms, so this does too.
    """
    defaults = {name: str(p["Default"]) for name, p in template["Parameters"].items() if "Default" in p}
    cache: dict[tuple[tuple[str, str], ...], Template] = {}

    def run(**parameters: str) -> Template:
        key = tuple(sorted(parameters.items()))
        if key not in cache:
            validator = SamTemplateValidator(
                copy.deepcopy(template),
                _NoManagedPolicies(),
                region="us-east-1",
                parameter_overrides={**defaults, **parameters},
                language_extensions_enabled=True,
            )
            cache[key] = cast(Template, yaml_parse(validator.get_translated_template_if_valid()))
        return copy.deepcopy(cache[key])

    return run
