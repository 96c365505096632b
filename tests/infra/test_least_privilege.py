"""Least privilege and data at rest, over every template the project deploys.

- An ``Allow`` with a wildcard (an action such as ``s3:*`` or ``s3:Get*``, or a resource that is ``*`` or
  a whole namespace such as ``arn:aws:s3:::*``) must say why, in a comment on its ``Sid`` line.
- Every bucket is encrypted, blocks all public access, and has a policy that denies requests without TLS;
  every queue is encrypted and TLS-only too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import REPO_ROOT, load_cfn_yaml

TEMPLATES = [REPO_ROOT / "template.yaml", REPO_ROOT / "infra/deploy-role.yaml"]
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def text_of(value: Any) -> str:
    """A policy string as written: plain, or the template string of a ``Fn::Sub``."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return value if isinstance(value, str) else ""


def is_wildcard_action(action: Any) -> bool:
    return "*" in text_of(action)


def is_wildcard_resource(resource: Any) -> bool:
    """``*``, or an ARN whose resource part is only a wildcard (the whole service, region or account)."""
    text = text_of(resource)
    return text == "*" or bool(re.search(r"(^|:)[/]?\*$", text))


def allow_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every permission policy statement (not trust policies): (resource name, statement)."""
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        if resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents.append(properties["PolicyDocument"])
        for document in documents:
            for statement in as_list(document["Statement"]):
                if statement["Effect"] == "Allow":
                    yield name, statement


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_wildcard_grant_gives_its_reason(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    unexplained = []
    for name, statement in allow_statements(load_cfn_yaml(path)):
        actions = [a for a in as_list(statement["Action"]) if is_wildcard_action(a)]
        resources = [r for r in as_list(statement["Resource"]) if is_wildcard_resource(r)]
        if not actions and not resources:
            continue
        sid = statement.get("Sid", "")
        reasons = (
            [line for line in lines if re.search(rf"Sid:\s*{re.escape(sid)}\s+#\s*\S", line)] if sid else []
        )
        if not reasons:
            unexplained.append(f"{name}/{sid or '?'}: {actions + [text_of(r) for r in resources]}")
    assert not unexplained, "wildcard grants without a reason comment on their Sid line:\n" + "\n".join(
        unexplained
    )


def test_the_wildcard_checks_see_wildcards() -> None:
    assert (
        is_wildcard_action("s3:*")
        and is_wildcard_action("s3:Get*")
        and not is_wildcard_action("s3:GetObject")
    )
    assert is_wildcard_resource("*") and is_wildcard_resource({"Fn::Sub": "arn:${AWS::Partition}:s3:::*"})
    assert is_wildcard_resource({"Fn::Sub": "arn:aws:apigateway:${AWS::Region}::/*"})
    assert not is_wildcard_resource({"Fn::Sub": "arn:aws:s3:::${Prefix}-*"})
    assert not is_wildcard_resource({"Fn::GetAtt": ["Bucket", "Arn"]})


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def denies_plain_http(policy_document: dict[str, Any], arns: list[Any]) -> bool:
    return any(
        s["Effect"] == "Deny" and s["Principal"] == "*" and s["Condition"] == TLS_ONLY
        and all(arn in as_list(s["Resource"]) for arn in arns)
        for s in as_list(policy_document["Statement"])
    )  # fmt: skip


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_bucket_is_encrypted_private_and_tls_only(path: Path) -> None:
    template = load_cfn_yaml(path)
    buckets = resources(template, "AWS::S3::Bucket")
    assert buckets
    policies = resources(template, "AWS::S3::BucketPolicy").values()
    for name, bucket in buckets.items():
        properties = bucket["Properties"]
        (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms", "aws:kms:dsse"}
        public = properties["PublicAccessBlockConfiguration"]
        assert set(public) == {
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        }
        assert all(value is True for value in public.values()), name
        arns = [{"Fn::GetAtt": [name, "Arn"]}, {"Fn::Sub": f"${{{name}.Arn}}/*"}]
        assert any(
            p["Properties"]["Bucket"] == {"Ref": name}
            and denies_plain_http(p["Properties"]["PolicyDocument"], arns)
            for p in policies
        ), f"{name} has no policy denying requests without TLS"


def test_every_queue_is_encrypted_and_tls_only() -> None:
    template = load_cfn_yaml(TEMPLATES[0])
    queues = resources(template, "AWS::SQS::Queue")
    policies = resources(template, "AWS::SQS::QueuePolicy").values()
    assert queues
    for name, queue in queues.items():
        properties = queue["Properties"]
        assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties, name
        assert any(
            {"Ref": name} in p["Properties"]["Queues"]
            and denies_plain_http(p["Properties"]["PolicyDocument"], [{"Fn::GetAtt": [name, "Arn"]}])
            for p in policies
        ), f"{name} has no policy denying requests without TLS"
