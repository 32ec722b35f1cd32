#!/usr/bin/env bash
# Installs a prebuilt Drydock release binary: the asset for this OS and architecture, its
# SHA-256 checked, kept in a tool cache (so the next run starts without a download), and put on
# PATH. The action's first step (action.yml); on a laptop or another CI:
#   DRYDOCK_VERSION=v0.2.0 bash scripts/install.sh
#
# Environment (all optional):
#   DRYDOCK_VERSION       release tag (default: v + the version in the Cargo.toml next to this
#                         script, i.e. the release of the action's own ref)
#   DRYDOCK_RELEASE_URL   where the releases are (default: GitHub's for drydock-dev/drydock)
#   RUNNER_TOOL_CACHE     the cache root (Actions sets it; default: ~/.cache)
#   RUNNER_OS, RUNNER_ARCH  the platform as Actions names it (default: from uname)
#   GITHUB_PATH           set by Actions: the binary's directory is added to it
set -euo pipefail

fail() {
    echo "::error title=Drydock install::$*" >&2
    exit 1
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${DRYDOCK_VERSION:-}"
if [ -z "$version" ]; then
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/../Cargo.toml" | head -1)"
    [ -n "$version" ] || fail "no DRYDOCK_VERSION given and no version in $here/../Cargo.toml"
    version="v$version"
fi
case "$version" in
    v[0-9]*) ;;
    [0-9]*) version="v$version" ;;
    *) fail "DRYDOCK_VERSION=$version is not a release tag (such as v0.2.0)" ;;
esac
release_url="${DRYDOCK_RELEASE_URL:-https://github.com/drydock-dev/drydock/releases/download}"

os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
case "$os/$arch" in
    Linux/X64 | Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
    macOS/ARM64 | Darwin/arm64 | Darwin/aarch64) target=aarch64-apple-darwin ;;
    *) fail "Drydock has no prebuilt binary for $os $arch (there are: Linux x86_64, Linux arm64, \
macOS arm64). Run the job on one of those (runs-on: ubuntu-latest), or build it yourself: \
cargo install --locked --git https://github.com/drydock-dev/drydock --tag $version drydock" ;;
esac

asset="drydock-$target.tar.gz"
dir="${RUNNER_TOOL_CACHE:-$HOME/.cache}/drydock/${version#v}/$target"
if [ -x "$dir/drydock" ] && [ -f "$dir/.complete" ]; then
    echo "Drydock $version ($target) from the tool cache: $dir"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    fetch() {
        local url="$1" out="$2" code
        code="$(curl -sSL --retry 3 --retry-delay 1 -o "$out" -w '%{http_code}' "$url")" ||
            fail "cannot download $url (is the network reachable?)"
        case "$code" in
            200) ;;
            404) fail "no release asset at $url: is $version a Drydock release with a \
binary for $target? Pin the action to a release tag (uses: drydock-dev/drydock@$version), or set \
DRYDOCK_VERSION" ;;
            *) fail "downloading $url answered HTTP $code" ;;
        esac
    }
    fetch "$release_url/$version/$asset.sha256" "$work/$asset.sha256"
    fetch "$release_url/$version/$asset" "$work/$asset"
    expected="$(awk '{print $1; exit}' "$work/$asset.sha256")"
    if command -v sha256sum >/dev/null; then
        actual="$(sha256sum "$work/$asset" | awk '{print $1}')"
    else
        actual="$(shasum -a 256 "$work/$asset" | awk '{print $1}')"
    fi
    [ -n "$expected" ] && [ "$expected" = "$actual" ] ||
        fail "the checksum of $asset does not match its .sha256 (expected ${expected:-nothing}, \
got $actual): the download is corrupt or was tampered with; nothing was installed"
    mkdir -p "$work/unpacked"
    tar -xzf "$work/$asset" -C "$work/unpacked" ||
        fail "$asset is not a tar.gz archive; nothing was installed"
    [ -f "$work/unpacked/drydock" ] || fail "$asset holds no drydock binary; nothing was installed"
    # Into place whole, or not at all: a half-written cache entry is never used.
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir"
    mkdir -p "$dir"
    install -m 0755 "$work/unpacked/drydock" "$dir/drydock"
    touch "$dir/.complete"
    echo "Drydock $version ($target) downloaded, SHA-256 verified: $dir"
fi
if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dir" >>"$GITHUB_PATH"
else
    echo "add it to PATH: export PATH=\"$dir:\$PATH\""
fi
