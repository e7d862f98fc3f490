#!/usr/bin/env bash
# tests/run.sh — the one test command of s3lua.
#
#   tests/run.sh [go test arguments]      default: ./...
#   tests/run.sh ./tests/ -run TestSig -v
#   tests/run.sh -run TestEngine          no package given: ./...
#   tests/run.sh --servers                start the servers, print their variables, wait
#
# 1. Builds the pinned MinIO and versitygw once into
#    ${S3LUA_CACHE:-~/.cache/s3lua}/bin/<name>-<version>/ (in parallel; waits for
#    a build of the same binary already running).
# 2. Starts each on a free 127.0.0.1 port with a fresh data directory and
#    random credentials, and waits until it answers.
# 3. Runs `go test -count=1 -timeout 15m ARGS` with
#    S3LUA_{MINIO,VERSITYGW}_{ENDPOINT,ACCESS_KEY,SECRET_KEY,REGION} exported.
# 4. Stops the servers and removes their data whatever happened; exits with
#    go test's status.
#
# S3LUA_CACHE moves the cache; S3LUA_VERSITYGW_SIDECAR=1 keeps versitygw's
# metadata in a sidecar directory instead of xattrs (chosen automatically when
# the file system has no user xattrs); S3LUA_READY_TIMEOUT (seconds, 60).
#
# With CI=true, a server that cannot be built or started fails the run (and
# package testenv fails tests instead of skipping them). Server output goes to
# log files whose tails are printed when something fails.
set -euo pipefail

MINIO_PKG=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
VERSITYGW_PKG=github.com/versity/versitygw/cmd/versitygw
VERSITYGW_VERSION=v1.8.0
REGION=us-east-1
READY_TIMEOUT=${S3LUA_READY_TIMEOUT:-60}
BUILD_TIMEOUT=${S3LUA_BUILD_TIMEOUT:-1800}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${S3LUA_CACHE:-$HOME/.cache/s3lua}
# Loopback only: a test that finds no credentials must not probe the EC2
# instance metadata address (169.254.169.254).
export AWS_EC2_METADATA_DISABLED=true
CI_MODE=false
case "${CI:-}" in true | TRUE | True | 1) CI_MODE=true ;; esac

log() { printf 'run.sh: %s\n' "$*" >&2; }

# A problem with a server: fatal under CI, a warning otherwise (its tests skip).
server_problem() {
	if $CI_MODE; then
		log "FAIL: $* (CI=true: a missing server is a failure)"
		exit 1
	fi
	log "WARNING: $*; its tests will be skipped"
}

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/s3lua-run.XXXXXX")
PIDS=()
NAMES=()
GO_TEST_PID=""
WATCHDOG_PID=""

tail_logs() {
	local f
	for f in "$RUN_DIR"/*.log; do
		[[ -s $f ]] || continue
		printf '\n----- last lines of %s -----\n' "$(basename "$f")" >&2
		tail -n 25 "$f" >&2 || true
	done
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	local i
	if [[ -n $GO_TEST_PID ]]; then
		kill "$GO_TEST_PID" 2>/dev/null || true
		wait "$GO_TEST_PID" 2>/dev/null || true
	fi
	if [[ -n $WATCHDOG_PID ]]; then
		kill "$WATCHDOG_PID" 2>/dev/null || true
	fi
	for i in "${!PIDS[@]}"; do
		kill "${PIDS[$i]}" 2>/dev/null || true
	done
	for i in "${!PIDS[@]}"; do
		# Give each server a few seconds to exit, then insist.
		local n=0
		while kill -0 "${PIDS[$i]}" 2>/dev/null && ((n < 50)); do
			sleep 0.1
			n=$((n + 1))
		done
		kill -9 "${PIDS[$i]}" 2>/dev/null || true
		wait "${PIDS[$i]}" 2>/dev/null || true
	done
	if ((status != 0)) && ((${#PIDS[@]} > 0)); then
		tail_logs
		local keep
		keep="$CACHE/logs/$(date -u +%Y%m%dT%H%M%SZ)-$$"
		mkdir -p "$keep" && cp "$RUN_DIR"/*.log "$keep"/ 2>/dev/null && log "server logs kept in $keep"
	fi
	rm -rf "$RUN_DIR"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

random_hex() { # random_hex BYTES
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# ---------------------------------------------------------------- building

# build_running PKG VERSION: is a `go install PKG@VERSION` running already
# (another run.sh, or a developer's shell)?
build_running() {
	pgrep -f "go install .*$1@$2" >/dev/null 2>&1
}

# install NAME PKG VERSION: make sure $CACHE/bin/NAME-VERSION/NAME exists.
install_server() {
	local name=$1 pkg=$2 version=$3
	local dir="$CACHE/bin/$name-$version"
	local bin="$dir/$name"
	[[ -x $bin ]] && return 0
	mkdir -p "$dir"
	local waited=0
	while build_running "$pkg" "$version" && [[ ! -x $bin ]]; do
		((waited % 60 == 0)) && log "$name: a build is already running; waiting for it"
		sleep 5
		waited=$((waited + 5))
		if ((waited > BUILD_TIMEOUT)); then
			log "$name: gave up waiting for the running build after ${waited}s"
			return 1
		fi
	done
	[[ -x $bin ]] && return 0
	# flock (where there is one) serializes run.sh instances; build into a temporary GOBIN and
	# rename, so a half-written binary is never taken for a finished one.
	(
		if command -v flock >/dev/null; then
			exec 9>"$dir/.lock"
			flock 9
		fi
		[[ -x $bin ]] && exit 0
		local tmp
		tmp=$(mktemp -d "$dir/.build.XXXXXX")
		log "$name: building $pkg@$version (first run only; a few minutes)"
		if (cd "$tmp" && GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "$pkg@$version") >"$RUN_DIR/build-$name.log" 2>&1; then
			mv "$tmp/$name" "$bin"
			rm -rf "$tmp"
		else
			rm -rf "$tmp"
			exit 1
		fi
	)
}

build_servers() {
	local mpid vpid
	install_server minio "$MINIO_PKG" "$MINIO_VERSION" &
	mpid=$!
	install_server versitygw "$VERSITYGW_PKG" "$VERSITYGW_VERSION" &
	vpid=$!
	if ! wait "$mpid"; then
		tail -n 30 "$RUN_DIR/build-minio.log" >&2 2>/dev/null || true
		server_problem "could not build MinIO $MINIO_VERSION"
	fi
	if ! wait "$vpid"; then
		tail -n 30 "$RUN_DIR/build-versitygw.log" >&2 2>/dev/null || true
		server_problem "could not build versitygw $VERSITYGW_VERSION"
	fi
	return 0
}

# ---------------------------------------------------------------- starting

USED_PORTS=" "

# port_in_use PORT: does anything accept connections on 127.0.0.1:PORT?
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port: print a port nobody listens on (and this run has not handed out).
free_port() {
	local p n
	for n in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		[[ $USED_PORTS == *" $p "* ]] && continue
		port_in_use "$p" && continue
		USED_PORTS+="$p "
		echo "$p"
		return 0
	done
	log "no free loopback port found"
	return 1
}

# http_status PORT PATH: print the HTTP status code of GET PATH, using bash's
# /dev/tcp so that no curl is needed.
http_status() {
	local port=$1 path=$2 line
	(
		exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
		printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$path" "$port" >&3
		IFS= read -r -t 3 line <&3 || exit 1
		line=${line%$'\r'}
		echo "${line#HTTP/* }" | cut -d' ' -f1
	) 2>/dev/null
}

# wait_ready NAME PID PORT PATH WANT: wait until PID is alive and PORT answers
# GET PATH with a status matching the glob WANT (MinIO's readiness probe
# answers 200 once it serves requests; versitygw has no probe and answers 403
# to anonymous requests, so any status will do for it). Returns 2 when the
# process died (the caller may retry on another port).
wait_ready() {
	local name=$1 pid=$2 port=$3 path=$4 want=$5 deadline code
	deadline=$((SECONDS + READY_TIMEOUT))
	while ((SECONDS < deadline)); do
		kill -0 "$pid" 2>/dev/null || return 2
		code=$(http_status "$port" "$path" || true)
		# shellcheck disable=SC2053 # $want is a glob on purpose
		if [[ -n $code && $code == $want ]]; then
			# Our process must be the one answering (not someone who took the port).
			kill -0 "$pid" 2>/dev/null || return 2
			return 0
		fi
		sleep 0.2
	done
	log "$name did not answer on 127.0.0.1:$port within ${READY_TIMEOUT}s"
	return 1
}

# start_server NAME: start it on a fresh port, up to 5 tries on collisions.
# Sets the S3LUA_<NAME>_* variables.
start_server() {
	local name=$1 bin access secret port port2 data pid try rc upper path want
	upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")
	case $name in
	minio) bin="$CACHE/bin/minio-$MINIO_VERSION/minio" ;;
	versitygw) bin="$CACHE/bin/versitygw-$VERSITYGW_VERSION/versitygw" ;;
	esac
	if [[ ! -x $bin ]]; then
		server_problem "$name is not installed ($bin)"
		return 0
	fi
	access="${name:0:5}$(random_hex 8)"
	secret=$(random_hex 20)
	local vgw_meta=()
	if [[ ${S3LUA_VERSITYGW_SIDECAR:-} == 1 ]]; then
		mkdir -p "$RUN_DIR/versitygw-meta"
		vgw_meta=(--sidecar "$RUN_DIR/versitygw-meta")
	fi
	for try in 1 2 3 4 5; do
		port=$(free_port)
		data="$RUN_DIR/$name-data-$try"
		mkdir -p "$data" "$data-versions"
		case $name in
		minio)
			port2=$(free_port)
			# A static KMS key lets SSE-S3 and SSE-KMS be tested.
			MINIO_ROOT_USER=$access MINIO_ROOT_PASSWORD=$secret MINIO_BROWSER=off \
				MINIO_UPDATE=off MINIO_CI_CD=on \
				MINIO_KMS_SECRET_KEY="s3lua-test-key:$(head -c 32 /dev/urandom | base64)" \
				"$bin" server --address "127.0.0.1:$port" \
				--console-address "127.0.0.1:$port2" "$data" \
				>"$RUN_DIR/$name.log" 2>&1 </dev/null &
			pid=$!
			path=/minio/health/ready want=200
			;;
		versitygw)
			# The posix backend keeps metadata in user extended attributes;
			# where the file system has none (old tmpfs, some overlays) it is
			# restarted below with a sidecar metadata directory.
			ROOT_ACCESS_KEY_ID=$access ROOT_SECRET_ACCESS_KEY=$secret \
				"$bin" --port "127.0.0.1:$port" --region "$REGION" --keep-alive \
				posix "${vgw_meta[@]}" --versioning-dir "$data-versions" "$data" \
				>"$RUN_DIR/$name.log" 2>&1 </dev/null &
			pid=$!
			path=/ want='[1-5][0-9][0-9]'
			;;
		esac
		rc=0
		wait_ready "$name" "$pid" "$port" "$path" "$want" || rc=$?
		if ((rc == 0)); then
			PIDS+=("$pid")
			NAMES+=("$name")
			export "S3LUA_${upper}_ENDPOINT=http://127.0.0.1:$port"
			export "S3LUA_${upper}_ACCESS_KEY=$access"
			export "S3LUA_${upper}_SECRET_KEY=$secret"
			export "S3LUA_${upper}_REGION=$REGION"
			# Tests that start an extra server of their own (a TLS MinIO)
			# use the same binary.
			export "S3LUA_${upper}_BIN=$bin"
			log "$name ready on 127.0.0.1:$port"
			return 0
		fi
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if ((rc == 2)) && grep -qi 'address already in use' "$RUN_DIR/$name.log"; then
			log "$name: port $port was taken meanwhile; trying another"
			continue
		fi
		if ((rc == 2)) && [[ $name == versitygw && ${#vgw_meta[@]} == 0 ]] &&
			grep -qi 'xattr check failed' "$RUN_DIR/$name.log"; then
			log "versitygw: no user xattrs on $(df -P "$RUN_DIR" | awk 'NR==2 {print $6}'); using a sidecar metadata directory"
			vgw_meta=(--sidecar "$RUN_DIR/versitygw-meta")
			mkdir -p "$RUN_DIR/versitygw-meta"
			continue
		fi
		break
	done
	printf '\n----- last lines of %s.log -----\n' "$name" >&2
	tail -n 30 "$RUN_DIR/$name.log" >&2 || true
	server_problem "$name did not start"
}

# ---------------------------------------------------------------- main

cd "$ROOT"
command -v go >/dev/null || {
	log "go is not on PATH"
	exit 1
}

SERVERS_ONLY=false
if [[ ${1:-} == --servers ]]; then
	SERVERS_ONLY=true
	shift
fi

# Remote variables from the caller would point at servers we did not start.
unset S3LUA_MINIO_ENDPOINT S3LUA_MINIO_ACCESS_KEY S3LUA_MINIO_SECRET_KEY S3LUA_MINIO_REGION
unset S3LUA_VERSITYGW_ENDPOINT S3LUA_VERSITYGW_ACCESS_KEY S3LUA_VERSITYGW_SECRET_KEY S3LUA_VERSITYGW_REGION

build_servers &
BUILD_PID=$!
# Fetch the module's dependencies while the servers build.
go mod download
wait "$BUILD_PID"

start_server minio
start_server versitygw

# If this script dies without running its trap (SIGKILL), the watchdog still
# stops the servers and removes their data.
if ((${#PIDS[@]} > 0)); then
	(
		trap - EXIT INT TERM
		set +e
		while kill -0 $$ 2>/dev/null; do sleep 2; done
		kill "${PIDS[@]}" 2>/dev/null
		sleep 5
		kill -9 "${PIDS[@]}" 2>/dev/null
		rm -rf "$RUN_DIR"
	) </dev/null >/dev/null 2>&1 &
	WATCHDOG_PID=$!
fi

if $SERVERS_ONLY; then
	for v in ENDPOINT ACCESS_KEY SECRET_KEY REGION; do
		for n in MINIO VERSITYGW; do
			var="S3LUA_${n}_$v"
			[[ -n ${!var:-} ]] && printf 'export %s=%q\n' "$var" "${!var}"
		done
	done
	log "servers running; press Ctrl-C to stop them and remove their data"
	trap 'exit 0' INT TERM
	while true; do
		sleep 1
	done
fi

# Without a package argument (`tests/run.sh -run TestX`), test everything:
# the module root itself has no Go files.
has_pkg=false
for a in "$@"; do
	case $a in ./* | ../* | github.com/* | all | std) has_pkg=true ;; esac
done
$has_pkg || set -- ./... "$@"
# go test runs in the background so that a signal to this script is handled
# at once (bash runs traps only between foreground commands).
go test -count=1 -timeout 15m "$@" &
GO_TEST_PID=$!
status=0
wait "$GO_TEST_PID" || status=$?
GO_TEST_PID=""
exit "$status"
