#!/usr/bin/env bash
# A real Docker engine and container registry for the image and container tests (tests/images),
# and the Python base image they build on, made without Docker Hub.
#
#   scripts/docker.sh up       install what is missing, start dockerd and the registry, make the base image
#   scripts/docker.sh down     stop both (by pid file) and unmount what dockerd leaves mounted
#   scripts/docker.sh env      print `export DOCKER_HOST=...` and the test variables
#   scripts/docker.sh running  exit status only: 0 if dockerd and the registry answer and the base image exists
#   scripts/docker.sh status   say what is running
#
# Idempotent: `up` on a running engine only checks that it answers and the base image is there.
# dockerd is started ONLY with networking off (no bridge, no iptables, no forwarding): it must never
# rewrite the host firewall. Containers therefore run with `--network host` or `none`. It listens on a
# unix socket under $ZENML_AIRFLOW_DOCKER_DIR (default .services/docker in the repository,
# git-ignored), never on TCP. The registry (Debian's docker-registry, distribution 2.8) listens on
# 127.0.0.1:$ZENML_AIRFLOW_REGISTRY_PORT (default 55050) without auth, allowed as insecure.
#
# The base image (local/python:3.11-bookworm) is a debootstrap'ed Debian bookworm (minbase, python3,
# venv, pip, CA certificates) plus the host's CA bundle, because package registries are reached
# through an intercepting proxy here. Its root file system is cached as a tarball under
# $ZENML_AIRFLOW_DOCKER_CACHE (default ~/.cache/zenml-airflow/docker), keyed by a hash of the
# recipe below and the CA bundle, so only the first `up` on a machine runs debootstrap (~60 s);
# later ones import the tarball (a few seconds) or find the image already in the engine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${ZENML_AIRFLOW_DOCKER_DIR:-$ROOT/.services/docker}"
CACHE="${ZENML_AIRFLOW_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zenml-airflow/docker}"
REGISTRY_PORT="${ZENML_AIRFLOW_REGISTRY_PORT:-55050}"
BASE_IMAGE="${ZENML_AIRFLOW_BASE_IMAGE:-local/python:3.11-bookworm}"
SUITE="bookworm"
MIRROR="${ZENML_AIRFLOW_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_PACKAGES="python3,python3-venv,python3-pip,ca-certificates"
CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt"

SOCK="$DIR/docker.sock"
DOCKERD_PID="$DIR/dockerd.pid"
DOCKERD_LOG="$DIR/dockerd.log"
DATA_ROOT="$DIR/root"
EXEC_ROOT="$DIR/exec"
REG_DIR="$DIR/registry"
REG_CONFIG="$REG_DIR/config.yml"
REG_PID="$REG_DIR/registry.pid"
REG_LOG="$REG_DIR/registry.log"

export DOCKER_HOST="unix://$SOCK"

log() { echo "docker: $*" >&2; }
die() { log "error: $*"; exit 1; }

is_root() { [[ "$(id -u)" == 0 ]]; }

# --- installation ------------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    is_root || die "missing $*; install it as root: apt-get install -y --no-install-recommends $*"
    command -v apt-get >/dev/null || die "missing $* and no apt-get here; install it by hand"
    if [[ "$APT_UPDATED" == 0 ]]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_missing() {
    local packages=()
    # docker.io brings dockerd, containerd and runc; the `docker` client may come from elsewhere.
    command -v dockerd >/dev/null && command -v docker >/dev/null || packages+=(docker.io)
    command -v docker-registry >/dev/null || packages+=(docker-registry)
    if ! docker_image_present && [[ ! -f "$(base_tarball)" ]]; then
        command -v debootstrap >/dev/null || packages+=(debootstrap)
    fi
    if ((${#packages[@]})); then apt_install "${packages[@]}"; fi
}

# --- helpers -----------------------------------------------------------------------------------

pid_alive() { [[ -f "$1" ]] && kill -0 "$(head -n1 "$1")" 2>/dev/null; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # wait_for SECONDS COMMAND...
    local seconds="$1"; shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

stop_pid() {  # stop_pid WHAT PIDFILE SECONDS
    local what="$1" file="$2" seconds="$3"
    if pid_alive "$file"; then
        local pid
        pid="$(head -n1 "$file")"
        kill -TERM "$pid"
        wait_for "$seconds" bash -c "! kill -0 $pid" || die "$what (pid $pid) did not stop"
        log "$what stopped"
    fi
    rm -f "$file"
}

# --- dockerd -----------------------------------------------------------------------------------

dockerd_ready() { pid_alive "$DOCKERD_PID" && [[ -S "$SOCK" ]] && docker version >/dev/null 2>&1; }

dockerd_up() {
    if dockerd_ready; then return 0; fi
    ((${#SOCK} < 100)) || die "$DIR is too deep for a unix socket path; set ZENML_AIRFLOW_DOCKER_DIR \
to a shorter directory (e.g. /tmp/zenml-docker)"
    is_root || die "dockerd must run as root here (no rootless setup); run this script as root"
    mkdir -p "$DIR" "$DATA_ROOT" "$EXEC_ROOT"
    unmount_netns  # left over by a dockerd that was killed
    rm -f "$SOCK" "$DOCKERD_PID"
    # No bridge, no iptables/ip6tables rules, no forwarding or masquerading: the host's network
    # stays as it is. The local registry is plain HTTP, so it is named insecure explicitly.
    setsid nohup dockerd --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" -H "unix://$SOCK" \
        --pidfile "$DOCKERD_PID" --bridge=none --iptables=false --ip6tables=false \
        --ip-forward=false --ip-masq=false --insecure-registry "127.0.0.1:$REGISTRY_PORT" \
        </dev/null >"$DOCKERD_LOG" 2>&1 &
    wait_for 60 dockerd_ready || die "dockerd did not start; see $DOCKERD_LOG"
    log "dockerd up on $DOCKER_HOST"
}

unmount_netns() {
    # dockerd bind-mounts the default network namespace here and leaves it mounted when it stops.
    local mnt="$EXEC_ROOT/netns/default"
    if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || umount -l "$mnt"; fi
}

dockerd_down() {
    stop_pid dockerd "$DOCKERD_PID" 60
    unmount_netns
}

# --- registry ----------------------------------------------------------------------------------

registry_ready() {
    pid_alive "$REG_PID" && port_in_use "$REGISTRY_PORT" \
        && [[ "$(exec 3<>"/dev/tcp/127.0.0.1/$REGISTRY_PORT" && printf 'GET /v2/ HTTP/1.0\r\n\r\n' >&3 \
            && head -n1 <&3)" == *" 200"* ]]
}

registry_up() {
    if registry_ready; then return 0; fi
    mkdir -p "$REG_DIR/data"
    ! port_in_use "$REGISTRY_PORT" || die "port $REGISTRY_PORT is taken; set ZENML_AIRFLOW_REGISTRY_PORT to a free port"
    # Our own config: Debian's listens on :5000 with htpasswd auth.
    cat >"$REG_CONFIG" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
YAML
    setsid nohup docker-registry serve "$REG_CONFIG" </dev/null >"$REG_LOG" 2>&1 &
    echo $! >"$REG_PID"
    wait_for 30 registry_ready || die "the registry did not start on 127.0.0.1:$REGISTRY_PORT; see $REG_LOG"
    log "registry up on 127.0.0.1:$REGISTRY_PORT"
}

registry_down() { stop_pid registry "$REG_PID" 30; }

# --- base image --------------------------------------------------------------------------------

recipe_key() {
    # Everything the root file system depends on; a change gives a new tarball.
    { echo "$SUITE $MIRROR $BASE_PACKAGES minbase v1"; cat "$CA_BUNDLE" 2>/dev/null; } \
        | sha256sum | cut -c1-16
}

base_tarball() { echo "$CACHE/python-$SUITE-$(recipe_key).tar"; }

docker_image_present() { dockerd_ready && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; }

make_rootfs_tarball() {
    local tarball="$1" rootfs
    command -v debootstrap >/dev/null || apt_install debootstrap
    mkdir -p "$CACHE"
    rootfs="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    log "debootstrap $SUITE into $rootfs (about a minute, once per machine)"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$rootfs" "$MIRROR" \
        >"$CACHE/debootstrap.log" 2>&1 || { rm -rf "$rootfs"; die "debootstrap failed; see $CACHE/debootstrap.log"; }
    # pip inside a build reaches the package index through the host's (intercepting) proxy.
    [[ -f "$CA_BUNDLE" ]] && cp "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
    # Nothing of apt's download cache or package lists belongs in the image.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . || { rm -rf "$rootfs"; die "could not write $tarball"; }
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
}

base_image_up() {
    if docker_image_present; then return 0; fi
    local tarball
    tarball="$(base_tarball)"
    [[ -f "$tarball" ]] || make_rootfs_tarball "$tarball"
    log "importing $tarball as $BASE_IMAGE"
    docker import -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' "$tarball" "$BASE_IMAGE" >/dev/null \
        || die "docker import of $tarball failed"
    log "base image $BASE_IMAGE ready"
}

# --- commands ----------------------------------------------------------------------------------

print_env() {
    echo "export DOCKER_HOST=unix://$SOCK"
    echo "export ZENML_AIRFLOW_TEST_REGISTRY=127.0.0.1:$REGISTRY_PORT"
    echo "export ZENML_AIRFLOW_TEST_BASE_IMAGE=$BASE_IMAGE"
}

case "${1:-}" in
    up)
        install_missing
        dockerd_up
        registry_up
        base_image_up
        ;;
    down)
        registry_down
        dockerd_down
        ;;
    env)
        print_env
        ;;
    running)
        dockerd_ready && registry_ready && docker_image_present
        ;;
    status)
        if dockerd_ready; then echo "dockerd: up on $DOCKER_HOST"; else echo "dockerd: down"; fi
        if registry_ready; then echo "registry: up on 127.0.0.1:$REGISTRY_PORT"; else echo "registry: down"; fi
        if docker_image_present; then echo "base image: $BASE_IMAGE"; else echo "base image: missing"; fi
        ;;
    *)
        echo "usage: $0 up|down|env|status|running" >&2
        exit 2
        ;;
esac
