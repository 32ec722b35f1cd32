#!/usr/bin/env bash
# Replays the last N commits that changed DIR in the git repository REPO as pull requests: for
# each, `drydock check DIR --base PARENT` on a checkout of the commit. Prints per commit the exit
# code and the error findings with their rules, then a summary line: how many failed, how many
# of those blamed the change for the environment (the base could not be built) or for files the
# commit did not touch.
#
# Usage: scripts/replay-history.sh REPO DIR [N] [-- EXTRA drydock check ARGS]
#   REPO  a git repository (any: a project's clone, or one built by scripts/make-histories.py)
#   DIR   the migration directory, relative to REPO
#   N     how many of the newest commits that changed DIR (default 20)
# Environment: DRYDOCK (the binary; default target/release/drydock, built if missing),
#   DRYDOCK_POSTGRES (provider, default local).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "${1:?usage: replay-history.sh REPO DIR [N]}" && pwd)
dir=${2:?usage: replay-history.sh REPO DIR [N]}
n=${3:-20}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
extra=("$@")

drydock=${DRYDOCK:-$here/target/release/drydock}
if [ ! -x "$drydock" ]; then
    (cd "$here" && cargo build --release --quiet)
fi
drydock=$(realpath "$drydock")
provider=${DRYDOCK_POSTGRES:-local}

scratch=$(mktemp -d)
trap 'git -C "$repo" worktree prune; rm -rf "$scratch"' EXIT

# Oldest first, as they landed; a root commit has no parent to review against.
mapfile -t commits < <(git -C "$repo" log --format=%H -n "$n" -- "$dir" | tac)
total=0 failed=0 environment=0 untouched=0
for commit in "${commits[@]}"; do
    parent=$(git -C "$repo" rev-parse -q --verify "$commit^" || true)
    [ -n "$parent" ] || continue
    total=$((total + 1))
    tree="$scratch/$total"
    git -C "$repo" worktree add -q --detach "$tree" "$commit"
    set +e
    (cd "$tree" && "$drydock" check "$dir" --base "$parent" --postgres "$provider" \
        --format json "${extra[@]}") > "$scratch/report.json" 2> "$scratch/stderr"
    code=$?
    set -e
    git -C "$repo" diff --name-only "$parent" "$commit" -- "$dir" > "$scratch/touched"
    subject=$(git -C "$repo" log -1 --format=%s "$commit")
    verdict=$(python3 - "$scratch/report.json" "$scratch/touched" "$scratch/stderr" "$code" <<'PY'
import json, sys
report_path, touched_path, stderr_path, code = sys.argv[1:5]
touched = set(open(touched_path).read().split())
try:
    report = json.load(open(report_path))
except ValueError:
    err = open(stderr_path).read().strip().splitlines()
    print("error", 0, 0, "|", (err[-1] if err else "no report"))
    sys.exit()
errors = [f for f in report.get("findings", []) if f.get("severity") == "error"]
lines = []
on_untouched = 0
for f in errors:
    mine = f["file"] in touched
    on_untouched += not mine
    lines.append(f'    {f["rule"]}: {f["file"]}:{f["line"]}{"" if mine else " (a file the commit did not touch)"}: {f["message"][:160]}')
env = 1 if report.get("base_unbuilt") else 0
for d in report.get("directories", []):
    b = d.get("base_unbuilt")
    if b:
        lines.append(f'    could not build the base state: {b["file"]}:{b["line"]}: {b["error"][:160]}')
print("ok" if code == "0" else "failed", env, on_untouched, "|", "\n".join(lines))
PY
)
    read -r status env_blame untouched_blame _ <<< "${verdict%%$'\n'*}"
    echo "$(git -C "$repo" rev-parse --short "$commit") exit $code  $subject"
    details=${verdict#*|}
    details=${details# }
    [ -n "$details" ] && printf '%s\n' "$details"
    if [ "$code" != 0 ]; then
        failed=$((failed + 1))
        environment=$((environment + env_blame))
        [ "$untouched_blame" -gt 0 ] && untouched=$((untouched + 1))
    fi
    git -C "$repo" worktree remove --force "$tree"
done
echo "replayed $total commit(s) of $dir: $failed failed; $environment blamed the environment," \
    "$untouched blamed files the commit did not touch"
