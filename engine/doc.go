// Package engine is an S3 client: configuration, credentials, signed
// requests with retries and typed errors, and every operation of the
// reference library (Racket's aws/s3), streaming in constant memory. It
// knows nothing of Lua; package luabind builds the Lua module on it.
//
// # Client
//
// New builds a *Client from a Config (zero fields take defaults: host
// s3.amazonaws.com, region us-east-1, scheme https, 5 tries, 64 KiB
// chunks, 4 workers). A client is immutable and safe for concurrent use;
// WithConfig derives one with other settings that shares the connection
// pool and the credential cache. Every client of the process without its
// own HTTPClient uses one pooled transport (keep-alive, Expect:
// 100-continue with a 1 s timeout, no transparent decompression). The
// engine follows a temporary redirect (307, 302) itself, signing the
// request afresh for the new host and region; a 301 PermanentRedirect is an
// error that names the bucket's region.
//
// Path-style addressing ("http://host/bucket/key") is used when
// Config.PathStyle is set and automatically for IP-literal and localhost
// endpoints, for bucket names that are not DNS-compatible
// (ValidBucketName) and for dotted names over https; otherwise requests are
// virtual-host style ("https://bucket.host/key").
//
// # Names: bucket+path strings and plain keys
//
// Operations name objects as the reference does, with one string
// "bucket/path/to/key" ("bucket/" for the bucket itself); SplitBucketPath
// explains the rules. The key is plain text: the engine percent-encodes it
// for the wire, so "a b+c?d" is the object named exactly that. Never
// pre-encode keys.
//
// # Credentials
//
// Config.Credentials is a CredentialsProvider; nil means
// DefaultCredentials(""), the AWS CLI chain: EnvCredentials,
// SharedFileCredentials, ECSCredentials, IMDSCredentials, cached and
// refreshed before expiry once for all goroutines (NewCachedCredentials).
// StaticCredentials holds fixed keys; ChainCredentials combines providers.
// LoadSettings reads the region and endpoint the AWS CLI would use. When no
// provider has keys the error is a *CredentialsError listing every place
// looked at (errors.Is(err, ErrNoCredentials)). No error, log or String
// method ever shows a secret key or session token.
//
// # Operations
//
//   - URIs: SplitBucketPath, Client.BucketPathToURI,
//     Client.BucketPathToBucketPathURI, Client.URIAndHeaders (sign a request
//     someone else sends), Client.SignURI (presigned URLs).
//   - Buckets: ValidBucketName, Client.CreateBucket, Client.DeleteBucket,
//     Client.ListBuckets, Client.BucketLocation.
//   - Listing: Client.LsProc folds over ListObjectsV2 pages (objects, then
//     common prefixes, per page; stop early; callback errors returned
//     unchanged); Client.Ls; Client.LlStar and Client.Ll add HEAD headers
//     and ACLs, fetched in parallel, in listing order.
//   - Objects: Client.Head, Client.Delete, Client.DeleteMultiple,
//     Client.Copy, Client.GetACL, Client.PutACL.
//   - Get and put: Client.GetProc (streaming), Client.GetBytes,
//     Client.GetFile, Client.Put (aws-chunked streaming from a writer),
//     Client.PutBytes, Client.PutFile, MIMEType, ContentDisposition.
//   - Patterns: Glob (CompileGlob, GlobMatch) matches keys and relative
//     paths with "*", "**", "?", classes, braces and escapes, and gives the
//     literal prefix to list from; PathFilter applies include and exclude
//     patterns the way rsync and rclone do.
//   - Multipart: Client.MultipartPut, Client.MultipartPutFile,
//     Client.IncompleteMultipartPutFile, Client.ResumeMultipartPutFile and
//     the building blocks Client.InitiateMultipartUpload,
//     Client.UploadPart, Client.ListMultipartUploads,
//     Client.ListMultipartUploadParts, Client.CompleteMultipartUpload,
//     Client.AbortMultipartUpload; PartSizeFor.
//   - Batches: Client.NewBatch runs operations (put_file, put_bytes,
//     get_file, copy, head, delete) on a bounded pool of workers, handing
//     results to OnResult on the caller's goroutine; deletes are gathered
//     into DeleteObjects requests. Client.CopyPrefix, Client.MovePrefix and
//     Client.DeletePrefix work on every key under a prefix through a batch.
//
// Every operation takes a context.Context first; cancelling it stops the
// operation promptly, including a retry's backoff.
//
// # Callbacks
//
// Callbacks (the LsProc fold, the GetProc reader, the Put writer, the
// MultipartPut getPart, progress functions) run on the calling goroutine,
// one at a time, never concurrently; parallel work happens on goroutines
// that never call user code. An error returned by a callback stops the
// operation, cleans up, and is returned so that errors.Is and errors.As
// find it.
//
// # Memory
//
// Streams run in constant memory: LsProc and Lister hold one page, GetProc
// and GetFile a copy buffer, Put and PutFile one aws-chunked chunk,
// MultipartPut at most Config.Workers+1 parts and MultipartPutFile one part
// per worker. Ls, LlStar, Ll, GetBytes and PutBytes hold their whole result
// or object, as their contracts say.
//
// # Errors and retries
//
// A server's refusal is a *ResponseError (status, S3 code, message, request
// id, host id, method, bucket, key, region): any answer outside 2xx, a
// "200 OK" whose body is an <Error>, a 301 PermanentRedirect (Region names
// where the bucket lives). HEAD answers have no body, so their Code comes
// from the status ("NoSuchKey", "NoSuchBucket", "AccessDenied", ...). No
// usable answer at all (network, cancellation) is a *RequestError wrapping
// the cause. DeleteMultiple reports per-key failures in a *DeleteError.
// Bad arguments are plain errors naming the function and the argument.
//
// Requests are retried, up to Config.MaxTries attempts in all, on 500,
// 502, 503, 504, the codes SlowDown, RequestTimeout and InternalError, a
// reset or closed connection and an unexpected EOF, with exponential
// backoff and full jitter (100 ms doubling, capped at 5 s; throttling
// answers wait at least half the next step, and a Retry-After header is a
// minimum wait up to 30 s), and only when the body can be sent again. Each
// attempt is signed afresh. The budget is per request, shared by every
// layer that retries it (a part's retry as a whole, a GET's resumes, a
// broken XML answer): never more than MaxTries requests for one part,
// page or download.
//
// docs/engine.md in the repository is a tour of this package with the
// checklist of the reference's pitfalls and where each is handled and
// tested.
package engine
