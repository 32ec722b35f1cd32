#!/usr/bin/env bash
# Runs the action's image the way GitHub runs a Docker action, on a pull request that adds a
# destructive migration, against a tiny stand-in GitHub API on the host (it records the requests).
# Usage: try.sh [IMAGE] [local|docker]   (default drydock-action:local local)
# With `docker`, the Docker socket is mounted, as on GitHub's runners, and the docker provider
# starts $DRYDOCK_TEST_IMAGE (default drydock-standin/postgres:15) from inside the container.
set -euo pipefail
image="${1:-drydock-action:local}"
provider="${2:-local}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

repo="$work/repo"
mkdir -p "$repo/db/migrations"
echo "CREATE TABLE users (id bigint PRIMARY KEY, nickname text);" > "$repo/db/migrations/001_users.sql"
git -C "$repo" init -q -b main
git -C "$repo" -c user.email=a@b -c user.name=a add .
git -C "$repo" -c user.email=a@b -c user.name=a commit -q -m base
base="$(git -C "$repo" rev-parse HEAD)"
printf 'ALTER TABLE users DROP COLUMN nickname;\nCREATE INDEX users_id_idx ON users (id);\n' > "$repo/db/migrations/002_drop.sql"
echo '{"action": "opened", "number": 7, "pull_request": {"number": 7}}' > "$work/event.json"

cat > "$work/github.py" <<PY
import json, http.server
files = [{"filename": "db/migrations/002_drop.sql", "status": "added",
          "patch": "@@ -0,0 +1,2 @@\n+ALTER TABLE users DROP COLUMN nickname;\n+CREATE INDEX users_id_idx ON users (id);"}]
pull = {"number": 7, "head": {"sha": "1" * 40, "repo": {"full_name": "acme/shop"}},
        "base": {"sha": "$base", "repo": {"full_name": "acme/shop"}}, "labels": []}
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        path = self.path.split("?")[0]
        print("GET", path, flush=True)
        if path == "/user": return self.reply(403, {"message": "Resource not accessible by integration"})
        if path == "/repos/acme/shop/pulls/7": return self.reply(200, pull)
        if path == "/repos/acme/shop/pulls/7/files": return self.reply(200, files)
        return self.reply(200, [])
    def write(self):
        body = self.rfile.read(int(self.headers["content-length"] or 0))
        print(self.command, self.path, json.loads(body).get("event", ""), flush=True)
        self.reply(201, {"id": 1})
    do_POST = do_PATCH = do_PUT = write
    def log_message(self, *a): pass
http.server.HTTPServer(("0.0.0.0", 18080), H).serve_forever()
PY
python3 "$work/github.py" > "$work/requests.log" 2>&1 &
sleep 0.5

mounts=(-v "$repo:/github/workspace" -v "$work:/github/workflow")
inputs=(-e "INPUT_POSTGRES=$provider")
if [ "$provider" = docker ]; then
    mounts+=(-v /var/run/docker.sock:/var/run/docker.sock)
    inputs+=(-e "INPUT_POSTGRES-IMAGE=${DRYDOCK_TEST_IMAGE:-drydock-standin/postgres:15}")
fi
set +e
time docker run --rm --network host --workdir /github/workspace "${mounts[@]}" "${inputs[@]}" \
    -e GITHUB_EVENT_NAME=pull_request -e GITHUB_EVENT_PATH=/github/workflow/event.json \
    -e GITHUB_REPOSITORY=acme/shop -e GITHUB_API_URL=http://127.0.0.1:18080 \
    -e GITHUB_WORKSPACE=/github/workspace -e GITHUB_OUTPUT=/github/workflow/output \
    -e GITHUB_STEP_SUMMARY=/github/workflow/summary -e INPUT_GITHUB-TOKEN=try-token \
    "$image"
code=$?
set -e
echo "exit code: $code (1 expected: the drop is not approved)"
echo "--- requests the stand-in GitHub received"; cat "$work/requests.log"
echo "--- outputs"; cat "$work/output"
echo "--- where it applied"; grep -o "\"postgres\": \"[^\"]*\"" "$repo/drydock-report.json"
