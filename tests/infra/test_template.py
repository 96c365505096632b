"""template.yaml: what it promises, checked on the source and on what CloudFormation receives."""

from __future__ import annotations

import ast
import copy
from typing import Any, cast

import pytest
from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from samcli.lib.providers.sam_base_provider import SamBaseProvider  # type: ignore[import-untyped]

from hindi_asr.settings import S3Settings, TranscriberSettings, overlaps
from infra.bulk import Stack
from tests.infra.conftest import REPO_ROOT, Template, Translate

HANDLERS = {
    "ApiFunction": "hindi_asr_lambda.api.handler",
    "TranscriberFunction": "hindi_asr_lambda.s3_transcriber.handler",
}
ROUTES = {
    "/transcribe": "post",
    "/uploads": "post",
    "/transcripts/{job_id}": "get",
    "/health": "get",
    "/docs": "get",
    "/docs/assets/{file}": "get",
    "/openapi.json": "get",
    "/": "get",
}
PROTECTED = {"/transcribe", "/uploads", "/transcripts/{job_id}"}  # by AuthMode; the page and docs stay open
VCPU_MB = 1769  # Lambda allocates one vCPU per 1,769 MB
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # samtranslator's own


def resources_of_type(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def role_statements(template: Template, role: str) -> list[dict[str, Any]]:
    properties = template["Resources"][role]["Properties"]
    return [s for policy in properties["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def sub(value: Any) -> str:
    """The string of a ``Fn::Sub`` (policy resources and bucket names are written that way)."""
    assert isinstance(value, dict) and "Fn::Sub" in value, value
    text = value["Fn::Sub"]
    return cast(str, text[0] if isinstance(text, list) else text)  # [string, variables] form


def resource(value: Any) -> str:
    """A policy resource as a ``Fn::Sub`` string (``Fn::GetAtt`` written as ``${Name.Attribute}``)."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    return sub(value)


def api_paths(translated: Template, api_type: str) -> dict[str, dict[str, Any]]:
    api = translated["Resources"]["RestApi" if api_type == "REST" else "HttpApi"]
    return cast(dict[str, dict[str, Any]], api["Properties"]["Body"]["paths"])


# ---------------------------------------------------------------- one image, two functions


def test_one_image_serves_both_functions_with_their_handlers(template: Template) -> None:
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert set(functions) == set(HANDLERS)
    metadata = [f["Metadata"] for f in functions.values()]
    # GIVEN identical build metadata, `sam build` builds the image once and both functions use it
    assert (
        metadata[0]
        == metadata[1]
        == {
            "Dockerfile": "functions/Dockerfile",
            "DockerContext": ".",
            "DockerTag": "latest",
        }
    )
    for name, function in functions.items():
        properties = function["Properties"]
        assert properties["PackageType"] == "Image"
        assert properties["ImageConfig"]["Command"] == [HANDLERS[name]]


@pytest.mark.parametrize("handler", sorted(HANDLERS.values()))
def test_handlers_named_in_the_template_exist(handler: str) -> None:
    module, function = handler.rsplit(".", 1)
    source = REPO_ROOT / "functions" / (module.replace(".", "/") + ".py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    assert function in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


# ---------------------------------------------------------------- API, auth, throttling


@pytest.mark.parametrize("api_type", ["HTTP", "REST"])
def test_routes(translate: Translate, api_type: str) -> None:
    paths = api_paths(translate(ApiType=api_type), api_type)
    assert {path: next(iter(methods)) for path, methods in paths.items()} == ROUTES


def test_default_is_the_http_api(template: Template, translate: Translate) -> None:
    assert template["Parameters"]["ApiType"]["Default"] == "HTTP"
    resources = translate()["Resources"]
    assert resources["HttpApi"]["Type"] == "AWS::ApiGatewayV2::Api"
    assert resources["RestApi"]["Condition"] == "UseRestApi"


def test_rest_variant_lets_multipart_and_raw_audio_through(translate: Translate) -> None:
    body = translate(ApiType="REST")["Resources"]["RestApi"]["Properties"]["Body"]
    binary = set(body["x-amazon-apigateway-binary-media-types"])
    assert {"multipart/form-data", "audio/*", "application/octet-stream"} <= binary


@pytest.mark.parametrize(
    ("api_type", "auth_mode", "scheme"),
    [
        ("HTTP", "NONE", None),
        ("HTTP", "IAM", "AWS_IAM"),
        ("HTTP", "JWT", "JwtAuthorizer"),
        ("REST", "NONE", None),
        ("REST", "IAM", "AWS_IAM"),
    ],
)
def test_auth_mode_protects_transcription_and_jobs_only(
    translate: Translate, api_type: str, auth_mode: str, scheme: str | None
) -> None:
    jwt = {"JwtIssuer": "https://issuer.example.com", "JwtAudience": "client"} if auth_mode == "JWT" else {}
    paths = api_paths(translate(ApiType=api_type, AuthMode=auth_mode, **jwt), api_type)
    for path, method in ROUTES.items():
        security = paths[path][method].get("security")
        expected: dict[str, list[str]] | None = {scheme: []} if scheme and path in PROTECTED else None
        assert (security[0] if security else None) == expected, path


def test_jwt_needs_an_issuer_and_the_http_api(template: Template) -> None:
    rules = template["Rules"]
    assert rules["JwtNeedsIssuerAndAudience"]["RuleCondition"] == {"Fn::Equals": [{"Ref": "AuthMode"}, "JWT"]}
    assert rules["JwtNeedsHttpApi"]["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "ApiType"}, "HTTP"]}


def test_throttling_parameters_reach_the_stages(translate: Translate) -> None:
    http = translate(ThrottleRateLimit="7", ThrottleBurstLimit="9")["Resources"]
    settings = http["HttpApiApiGatewayDefaultStage"]["Properties"]["DefaultRouteSettings"]
    assert (str(settings["ThrottlingRateLimit"]), str(settings["ThrottlingBurstLimit"])) == ("7", "9")
    rest = translate(ApiType="REST", ThrottleRateLimit="7", ThrottleBurstLimit="9")["Resources"]
    (method,) = rest["RestApiapiStage"]["Properties"]["MethodSettings"]
    assert (str(method["ThrottlingRateLimit"]), str(method["ThrottlingBurstLimit"])) == ("7", "9")


# ---------------------------------------------------------------- compute parameters


def test_compute_parameters_are_wired(template: Template) -> None:
    functions = template["Resources"]
    globals_ = template["Globals"]["Function"]
    assert globals_["MemorySize"] == {"Ref": "MemorySize"}
    assert globals_["Architectures"] == [{"Ref": "Architecture"}]
    assert functions["ApiFunction"]["Properties"]["Timeout"] == {"Ref": "ApiTimeout"}
    assert functions["TranscriberFunction"]["Properties"]["Timeout"] == {"Ref": "TranscriberTimeout"}
    # API Gateway cuts integrations at 30 s: a longer API timeout would only hide that
    assert template["Parameters"]["ApiTimeout"]["MaxValue"] <= 30
    assert set(template["Parameters"]["Architecture"]["AllowedValues"]) == {"x86_64", "arm64"}


def test_every_parameter_is_used(template: Template) -> None:
    body = str({k: v for k, v in template.items() if k != "Parameters"})
    for name in template["Parameters"]:
        assert f"'Ref': '{name}'" in body or "${" + name + "}" in body, name


def resolved_threads(template: Template, **parameters: str) -> str:
    """HINDI_ASR_INTRA_OP_THREADS as `sam local` resolves it for these parameter values."""
    resolved = SamBaseProvider.get_resolved_template_dict(copy.deepcopy(template), parameters)
    variables = resolved["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    return str(variables["HINDI_ASR_INTRA_OP_THREADS"])


def test_thread_count_follows_memory_size(template: Template) -> None:
    for memory in template["Parameters"]["MemorySize"]["AllowedValues"]:
        expected = max(1, round(int(memory) / VCPU_MB))
        assert resolved_threads(template, MemorySize=str(memory)) == str(expected), memory
    assert resolved_threads(template) == "1"  # the default, 1,769 MB (the search rule's pick)


def test_explicit_thread_count_wins_and_the_runtime_accepts_it(template: Template) -> None:
    threads = resolved_threads(template, MemorySize="10240", IntraOpThreads="4")
    assert threads == "4"
    assert TranscriberSettings.model_validate({"intra_op_threads": threads}).intra_op_threads == 4


# ---------------------------------------------------------------- S3 path


def test_uploads_under_the_input_prefix_trigger_the_transcriber(translate: Translate) -> None:
    bucket = translate(InputPrefix="incoming/")["Resources"]["InputBucket"]["Properties"]
    (trigger,) = bucket["NotificationConfiguration"]["LambdaConfigurations"]
    assert trigger["Event"] == "s3:ObjectCreated:*"
    assert trigger["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "incoming/"}]}}
    assert trigger["Function"] == {"Fn::GetAtt": ["TranscriberFunction", "Arn"]}


def test_results_cannot_retrigger(template: Template, translate: Translate) -> None:
    resources = template["Resources"]
    variables = resources["TranscriberFunction"]["Properties"]["Environment"]["Variables"]
    # results go to their own bucket, which notifies nobody
    assert variables["HINDI_ASR_S3_OUTPUT_BUCKET"] == {"Ref": "OutputBucket"}
    assert "NotificationConfiguration" not in translate()["Resources"]["OutputBucket"]["Properties"]
    assert sub(resources["InputBucket"]["Properties"]["BucketName"]) != sub(
        resources["OutputBucket"]["Properties"]["BucketName"]
    )
    # and even in one bucket the default prefixes would not overlap
    defaults = {name: template["Parameters"][name]["Default"] for name in ("InputPrefix", "OutputPrefix")}
    assert not overlaps(defaults["InputPrefix"], defaults["OutputPrefix"])
    assert not overlaps(defaults["InputPrefix"], template["Parameters"]["ErrorPrefix"]["Default"])


def first_env_name(field: FieldInfo) -> str:
    assert isinstance(field.validation_alias, AliasChoices), field
    return str(field.validation_alias.choices[0])


def test_transcriber_environment_matches_what_the_handler_reads(template: Template) -> None:
    variables = template["Resources"]["TranscriberFunction"]["Properties"]["Environment"]["Variables"]
    # the template uses each S3 setting's first (HINDI_ASR_S3_) name
    first_names = {name: first_env_name(field) for name, field in S3Settings.model_fields.items()}
    api_only = {first_names["input_bucket"], first_names["upload_expires_s"]}
    assert set(first_names.values()) - api_only == set(variables)
    assert variables[first_names["write_subtitles"]] == {"Ref": "WriteSubtitles"}
    api = template["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert api[first_names["input_bucket"]] == {"Ref": "InputBucket"}
    assert {name: api[first_names[name]] for name in ("input_prefix", "output_prefix", "error_prefix")} == {
        name: variables[first_names[name]] for name in ("input_prefix", "output_prefix", "error_prefix")
    }
    assert api[first_names["output_bucket"]] == variables[first_names["output_bucket"]]
    for name in ("input_prefix", "output_prefix", "error_prefix"):
        parameter = name.title().replace("_", "")
        assert variables[first_names[name]] == {"Ref": parameter}
        assert template["Parameters"][parameter]["Default"] == S3Settings.model_fields[name].get_default()
    common = template["Globals"]["Function"]["Environment"]["Variables"]
    prefix = TranscriberSettings.model_config.get("env_prefix")
    assert prefix == "HINDI_ASR_" and "HINDI_ASR_INTRA_OP_THREADS" in common
    for name in (name for name in common if name.startswith(prefix)):
        assert name.removeprefix(prefix).lower() in TranscriberSettings.model_fields, name
    # the model directory is the image's own (functions/Dockerfile), stated once
    assert "HINDI_ASR_MODEL_DIR" not in common
    assert "ENV HINDI_ASR_MODEL_DIR=/opt/model" in (REPO_ROOT / "functions/Dockerfile").read_text(
        encoding="utf-8"
    )
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} <= set(common)


def test_asynchronous_failures_go_to_the_failure_queue(translate: Translate) -> None:
    resources = translate()["Resources"]
    config = resources["TranscriberFunctionEventInvokeConfig"]["Properties"]
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}
    assert int(config["MaximumRetryAttempts"]) == 2
    queue = resources["FailureQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600


# ---------------------------------------------------------------- least privilege


def test_transcriber_reads_the_input_prefix_and_writes_the_output_prefixes_only(template: Template) -> None:
    resources = template["Resources"]
    input_bucket = sub(resources["InputBucket"]["Properties"]["BucketName"])
    s3_grants: dict[str, set[str]] = {}
    for statement in role_statements(template, "TranscriberFunctionRole"):
        assert statement["Effect"] == "Allow"
        actions = as_list(statement["Action"])
        assert all("*" not in action for action in actions), actions
        if any(action.startswith("s3:") for action in actions):
            for action in actions:
                s3_grants.setdefault(action, set()).update(
                    resource(r) for r in as_list(statement["Resource"])
                )
    arn = "arn:${AWS::Partition}:s3:::"
    output_prefixes = {"${OutputBucket.Arn}/${OutputPrefix}*", "${OutputBucket.Arn}/${ErrorPrefix}*"}
    bulk_source = f"{arn}${{Bucket}}/${{BulkSourcePrefix}}*"  # Bucket: BulkSourceBucket or the input bucket
    assert s3_grants == {
        # the input bucket by its computed name: a reference would close a dependency cycle
        "s3:GetObject": {f"{arn}{input_bucket}/${{InputPrefix}}*", bulk_source, *output_prefixes},
        "s3:GetObjectVersion": {bulk_source},
        "s3:PutObject": output_prefixes,
        "s3:DeleteObject": output_prefixes,
        # a result not yet written must answer 404 to the duplicate check, not 403
        "s3:ListBucket": {"${OutputBucket.Arn}"},
    }


def test_wildcard_resources_only_for_xray(template: Template) -> None:
    for role in ("ApiFunctionRole", "TranscriberFunctionRole", "BulkJobRole"):
        for statement in role_statements(template, role):
            if statement["Resource"] == "*":
                assert set(as_list(statement["Action"])) == {
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                }


def test_api_function_presigns_uploads_and_reads_results_only(template: Template) -> None:
    grants: dict[str, set[str]] = {}
    for statement in role_statements(template, "ApiFunctionRole"):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            if action.startswith("s3:"):
                grants.setdefault(action, set()).update(resource(r) for r in as_list(statement["Resource"]))
        if "s3:ListBucket" in as_list(statement["Action"]):  # listing only under the job prefixes
            prefixes = as_list(statement["Condition"]["StringLike"]["s3:prefix"])
            assert {sub(p) for p in prefixes} <= {"${InputPrefix}*", "${OutputPrefix}*", "${ErrorPrefix}*"}
    assert grants == {
        "s3:PutObject": {"${InputBucket.Arn}/${InputPrefix}*"},  # what a presigned PUT may do
        "s3:GetObject": {"${OutputBucket.Arn}/${OutputPrefix}*", "${OutputBucket.Arn}/${ErrorPrefix}*"},
        "s3:ListBucket": {"${InputBucket.Arn}", "${OutputBucket.Arn}"},
    }


def test_the_page_may_upload_to_the_input_bucket(template: Template) -> None:
    (rule,) = template["Resources"]["InputBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["PUT"] and rule["AllowedOrigins"] == {"Ref": "UploadOrigins"}
    assert rule["AllowedHeaders"] == ["content-type"]


def test_roles_are_explicit(template: Template, translate: Translate) -> None:
    for name in HANDLERS:
        assert template["Resources"][name]["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
        assert "ManagedPolicyArns" not in template["Resources"][f"{name}Role"]["Properties"]
    # SAM generated no role of its own (it would carry AWSLambdaBasicExecutionRole)
    roles = set(resources_of_type(translate(), "AWS::IAM::Role"))
    assert roles == {f"{name}Role" for name in HANDLERS} | {"BulkJobRole"}


# ---------------------------------------------------------------- bulk jobs (S3 Batch Operations)


def resolved(template: Template, **parameters: str) -> Template:
    """The template with parameters, conditions and computed names resolved, as `sam local` does."""
    return cast(Template, SamBaseProvider.get_resolved_template_dict(copy.deepcopy(template), parameters))


def test_only_batch_operations_may_assume_the_bulk_job_role(template: Template) -> None:
    properties = template["Resources"]["BulkJobRole"]["Properties"]
    (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Effect": "Allow",
        "Principal": {"Service": "batchoperations.s3.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert "ManagedPolicyArns" not in properties


def test_bulk_jobs_read_manifests_invoke_the_transcriber_and_write_reports_only(template: Template) -> None:
    grants: dict[str, list[Any]] = {}
    for statement in role_statements(template, "BulkJobRole"):
        assert statement["Effect"] == "Allow" and "Condition" not in statement
        for action in as_list(statement["Action"]):
            grants.setdefault(action, []).extend(as_list(statement["Resource"]))
    output_bucket = {"Fn::GetAtt": ["OutputBucket", "Arn"]}
    assert grants == {
        "lambda:InvokeFunction": [{"Fn::GetAtt": ["TranscriberFunction", "Arn"]}],
        "s3:GetObject": [{"Fn::Sub": "${OutputBucket.Arn}/${BulkPrefix}manifests/*"}],
        "s3:GetObjectVersion": [{"Fn::Sub": "${OutputBucket.Arn}/${BulkPrefix}manifests/*"}],
        "s3:PutObject": [{"Fn::Sub": "${OutputBucket.Arn}/${BulkPrefix}reports/*"}],
        "s3:GetBucketLocation": [output_bucket],
    }
    # the job never reads the audio (the function does), so nothing names the input or source bucket
    assert "input" not in str(grants) and "BulkSource" not in str(grants)


@pytest.mark.parametrize(
    ("parameters", "readable", "announced"),
    [  # default: the whole input bucket (resolved offline, its Ref reads as its logical id)
        ({}, "local-input-123456789012-us-east-1/", "s3://InputBucket/"),
        ({"BulkSourceBucket": "call-archive", "BulkSourcePrefix": "2024/"}, "call-archive/2024/", None),
    ],
)
def test_the_transcriber_reads_the_bulk_source_only(
    template: Template, parameters: dict[str, str], readable: str, announced: str | None
) -> None:
    document = resolved(template, **parameters)
    (statement,) = [
        s
        for policy in document["Resources"]["TranscriberFunctionRole"]["Properties"]["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
        if s["Sid"] == "ReadBulkSource"
    ]
    assert statement["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert statement["Resource"] == f"arn:aws:s3:::{readable}*"
    # and the CLI is told the same scope through the stack outputs
    assert document["Outputs"]["BulkSource"]["Value"] == (announced or f"s3://{readable}")


def test_bulk_outputs_are_what_the_cli_reads(template: Template) -> None:
    document = resolved(template, BulkPrefix="batch/")
    outputs = {name: str(output["Value"]) for name, output in document["Outputs"].items()}
    stack = Stack.from_outputs(outputs)
    assert (stack.manifest_prefix, stack.report_prefix) == ("batch/manifests/", "batch/reports/")
    assert template["Outputs"]["BulkJobRoleArn"]["Value"] == {"Fn::GetAtt": ["BulkJobRole", "Arn"]}
    assert template["Outputs"]["TranscriberFunctionArn"]["Value"] == {
        "Fn::GetAtt": ["TranscriberFunction", "Arn"]
    }


def test_bulk_files_stay_apart_from_results(template: Template) -> None:
    (assertion,) = template["Rules"]["BulkPrefixApartFromResults"]["Assertions"]
    compared = {str(condition) for condition in assertion["Assert"]["Fn::And"]}
    assert compared == {
        str({"Fn::Not": [{"Fn::Equals": [{"Ref": "BulkPrefix"}, {"Ref": prefix}]}]})
        for prefix in ("OutputPrefix", "ErrorPrefix")
    }


# ---------------------------------------------------------------- buckets, logs, alarms, outputs


@pytest.mark.parametrize("bucket", ["InputBucket", "OutputBucket"])
def test_buckets_are_encrypted_private_and_tls_only(template: Template, bucket: str) -> None:
    resources = template["Resources"]
    properties = resources[bucket]["Properties"]
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    (policy,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}]


def test_functions_log_to_groups_with_retention(template: Template) -> None:
    resources = template["Resources"]
    for name in HANDLERS:
        group = resources[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        logs = [s for s in role_statements(template, f"{name}Role") if s["Sid"] == "OwnLogGroup"]
        assert logs[0]["Resource"] == {"Fn::GetAtt": [group, "Arn"]}
    for group in resources_of_type(template, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def alarm_targets(alarm: dict[str, Any]) -> tuple[str, str]:
    """(namespace/metric, dimension value) of a plain or metric-math alarm."""
    properties = alarm["Properties"]
    if "Metrics" in properties:
        (stat,) = [m["MetricStat"]["Metric"] for m in properties["Metrics"] if "MetricStat" in m]
        properties = stat
    value = properties["Dimensions"][0]["Value"]
    if isinstance(value, dict):
        value = value.get("Ref") or value.get("Fn::GetAtt", [""])[0] or value.get("Fn::Sub", "")
    return f"{properties['Namespace']}/{properties['MetricName']}", str(value)


def test_alarms_on_errors_duration_5xx_and_failures(template: Template) -> None:
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    targets = {alarm_targets(alarm) for alarm in alarms.values()}
    assert {
        ("AWS/Lambda/Errors", "ApiFunction"),
        ("AWS/Lambda/Errors", "TranscriberFunction"),
        ("AWS/Lambda/Duration", "ApiFunction"),
        ("AWS/Lambda/Duration", "TranscriberFunction"),
        ("AWS/ApiGateway/5xx", "HttpApi"),
        ("AWS/SQS/ApproximateNumberOfMessagesVisible", "FailureQueue"),
    } <= targets
    # the REST variant's 5xx metric is keyed by the API's name
    rest_api_name = sub(template["Resources"]["RestApi"]["Properties"]["Name"])
    assert ("AWS/ApiGateway/5XXError", rest_api_name) in targets
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_outputs(template: Template) -> None:
    assert {
        "ApiUrl",
        "InputBucketName",
        "OutputBucketName",
        "InputPrefix",
        "OutputPrefix",
        "FailureQueueUrl",
        "AuthMode",
    } <= set(template["Outputs"])


def test_tags_come_from_samconfig_alone(template: Template) -> None:
    # CloudFormation copies the stack's tags (samconfig.toml) to every resource that takes tags
    assert "Tags" not in template["Globals"]["Function"]
    assert [name for name, r in template["Resources"].items() if "Tags" in r.get("Properties", {})] == []
