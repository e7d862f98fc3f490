// Package localstore runs the embedded S3 store: gofakes3 served by a real
// http.Server on a random loopback port, either in memory or persisted to a
// directory.
//
// It backs `s3lua --local`, the runnable examples and the tests that must run
// without MinIO or versitygw. It speaks enough of the S3 REST API for buckets,
// objects, listings (V1 and V2), multipart uploads, copy and multi-delete.
//
// The store does not verify request signatures: gofakes3 accepts any
// Authorization header, including none. Credentials returns a fresh random
// pair per Start so that clients have something to sign with, not because
// the store checks it. Tests that prove signing is right must run against
// MinIO or versitygw.
//
// What the store adds to gofakes3 v1.2.0, and what is still missing:
//   - aws-chunked bodies of every variant (signed, signed with trailer,
//     unsigned with trailer) are decoded on PUT and UploadPart, with the
//     decoded length and any x-amz-checksum-* trailer checked; chunk and
//     trailer signatures are not.
//   - Request-only headers (x-amz-date, x-amz-content-sha256, the session
//     token, Content-Encoding: aws-chunked, ...) are not stored as object
//     metadata, as gofakes3 alone would.
//   - No ACLs: GET ?acl answers that the owner has FULL_CONTROL and PUT ?acl
//     accepts only "private", as MinIO does (gofakes3 alone would overwrite
//     the object with the ACL document). Bucket policies, tagging,
//     lifecycle, CORS configuration and the other unimplemented
//     subresources answer 501 NotImplemented.
//   - Objects are held in memory while they are written (gofakes3 reads a
//     whole body before storing it), and in-progress multipart uploads live
//     in memory and do not survive a restart; completed objects do.
package localstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"
)

// DBFile is the name of the database file Start keeps inside a persistent
// store's directory.
const DBFile = "s3lua-localstore.db"

// Region is the region the store reports and clients should sign for.
const Region = "us-east-1"

// ErrInUse is the error of Start and StartWith when another process (or
// another Server in this one) holds the store in the directory: one at a
// time per directory.
var ErrInUse = errors.New("the store directory is held by another s3lua process (one process at a time per directory)")

// Options configures StartWith.
type Options struct {
	// Dir persists the store to Dir/DBFile; "" keeps everything in memory.
	Dir string
	// Log receives gofakes3's request log and the HTTP server's errors;
	// nil discards them.
	Log io.Writer
}

// Server is a running embedded store. Its methods are safe for concurrent use.
type Server struct {
	listener  net.Listener
	http      *http.Server
	db        *bolt.DB
	accessKey string
	secretKey string
	done      chan struct{}

	// fresh holds the connections accepted but not yet used: Close shuts
	// them at once, where http.Server.Shutdown would wait five seconds for
	// each that a client's pool dialed and never used.
	connMu sync.Mutex
	fresh  map[net.Conn]struct{}

	closeOnce sync.Once
	closeErr  error
}

// Start runs a store on 127.0.0.1 on a random port. dir "" keeps the data in
// memory; otherwise the data lives in dir (created if needed) and a later
// Start on the same dir sees the same buckets and objects. Only one Server at
// a time may use a given dir.
func Start(dir string) (*Server, error) {
	return StartWith(Options{Dir: dir})
}

// StartWith is Start with options.
func StartWith(opt Options) (*Server, error) {
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	var (
		backend gofakes3.Backend
		db      *bolt.DB
	)
	if opt.Dir == "" {
		backend = s3mem.New()
	} else {
		if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("localstore: create store directory: %w", err)
		}
		var err error
		// The timeout turns "another Server holds this dir" into an error
		// instead of a hang on bolt's file lock.
		db, err = bolt.Open(filepath.Join(opt.Dir, DBFile), 0o600, &bolt.Options{Timeout: 2 * time.Second})
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("localstore: %s: %w", opt.Dir, ErrInUse)
		}
		if err != nil {
			return nil, fmt.Errorf("localstore: open store in %s: %w", opt.Dir, err)
		}
		backend = s3bolt.New(db)
	}

	fake := gofakes3.New(backend,
		gofakes3.WithAutoBucket(false),
		gofakes3.WithLogger(gofakes3.StdLog(log.New(logw, "localstore: ", log.LstdFlags))),
	)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, fmt.Errorf("localstore: listen on loopback: %w", err)
	}

	s := &Server{
		listener:  ln,
		db:        db,
		accessKey: "LOCAL" + randomHex(8),
		secretKey: randomHex(20),
		done:      make(chan struct{}),
		http: &http.Server{
			Handler:           guard{fake.Server()},
			ReadHeaderTimeout: 30 * time.Second,
			ErrorLog:          log.New(logw, "localstore http: ", log.LstdFlags),
		},
		fresh: make(map[net.Conn]struct{}),
	}
	s.http.ConnState = s.trackConn
	go func() {
		defer close(s.done)
		// Serve returns ErrServerClosed after Close; anything else has
		// nowhere better to go than the log.
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.http.ErrorLog.Printf("serve: %v", err)
		}
	}()
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("localstore: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Endpoint is the store's base URL, "http://127.0.0.1:PORT".
func (s *Server) Endpoint() string { return "http://" + s.Host() }

// Host is "127.0.0.1:PORT", the value for engine.Config.Host.
func (s *Server) Host() string { return s.listener.Addr().String() }

// Credentials returns the access key and secret generated for this Server.
// The store does not check signatures; see the package documentation.
func (s *Server) Credentials() (accessKey, secret string) { return s.accessKey, s.secretKey }

// Region is the region to sign for: "us-east-1".
func (s *Server) Region() string { return Region }

// String names the server without its secret.
func (s *Server) String() string { return "localstore " + s.Endpoint() }

// Close stops the server, waits up to five seconds for requests in flight,
// and closes the database of a persistent store. Calling it again returns the
// first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.connMu.Lock()
		for c := range s.fresh {
			c.Close()
		}
		s.connMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("localstore: shut down: %w", err))
			s.http.Close()
		}
		<-s.done
		if s.db != nil {
			if err := s.db.Close(); err != nil {
				errs = append(errs, fmt.Errorf("localstore: close store: %w", err))
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// trackConn keeps the set of connections that have not sent a request yet.
func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if state == http.StateNew {
		s.fresh[c] = struct{}{}
	} else {
		delete(s.fresh, c)
	}
}
