#!/usr/bin/env bash
# Builds a local stand-in for the official `postgres` image (no registry can be reached here):
# a Debian bookworm rootfs with PostgreSQL 15 from the machine's apt mirror, imported with an
# entrypoint that behaves like the official image's. Usage: build.sh [NAME:TAG]
set -euo pipefail
image="${1:-drydock-standin/postgres:15}"
if docker image inspect "$image" >/dev/null 2>&1; then
    echo "image $image already present"
    exit 0
fi
command -v debootstrap >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
}
here="$(cd "$(dirname "$0")" && pwd)"
mirror="$(grep -hoE '^(URIs:|deb) *(\[[^]]*\] *)?https?://[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | grep -v security | head -1 || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=postgresql-15 bookworm "$rootfs" "$mirror" >/dev/null
install -m 0755 "$here/entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import \
    -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    -c 'CMD []' \
    -c 'ENV LANG=C.UTF-8' \
    -c 'EXPOSE 5432' - "$image" >/dev/null
echo "built $image"
