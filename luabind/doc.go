// Package luabind is the Lua module "s3" on github.com/yuin/gopher-lua and
// the API to embed it in a Go program.
//
// # Embedding
//
// Open gives a state the module in one call (Preload only registers it for
// require):
//
//	L := lua.NewState(luabind.StateOptions()) // or luabind.NewState(opts)
//	defer L.Close()
//	if _, err := luabind.Open(L, luabind.Options{Client: client}); err != nil { ... }
//	luabind.SetContext(L, ctx) // cancelling ctx (or its deadline) stops the script
//	err := luabind.ScriptError(L, L.DoString(`print(#s3.ls("my-bucket/"))`))
//
// Options.Sandbox, Options.Root and Options.Buckets restrict what a script
// may do (a fixed environment, files through os.Root, an allow-list of
// buckets; the endpoint and the credentials stay the host's);
// Options.MaxMemory and Options.MaxString bound its memory, the context
// its time; Options.Progress reports transfers (the s3lua command draws its
// progress bars with it). Every change the module makes to gopher-lua's base
// library is in base.go and applied by Preload and Open, so an embedder's
// state behaves as the command's. The module's settings (region, host, ...) live in
// the state: one state's s3.region("eu-west-1") never affects another state
// or the embedder's client.
//
// # The Lua module
//
// The full contract, with an example for every function, is
// docs/lua-api.md. bp is a "bucket/path/to/key" string; [x] is optional
// (nil is accepted for any optional positional argument); opts is a
// trailing options table whose unknown keys are errors.
//
// Settings (getter with no argument or nil, setter with one) and credentials:
//
//	s3.path_requests([bool])    s3.host([string])      s3.region([string])
//	s3.scheme(["http"|"https"]) s3.max_tries([n])      s3.path_to_mime_proc([fn])
//	s3.with(settings, fn, ...) -> fn's results         (settings restored even if fn raises)
//	s3.credentials_from_file([profile])  s3.credentials_from_environment()
//	s3.set_credentials(access_key_id, secret [, token])
//
// Constants: s3.aws_chunk_len_minimum, s3.aws_chunk_len_default,
// s3.multipart_size_minimum, s3.multipart_size_default,
// s3.multipart_number_minimum, s3.multipart_number_maximum.
//
// URIs and signing:
//
//	s3.bucket_path_to_uri(bucket, path) -> uri
//	s3.bucket_path_to_bucket_path_uri(bp) -> bucket, path, uri
//	s3.bucket_path_to_bucket_path(bp) -> bucket, path
//	s3.uri_headers(bp, method [, heads [, body]]) -> uri, headers
//	s3.sign_uri(bp, method, expires_seconds [, heads]) -> url
//
// Buckets:
//
//	s3.create_bucket(name [, location])     s3.delete_bucket(name)
//	s3.valid_bucket_name(name [, dns_compliant]) -> boolean
//	s3.list_buckets() -> {name, ...}        s3.bucket_location(name [, default]) -> region
//
// Listing:
//
//	s3.ls_proc(bp, proc, init [, max_each [, {delimiter=}]]) -> acc   (proc(acc, items) -> acc [, true to stop])
//	s3.ls(bp) -> {key, ...}
//	s3.ll_star(bp) -> {{item, headers, acl}, ...}
//	s3.ll(bp) -> {{key, headers, acl}, ...}
//	for item in s3.list(bp [, {delimiter=, max_each=}]) do ... end
//	for item in s3.glob("bucket/key-pattern" [, {max_each=, start_after=}]) do ... end
//	s3.glob_match(pattern, name) -> boolean
//
// Objects:
//
//	s3.head(bp [, heads]) -> headers        s3.delete(bp) -> headers
//	s3.delete_multiple(bucket, keys) -> {deleted key, ...}
//	s3.copy(from_bp, to_bp [, heads]) -> headers
//	s3.get_acl(bp [, heads]) -> acl         s3.put_acl(bp, acl_or_nil [, heads])
//	s3.get_proc(bp, reader [, heads [, range_begin [, range_end]]]) -> reader's results
//	s3.get_bytes(bp [, heads [, range_begin [, range_end]]]) -> string
//	s3.get_file(bp, file [, heads [, {exists=, mode=, fsync=, progress=, workers=, part_size=}]])
//	s3.put(bp, writer, data_length, mime_type [, reader [, heads [, {chunk_len=}]]]) -> headers [, reader's results]
//	s3.put_bytes(bp, data, mime_type [, heads]) -> headers
//	s3.put_file(bp, file [, {mime_type=, mode=, inline=, chunk_len=, headers=, progress=}]) -> headers
//
// Multipart uploads (opts: {mime_type=, mode=, inline=, part_size=,
// workers=, headers=, progress=, md5=}):
//
//	s3.multipart_put(bp, num_parts, get_part [, mime_type [, heads]]) -> upload_id
//	s3.multipart_put_file(bp, file [, opts]) -> upload_id
//	s3.incomplete_multipart_put_file(bp, file [, opts]) -> nil | upload_id, {{part_number, etag}, ...}
//	s3.resume_multipart_put_file(bp, file [, opts]) -> nil | upload_id
//	s3.initiate_multipart_upload(bp, mime_type [, heads]) -> upload_id
//	s3.upload_part(bp, upload_id, part_number, data) -> {part_number, etag}
//	s3.list_multipart_uploads(bucket) -> {{key=, upload_id=, initiated=}, ...}
//	s3.list_multipart_upload_parts(bp, upload_id) -> {{part_number=, etag=, size=, last_modified=}, ...}
//	s3.complete_multipart_upload(bp, upload_id, parts) -> {location=, bucket=, key=, etag=}
//	s3.abort_multipart_upload(bp, upload_id)
//
// # Values and userdata
//
// Headers are tables with lower-case names and string values. Listing
// items are {key=, last_modified=, etag=, size=, storage_class=,
// owner={id=, display_name=}} or {prefix=}. The userdata types are
// "s3.body" (get_proc's stream: read, lines, close; valid only while the
// reader runs) and "s3.writer" (put's w: write, flush, close; counted
// against data_length).
//
// # Errors
//
// Argument errors are raised, before any request, as Lua strings in the
// standard form "bad argument #2 to 'put_bytes' (string expected, got
// nil)". S3, network, credentials and file failures are raised as error
// tables sharing one metatable, with status (S3 answers only), code,
// message, request_id, method, bucket, key, region and op (the function),
// and a __tostring giving one line; pcall returns the table. A Lua error
// raised inside a callback aborts the operation cleanly and reaches the
// caller as the very same value. ErrorMessage formats any error value for
// a command line; CallbackTraceback gives the traceback from inside the
// callback that raised it. No value the module creates contains a secret key, a
// session token or a signature, except what uri_headers and sign_uri
// exist to return.
//
// # Goroutines
//
// A *lua.LState is not safe for concurrent use; the engine calls every
// callback (folds, readers, writers, get_part, progress) on the goroutine
// that called the module function, so Lua code only ever runs there.
package luabind
