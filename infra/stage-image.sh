#!/usr/bin/env bash
# Prepare what functions/Dockerfile copies from the host, so `docker build` / `sam build` need no network:
#
#   infra/stage-image.sh [MODEL_DIR]
#
#   artifacts/image/site-packages/  the runtime dependencies ([project] dependencies of pyproject.toml,
#                                   pinned to the versions installed in .venv, i.e. the tested ones),
#                                   installed for the image's Python and platform by infra/lambda-pip.sh;
#                                   redone only when that pinned list changes
#   artifacts/image/model/          every file of MODEL_DIR (model.onnx or model.ort, tokens.txt, model.json, ...)
#                                   (default: the embedded model, layers/hindi_asr/models/default)
#
# LAMBDA_PYTHON (default 3.13) and LAMBDA_ARCH (x86_64|arm64) must match the template's Architecture.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model_dir=${1:-"$repo_root/layers/hindi_asr/models/default"}
py_version=${LAMBDA_PYTHON:-3.13}
arch=${LAMBDA_ARCH:-x86_64}
stage="$repo_root/artifacts/image"
python="$repo_root/.venv/bin/python"
# What the Lambda Python base images (and the test stand-in) already provide: boto3 and its dependencies.
base_provided=(boto3 botocore s3transfer jmespath python_dateutil six urllib3)

log() { echo "[stage-image] $*" >&2; }

if [[ ! -s "$model_dir/model.onnx" && ! -s "$model_dir/model.ort" ]]; then
    log "model directory $model_dir has no model.onnx or model.ort (make MODEL_DIR=path/to/model-dir image)"
    exit 2
fi
for name in tokens.txt model.json; do
    if [[ ! -s "$model_dir/$name" ]]; then
        log "model directory $model_dir has no $name (make MODEL_DIR=path/to/model-dir image)"
        exit 2
    fi
done

mkdir -p "$stage"
requirements=$("$python" "$repo_root/infra/image_deps.py" requirements "$repo_root/pyproject.toml")
stamp="$stage/site-packages.requirements"
wanted="python=$py_version arch=$arch"$'\n'"$requirements"
if [[ ! -d "$stage/site-packages" || ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    log "installing runtime dependencies for Python $py_version ($arch): ${requirements//$'\n'/ }"
    rm -f "$stamp"
    mapfile -t pins <<<"$requirements"
    LAMBDA_ARCH=$arch "$repo_root/infra/lambda-pip.sh" "$py_version" "$stage/site-packages" "${pins[@]}"
    # Console scripts name the host's interpreter and are never run in the function.
    rm -rf "$stage/site-packages/bin"
    # The base image ships the AWS SDK (boto3 and its closure). A second botocore here (pulled in by
    # aws-xray-sdk) would shadow it from /var/task and could split boto3 and botocore across versions.
    "$python" "$repo_root/infra/image_deps.py" prune "$stage/site-packages" "${base_provided[@]}"
    printf '%s' "$wanted" >"$stamp"
fi

rm -rf "$stage/model"
mkdir -p "$stage/model"
cp -rL "$model_dir"/. "$stage/model/"
log "staged model from $model_dir ($(du -sh "$stage/model" | cut -f1)), site-packages $(du -sh "$stage/site-packages" | cut -f1)"
