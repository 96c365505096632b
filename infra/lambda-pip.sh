#!/usr/bin/env bash
# Install Python packages for the Lambda image's interpreter and platform, on the host, into a folder:
#
#   [LAMBDA_ARCH=x86_64|arm64] infra/lambda-pip.sh PYTHON_VERSION TARGET_DIR [pip requirement arguments...]
#
# Only prebuilt wheels (no compiler in the image, no network inside `docker build`). The platform tags stop
# at glibc 2.34: the Lambda base images for Python 3.12+ are Amazon Linux 2023 (glibc 2.34). Python 3.11
# images are Amazon Linux 2 (glibc 2.26), where current onnxruntime and numpy wheels do not load, which is
# why the image uses Python 3.13 (see infra/README.md).
set -euo pipefail

if (($# < 3)); then
    echo "usage: $0 PYTHON_VERSION TARGET_DIR REQUIREMENT..." >&2
    exit 2
fi
py_version=$1
target=$2
shift 2

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pip=${PIP:-"$repo_root/.venv/bin/pip"}
[[ -x "$pip" ]] || pip=pip

case "${LAMBDA_ARCH:-x86_64}" in
    x86_64) machine=x86_64 ;;
    arm64) machine=aarch64 ;;
    *) echo "LAMBDA_ARCH must be x86_64 or arm64" >&2; exit 2 ;;
esac
platforms=(--platform "manylinux2014_$machine")
for glibc_minor in 17 24 26 27 28 31 34; do
    platforms+=(--platform "manylinux_2_${glibc_minor}_$machine")
done
abi="cp${py_version/./}"

rm -rf "$target"
mkdir -p "$target"
"$pip" install --quiet --quiet --disable-pip-version-check --no-warn-conflicts \
    --target "$target" \
    --only-binary=:all: \
    --implementation cp \
    --python-version "$py_version" \
    --abi "$abi" --abi abi3 --abi none \
    "${platforms[@]}" \
    --no-compile \
    "$@"
