// Package tests holds the integration tests of s3lua: requests signed by
// package signature, engine operations, the Lua module and the CLI, run
// against real MinIO and versitygw servers and against the embedded store.
//
// Run them with tests/run.sh, the one test command: it builds (once, cached)
// the pinned MinIO and versitygw, starts them on loopback ports with fresh
// data directories and generated credentials, exports their endpoints and
// credentials (see package testenv), runs go test with the arguments given
// (default ./...), and stops the servers whatever happened:
//
//	tests/run.sh                           # everything
//	tests/run.sh ./tests/ -run TestSig -v  # one group
//	tests/run.sh --servers                 # just start the servers and print their variables
//
// Without the variables, tests that need a real server skip; with CI=true
// they fail instead.
package tests
