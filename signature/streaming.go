package signature

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// StreamOptions choose the aws-chunked variant of SignStreaming and EncodedLength.
type StreamOptions struct {
	// ChunkLen is the data length of every chunk but the last; 0 means DefaultChunkLen, and
	// anything else below MinChunkLen is an error.
	ChunkLen int
	// Trailer is "", "crc32c" or "sha256": send x-amz-checksum-crc32c or x-amz-checksum-sha256
	// (base64 of the checksum of the decoded body) as a trailer after the final chunk.
	Trailer string
	// Unsigned sends STREAMING-UNSIGNED-PAYLOAD-TRAILER: chunks and trailer carry no signature
	// (the seed request is still signed). It requires a Trailer.
	Unsigned bool
}

const (
	sigLen        = 64                  // hex HMAC-SHA256
	chunkSigField = ";chunk-signature=" // between hex length and signature
	trailerSigKey = "x-amz-trailer-signature:"
	crlf          = "\r\n"
)

var crlfBytes = []byte(crlf)

// resolved returns the effective chunk length, the trailer header name and its value length.
func (so StreamOptions) resolved() (chunkLen int, trailerName string, trailerValueLen int, err error) {
	chunkLen = so.ChunkLen
	if chunkLen == 0 {
		chunkLen = DefaultChunkLen
	}
	if chunkLen < MinChunkLen {
		return 0, "", 0, fmt.Errorf("signature: chunk length %d is below the minimum %d (MinChunkLen)", so.ChunkLen, MinChunkLen)
	}
	switch so.Trailer {
	case "":
	case "crc32c":
		trailerName, trailerValueLen = "x-amz-checksum-crc32c", base64.StdEncoding.EncodedLen(crc32.Size)
	case "sha256":
		trailerName, trailerValueLen = "x-amz-checksum-sha256", base64.StdEncoding.EncodedLen(sha256.Size)
	default:
		return 0, "", 0, fmt.Errorf("signature: unknown trailer %q (want \"\", \"crc32c\" or \"sha256\")", so.Trailer)
	}
	if so.Unsigned && trailerName == "" {
		return 0, "", 0, errors.New("signature: StreamOptions.Unsigned requires a Trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER)")
	}
	return chunkLen, trailerName, trailerValueLen, nil
}

// payloadHash is the x-amz-content-sha256 value of the variant.
func (so StreamOptions) payloadHash() string {
	switch {
	case so.Unsigned:
		return StreamingUnsignedPayloadTrailer
	case so.Trailer != "":
		return StreamingPayloadTrailer
	}
	return StreamingPayload
}

// chunkFrameLen is the encoded length of one chunk carrying n data bytes.
func chunkFrameLen(n int64, signed bool) int64 {
	l := int64(len(strconv.FormatInt(n, 16))) + 2 + n + 2
	if signed {
		l += int64(len(chunkSigField)) + sigLen
	}
	return l
}

// EncodedLength returns the exact Content-Length of the aws-chunked encoding of a body of
// decodedLen bytes. It is a pure function of its arguments.
func EncodedLength(decodedLen int64, so StreamOptions) (int64, error) {
	chunkLen, trailerName, trailerValueLen, err := so.resolved()
	if err != nil {
		return 0, err
	}
	if decodedLen < 0 {
		return 0, fmt.Errorf("signature: negative decoded length %d", decodedLen)
	}
	signed := !so.Unsigned
	full := decodedLen / int64(chunkLen)
	n := full * chunkFrameLen(int64(chunkLen), signed)
	if rest := decodedLen % int64(chunkLen); rest > 0 {
		n += chunkFrameLen(rest, signed)
	}
	if trailerName == "" {
		return n + chunkFrameLen(0, signed), nil
	}
	// Final chunk without its data CRLF, the trailer line, the trailer signature, the end CRLF.
	n += chunkFrameLen(0, signed) - 2
	n += int64(len(trailerName)+1+trailerValueLen) + 2
	if signed {
		n += int64(len(trailerSigKey)+sigLen) + 2
	}
	return n + 2, nil
}

// SignStreaming signs req for an aws-chunked upload of decodedLen bytes read from body and sets
// req.Body to the encoding reader. It sets Content-Encoding: aws-chunked,
// X-Amz-Decoded-Content-Length, X-Amz-Trailer (with a trailer), req.ContentLength (=
// EncodedLength, and signed as content-length) and the headers SignHTTP sets; opt.PayloadHash
// is ignored (the variant decides it). The body fails with ErrBodyLength if body yields fewer or
// more than decodedLen bytes, so a short source can never complete an upload. req.GetBody is
// cleared: to retry, sign again with a fresh body. The body also implements io.WriterTo (see
// NewChunkReader).
func (s *Signer) SignStreaming(creds Credentials, req *http.Request, body io.Reader, decodedLen int64,
	so StreamOptions, opt Options) (*Signed, error) {
	encLen, err := EncodedLength(decodedLen, so)
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, errors.New("signature: SignStreaming: body is nil")
	}
	if err := validate("SignStreaming", creds, req, opt); err != nil {
		return nil, err // before any header is touched
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	h := req.Header
	if ce := h.Get("Content-Encoding"); ce == "" {
		h.Set("Content-Encoding", "aws-chunked")
	} else if !strings.Contains(strings.ToLower(ce), "aws-chunked") {
		h.Set("Content-Encoding", "aws-chunked,"+ce)
	}
	h.Set("X-Amz-Decoded-Content-Length", strconv.FormatInt(decodedLen, 10))
	_, trailerName, _, _ := so.resolved()
	if trailerName != "" {
		h.Set("X-Amz-Trailer", trailerName)
	} else {
		h.Del("X-Amz-Trailer")
	}
	h.Del("Content-Length")
	opt.PayloadHash = so.payloadHash()
	signed, err := s.sign("SignStreaming", creds, req, opt, modeStreaming, 0, encLen)
	if err != nil {
		return nil, err
	}
	service := opt.Service
	if service == "" {
		service = "s3"
	}
	key := s.signingKey(creds.SecretAccessKey, [8]byte([]byte(signed.AmzDate[:8])), opt.Region, service)
	r, err := newChunkReader(body, decodedLen, so, key, signed.AmzDate, signed.Scope, signed.Signature)
	if err != nil {
		return nil, err
	}
	req.ContentLength = encLen
	req.Body = r
	req.GetBody = nil
	return signed, nil
}

// NewChunkReader returns the aws-chunked encoding of body (decodedLen bytes) whose chunk
// signatures chain from seedSignature, for callers that sign the seed request themselves (and
// for tests). signingKey is the derived SigV4 key (see SigningKey), amzDate and scope those of
// the seed request. The reader also implements io.WriterTo, which io.Copy uses: the same bytes
// without the copy into a read buffer, and without any copy when body is a *bytes.Reader or
// *bytes.Buffer (hashed in place). It holds one chunk buffer either way.
func NewChunkReader(body io.Reader, decodedLen int64, so StreamOptions, signingKey []byte, amzDate, scope, seedSignature string) (io.ReadCloser, error) {
	if len(signingKey) != sha256.Size {
		return nil, fmt.Errorf("signature: signing key must be %d bytes, got %d", sha256.Size, len(signingKey))
	}
	if _, err := EncodedLength(decodedLen, so); err != nil {
		return nil, err
	}
	return newChunkReader(body, decodedLen, so, [sha256.Size]byte(signingKey), amzDate, scope, seedSignature)
}

// SigningKey returns the derived SigV4 signing key for (secret, date YYYYMMDD, region,
// service), from the signer's cache. date must be 8 characters.
func (s *Signer) SigningKey(secret, date, region, service string) []byte {
	var d [8]byte
	copy(d[:], date)
	k := s.signingKey(secret, d, region, service)
	return k[:]
}

// chunkReader frames a body as aws-chunked. It holds one chunk buffer and a small header
// buffer, reused for every chunk.
type chunkReader struct {
	src       io.Reader
	remaining int64 // decoded bytes still expected from src
	chunkLen  int
	signed    bool
	key       [sha256.Size]byte
	stsPrefix []byte // "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n"
	prevSig   [sigLen]byte

	trailerName string
	checksum    hash.Hash // nil without a trailer

	buf  []byte // chunk data
	head []byte // frame header (and, at the end, the trailer)
	// pending output: head, then data, then tail; consumed in order
	pHead, pData, pTail []byte
	done                bool // final frame produced
	peeked              bool // the end of the source was checked
	decodedLen          int64
	err                 error
	sts                 []byte
	fill                int        // push: bytes of the current chunk in buf
	pw                  pushWriter // push: the source's destination
}

func newChunkReader(src io.Reader, decodedLen int64, so StreamOptions, key [sha256.Size]byte, amzDate, scope, seed string) (*chunkReader, error) {
	chunkLen, trailerName, _, err := so.resolved()
	if err != nil {
		return nil, err
	}
	if !so.Unsigned && len(seed) != sigLen {
		return nil, fmt.Errorf("signature: seed signature must be %d hex characters", sigLen)
	}
	bufLen := chunkLen
	if decodedLen < int64(bufLen) {
		bufLen = int(decodedLen)
	}
	r := &chunkReader{
		src:         src,
		remaining:   decodedLen,
		decodedLen:  decodedLen,
		chunkLen:    chunkLen,
		signed:      !so.Unsigned,
		key:         key,
		trailerName: trailerName,
		buf:         make([]byte, bufLen+1), // +1: room for the peek at the end
		head:        make([]byte, 0, 256),
		sts:         make([]byte, 0, 512),
	}
	copy(r.prevSig[:], seed)
	r.stsPrefix = make([]byte, 0, 64+len(scope))
	r.stsPrefix = append(r.stsPrefix, amzDate...)
	r.stsPrefix = append(r.stsPrefix, '\n')
	r.stsPrefix = append(r.stsPrefix, scope...)
	r.stsPrefix = append(r.stsPrefix, '\n')
	switch so.Trailer {
	case "crc32c":
		r.checksum = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "sha256":
		r.checksum = sha256.New()
	}
	return r, nil
}

// Read implements io.Reader.
func (r *chunkReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		switch {
		case len(r.pHead) > 0:
			c := copy(p[n:], r.pHead)
			r.pHead = r.pHead[c:]
			n += c
		case len(r.pData) > 0:
			c := copy(p[n:], r.pData)
			r.pData = r.pData[c:]
			n += c
		case len(r.pTail) > 0:
			c := copy(p[n:], r.pTail)
			r.pTail = r.pTail[c:]
			n += c
		case r.err != nil:
			return n, r.err
		case r.done:
			r.err = io.EOF
		default:
			r.err = r.next()
		}
	}
	return n, nil
}

// WriteTo implements io.WriterTo, which io.Copy prefers to Read: each frame goes to w straight
// from the chunk buffer (the frame header, the data, the CRLF), so the copy into a caller's
// buffer that Read needs disappears. When the source is a *bytes.Reader or *bytes.Buffer, the
// source copy goes too: the source writes its bytes to the encoder, which hashes each whole
// chunk where it lies and writes it on (only the last chunk, and a chunk split across the
// source's writes, pass through the chunk buffer). It writes exactly the bytes Read would give,
// continues after earlier Reads, and returns the same errors (nil at the end of the encoding).
// An error of w (io.ErrShortWrite for a short write) sticks: the encoding cannot go on after
// it, with WriteTo or Read.
//
// net/http does not use WriteTo for a body with a known ContentLength (it wraps the body in an
// io.LimitReader), so an upload through net/http goes through Read.
func (r *chunkReader) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for {
		k, err := r.flush(w)
		n += k
		if err != nil {
			r.err = err // pending output may be lost
			return n, err
		}
		switch {
		case r.err == io.EOF:
			return n, nil
		case r.err != nil:
			return n, r.err
		case r.done:
			r.err = io.EOF
		case r.remaining > 0 && inMemory(r.src):
			k, err := r.push(w)
			n += k
			if err != nil {
				r.err = err
			}
		default:
			r.err = r.next()
		}
	}
}

// inMemory reports sources whose WriteTo hands over their remaining bytes in place, in one
// Write (not *strings.Reader: its WriteTo converts the string to a new []byte).
func inMemory(src io.Reader) bool {
	switch src.(type) {
	case *bytes.Reader, *bytes.Buffer:
		return true
	}
	return false
}

// flush writes the pending output to w.
func (r *chunkReader) flush(w io.Writer) (int64, error) {
	var n int64
	for _, p := range [...]*[]byte{&r.pHead, &r.pData, &r.pTail} {
		if len(*p) == 0 {
			continue
		}
		k, err := w.Write(*p)
		if k < 0 || k > len(*p) {
			k = 0
			if err == nil {
				err = errors.New("signature: writer returned an invalid count")
			}
		}
		*p = (*p)[k:]
		n += int64(k)
		if err == nil && len(*p) > 0 {
			err = io.ErrShortWrite
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// push encodes the rest of an in-memory source (see inMemory) by letting it write to the
// encoder, and leaves the last data chunk pending (and r.peeked set) once the source has
// ended at its declared length.
func (r *chunkReader) push(w io.Writer) (int64, error) {
	r.pw = pushWriter{r: r, dst: w}
	_, err := r.src.(io.WriterTo).WriteTo(&r.pw)
	n, perr := r.pw.n, r.pw.err
	r.pw = pushWriter{}
	switch {
	case perr != nil: // w's error or ErrBodyLength, whatever the source made of it
		return n, perr
	case err != nil:
		return n, fmt.Errorf("signature: reading body: %w", err)
	case r.remaining > 0:
		return n, fmt.Errorf("signature: body ended after %d of its %d declared bytes: %w",
			r.decodedLen-r.remaining+int64(r.fill), r.decodedLen, ErrBodyLength)
	}
	// The source ended exactly at the declared length: the held last chunk can go.
	r.peeked = true
	data := r.buf[:r.fill]
	r.fill = 0
	if r.checksum != nil {
		r.checksum.Write(data)
	}
	r.frame(data)
	return n, nil
}

// pushWriter receives an in-memory source's bytes for chunkReader.push. It never keeps the
// slices it is given: whole chunks are hashed and written to dst during the call, and the rest
// is copied into the chunk buffer.
type pushWriter struct {
	r   *chunkReader
	dst io.Writer
	n   int64 // bytes written to dst
	err error
}

func (pw *pushWriter) Write(p []byte) (int, error) {
	if pw.err != nil {
		return 0, pw.err
	}
	r, total := pw.r, len(p)
	for len(p) > 0 {
		if r.remaining == 0 {
			// Past the declared length (the last chunk is held, not sent).
			pw.err = fmt.Errorf("signature: body is longer than its declared length: %w", ErrBodyLength)
			return total - len(p), pw.err
		}
		want := int(min(int64(r.chunkLen), r.remaining))
		var data []byte
		if r.fill == 0 && len(p) >= want && r.remaining > int64(want) {
			data, p = p[:want], p[want:] // a whole chunk, not the last: in place
		} else {
			c := copy(r.buf[r.fill:want], p)
			r.fill += c
			p = p[c:]
			if r.fill < want {
				continue
			}
			if r.remaining == int64(want) {
				r.remaining = 0 // the last chunk: held until the source has ended
				continue
			}
			data, r.fill = r.buf[:want], 0
		}
		r.remaining -= int64(want)
		if r.checksum != nil {
			r.checksum.Write(data)
		}
		r.frame(data)
		k, err := r.flush(pw.dst)
		pw.n += k
		if err != nil {
			r.pHead, r.pData, r.pTail = nil, nil, nil // pData may be p, which must not be kept
			pw.err = err
			return total - len(p), err
		}
	}
	return total, nil
}

// Close closes the source when it is an io.Closer.
func (r *chunkReader) Close() error {
	if c, ok := r.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// next reads the next chunk from the source and prepares its frame.
func (r *chunkReader) next() error {
	n := r.chunkLen
	if r.remaining < int64(n) {
		n = int(r.remaining)
	}
	data := r.buf[:n]
	if n > 0 {
		got, err := io.ReadFull(r.src, data)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("signature: body ended after %d of its %d declared bytes: %w",
				r.decodedLen-r.remaining+int64(got), r.decodedLen, ErrBodyLength)
		}
		if err != nil {
			return fmt.Errorf("signature: reading body: %w", err)
		}
		r.remaining -= int64(n)
	}
	if r.remaining == 0 && !r.peeked {
		// Check before the last data chunk goes out, so a too-long body never completes.
		r.peeked = true
		if err := r.peekEnd(); err != nil {
			return err
		}
	}
	if r.checksum != nil {
		r.checksum.Write(data)
	}
	r.frame(data)
	if n == 0 {
		r.done = true
	}
	return nil
}

// peekEnd fails with ErrBodyLength when the source has more bytes than declared.
func (r *chunkReader) peekEnd() error {
	one := r.buf[len(r.buf)-1:] // the spare byte after the largest chunk
	for tries := 0; ; tries++ {
		if tries == 100 { // like bufio: a source returning 0, nil forever is broken
			return fmt.Errorf("signature: reading body: %w", io.ErrNoProgress)
		}
		k, err := r.src.Read(one)
		if k > 0 {
			return fmt.Errorf("signature: body is longer than its declared length: %w", ErrBodyLength)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("signature: reading body: %w", err)
		}
	}
}

// frame prepares the frame of data (the final frame when data is empty).
func (r *chunkReader) frame(data []byte) {
	h := strconv.AppendInt(r.head[:0], int64(len(data)), 16)
	if r.signed {
		sig := r.chunkSignature(data)
		h = append(h, chunkSigField...)
		h = append(h, sig[:]...)
	}
	h = append(h, crlf...)
	r.pHead, r.pData, r.pTail = h, data, nil
	if len(data) > 0 || r.trailerName == "" {
		r.pTail = crlfBytes
		r.head = h
		return
	}
	// Final chunk of a trailer variant: "0[;chunk-signature=..]\r\n", the trailer, its signature.
	tStart := len(h)
	h = append(h, r.trailerName...)
	h = append(h, ':')
	var sum [sha256.Size]byte
	h = base64.StdEncoding.AppendEncode(h, r.checksum.Sum(sum[:0]))
	tEnd := len(h)
	h = append(h, crlf...)
	if r.signed {
		sig := r.trailerSignature(h[tStart:tEnd])
		h = append(h, trailerSigKey...)
		h = append(h, sig[:]...)
		h = append(h, crlf...)
	}
	h = append(h, crlf...)
	r.pHead, r.head = h, h
}

// chunkSignature signs one chunk and chains it: AWS4-HMAC-SHA256-PAYLOAD, date, scope, previous
// signature, sha256(""), sha256(data).
func (r *chunkReader) chunkSignature(data []byte) [sigLen]byte {
	sum := sha256.Sum256(data)
	s := append(r.sts[:0], "AWS4-HMAC-SHA256-PAYLOAD\n"...)
	s = append(s, r.stsPrefix...)
	s = append(s, r.prevSig[:]...)
	s = append(s, '\n')
	s = append(s, EmptySHA256...)
	s = append(s, '\n')
	s = appendHex(s, sum[:])
	r.sts = s
	mac := hmacSHA256(r.key[:], s)
	appendHex(r.prevSig[:0], mac[:])
	return r.prevSig
}

// trailerSignature signs the trailer line (name:value, newline-terminated in the hash) chained
// from the final chunk's signature.
func (r *chunkReader) trailerSignature(line []byte) [sigLen]byte {
	th := sha256.New()
	th.Write(line)
	th.Write([]byte{'\n'})
	var sum [sha256.Size]byte
	th.Sum(sum[:0])
	s := append(r.sts[:0], "AWS4-HMAC-SHA256-TRAILER\n"...)
	s = append(s, r.stsPrefix...)
	s = append(s, r.prevSig[:]...)
	s = append(s, '\n')
	s = appendHex(s, sum[:])
	r.sts = s
	mac := hmacSHA256(r.key[:], s)
	appendHex(r.prevSig[:0], mac[:])
	return r.prevSig
}
