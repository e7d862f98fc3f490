#!/usr/bin/env bash
# tests/bench/run.sh — s3lua's benchmark harness, from a fresh clone.
#
#   tests/bench/run.sh                     every row, medians of 3 runs after a warm-up
#   tests/bench/run.sh -rows upload,list   some rows (ids: startup empty upload download list
#                                          small batch delete delprefix sync sync-nochange list10x)
#   tests/bench/run.sh -runs 5 -out r.md   more runs; append the markdown report to r.md
#   tests/bench/run.sh -smoke              tiny sizes, one run: checks the harness works
#
# It builds s3lua and the harness, the pinned MinIO (the version tests/run.sh
# pins, cached in ${S3LUA_CACHE:-~/.cache/s3lua}/bin like tests/run.sh does)
# and the pinned mc (`go install github.com/minio/mc@MC_VERSION`, cached the
# same way), then runs the harness (tests/bench/*.go), which starts MinIO on a
# free 127.0.0.1 port with its data on tmpfs (/dev/shm) when there is room,
# measures, checks every result and removes its data. s5cmd gets a column
# when it is on PATH. The arguments go to the harness (`-h` lists them).
# Not part of CI: a full run takes several minutes.
set -euo pipefail

# mc has no semantic-version tags on the Go module proxy; this pseudo-version
# is the newest it serves (mc of 2025-03-13).
MC_VERSION=v0.0.0-20250313080218-cf909e1063a9

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${S3LUA_CACHE:-$HOME/.cache/s3lua}
MINIO_VERSION=$(sed -n 's/^MINIO_VERSION=//p' "$ROOT/tests/run.sh")

log() { printf 'bench/run.sh: %s\n' "$*" >&2; }

# install NAME PKG VERSION: build PKG@VERSION once into $CACHE/bin/NAME-VERSION/NAME
# (same layout and locking as tests/run.sh; a half-built binary is never used).
install() {
	local name=$1 pkg=$2 version=$3
	local dir="$CACHE/bin/$name-$version"
	local bin="$dir/$name"
	[[ -x $bin ]] && return 0
	mkdir -p "$dir"
	(
		if command -v flock >/dev/null; then
			exec 9>"$dir/.lock"
			flock 9
		fi
		[[ -x $bin ]] && exit 0
		tmp=$(mktemp -d "$dir/.build.XXXXXX")
		log "$name: building $pkg@$version (first run only; a few minutes)"
		if (cd "$tmp" && GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$pkg@$version") >"$dir/build.log" 2>&1; then
			mv "$tmp/$name" "$bin"
			rm -rf "$tmp"
		else
			rm -rf "$tmp"
			tail -n 20 "$dir/build.log" >&2
			exit 1
		fi
	)
}

cd "$ROOT"
install minio github.com/minio/minio "$MINIO_VERSION"
MC=""
if install mc github.com/minio/mc "$MC_VERSION"; then
	MC="$CACHE/bin/mc-$MC_VERSION/mc"
else
	log "WARNING: could not build mc; its column is left out"
fi

BIN=$(mktemp -d "${TMPDIR:-/tmp}/s3lua-bench-bin.XXXXXX")
trap 'rm -rf "$BIN"' EXIT
# Built as the README installs s3lua: static (CGO_ENABLED=0), which starts
# several milliseconds sooner than a binary linked against libc; the Go client
# column (bench gohttp) is built the same way, to compare like with like.
CGO_ENABLED=0 go build -o "$BIN/s3lua" ./cmd/s3lua
CGO_ENABLED=0 go build -o "$BIN/bench" ./tests/bench

"$BIN/bench" -s3lua "$BIN/s3lua" -minio "$CACHE/bin/minio-$MINIO_VERSION/minio" -mc "$MC" "$@"
