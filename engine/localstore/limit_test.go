package localstore

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestRefusesHugeDeclaredLength: a request declaring more than
// MaxObjectSize is refused before any body is read; gofakes3 alone would
// allocate the declared length and take the process down.
func TestRefusesHugeDeclaredLength(t *testing.T) {
	srv, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range []struct{ name, headers string }{
		{"content-length", fmt.Sprintf("Content-Length: %d\r\n", int64(6)<<40)},
		{"aws-chunked", fmt.Sprintf("Content-Length: 100\r\nContent-Encoding: aws-chunked\r\nX-Amz-Decoded-Content-Length: %d\r\n", int64(MaxObjectSize)+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Host())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "PUT /bucket/key HTTP/1.1\r\nHost: %s\r\nExpect: 100-continue\r\n%s\r\n", srv.Host(), tc.headers)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "EntityTooLarge") {
				t.Fatalf("status %d, body %s", resp.StatusCode, body)
			}
		})
	}
}
