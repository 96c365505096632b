#!/usr/bin/env bash
# TEST FIXTURE: run arm64 (aarch64) binaries on an x86_64 host through qemu user-mode emulation, so that
# the arm64 image can be built (its RUN steps) and started here:
#
#   infra/binfmt-arm64.sh register     register qemu-aarch64 with binfmt_misc (idempotent; needs root)
#   infra/binfmt-arm64.sh unregister   remove it
#   infra/binfmt-arm64.sh status       exit 0 when registered, 1 otherwise
#
# Uses Debian's qemu-user-static (apt-get install qemu-user-static) and its binfmt.d entry, whose F flag
# opens the interpreter at registration: containers and chroots then need no qemu binary inside. The
# registration is kernel-wide until unregistered or reboot. On an arm64 host, or where Docker Desktop /
# `docker run --privileged tonistiigi/binfmt --install arm64` already did it, nothing is needed.
set -euo pipefail

BINFMT=/proc/sys/fs/binfmt_misc
ENTRY="$BINFMT/qemu-aarch64"
CONF=/usr/lib/binfmt.d/qemu-aarch64.conf

case "${1:-}" in
    register)
        [[ -e "$ENTRY" ]] && exit 0
        [[ -r "$CONF" ]] || { echo "$CONF missing: apt-get install qemu-user-static" >&2; exit 2; }
        [[ -w "$BINFMT/register" ]] || mount -t binfmt_misc binfmt_misc "$BINFMT"
        cat "$CONF" >"$BINFMT/register"
        ;;
    unregister)
        if [[ -e "$ENTRY" ]]; then echo -1 >"$ENTRY"; fi
        ;;
    status)
        [[ -e "$ENTRY" ]] && grep -q '^enabled' "$ENTRY"
        ;;
    *)
        echo "usage: $0 register|unregister|status" >&2
        exit 2
        ;;
esac
