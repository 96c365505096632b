#!/usr/bin/env bash
# TEST FIXTURE: a private Docker engine for the infra tests and `make sam-local` on machines without one.
#
#   infra/dockerd.sh start    start it (idempotent) and print the line to eval: export DOCKER_HOST=...
#   infra/dockerd.sh stop     stop it (containers die with it; images stay cached in the data root)
#   infra/dockerd.sh status   exit 0 when it answers, 1 otherwise
#   infra/dockerd.sh env      print the export line without starting anything
#   infra/dockerd.sh host     print its DOCKER_HOST if it answers, nothing otherwise (for Makefile recipes)
#
# Everything lives under $HINDI_ASR_DOCKER_DIR (default /tmp/hindi-asr-docker): socket, data root,
# exec root, pidfile, log. The flags are the ones that work in these sandboxes: vfs storage (no overlayfs
# inside the VM), no iptables, a fixed bridge address that tests use to reach servers on the host.
# On a laptop or a CI runner with its own Docker, none of this is needed.
set -euo pipefail

STATE_DIR=${HINDI_ASR_DOCKER_DIR:-/tmp/hindi-asr-docker}
BRIDGE_CIDR=${HINDI_ASR_DOCKER_BIP:-172.30.99.1/24}
SOCKET="$STATE_DIR/docker.sock"
PIDFILE="$STATE_DIR/docker.pid"
LOG="$STATE_DIR/dockerd.log"
START_TIMEOUT_S=60

docker_host() { echo "unix://$SOCKET"; }

answers() { DOCKER_HOST="$(docker_host)" docker info >/dev/null 2>&1; }

engine_pid() {
    if [[ -s "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        cat "$PIDFILE"
    fi
}

start() {
    if answers; then
        echo "export DOCKER_HOST=$(docker_host)"
        return 0
    fi
    command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install docker.io" >&2; exit 2; }
    [[ $EUID -eq 0 ]] || { echo "dockerd needs root" >&2; exit 2; }
    mkdir -p "$STATE_DIR/data" "$STATE_DIR/exec"
    rm -f "$SOCKET"
    # setsid: the engine must outlive the shell (and the make/pytest process) that started it.
    setsid dockerd \
        --storage-driver=vfs \
        --iptables=false \
        --ip6tables=false \
        --bip "$BRIDGE_CIDR" \
        -H "$(docker_host)" \
        --data-root "$STATE_DIR/data" \
        --exec-root "$STATE_DIR/exec" \
        --pidfile "$PIDFILE" \
        >"$LOG" 2>&1 </dev/null &
    local waited=0
    until answers; do
        if ((waited >= START_TIMEOUT_S * 2)); then
            echo "dockerd did not answer within ${START_TIMEOUT_S}s; last log lines:" >&2
            tail -n 20 "$LOG" >&2
            exit 1
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    echo "export DOCKER_HOST=$(docker_host)"
}

stop() {
    local pid
    pid=$(engine_pid)
    if [[ -z "$pid" ]]; then
        echo "engine not running"
        return 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { echo "engine stopped"; return 0; }
        sleep 0.5
    done
    echo "engine $pid still running after 30s" >&2
    exit 1
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) answers ;;
    env) echo "export DOCKER_HOST=$(docker_host)" ;;
    host) if answers; then docker_host; fi ;;
    *)
        echo "usage: $0 start|stop|status|env|host" >&2
        exit 2
        ;;
esac
