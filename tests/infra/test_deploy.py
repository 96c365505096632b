"""The deploy pipeline: workflow, bootstrap role template, samconfig, and the smoke test's own logic."""

from __future__ import annotations

import json
import re
import threading
import time
import tomllib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import yaml  # type: ignore[import-untyped]
from python_multipart.multipart import MultipartParser, parse_options_header

from hindi_asr.settings import S3Settings
from infra import smoke_test
from tests.infra.conftest import REPO_ROOT, Template, load_cfn_yaml
from tests.moto_server import moto_server

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

WORKFLOW = REPO_ROOT / ".github/workflows/deploy.yml"
CLIP = REPO_ROOT / "tests/data/hindi_clip.wav"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as True
    return document


@pytest.fixture(scope="module")
def role_template() -> Template:
    return load_cfn_yaml(REPO_ROOT / "infra/deploy-role.yaml")


# ---------------------------------------------------------------- workflow


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(action)]


def test_workflow_triggers_and_order(workflow: dict[str, Any]) -> None:
    assert workflow["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "deploy"}  # one deploy job serves both environments
    assert "make test" in str(jobs["test"]["steps"])
    assert jobs["deploy"]["needs"] == "test"
    assert jobs["deploy"]["if"] == "github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v')"


def pick(expression: str, *, tag: bool) -> str:
    """Evaluate the workflow's ``${{ startsWith(github.ref, 'refs/tags/v') && A || B }}`` for a ref."""
    match = re.fullmatch(
        r"\$\{\{ startsWith\(github\.ref, 'refs/tags/v'\) && '([^']+)' \|\| '([^']+)' \}\}", expression
    )
    assert match, expression
    return match.group(1) if tag else match.group(2)


@pytest.mark.parametrize(
    ("tag", "environment", "config_env", "stack"),
    [(False, "dev", "default", "hindi-asr-dev"), (True, "prod", "prod", "hindi-asr-prod")],
)
def test_the_deploy_job_assumes_a_role_deploys_and_smoke_tests(
    workflow: dict[str, Any], tag: bool, environment: str, config_env: str, stack: str
) -> None:
    spec = workflow["jobs"]["deploy"]
    assert spec["permissions"]["id-token"] == "write"
    assert pick(spec["environment"], tag=tag) == environment
    assert pick(spec["env"]["CONFIG_ENV"], tag=tag) == config_env
    assert pick(spec["env"]["STACK"], tag=tag) == stack
    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert config[config_env]["global"]["parameters"]["stack_name"] == stack
    (credentials,) = steps_using(spec, "aws-actions/configure-aws-credentials")
    assert set(credentials["with"]) == {"role-to-assume", "aws-region"}
    commands = " ".join(str(step.get("run", "")) for step in spec["steps"])
    assert "make sam-build" in commands
    assert 'sam deploy --config-env "$CONFIG_ENV"' in commands
    assert 'infra/smoke_test.py --stack "$STACK"' in commands
    assert commands.index("sam deploy") < commands.index("smoke_test.py")


def test_no_long_lived_keys(workflow: dict[str, Any]) -> None:
    text = WORKFLOW.read_text(encoding="utf-8").lower()
    for forbidden in ("aws-access-key-id", "aws_access_key_id", "aws-secret-access-key", "secrets."):
        assert forbidden not in text
    assert workflow["permissions"] == {"contents": "read"}


# ---------------------------------------------------------------- bootstrap role template


def test_deploy_role_trusts_only_this_repositorys_environments(role_template: Template) -> None:
    role = role_template["Resources"]["GitHubDeployRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = trust["Condition"]
    assert condition["StringEquals"] == {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    subjects = condition["StringLike"]["token.actions.githubusercontent.com:sub"]
    assert subjects == [
        {"Fn::Sub": "repo:${GitHubRepository}:environment:dev"},
        {"Fn::Sub": "repo:${GitHubRepository}:environment:prod"},
    ]


def test_bootstrap_roles_grant_no_wildcard_actions_on_everything(role_template: Template) -> None:
    for name in ("GitHubDeployRole", "CloudFormationExecutionRole"):
        for policy in role_template["Resources"][name]["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                if statement["Resource"] == "*":
                    assert all(not action.endswith("*") for action in actions), statement["Sid"]
                assert "*" not in actions


def test_deploy_role_may_pass_only_the_execution_role(role_template: Template) -> None:
    policy = role_template["Resources"]["GitHubDeployRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    (pass_role,) = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert pass_role["Resource"] == {"Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"]}


# ---------------------------------------------------------------- samconfig


def test_samconfig_has_dev_and_prod(template: Template) -> None:
    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert config["default"]["global"]["parameters"]["stack_name"] == "hindi-asr-dev"
    assert config["prod"]["global"]["parameters"]["stack_name"] == "hindi-asr-prod"
    for env in ("default", "prod"):
        deploy = config[env]["deploy"]["parameters"]
        # the template uses AWS::LanguageExtensions, which needs CAPABILITY_AUTO_EXPAND
        assert set(deploy["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
        overrides = dict(pair.split("=", 1) for pair in deploy["parameter_overrides"].split())
        assert overrides["Stage"] == ("dev" if env == "default" else "prod")
        # the memory size is the template's default: the one the optimisation search picked
        assert "MemorySize" not in overrides
        # the stack's tags, which CloudFormation copies to every resource (the template sets none)
        tags = dict(pair.split("=", 1) for pair in deploy["tags"].split())
        assert tags == {"project": "hindi-asr", "stage": overrides["Stage"]}
        for name, value in overrides.items():
            allowed = template["Parameters"][name].get("AllowedValues")
            assert allowed is None or value in [str(a) for a in allowed], (env, name, value)
    local = config["default"]["local_start_api"]["parameters"]
    assert local["host"] == "127.0.0.1"
    assert local["parameter_overrides"] == "ApiType=REST"


# ---------------------------------------------------------------- smoke test logic


def test_character_error_rate() -> None:
    assert smoke_test.character_error_rate("मेरा नाम", "मेरा नाम") == 0
    assert smoke_test.character_error_rate("मेरा  नाम ", "मेरा नाम") == 0
    assert smoke_test.character_error_rate("abcd", "abed") == 0.25
    assert smoke_test.character_error_rate("ab", "") == 1


def test_multipart_body_is_what_a_server_parses() -> None:
    data = CLIP.read_bytes()
    body, content_type = smoke_test.multipart("file", "clip.wav", data, "audio/wav")
    _, options = parse_options_header(content_type)
    parts: list[bytes] = []
    parser = MultipartParser(
        options[b"boundary"],
        {"on_part_begin": lambda: parts.append(b""), "on_part_data": lambda b, s, e: parts.append(b[s:e])},
    )
    parser.write(body)
    parser.finalize()
    assert b"".join(parts) == data


def test_iam_mode_signs_with_sigv4_for_execute_api() -> None:
    headers = smoke_test.auth_headers(
        "IAM",
        "POST",
        "https://abc.execute-api.us-east-1.amazonaws.com/transcribe",
        b"x",
        {"Content-Type": "audio/wav"},
        "us-east-1",
    )
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/execute-api/aws4_request" in headers["Authorization"]
    assert headers["Content-Type"] == "audio/wav"


def test_jwt_mode_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMOKE_TEST_JWT", raising=False)
    with pytest.raises(RuntimeError, match="SMOKE_TEST_JWT"):
        smoke_test.auth_headers("JWT", "POST", "https://x/transcribe", b"", {}, "us-east-1")
    monkeypatch.setenv("SMOKE_TEST_JWT", "token")
    assert smoke_test.auth_headers("JWT", "POST", "https://x/transcribe", b"", {}, "us-east-1") == {
        "Authorization": "Bearer token"
    }


@pytest.fixture
def moto_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Client]:
    with moto_server() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
        yield boto3.client("s3", region_name="us-east-1")


def test_s3_check_finds_the_transcript_where_the_transcriber_writes_it(moto_s3: S3Client) -> None:
    # GIVEN a stack's outputs and a stand-in for the transcriber that writes where S3Settings says
    outputs = {
        "InputBucketName": "smoke-in",
        "OutputBucketName": "smoke-out",
        "InputPrefix": "uploads/",
        "OutputPrefix": "transcripts/",
        "ErrorPrefix": "errors/",
    }
    for bucket in ("smoke-in", "smoke-out"):
        moto_s3.create_bucket(Bucket=bucket)
    config = S3Settings(output_bucket="smoke-out")
    expected = (REPO_ROOT / "tests/data/hindi_clip.txt").read_text(encoding="utf-8").strip()

    def transcribe_uploads() -> None:
        for _ in range(100):
            for obj in moto_s3.list_objects_v2(Bucket="smoke-in").get("Contents", []):
                document = {"results": {"transcripts": [{"transcript": expected}]}}
                moto_s3.put_object(
                    Bucket="smoke-out", Key=config.transcript_key(obj["Key"]), Body=json.dumps(document)
                )
                return
            time.sleep(0.1)

    writer = threading.Thread(target=transcribe_uploads)
    writer.start()
    # WHEN the smoke test uploads the clip and polls for the result
    check = smoke_test.check_s3(outputs, CLIP, expected, 0.15, 30, "us-east-1")
    writer.join()
    # THEN it finds it, under the smoke-test folder the deploy role may write to
    assert check.ok, check.detail
    (upload,) = moto_s3.list_objects_v2(Bucket="smoke-in")["Contents"]
    assert upload["Key"].startswith("uploads/smoke-test/")
