#!/usr/bin/env bash
# Make sure the Lambda Python base image is in the local Docker engine:
#
#   infra/lambda-base-image.sh [--standin]
#
# 1. already there (pulled or built earlier): nothing to do;
# 2. otherwise `docker pull public.ecr.aws/lambda/python:$LAMBDA_PYTHON` (a machine with internet ends here,
#    with the real image, unchanged);
# 3. otherwise (registries unreachable, as on these sandboxes) build a TEST FIXTURE under the same name:
#    a debootstrap'ed Debian rootfs with that Python version (for arm64 on an x86_64 host: trixie's
#    packages unpacked by infra/arm64_emulation.py, no debootstrap), awslambdaric + boto3 from host-downloaded
#    wheels, the Runtime Interface Emulator from the aws-sam-cli wheel, and the real image's entrypoint
#    contract (infra/lambda-base/). The image carries the label org.hindi-asr.lambda-base-standin=true.
#
# --standin skips the pull. The debootstrap rootfs is cached as a tarball under
# $HINDI_ASR_CACHE_DIR (default artifacts/lambda-base), so a rebuild takes seconds.
#
# LAMBDA_ARCH (x86_64 | arm64, default x86_64) picks the platform. The tag holds one platform at a time
# in a classic image store: asking for the other one pulls or rebuilds (from the cached rootfs) and retags.
# An arm64 stand-in on an x86 host needs qemu user-mode emulation registered with binfmt_misc
# (infra/binfmt-arm64.sh register) to run the image and the function image's RUN step.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py_version=${LAMBDA_PYTHON:-3.13}
export LAMBDA_ARCH=${LAMBDA_ARCH:-x86_64}
case "$LAMBDA_ARCH" in
    x86_64) platform_arch=amd64 ;;  # Docker's and Debian's name for it
    arm64) platform_arch=arm64 ;;
    *) echo "LAMBDA_ARCH must be x86_64 or arm64" >&2; exit 2 ;;
esac
platform="linux/$platform_arch"
image="public.ecr.aws/lambda/python:$py_version"
cache_dir=${HINDI_ASR_CACHE_DIR:-"$repo_root/artifacts/lambda-base"}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
pull_timeout_s=120

case "$py_version" in
    3.13) suite=trixie ;;
    3.11) suite=bookworm ;;
    *)
        echo "no Debian release ships Python $py_version; the stand-in supports 3.11 and 3.13" >&2
        exit 2
        ;;
esac

log() { echo "[lambda-base-image] $*" >&2; }

standin_only=false
[[ "${1:-}" == "--standin" ]] && standin_only=true

# The platform an image's binaries are for: the stand-in's own label, else Docker's metadata.
binaries_arch() {
    docker image inspect -f '{{or (index .Config.Labels "org.hindi-asr.platform-arch") .Architecture}}' "$1" \
        2>/dev/null
}

if [[ "$(binaries_arch "$image")" == "$platform_arch" ]]; then
    log "$image ($platform) present"
    exit 0
fi
if ! $standin_only && timeout "$pull_timeout_s" docker pull --platform "$platform" "$image" >/dev/null 2>&1; then
    log "$image ($platform) pulled from the registry"
    exit 0
fi
log "registry unreachable: building the test stand-in for $image ($platform)"

rootfs_tar="$cache_dir/$suite-minbase-python3-$platform_arch.tar"
mkdir -p "$cache_dir"
if [[ "$platform_arch" == arm64 && "$(uname -m)" != aarch64 && "$py_version" == 3.13 ]]; then
    # Across architectures debootstrap's second stage runs every maintainer script under qemu (over 40
    # minutes here): unpack trixie's arm64 python3.13 and dash instead, configured by nothing.
    rootfs_tar="$cache_dir/$suite-extracted-python3-$platform_arch.tar"
    if [[ ! -s "$rootfs_tar" ]]; then
        log "arm64 root from unpacked trixie packages (infra/arm64_emulation.py rootfs)"
        (cd "$repo_root" && .venv/bin/python -m infra.arm64_emulation rootfs "$rootfs_tar") >/dev/null
    fi
fi
if [[ ! -s "$rootfs_tar" ]]; then
    command -v debootstrap >/dev/null || { log "debootstrap missing: apt-get install debootstrap"; exit 2; }
    rootfs=$(mktemp -d "$cache_dir/rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    log "debootstrap $suite $platform_arch (about a minute; several under emulation)"
    debootstrap --arch="$platform_arch" --variant=minbase --include=python3,ca-certificates \
        "$suite" "$rootfs" "$mirror" \
        >"$cache_dir/debootstrap.log" 2>&1 || { tail -n 20 "$cache_dir/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.partial" .
    mv "$rootfs_tar.partial" "$rootfs_tar"
    rm -rf "$rootfs"
    trap - EXIT
fi

rootfs_image="hindi-asr/lambda-rootfs:$suite-$platform_arch"
if ! docker image inspect "$rootfs_image" >/dev/null 2>&1; then
    log "docker import $rootfs_tar"
    docker import --platform "$platform" "$rootfs_tar" "$rootfs_image" >/dev/null
fi

context="$cache_dir/context-$py_version"
rm -rf "$context"
mkdir -p "$context"
cp "$repo_root"/infra/lambda-base/{Dockerfile,lambda-entrypoint.sh,bootstrap} "$context/"
rie=$("$repo_root/.venv/bin/python" -c \
    "import pathlib, samcli; print(pathlib.Path(samcli.__file__).parent / 'local/rapid/aws-lambda-rie-$LAMBDA_ARCH')")
cp "$rie" "$context/aws-lambda-rie"
chmod 0755 "$context"/{lambda-entrypoint.sh,bootstrap,aws-lambda-rie}
"$repo_root/infra/lambda-pip.sh" "$py_version" "$context/runtime" awslambdaric boto3

build_standin() {
    docker build --quiet "$@" --build-arg "ROOTFS=$rootfs_image" --build-arg "PYTHON_VERSION=$py_version" \
        --build-arg "PLATFORM_ARCH=$platform_arch" -t "$image" "$context"
}
if ! built=$(build_standin --platform "$platform" 2>&1); then
    # Docker 20.10's classic builder commits ARG/ENV/RUN steps under the host's platform, so a build for
    # another platform fails at the next COPY. Without --platform it works; only the metadata is wrong.
    [[ "$built" == *"does not match the specified platform"* ]] || { echo "$built" >&2; exit 1; }
    log "this engine's builder mislabels $platform steps: built without --platform (metadata: host platform)"
    build_standin >/dev/null
fi
rm -rf "$context"
log "built stand-in $image ($platform)"
