#!/usr/bin/env bash
# Build every image the Compose stack needs without a container registry.
#
#   compose/offline/build-images.sh            # build what is missing
#   compose/offline/build-images.sh --rebuild  # rebuild everything
#
# 1. a Debian bookworm base image: debootstrap --variant=minbase, then `docker import`
# 2. stand-ins for the official etcd, HAProxy and Prometheus images, from Debian's packages
#    (etcd-server/etcd-client 3.4, haproxy 2.6, prometheus 2.42, prometheus-alertmanager
#    0.25), installed with apt inside
#    the build (apt works where a registry does not)
# 3. a Python base image: Debian's python3 in a venv plus a wheelhouse made on this host with
#    `pip download` (pip inside containers may not reach PyPI); PIP_NO_INDEX/PIP_FIND_LINKS
#    make every later `pip install` use the wheelhouse only
# 4. the stack's own images (web, loadgen, chaos), built by Compose with the override
#    compose/offline/docker-compose.offline.yml, which points their PYTHON_IMAGE build arg
#    at the image of step 3 and swaps the official images for those of step 2.
#
# Grafana and Jaeger have no Debian package (nor a PyPI wheel): the offline stack runs without
# them (see docs/docker.md); traces stay on the controller, which relays none to Jaeger.
# Needs: root (debootstrap), a running Docker engine, docker-compose or `docker compose`,
# python3 with pip on the host, and network access to a Debian mirror and to PyPI.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${GAMEDAY_OFFLINE_CACHE:-/var/cache/gameday-offline}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
prefix="${GAMEDAY_OFFLINE_PREFIX:-gameday-offline}"
python="${PYTHON:-python3}"
rebuild=0
[[ "${1:-}" == "--rebuild" ]] && rebuild=1

log() { printf '[build-images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
have_image() { [[ $rebuild == 0 ]] && docker image inspect "$1" >/dev/null 2>&1; }

if ! docker info >/dev/null 2>&1; then
    echo "error: no Docker engine answers (start dockerd, or Docker Desktop)" >&2
    exit 1
fi
mkdir -p "$cache"
started=$(date +%s)

# -- 1. Debian base ------------------------------------------------------------------------
base="$prefix/debian:$suite"
if have_image "$base"; then
    log "$base exists"
else
    command -v debootstrap >/dev/null || {
        echo "error: debootstrap missing: apt-get install -y debootstrap" >&2; exit 1; }
    rootfs="$cache/rootfs-$suite"
    rm -rf "$rootfs"
    log "debootstrap --variant=minbase $suite from $mirror (about a minute)"
    debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
        tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    # Small images, and apt that does not ask questions.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$rootfs/etc/apt/apt.conf.d/90gameday-norecommends"
    tar -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV DEBIAN_FRONTEND=noninteractive' \
        --change 'CMD ["bash"]' - "$base" >/dev/null
    rm -rf "$rootfs"
    log "imported $base"
fi

# -- 2. etcd, HAProxy, Prometheus, Alertmanager from Debian's packages ---------------------
build_substitute() {  # name dockerfile
    local image="$prefix/$1"
    if have_image "$image"; then log "$image exists"; return; fi
    log "building $image"
    docker build -q --build-arg "BASE_IMAGE=$base" -t "$image" -f "$here/$2" "$here" 2>&1 \
        | grep -v -e DEPRECATED -e "legacy builder" -e buildx -e '^ *$' -e '^sha256:' || true
}
build_substitute etcd:3.4 etcd.Dockerfile
build_substitute haproxy:2.6 haproxy.Dockerfile
build_substitute prometheus:2.42 prometheus.Dockerfile
build_substitute alertmanager:0.25 alertmanager.Dockerfile

# -- 3. Python base with a wheelhouse --------------------------------------------------------
pybase="$prefix/python:3.11"
# The wheelhouse follows the requirements: a changed list rebuilds the Python base image.
req_hash="$(cat "$repo"/compose/docker/requirements-*.txt | sha256sum | cut -c1-16)"
have_hash="$(docker image inspect -f '{{ index .Config.Labels "gameday.requirements" }}' \
    "$pybase" 2>/dev/null || true)"
if have_image "$pybase" && [[ "$have_hash" == "$req_hash" ]]; then
    log "$pybase exists (requirements $req_hash)"
else
    wheels="$cache/wheelhouse"
    mkdir -p "$wheels"
    arch="$(uname -m)"
    log "pip download into $wheels (cp311, manylinux $arch, wheels only)"
    platforms=()
    for tag in manylinux_2_36 manylinux_2_34 manylinux_2_31 manylinux_2_28 manylinux_2_27 \
               manylinux_2_24 manylinux_2_17 manylinux2014 manylinux2010 manylinux1; do
        platforms+=(--platform "${tag}_${arch}")
    done
    "$python" -m pip download --quiet --disable-pip-version-check -d "$wheels" \
        --only-binary=:all: --implementation cp --python-version 3.11 "${platforms[@]}" \
        -r "$repo/compose/docker/requirements-web.txt" \
        -r "$repo/compose/docker/requirements-loadgen.txt" \
        -r "$repo/compose/docker/requirements-chaos.txt" >"$cache/pip-download.log" 2>&1 || {
        grep -v "is ignored" "$cache/pip-download.log" | tail -20 >&2
        echo "error: pip download failed" >&2; exit 1; }
    log "building $pybase ($(ls "$wheels" | wc -l) wheels)"
    docker build -q --build-arg "BASE_IMAGE=$base" --label "gameday.requirements=$req_hash" \
        -t "$pybase" \
        -f "$here/python.Dockerfile" "$wheels" >/dev/null
fi

# -- 4. the stack's own images ---------------------------------------------------------------
if [[ "${GAMEDAY_OFFLINE_SKIP_STACK:-0}" != 1 ]]; then
    log "building the stack's images with Compose"
    cd "$repo"
    source "$here/compose-cmd.sh"
    compose -f docker-compose.yml -f compose/offline/docker-compose.offline.yml build -q \
        web-1 loadgen controller
fi
log "done in $(( $(date +%s) - started ))s"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E "^($prefix|gameday)/" || true
