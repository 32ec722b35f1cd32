#!/usr/bin/env bash
# The action's start-up: from the start of its install step (scripts/install.sh) to the first
# request `drydock github` sends to the GitHub API, with the binary not yet in the tool cache
# (downloaded from a local release server, checksum checked, unpacked) and cached. Runs the
# action's two steps as action.yml has them; prints the median of RUNS runs of each.
# Usage: scripts/bench-action-start.sh [RUNS]   (default 5; BIN=path of the binary to release,
# default target/release/drydock, built if missing)
set -euo pipefail
runs="${1:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BIN:-$root/target/release/drydock}"
[ -x "$bin" ] || (cd "$root" && cargo build --release --bin drydock)
version="v$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -1)"
target=x86_64-unknown-linux-musl
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# The release, as release.yml publishes it.
mkdir -p "$work/release/$version" "$work/pack"
cp "$bin" "$work/pack/drydock" && strip "$work/pack/drydock"
tar -czf "$work/release/$version/drydock-$target.tar.gz" -C "$work/pack" drydock
(cd "$work/release/$version" && sha256sum "drydock-$target.tar.gz" > "drydock-$target.tar.gz.sha256")
echo "asset: $(du -h "$work/release/$version/drydock-$target.tar.gz" | cut -f1) (drydock-$target.tar.gz)"

# A pull request that changes nothing Drydock reviews: the first request is the start-up's end.
repo="$work/repo"
mkdir -p "$repo/db/migrations"
echo "CREATE TABLE users (id bigint PRIMARY KEY);" > "$repo/db/migrations/001_users.sql"
git -C "$repo" init -q -b main
git -C "$repo" -c user.email=a@b -c user.name=a add .
git -C "$repo" -c user.email=a@b -c user.name=a commit -q -m base
echo '{"action": "opened", "number": 7, "pull_request": {"number": 7}}' > "$work/event.json"

cat > "$work/servers.py" <<'PY'
import http.server, json, sys, threading, time, functools
release_dir, first_path = sys.argv[1], sys.argv[2]
class Api(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(first_path, "a") as f:
            f.write(f"{time.time()}\n")
        pull = {"number": 7, "head": {"sha": "1" * 40, "repo": {"full_name": "acme/shop"}},
                "base": {"sha": "0" * 40, "repo": {"full_name": "acme/shop"}}, "labels": []}
        body = json.dumps(pull if self.path.startswith("/repos/acme/shop/pulls/7?") or
                          self.path == "/repos/acme/shop/pulls/7" else []).encode()
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
files = functools.partial(http.server.SimpleHTTPRequestHandler, directory=release_dir)
files.log_message = lambda *a: None
threading.Thread(target=http.server.ThreadingHTTPServer(("127.0.0.1", 18081), files).serve_forever,
                 daemon=True).start()
http.server.ThreadingHTTPServer(("127.0.0.1", 18082), Api).serve_forever()
PY
python3 "$work/servers.py" "$work/release" "$work/first" 2>/dev/null &
sleep 0.5

# One start-up: the two steps of action.yml, timed to the first API request.
start_up() {
    local cache="$1"
    rm -f "$work/first" "$work/path"
    local started
    started="$(date +%s.%N)"
    RUNNER_TOOL_CACHE="$cache" GITHUB_PATH="$work/path" RUNNER_OS=Linux RUNNER_ARCH=X64 \
        DRYDOCK_RELEASE_URL=http://127.0.0.1:18081 GITHUB_ACTION_PATH="$root" \
        bash "$root/scripts/install.sh" >/dev/null
    (cd "$repo" && env PATH="$(cat "$work/path"):$PATH" \
        GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$work/event.json" \
        GITHUB_REPOSITORY=acme/shop GITHUB_API_URL=http://127.0.0.1:18082 \
        GITHUB_WORKSPACE="$repo" GITHUB_OUTPUT="$work/out" GITHUB_STEP_SUMMARY="$work/summary" \
        INPUT_GITHUB_TOKEN=ghs_bench INPUT_POSTGRES=local drydock github >/dev/null 2>&1 || true)
    python3 -c "import sys; print(f'{float(open(sys.argv[1]).readline()) - float(sys.argv[2]):.3f}')" \
        "$work/first" "$started"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

uncached="$(for i in $(seq "$runs"); do start_up "$work/cache-$i"; done | median)"
start_up "$work/cache" >/dev/null
cached="$(for i in $(seq "$runs"); do start_up "$work/cache"; done | median)"
echo "start-up to the first API request, median of $runs: uncached ${uncached}s, cached ${cached}s"
