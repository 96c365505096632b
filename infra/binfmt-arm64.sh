#!/usr/bin/env bash
# TEST FIXTURE: run arm64 (aarch64) binaries on an x86_64 host through qemu user-mode emulation, so that
# the arm64 image can be built (its RUN steps) and started here:
#
#   infra/binfmt-arm64.sh register [QEMU]
#                                      register qemu-aarch64 with binfmt_misc (idempotent; needs root);
#                                      QEMU: a statically linked qemu-aarch64 to use instead of Debian's,
#                                      e.g. artifacts/arm64/qemu-aarch64 (qemu 10, infra/arm64_emulation.py
#                                      prepare): bookworm's qemu 7.2 crashes inside onnxruntime's aarch64 wheel
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
        if [[ -n "${2:-}" ]]; then
            qemu=$(realpath "$2")
            [[ -x "$qemu" ]] || { echo "$qemu is not an executable qemu-aarch64" >&2; exit 2; }
            # Debian's magic and mask, this interpreter, F (opened now: containers need no copy) and P (argv0).
            IFS=: read -r _ name type offset magic mask _ _ <"$CONF"
            printf ':%s:%s:%s:%s:%s:%s:FP' "$name" "$type" "$offset" "$magic" "$mask" "$qemu" >"$BINFMT/register"
        else
            cat "$CONF" >"$BINFMT/register"
        fi
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
