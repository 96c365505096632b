"""The image for real: `sam build`, `sam local invoke` of the S3 transcriber, `sam local start-api`.

Uses the Docker engine that answers (DOCKER_HOST or the default socket); otherwise starts the private one
of infra/dockerd.sh and stops it afterwards. The Lambda base image is pulled, or where registries are
unreachable, replaced by the offline stand-in (infra/lambda-base-image.sh). The S3 transcriber talks to a
moto server on the Docker bridge's host address. Skips only when no engine can be had (no docker.io, not
root) or the stand-in cannot be built (no debootstrap); a missing model is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import jiwer
import pytest
import yaml  # type: ignore[import-untyped]
from moto.server import ThreadedMotoServer

from tests.infra.conftest import OFFLINE_AWS_ENV, REPO_ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SAM = REPO_ROOT / ".venv/bin/sam"
DOCKERD = REPO_ROOT / "infra/dockerd.sh"
CLIP = REPO_ROOT / "tests/data/hindi_clip.wav"
EXPECTED = (REPO_ROOT / "tests/data/hindi_clip.txt").read_text(encoding="utf-8").strip()
MAX_CER = 0.15
MODEL_DIR = Path(os.environ.get("HINDI_ASR_E2E_MODEL_DIR", REPO_ROOT / "layers/hindi_asr/models/default"))
SAM_CONTAINER_LABEL = "sam.cli.container.type"
BUILD_TIMEOUT_S = 1800  # debootstrap + stand-in + first image build with the vfs driver: ~10 min
INVOKE_TIMEOUT_S = 900
COLD_REQUEST_TIMEOUT_S = 600  # the first request creates the container (a full rootfs copy under vfs)


@dataclass(frozen=True)
class Engine:
    env: dict[str, str]  # for docker and sam subprocesses
    bridge_ip: str  # the host as containers see it


def run(command: list[str | Path], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def must(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def docker_answers(env: dict[str, str]) -> bool:
    try:
        return run(["docker", "info"], env, timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def sam_containers(env: dict[str, str]) -> set[str]:
    out = must(run(["docker", "ps", "-aq", "--filter", f"label={SAM_CONTAINER_LABEL}"], env, timeout=60))
    return set(out.split())


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI (apt-get install docker.io)")
    env = {**os.environ, **OFFLINE_AWS_ENV}
    started = False
    private_host = run([DOCKERD, "env"], env, timeout=60).stdout.strip().removeprefix("export DOCKER_HOST=")
    if not docker_answers(env) and run([DOCKERD, "status"], env, timeout=60).returncode == 0:
        env["DOCKER_HOST"] = private_host  # `make docker-up` started it: use it, leave it running
    if not docker_answers(env):
        if shutil.which("dockerd") is None or os.geteuid() != 0:
            pytest.skip(
                "no Docker engine answers and infra/dockerd.sh cannot start one (needs docker.io, root)"
            )
        export = must(run([DOCKERD, "start"], env, timeout=120)).strip()
        env["DOCKER_HOST"] = export.removeprefix("export DOCKER_HOST=")
        started = True
    private = env.get("DOCKER_HOST") == private_host
    gateway = "{{(index .IPAM.Config 0).Gateway}}"
    bridge_ip = must(run(["docker", "network", "inspect", "bridge", "-f", gateway], env, timeout=60)).strip()
    before = sam_containers(env)
    try:
        yield Engine(env, bridge_ip)
    finally:
        leftover = sam_containers(env) - before
        if leftover:
            run(["docker", "rm", "-f", *sorted(leftover)], env, timeout=120)
        if private:  # images replaced by this build: full copies of their layers under vfs
            run(["docker", "image", "prune", "-f"], env, timeout=300)
        if started:
            run([DOCKERD, "stop"], env, timeout=120)


@pytest.fixture(scope="module")
def built_template(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image staged from MODEL_DIR and built by `sam build`; returns the built template."""
    base = run([REPO_ROOT / "infra/lambda-base-image.sh"], engine.env, timeout=BUILD_TIMEOUT_S)
    if base.returncode == 2 and "debootstrap" in base.stderr:
        pytest.skip(f"Lambda base image neither pullable nor buildable here: {base.stderr.strip()}")
    must(base)
    must(run([REPO_ROOT / "infra/stage-image.sh", MODEL_DIR], engine.env, timeout=BUILD_TIMEOUT_S))
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    must(run([SAM, "build", "--build-dir", build_dir], engine.env, timeout=BUILD_TIMEOUT_S))
    return build_dir / "template.yaml"


def declare_variable(built: Path, function: str, name: str) -> Path:
    """A copy of the built template declaring one more environment variable of `function`.

    `sam local` lets --env-vars override only the variables a template declares; the S3 endpoint of
    the moto server is the one the real template has no business declaring.
    """
    # via JSON: plain dicts, even where SAM CLI's yamlhelper made the safe loader build OrderedDicts
    template: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(built.read_text(encoding="utf-8"))))
    template["Resources"][function]["Properties"]["Environment"]["Variables"][name] = ""
    local = built.with_name("template.local.yaml")
    local.write_text(yaml.safe_dump(template, allow_unicode=True), encoding="utf-8")
    return local


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_s3_function_transcribes_an_upload(engine: Engine, built_template: Path, tmp_path: Path) -> None:
    # GIVEN an S3 server the container can reach, with a Hindi clip uploaded under the input prefix
    server = ThreadedMotoServer(ip_address=engine.bridge_ip, port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        for bucket in ("e2e-input", "e2e-output"):
            s3.create_bucket(Bucket=bucket)
        key = "uploads/मेरी आवाज़.wav"
        etag = s3.put_object(Bucket="e2e-input", Key=key, Body=CLIP.read_bytes())["ETag"].strip('"')
        generated = run(
            [SAM, "local", "generate-event", "s3", "put", "--bucket", "e2e-input", "--key", key],
            engine.env,
            timeout=120,
        )
        event = json.loads(must(generated))
        event["Records"][0]["s3"]["object"].update({"eTag": etag, "size": CLIP.stat().st_size})
        (tmp_path / "event.json").write_text(json.dumps(event), encoding="utf-8")
        variables = {
            "TranscriberFunction": {
                "AWS_ENDPOINT_URL_S3": endpoint,
                "HINDI_ASR_S3_OUTPUT_BUCKET": "e2e-output",
            }
        }
        (tmp_path / "env.json").write_text(json.dumps(variables), encoding="utf-8")
        template = declare_variable(built_template, "TranscriberFunction", "AWS_ENDPOINT_URL_S3")

        # WHEN the S3 transcriber is invoked with the notification
        invoke = run(
            [SAM, "local", "invoke", "TranscriberFunction", "--template", template, "--language-extensions",
             "--event", tmp_path / "event.json", "--env-vars", tmp_path / "env.json"],
            engine.env,
            timeout=INVOKE_TIMEOUT_S,
        )  # fmt: skip

        # THEN it reports the object transcribed and the transcript is in the output bucket
        response = json.loads(must(invoke).strip().splitlines()[-1])
        assert response["results"][0]["status"] == "transcribed", (response, invoke.stderr[-3000:])
        document = json.loads(
            s3.get_object(Bucket="e2e-output", Key=f"transcripts/{key}.json")["Body"].read()
        )
        text = document["results"]["transcripts"][0]["transcript"]
        assert jiwer.cer(EXPECTED, text) <= MAX_CER, text
    finally:
        server.stop()


def wait_for_port(port: int, alive: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while alive() and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)


def test_image_runs_standalone_behind_the_emulator(engine: Engine, built_template: Path) -> None:
    # GIVEN the image started as the base image's README says: `docker run -p ...:8080` (the entrypoint
    # starts the Runtime Interface Emulator, since no Lambda runtime API is around)
    built: dict[str, Any] = yaml.safe_load(built_template.read_text(encoding="utf-8"))
    image = built["Resources"]["ApiFunction"]["Properties"]["ImageUri"]
    port = free_port()
    container = must(run(["docker", "run", "-d", "-p", f"127.0.0.1:{port}:8080", image], engine.env, 300))
    container = container.strip()
    try:
        event = json.loads((REPO_ROOT / "tests/events/apigw-http-v2.json").read_text(encoding="utf-8"))
        event.update({"rawPath": "/health", "body": None, "isBase64Encoded": False})
        event["requestContext"]["http"].update({"method": "GET", "path": "/health"})
        invocations = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"

        # WHEN an HTTP API event for GET /health is invoked (docker-proxy takes connections before the
        # emulator inside listens: retry until it answers)
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.post(invocations, json=event, timeout=COLD_REQUEST_TIMEOUT_S)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

        # THEN the API handler answers through Mangum with the model loaded
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["statusCode"] == 200, result
        assert json.loads(result["body"])["model_loaded"] is True
    finally:
        run(["docker", "rm", "-f", container], engine.env, timeout=120)


@pytest.mark.parametrize("api_type", ["REST", "HTTP"])
def test_api_answers_a_multipart_upload(
    engine: Engine, built_template: Path, tmp_path: Path, api_type: str
) -> None:
    # GIVEN `sam local start-api` on the built image, for either API variant (sam local passes binary
    # bodies only for binary media types read from the template: the REST API's cover both, README)
    port = free_port()
    log = tmp_path / "start-api.log"
    with log.open("w") as sink:
        api = subprocess.Popen(
            [str(SAM), "local", "start-api", "--template", str(built_template), "--host", "127.0.0.1",
             "--port", str(port), "--warm-containers", "LAZY", "--language-extensions",
             "--parameter-overrides", f"ApiType={api_type}"],
            cwd=REPO_ROOT, env=engine.env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_port(port, lambda: api.poll() is None, timeout_s=120)
        assert api.poll() is None, log.read_text(encoding="utf-8")[-3000:]

        # WHEN the health route is asked (cold start) and a clip is posted as multipart/form-data
        health = httpx.get(f"{url}/health", timeout=COLD_REQUEST_TIMEOUT_S)
        response = httpx.post(
            f"{url}/transcribe",
            files={"file": (CLIP.name, CLIP.read_bytes(), "audio/wav")},
            timeout=COLD_REQUEST_TIMEOUT_S,
        )

        # THEN the model is loaded and the transcript is right
        assert health.status_code == 200, health.text + log.read_text(encoding="utf-8")[-3000:]
        assert health.json()["model_loaded"] is True
        assert response.status_code == 200, response.text + log.read_text(encoding="utf-8")[-3000:]
        text = response.json()["text"]
        assert jiwer.cer(EXPECTED, text) <= MAX_CER, text
    finally:
        api.terminate()  # sam stops and removes its containers on SIGTERM
        try:
            api.wait(timeout=120)
        except subprocess.TimeoutExpired:
            api.kill()
            api.wait(timeout=30)
