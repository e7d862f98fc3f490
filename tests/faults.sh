#!/usr/bin/env bash
# tests/faults.sh — the long fault scenarios of docs/reliability.md.
#
#   tests/faults.sh [go test arguments]
#
# Runs the TestFault* tests (tests/faults_test.go) through tests/run.sh
# against MinIO behind the seeded fault proxy, with 200 operations of each
# kind per fault rate (S3LUA_FAULT_OPS) and a 5,000-key listing, instead of
# the fast variants the CI runs (20 of each, 1,000 keys). The seed is
# S3LUA_FAULT_SEED (default 1): the same seed injects the same faults. It
# prints the FIGURES lines (the figures docs/reliability.md records) and
# the verdict; the whole output is kept in $S3LUA_CACHE/logs/faults-last.log.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export S3LUA_FAULT_OPS=${S3LUA_FAULT_OPS:-200}
export S3LUA_FAULT_SEED=${S3LUA_FAULT_SEED:-1}
logdir=${S3LUA_CACHE:-$HOME/.cache/s3lua}/logs
mkdir -p "$logdir"
out="$logdir/faults-last.log"
status=0
start=$SECONDS
tests/run.sh ./tests/ -run '^TestFault' -v "$@" >"$out" 2>&1 || status=$?
grep -E 'FIGURES|^(ok|FAIL)|^--- (PASS|FAIL)|^    --- FAIL|_test.go:[0-9]+: ' "$out" | grep -v '^=== ' || true
printf 'tests/faults.sh: %d operations of each kind, seed %s, %ds: %s (full output: %s)\n' \
	"$S3LUA_FAULT_OPS" "$S3LUA_FAULT_SEED" $((SECONDS - start)) "$([[ $status == 0 ]] && echo PASS || echo FAIL)" "$out" >&2
exit "$status"
