#!/usr/bin/env bash
# Print how much an image adds on top of its base image (the layers we ship and pay ECR storage for).
#
#   infra/image-size.sh IMAGE BASE_IMAGE
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 IMAGE BASE_IMAGE" >&2
    exit 2
fi
image_bytes=$(docker image inspect -f '{{.Size}}' "$1")
base_bytes=$(docker image inspect -f '{{.Size}}' "$2")
echo "$1: $(((image_bytes - base_bytes) / 1000000)) MB added to $2 ($((image_bytes / 1000000)) MB in all)"
