#!/usr/bin/env bash
# tests/fuzz.sh — runs every fuzz target of s3lua for a fixed time each.
#
#   tests/fuzz.sh            each target for 60s
#   tests/fuzz.sh 10m        each target for 10 minutes
#   FUZZ_ONLY=FuzzEscapePath tests/fuzz.sh 30s
#
# Targets and what they check (seeds: f.Add in the target and
# testdata/fuzz/<Target>/ in its package; plain `go test` runs the seeds):
#   signature  FuzzCanonicalVsSDK    canonical URI and query: same Authorization as aws-sdk-go-v2's signer
#   signature  FuzzEscapePath        escaped keys hold only unreserved/%XX/'/' and unescape to the key
#   signature  FuzzChunkedRoundTrip  aws-chunked framing decodes back to the input; signatures verified
#   engine     FuzzDecodeListPage    ListObjectsV2 scanner == encoding/xml (result and error)
#   engine     FuzzErrorBody         S3 <Error> documents recognised only when they are one
#   engine     FuzzSplitBucketPath   bucket+path parsing: the pieces rebuild the input
#   cmd/s3lua  FuzzParseChunk        the REPL's completeness check agrees with the parser
#
# A failure leaves the crashing input under the package's testdata/fuzz/<Target>/
# (go test writes it there); commit it with the fix so it runs in every go test.
# Exits non-zero when any target fails.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export AWS_EC2_METADATA_DISABLED=true
TIME=${1:-60s}
targets=(
	./signature:FuzzCanonicalVsSDK
	./signature:FuzzEscapePath
	./signature:FuzzChunkedRoundTrip
	./engine:FuzzDecodeListPage
	./engine:FuzzErrorBody
	./engine:FuzzSplitBucketPath
	./cmd/s3lua:FuzzParseChunk
)
failed=()
for t in "${targets[@]}"; do
	pkg=${t%%:*} name=${t##*:}
	if [[ -n ${FUZZ_ONLY:-} && $name != "$FUZZ_ONLY" ]]; then
		continue
	fi
	printf 'fuzz.sh: %s %s for %s\n' "$pkg" "$name" "$TIME" >&2
	if ! go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$TIME" -parallel "${FUZZ_PARALLEL:-2}"; then
		failed+=("$name")
	fi
done
if ((${#failed[@]})); then
	printf 'fuzz.sh: FAILED: %s\n' "${failed[*]}" >&2
	exit 1
fi
printf 'fuzz.sh: all targets passed\n' >&2
