#!/usr/bin/env bash
# Builds the action's Dockerfile here, where no image registry can be reached: its two base
# images are made locally from a debootstrap of Debian bookworm (the runtime), plus this
# machine's Rust toolchain (the builder), then `docker build` runs the real Dockerfile with
# them. Usage: build-local.sh [TAG]   (default drydock-action:local)
set -euo pipefail
tag="${1:-drydock-action:local}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
mirror="$(grep -hoE '^(URIs:|deb) *(\[[^]]*\] *)?https?://[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | grep -v security | head -1 || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! docker image inspect drydock-base/bookworm-slim >/dev/null 2>&1; then
    echo "runtime base: debootstrap bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$work/runtime" "$mirror" >/dev/null
    rm -rf "$work"/runtime/var/cache/apt/archives/*.deb "$work"/runtime/var/lib/apt/lists/*
    tar -C "$work/runtime" -c . | docker import -c 'CMD ["bash"]' - drydock-base/bookworm-slim >/dev/null
fi
if ! docker image inspect drydock-base/rust >/dev/null 2>&1; then
    echo "builder base: bookworm with gcc and this machine's Rust toolchain"
    debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates bookworm "$work/rust" "$mirror" >/dev/null
    toolchain="$(rustc --print sysroot)"
    mkdir -p "$work/rust/usr/local/rust"
    cp -a "$toolchain"/. "$work/rust/usr/local/rust/"
    rm -rf "$work"/rust/var/cache/apt/archives/*.deb
    # This machine reaches crates.io through a TLS-inspecting proxy: trust what the host trusts.
    cp /etc/ssl/certs/ca-certificates.crt "$work/rust/etc/ssl/certs/ca-certificates.crt"
    tar -C "$work/rust" -c . | docker import \
        -c 'ENV PATH=/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'ENV CARGO_HOME=/usr/local/cargo' \
        - drydock-base/rust >/dev/null
fi
cd "$root"
time docker build -t "$tag" \
    --build-arg RUST_IMAGE=drydock-base/rust \
    --build-arg RUNTIME_IMAGE=drydock-base/bookworm-slim .
docker image ls "$tag"
