package localstore

import (
	"net"
	"testing"
	"time"
)

// TestCloseDoesNotWaitForUnusedConnections: a connection a client dialed
// and never used (as pooled HTTP clients do) must not hold Close up.
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	srv, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", srv.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Let the server accept it, so it is in StateNew.
	deadline := time.Now().Add(2 * time.Second)
	for {
		srv.connMu.Lock()
		n := len(srv.fresh)
		srv.connMu.Unlock()
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close waited for a connection that never sent a request")
	}
}
