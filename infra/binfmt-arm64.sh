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
        [[ -w "$BINFMT/register" ]] || mount -t binfmt_misc binfmt_misc "$BINFMT"
        if [[ -n "${2:-}" ]]; then
            qemu=$(realpath "$2")
            [[ -x "$qemu" ]] || { echo "$qemu is not an executable qemu-aarch64" >&2; exit 2; }
            # The ELF header of an aarch64 executable (class 64, little-endian, e_machine 183) and the mask
            # qemu's own binfmt configuration uses; this interpreter, F (opened now: containers need no
            # copy) and P (argv0).
            magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
            mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
            printf ':qemu-aarch64:M::%s:%s:%s:FP' "$magic" "$mask" "$qemu" >"$BINFMT/register"
        else
            [[ -r "$CONF" ]] || { echo "$CONF missing: apt-get install qemu-user-static" >&2; exit 2; }
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
