package luabind

import (
	"fmt"
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// The module's functions. Each is a binding: it reads its arguments from
// the call, does its work, pushes its results and returns how many, or
// returns an error. The module raises in one place (module.bind): a
// Lua error value from a script's callback unchanged, an argument error as
// Lua's standard "bad argument" string, anything else as an error table.
// See docs/contributing.md for adding one.
type binding func(c *call) (int, error)

// legacy adapts a binding of the first style, which raised its errors
// itself (c.raise, c.argError) and returned only its result count. Its
// argument checks raise at once, as they always did.
func legacy(f func(c *call) int) binding {
	return func(c *call) (int, error) {
		c.collect = false
		return f(c), nil
	}
}

// fn is one function of the module table.
type fn struct {
	name string  // the Lua name: s3.<name>
	ref  string  // the name in the reference (Racket's aws/s3, aws/keys); "" for s3lua's own
	do   binding // the implementation
}

// moduleFunctions is the module: every function of s3, grouped as in
// docs/lua-api.md. It is the one list of them: Open builds the table from
// it, FunctionNames reads it, and the tests check it against the
// reference's names and the documentation. Adding a function means adding
// its line here.
func moduleFunctions() []fn {
	return []fn{
		// Settings
		{"path_requests", "s3-path-requests?", settingFunc("path_requests")},
		{"host", "s3-host", settingFunc("host")},
		{"region", "s3-region", settingFunc("region")},
		{"scheme", "s3-scheme", settingFunc("scheme")},
		{"max_tries", "s3-max-tries", settingFunc("max_tries")},
		{"path_to_mime_proc", "path->mime-proc", settingFunc("path_to_mime_proc")},
		{"with", "parameterize", s3With},

		// Credentials
		{"credentials_from_file", "credentials-from-file!", s3CredentialsFromFile},
		{"credentials_from_environment", "credentials-from-environment!", s3CredentialsFromEnvironment},
		{"set_credentials", "", s3SetCredentials},

		// URIs and signing
		{"bucket_path_to_uri", "bucket&path->uri", s3BucketPathToURI},
		{"bucket_path_to_bucket_path_uri", "bucket+path->bucket&path&uri", s3BucketPathToBucketPathURI},
		{"bucket_path_to_bucket_path", "bucket+path->bucket&path", s3BucketPathToBucketPath},
		{"uri_headers", "uri&headers", s3URIHeaders},
		{"sign_uri", "sign-uri", s3SignURI},

		// Buckets
		{"create_bucket", "create-bucket", s3CreateBucket},
		{"delete_bucket", "delete-bucket", s3DeleteBucket},
		{"list_buckets", "list-buckets", s3ListBuckets},
		{"valid_bucket_name", "valid-bucket-name?", s3ValidBucketName},
		{"bucket_location", "bucket-location", s3BucketLocation},

		// Listing
		{"ls_proc", "ls/proc", s3LsProc},
		{"ls", "ls", s3Ls},
		{"ll_star", "ll*", s3LlStar},
		{"ll", "ll", s3Ll},
		{"list", "", s3List},
		{"inventory", "", s3Inventory},
		{"glob", "", s3Glob},
		{"glob_match", "", s3GlobMatch},
		{"sync", "", s3Sync},
		{"parse_time", "", s3ParseTime},
		{"sleep", "", s3Sleep},

		// Objects
		{"head", "head", s3Head},
		{"delete", "delete", s3Delete},
		{"delete_multiple", "delete-multiple", s3DeleteMultiple},
		{"copy", "copy", s3Copy},
		{"get_acl", "get-acl", s3GetACL},
		{"put_acl", "put-acl", s3PutACL},

		// Any request
		{"request", "", s3Request},
		{"trace", "", s3Trace},

		// Tags
		{"get_tags", "", s3GetTags},
		{"put_tags", "", s3PutTags},
		{"delete_tags", "", s3DeleteTags},

		// Versioning
		{"bucket_versioning", "", s3BucketVersioning},
		{"list_versions", "", s3ListVersions},

		// Get
		{"get_proc", "get/proc", s3GetProc},
		{"get_bytes", "get/bytes", s3GetBytes},
		{"get_file", "get/file", s3GetFile},

		// Put
		{"put", "put", s3Put},
		{"put_bytes", "put/bytes", s3PutBytes},
		{"put_file", "put/file", s3PutFile},

		// Multipart uploads
		{"multipart_put", "multipart-put", s3MultipartPut},
		{"multipart_put_file", "multipart-put/file", s3MultipartPutFile},
		{"incomplete_multipart_put_file", "incomplete-multipart-put/file", s3IncompleteMultipartPutFile},
		{"resume_multipart_put_file", "resume-multipart-put/file", s3ResumeMultipartPutFile},
		{"initiate_multipart_upload", "initiate-multipart-upload", s3InitiateMultipartUpload},
		{"upload_part", "upload-part", s3UploadPart},
		{"list_multipart_uploads", "list-multipart-uploads", s3ListMultipartUploads},
		{"list_multipart_upload_parts", "list-multipart-upload-parts", s3ListMultipartUploadParts},
		{"complete_multipart_upload", "complete-multipart-upload", s3CompleteMultipartUpload},
		{"abort_multipart_upload", "abort-multipart-upload", s3AbortMultipartUpload},

		// Batches and recursive operations
		{"batch", "", s3Batch},
		{"copy_prefix", "", s3CopyPrefix},
		{"move_prefix", "", s3MovePrefix},
		{"delete_prefix", "", s3DeletePrefix},
	}
}

// FunctionNames returns the names of the module's functions, sorted (for
// the REPL's completion and for tests).
func FunctionNames() []string {
	fns := moduleFunctions()
	names := make([]string, 0, len(fns))
	for _, f := range fns {
		names = append(names, f.name)
	}
	sort.Strings(names)
	return names
}

// ReferenceNames maps the name of each function of the reference (Racket's
// aws/s3 and aws/keys, for example "ls/proc") to its Lua name ("ls_proc").
func ReferenceNames() map[string]string {
	out := map[string]string{}
	for _, f := range moduleFunctions() {
		if f.ref != "" {
			out[f.ref] = f.name
		}
	}
	return out
}

// bind turns a binding into the LGFunction of the module table: the call
// knows its Lua name (for argument errors) and the module state, and every
// error is raised here.
func (m *module) bind(f fn) lua.LGFunction {
	return func(L *lua.LState) int {
		c := &call{L: L, m: m, name: f.name, collect: true}
		n, err := f.do(c)
		if err == nil {
			// A binding that forgot to check its arguments still fails.
			err = c.argErr
		}
		// Trace events of the call's requests, on the script's goroutine.
		if terr := m.deliverTrace(L); err == nil && terr != nil {
			err = terr
		}
		if err != nil {
			c.raise(err)
		}
		return n
	}
}

// argumentError is a bad argument of a module function: raised as Lua's
// standard message, "bad argument #2 to 'put_bytes' (string expected, got
// nil)", with the caller's position.
type argumentError struct {
	n    int    // the argument's position
	name string // the function's Lua name
	msg  string
}

func (e *argumentError) Error() string {
	return fmt.Sprintf("bad argument #%d to '%s' (%s)", e.n, e.name, e.msg)
}

// checkArgs returns the first argument error the checks of this call met
// (str, integer, bucketPath, decodeOptions, ...), or nil. A binding calls
// it after reading its arguments and before doing anything:
//
//	bp, _, _ := c.bucketPath(1)
//	data := c.str(2)
//	if err := c.checkArgs(); err != nil {
//		return 0, err
//	}
func (c *call) checkArgs() error { return c.argErr }
