#!/usr/bin/env bash
# Prepare what functions/Dockerfile copies from the host, so `docker build` / `sam build` need no network:
#
#   infra/stage-image.sh [MODEL_DIR]
#
#   artifacts/image/site-packages/  the runtime dependencies ([project] dependencies of pyproject.toml,
#                                   pinned to the versions installed in .venv, i.e. the tested ones),
#                                   installed for the image's Python and platform by infra/lambda-pip.sh;
#                                   redone only when that pinned list changes
#   artifacts/image/model/          model.onnx, tokens.txt, model.json copied from MODEL_DIR
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

log() { echo "[stage-image] $*" >&2; }

for name in model.onnx tokens.txt model.json; do
    if [[ ! -s "$model_dir/$name" ]]; then
        log "model directory $model_dir has no $name (make MODEL_DIR=path/to/model-dir image)"
        exit 2
    fi
done

mkdir -p "$stage"
requirements=$("$python" - "$repo_root/pyproject.toml" <<'EOF'
"""Print the runtime requirements, pinned to the versions installed in this interpreter where present."""
import re
import sys
import tomllib
from importlib import metadata

with open(sys.argv[1], "rb") as fh:
    dependencies = tomllib.load(fh)["project"]["dependencies"]
for requirement in dependencies:
    name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
    try:
        print(f"{name}=={metadata.version(name)}")
    except metadata.PackageNotFoundError:
        print(requirement)
EOF
)
stamp="$stage/site-packages.requirements"
wanted="python=$py_version arch=$arch"$'\n'"$requirements"
if [[ ! -d "$stage/site-packages" || ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    log "installing runtime dependencies for Python $py_version ($arch):" $requirements
    rm -f "$stamp"
    mapfile -t pins <<<"$requirements"
    LAMBDA_ARCH=$arch "$repo_root/infra/lambda-pip.sh" "$py_version" "$stage/site-packages" "${pins[@]}"
    # Console scripts name the host's interpreter and are never run in the function.
    rm -rf "$stage/site-packages/bin"
    printf '%s' "$wanted" >"$stamp"
fi

rm -rf "$stage/model"
mkdir -p "$stage/model"
cp "$model_dir"/{model.onnx,tokens.txt,model.json} "$stage/model/"
log "staged model from $model_dir ($(du -sh "$stage/model" | cut -f1)), site-packages $(du -sh "$stage/site-packages" | cut -f1)"
