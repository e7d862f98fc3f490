-- Argument errors: every function checks its arguments before any request
-- and raises Lua's standard message naming the function and the argument.

local function f() end
local N = {} -- marks an explicit nil inside the argument lists below

-- {function, arguments, expected message (plain substring)}
local cases = {
  {"bucket_path_to_uri", {}, "bad argument #1 to 'bucket_path_to_uri' (string expected, got nil)"},
  {"bucket_path_to_uri", {"b"}, "bad argument #2 to 'bucket_path_to_uri' (string expected, got nil)"},
  {"bucket_path_to_bucket_path_uri", {N}, "bad argument #1 to 'bucket_path_to_bucket_path_uri' (string expected, got nil)"},
  {"bucket_path_to_bucket_path_uri", {"/b/k"}, "bad argument #1 to 'bucket_path_to_bucket_path_uri' (Invalid bucket+path"},
  {"bucket_path_to_bucket_path_uri", {"bucket"}, "missing a trailing"},
  {"bucket_path_to_bucket_path", {{}}, "bad argument #1 to 'bucket_path_to_bucket_path' (string expected, got table)"},
  {"uri_headers", {"b/k"}, "bad argument #2 to 'uri_headers' (string expected, got nil)"},
  {"uri_headers", {"b/k", "GET", 5}, "bad argument #3 to 'uri_headers' (table expected, got number)"},
  {"uri_headers", {"b/k", "GET", {x = true}}, "bad argument #3 to 'uri_headers' (header 'x' must be a string, got boolean)"},
  {"uri_headers", {"b/k", "GET", {[1] = "v"}}, "bad argument #3 to 'uri_headers' (header names must be non-empty strings, got number)"},
  {"uri_headers", {"b/k", "GET", nil, {}}, "bad argument #4 to 'uri_headers' (string expected, got table)"},
  {"sign_uri", {"b/k", "GET"}, "bad argument #3 to 'sign_uri' (number expected, got nil)"},
  {"sign_uri", {"b/k", "GET", 0}, "bad argument #3 to 'sign_uri' (0 is out of range: 1 to 604800)"},
  {"sign_uri", {"b/k", "GET", 604801}, "bad argument #3 to 'sign_uri' (604801 is out of range: 1 to 604800)"},
  {"sign_uri", {"b/k", "GET", 1.5}, "bad argument #3 to 'sign_uri' (number has no integer representation)"},
  {"sign_uri", {"b/k", {}}, "bad argument #2 to 'sign_uri' (string expected, got table)"},

  {"create_bucket", {}, "bad argument #1 to 'create_bucket' (string expected, got nil)"},
  {"create_bucket", {"bbb", {}}, "bad argument #2 to 'create_bucket' (string expected, got table)"},
  {"create_bucket", {"a/b"}, "bad argument #1 to 'create_bucket' (bucket name expected"},
  {"valid_bucket_name", {}, "bad argument #1 to 'valid_bucket_name' (string expected, got nil)"},
  {"valid_bucket_name", {"abc", "yes"}, "bad argument #2 to 'valid_bucket_name' (boolean expected, got string)"},
  {"delete_bucket", {N}, "bad argument #1 to 'delete_bucket' (string expected, got nil)"},
  {"bucket_location", {}, "bad argument #1 to 'bucket_location' (string expected, got nil)"},
  {"bucket_location", {"b", {}}, "bad argument #2 to 'bucket_location' (string expected, got table)"},

  {"ls_proc", {"b/"}, "bad argument #2 to 'ls_proc' (function expected, got nil)"},
  {"ls_proc", {"b/", f, 0, 0}, "bad argument #4 to 'ls_proc' (0 is out of range: 1 to 1000)"},
  {"ls_proc", {"b/", f, 0, 1001}, "bad argument #4 to 'ls_proc' (1001 is out of range: 1 to 1000)"},
  {"ls_proc", {"b/", f, 0, "ten"}, "bad argument #4 to 'ls_proc' (number expected, got string)"},
  {"ls_proc", {"b/", f, 0, "1001"}, "bad argument #4 to 'ls_proc' (1001 is out of range: 1 to 1000)"},
  {"ls_proc", {"b/", f, 0, nil, {delim = "/"}}, "bad argument #5 to 'ls_proc' (unknown option 'delim' (valid: delimiter, start_after))"},
  {"ls_proc", {"b/", f, 0, nil, {delimiter = 1}}, "bad argument #5 to 'ls_proc' (option 'delimiter' must be a string, got number)"},
  {"ls_proc", {"b/", f, 0, nil, "/"}, "bad argument #5 to 'ls_proc' (table expected, got string)"},
  {"ls_proc", {"nobucket", f, 0}, "bad argument #1 to 'ls_proc' (Invalid bucket+path"},
  {"ls", {}, "bad argument #1 to 'ls' (string expected, got nil)"},
  {"ls", {"/b/"}, "bad argument #1 to 'ls' (Invalid bucket+path"},
  {"ll_star", {}, "bad argument #1 to 'll_star' (string expected, got nil)"},
  {"ll", {true}, "bad argument #1 to 'll' (string expected, got boolean)"},
  {"list", {}, "bad argument #1 to 'list' (string expected, got nil)"},
  {"list", {"b/", {max_each = 0}}, "bad argument #2 to 'list' (option 'max_each': 0 is out of range: 1 to 1000)"},
  {"list", {"b/", {maxeach = 10}}, "bad argument #2 to 'list' (unknown option 'maxeach'"},
  {"list", {"b/", {max_each = 2.5}}, "bad argument #2 to 'list' (option 'max_each' must be an integer, got number)"},

  {"glob", {}, "bad argument #1 to 'glob' (string expected, got nil)"},
  {"glob", {"b*/k"}, "bad argument #1 to 'glob' (wildcard in the bucket name"},
  {"glob", {"b/k[", nil}, "bad argument #1 to 'glob' (bad glob pattern \"k[\": unclosed \"[\")"},
  {"glob", {"b/k", {max_each = 0}}, "bad argument #2 to 'glob' (option 'max_each': 0 is out of range: 1 to 1000)"},
  {"sync", {}, "bad argument #1 to 'sync' (string expected, got nil)"},
  {"sync", {"dir"}, "bad argument #2 to 'sync' (string expected, got nil)"},
  {"sync", {"dir", "other"}, "bad argument #2 to 'sync' (both locations are local"},
  {"sync", {"dir", "s3://b/p", {dry = true}}, "bad argument #3 to 'sync' (unknown option 'dry'"},
  {"sync", {"dir", "s3://b/p", {include = {1}}}, "bad argument #3 to 'sync' (option 'include': include[1] must be a string, got number)"},
  {"parse_time", {}, "bad argument #1 to 'parse_time' (string expected, got nil)"},
  {"sleep", {}, "bad argument #1 to 'sleep' (number expected, got nil)"},
  {"sleep", {1e12}, "bad argument #1 to 'sleep' (1000000000000 is out of range: 0 to 31536000 seconds)"},
  {"glob_match", {"*"}, "bad argument #2 to 'glob_match' (string expected, got nil)"},
  {"glob_match", {"a\\", "a"}, "bad argument #1 to 'glob_match' (bad glob pattern"},

  {"batch", {5}, "bad argument #1 to 'batch' (table expected, got number)"},
  {"batch", {{workers = 0}}, "bad argument #1 to 'batch' (option 'workers': 0 is out of range: 1 to 256)"},
  {"batch", {{on_result = "f"}}, "bad argument #1 to 'batch' (option 'on_result' must be a function, got string)"},
  {"copy_prefix", {"b/a/"}, "bad argument #2 to 'copy_prefix' (string expected, got nil)"},
  {"copy_prefix", {"b/a/", "b/c/", {dry = true}}, "bad argument #3 to 'copy_prefix' (unknown option 'dry'"},
  {"move_prefix", {"b/a/", "b/a/x/"}, "destination \"b/a/x/\" is inside the source"},
  {"delete_prefix", {}, "bad argument #1 to 'delete_prefix' (string expected, got nil)"},
  {"delete_prefix", {"b/", {include = {"k["}}}, "bad argument #2 to 'delete_prefix' (bad glob pattern"},
  {"delete_prefix", {"b/", {exclude = "x"}}, "bad argument #2 to 'delete_prefix' (option 'exclude' must be a table, got string)"},

  {"head", {}, "bad argument #1 to 'head' (string expected, got nil)"},
  {"head", {"b/k", "x"}, "bad argument #2 to 'head' (table expected, got string)"},
  {"delete", {N}, "bad argument #1 to 'delete' (string expected, got nil)"},
  {"delete_multiple", {"b"}, "bad argument #2 to 'delete_multiple' (table expected, got nil)"},
  {"delete_multiple", {"b", {1}}, "bad argument #2 to 'delete_multiple' (keys[1] must be a string, got number)"},
  {"copy", {"b/k"}, "bad argument #2 to 'copy' (string expected, got nil)"},
  {"copy", {"b/k", "c/k", 1}, "bad argument #3 to 'copy' (table expected, got number)"},
  {"get_acl", {}, "bad argument #1 to 'get_acl' (string expected, got nil)"},
  {"put_acl", {"b/k", "private"}, "bad argument #2 to 'put_acl' (table expected, got string)"},
  {"put_acl", {"b/k", {grants = {{permission = "READ"}}}}, "bad argument #2 to 'put_acl' (grants[1].grantee must be a table, got nil)"},
  {"put_acl", {"b/k", {owner = "me"}}, "bad argument #2 to 'put_acl' (owner must be a table, got string)"},
  {"put_acl", {"b/k", N}, "bad argument #3 to 'put_acl' (an ACL table or ACL headers"},

  {"get_proc", {"b/k"}, "bad argument #2 to 'get_proc' (function expected, got nil)"},
  {"get_proc", {"b/k", f, nil, -1}, "bad argument #4 to 'get_proc' (-1 is out of range: at least 0)"},
  {"get_proc", {"b/k", f, nil, 5, 5}, "bad argument #5 to 'get_proc' (range_end (5) must be greater than range_begin (5))"},
  {"get_bytes", {}, "bad argument #1 to 'get_bytes' (string expected, got nil)"},
  {"get_bytes", {"b/k", nil, "x"}, "bad argument #3 to 'get_bytes' (number expected, got string)"},
  {"get_bytes", {"b/k", {Range = "bytes=0-1"}, 0, 2}, "bad argument #2 to 'get_bytes' (a Range header and range arguments: give one or the other)"},
  {"get_file", {"b/k"}, "bad argument #2 to 'get_file' (string expected, got nil)"},
  {"get_file", {"b/k", ""}, "bad argument #2 to 'get_file' (file name expected, got an empty string)"},
  {"get_file", {"b/k", "f", nil, {exist = "replace"}}, "bad argument #4 to 'get_file' (unknown option 'exist' (valid: exists, fsync, mode, part_size, progress, workers))"},
  {"get_file", {"b/k", "f", nil, {exists = "clobber"}}, "bad argument #4 to 'get_file' (option 'exists': invalid value 'clobber'"},
  {"get_file", {"b/k", "f", nil, {mode = "bin"}}, "bad argument #4 to 'get_file' (option 'mode': invalid value 'bin' (valid: binary, text))"},
  {"get_file", {"b/k", "f", nil, {progress = 1}}, "bad argument #4 to 'get_file' (option 'progress' must be a function, got number)"},
  {"get_file", {"b/k", "f", {}, "opts"}, "bad argument #4 to 'get_file' (table expected, got string)"},

  {"put", {"b/k"}, "bad argument #2 to 'put' (function expected, got nil)"},
  {"put", {"b/k", f}, "bad argument #3 to 'put' (number expected, got nil)"},
  {"put", {"b/k", f, -1, "text/plain"}, "bad argument #3 to 'put' (-1 is out of range: at least 0)"},
  {"put", {"b/k", f, 1}, "bad argument #4 to 'put' (string expected, got nil)"},
  {"put", {"b/k", f, 1, "text/plain", 5}, "bad argument #5 to 'put' (function expected, got number)"},
  {"put", {"b/k", f, 1, "text/plain", nil, "h"}, "bad argument #6 to 'put' (table expected, got string)"},
  {"put", {"b/k", f, 1, "text/plain", nil, nil, {chunk_len = 100}}, "bad argument #7 to 'put' (option 'chunk_len': 100 is out of range"},
  {"put", {"b/k", f, 1, "text/plain", nil, nil, {chunklen = 8192}}, "bad argument #7 to 'put' (unknown option 'chunklen' (valid: chunk_len))"},
  {"put_bytes", {"b/k"}, "bad argument #2 to 'put_bytes' (string expected, got nil)"},
  {"put_bytes", {"b/k", "data"}, "bad argument #3 to 'put_bytes' (string expected, got nil)"},
  {"put_bytes", {N, "data", "text/plain"}, "bad argument #1 to 'put_bytes' (string expected, got nil)"},
  {"put_bytes", {"b/k", "data", "text/plain", 1}, "bad argument #4 to 'put_bytes' (table expected, got number)"},
  {"put_file", {"b/k"}, "bad argument #2 to 'put_file' (string expected, got nil)"},
  {"put_file", {"b/k", "f", {mime = "text/plain"}}, "bad argument #3 to 'put_file' (unknown option 'mime'"},
  {"put_file", {"b/k", "f", {inline = "yes"}}, "bad argument #3 to 'put_file' (option 'inline' must be a boolean, got string)"},
  {"put_file", {"b/k", "f", {headers = {a = {}}}}, "bad argument #3 to 'put_file' (option 'headers': header 'a' must be a string, got table)"},

  {"multipart_put", {"b/k"}, "bad argument #2 to 'multipart_put' (number expected, got nil)"},
  {"multipart_put", {"b/k", 0, f}, "bad argument #2 to 'multipart_put' (0 is out of range: 1 to 10000)"},
  {"multipart_put", {"b/k", 10001, f}, "bad argument #2 to 'multipart_put' (10001 is out of range: 1 to 10000)"},
  {"multipart_put", {"b/k", 1}, "bad argument #3 to 'multipart_put' (function expected, got nil)"},
  {"multipart_put", {"b/k", 1, f, {}}, "bad argument #4 to 'multipart_put' (string expected, got table)"},
  {"multipart_put_file", {"b/k"}, "bad argument #2 to 'multipart_put_file' (string expected, got nil)"},
  {"multipart_put_file", {"b/k", "f", {part_size = 1}}, "bad argument #3 to 'multipart_put_file' (option 'part_size': 1 is out of range: at least 5242880)"},
  {"multipart_put_file", {"b/k", "f", {workers = 0}}, "bad argument #3 to 'multipart_put_file' (option 'workers': 0 is out of range"},
  {"multipart_put_file", {"b/k", "f", {part = 1}}, "bad argument #3 to 'multipart_put_file' (unknown option 'part' (valid: headers, inline, kms_key_id, md5, metadata, mime_type, mode, part_size, progress, sse, sse_customer_key, storage_class, tags, workers))"},
  {"request", {}, "bad argument #1 to 'request' (table expected, got nil)"},
  {"request", {{method = 1}}, "bad argument #1 to 'request' (option 'method' must be a string, got number)"},
  {"inventory", {}, "bad argument #1 to 'inventory' (string expected, got nil)"},
  {"inventory", {"b/m.json", {field = true}}, "bad argument #2 to 'inventory' (unknown option 'field' (valid: fields))"},
  {"trace", {}, "bad argument #1 to 'trace' (boolean or function expected, got nil)"},
  {"get_tags", {}, "bad argument #1 to 'get_tags' (string expected, got nil)"},
  {"get_tags", {"b/k", {version = "1"}}, "bad argument #2 to 'get_tags' (unknown option 'version' (valid: version_id))"},
  {"put_tags", {"b/k"}, "bad argument #2 to 'put_tags' (table expected, got nil)"},
  {"put_tags", {"b/k", {a = {}}}, "bad argument #2 to 'put_tags' (value of 'a' must be a string, got table)"},
  {"delete_tags", {"b/k", 1}, "bad argument #2 to 'delete_tags' (table expected, got number)"},
  {"bucket_versioning", {}, "bad argument #1 to 'bucket_versioning' (string expected, got nil)"},
  {"bucket_versioning", {"b", "enabled"}, "bad argument #2 to 'bucket_versioning' ('Enabled' or 'Suspended' expected, got 'enabled')"},
  {"list_versions", {"b"}, "bad argument #1 to 'list_versions' (Invalid bucket+path"},
  {"list_versions", {"b/", {max_each = 1001}}, "bad argument #2 to 'list_versions' (option 'max_each': 1001 is out of range: 1 to 1000)"},
  {"incomplete_multipart_put_file", {}, "bad argument #1 to 'incomplete_multipart_put_file' (string expected, got nil)"},
  {"incomplete_multipart_put_file", {"b/k", "f", {partsize = 1}}, "bad argument #3 to 'incomplete_multipart_put_file' (unknown option 'partsize'"},
  {"resume_multipart_put_file", {"b/k"}, "bad argument #2 to 'resume_multipart_put_file' (string expected, got nil)"},
  {"initiate_multipart_upload", {"b/k"}, "bad argument #2 to 'initiate_multipart_upload' (string expected, got nil)"},
  {"initiate_multipart_upload", {"b/k", "t", 1}, "bad argument #3 to 'initiate_multipart_upload' (table expected, got number)"},
  {"upload_part", {"b/k"}, "bad argument #2 to 'upload_part' (string expected, got nil)"},
  {"upload_part", {"b/k", "id", 0, "x"}, "bad argument #3 to 'upload_part' (0 is out of range: 1 to 10000)"},
  {"upload_part", {"b/k", "id", 1}, "bad argument #4 to 'upload_part' (string expected, got nil)"},
  {"list_multipart_uploads", {}, "bad argument #1 to 'list_multipart_uploads' (string expected, got nil)"},
  {"list_multipart_uploads", {"a/b"}, "bad argument #1 to 'list_multipart_uploads' (bucket name expected"},
  {"list_multipart_upload_parts", {"b/k"}, "bad argument #2 to 'list_multipart_upload_parts' (string expected, got nil)"},
  {"complete_multipart_upload", {"b/k", "id"}, "bad argument #3 to 'complete_multipart_upload' (table expected, got nil)"},
  {"complete_multipart_upload", {"b/k", "id", {{0, "e"}}}, "bad argument #3 to 'complete_multipart_upload' (parts[1][1] must be a part number from 1 to 10000, got 0)"},
  {"complete_multipart_upload", {"b/k", "id", {{1}}}, "bad argument #3 to 'complete_multipart_upload' (parts[1][2] must be an etag string, got nil)"},
  {"complete_multipart_upload", {"b/k", "id", {"x"}}, "bad argument #3 to 'complete_multipart_upload' (parts[1] must be a table {part_number, etag}, got string)"},
  {"complete_multipart_upload", {"b/k", "id", {}}, "bad argument #3 to 'complete_multipart_upload' (at least one part expected)"},
  {"abort_multipart_upload", {"b/k"}, "bad argument #2 to 'abort_multipart_upload' (string expected, got nil)"},
  {"abort_multipart_upload", {"b/k", ""}, "bad argument #2 to 'abort_multipart_upload' (upload id expected, got an empty string)"},

  {"region", {{}}, "bad argument #1 to 'region' (string expected, got table)"},
  {"region", {""}, "bad argument #1 to 'region' (region expected, got an empty string)"},
  {"host", {"http://example.com"}, "bad argument #1 to 'host' (host name with an optional ':port' expected"},
  {"scheme", {"ftp"}, "bad argument #1 to 'scheme' ('http' or 'https' expected, got 'ftp')"},
  {"max_tries", {0}, "bad argument #1 to 'max_tries' (0 is out of range: 1 to 1000)"},
  {"max_tries", {"3"}, "bad argument #1 to 'max_tries' (number expected, got string)"},
  {"path_requests", {"yes"}, "bad argument #1 to 'path_requests' (boolean expected, got string)"},
  {"path_to_mime_proc", {"text/plain"}, "bad argument #1 to 'path_to_mime_proc' (function expected, got string)"},
  {"with", {}, "bad argument #1 to 'with' (table expected, got nil)"},
  {"with", {{}}, "bad argument #2 to 'with' (function expected, got nil)"},
  {"with", {{regoin = "x"}, f}, "bad argument #1 to 'with' (unknown setting 'regoin' (valid: host, max_tries, path_requests, path_to_mime_proc, region, scheme))"},
  {"with", {{max_tries = 0}, f}, "bad argument #1 to 'with' (setting 'max_tries': 0 is out of range: 1 to 1000)"},
  {"with", {{region = true}, f}, "bad argument #1 to 'with' (setting 'region' must be a string, got boolean)"},
  {"set_credentials", {}, "bad argument #1 to 'set_credentials' (string expected, got nil)"},
  {"set_credentials", {"AKID"}, "bad argument #2 to 'set_credentials' (string expected, got nil)"},
  {"set_credentials", {"AKID", "secret", {}}, "bad argument #3 to 'set_credentials' (string expected, got table)"},
  {"credentials_from_file", {{}}, "bad argument #1 to 'credentials_from_file' (string expected, got table)"},
}

local function unpack_args(args)
  local n = 0
  for i in pairs(args) do if type(i) == "number" and i > n then n = i end end
  local out = {}
  for i = 1, n do
    if args[i] ~= N then out[i] = args[i] end
  end
  return out, n
end

function test_argument_errors()
  local covered = {}
  for i, c in ipairs(cases) do
    local name, args, want = c[1], c[2], c[3]
    covered[name] = true
    local fn = s3[name]
    assert_type(fn, "function", "s3." .. name)
    local a, n = unpack_args(args)
    local ok, err = pcall(fn, unpack(a, 1, n))
    if ok then
      error(string.format("case %d: s3.%s(...) did not fail; expected %q", i, name, want))
    end
    if type(err) ~= "string" or not err:find(want, 1, true) then
      error(string.format("case %d: s3.%s(...): got %s, expected %q", i, name, repr_value(err), want))
    end
  end
  -- Every function of the module has at least one argument error case,
  -- except those without arguments.
  local without_args = {list_buckets = true, credentials_from_environment = true}
  for name, v in pairs(s3) do
    if type(v) == "function" and not covered[name] and not without_args[name] then
      error("no argument error case for s3." .. name)
    end
  end
end

-- The message names the function even when it is called through an alias
-- or through pcall, and starts with the caller's position.
function test_function_name_through_alias()
  local put = s3.put_bytes
  local err = assert_error(function() put(bp("k")) end, "bad argument #2 to 'put_bytes' (string expected, got nil)")
  assert_match(err, "args_test.lua:%d+: bad argument")
  -- called straight from pcall (no Lua caller), the message is exactly
  -- Lua's, without a position
  local ok, err2 = pcall(s3.put_bytes, bp("k"))
  assert_false(ok)
  assert_eq(err2, "bad argument #2 to 'put_bytes' (string expected, got nil)")
  local ok3, err3 = pcall(s3.ls)
  assert_eq(err3, "bad argument #1 to 'ls' (string expected, got nil)")
end

-- Argument errors come before any request: nothing is created.
function test_no_request_on_argument_error()
  assert_error(function() s3.put_bytes(bp("k"), "data", nil) end, "bad argument #3")
  assert_error(function() s3.put_file(bp("k2"), TMPDIR .. "/none", {typo = 1}) end, "unknown option 'typo'")
  assert_eq(s3.ls(bp()), {})
end

-- delete_multiple refuses more than 1000 keys before any request.
function test_delete_multiple_limit()
  local keys = {}
  for i = 1, 1001 do keys[i] = "k" .. i end
  assert_error(function() s3.delete_multiple(BUCKET, keys) end,
    "bad argument #2 to 'delete_multiple' (at most 1000 keys at a time, got 1001)")
end

-- Optional positional arguments may be nil.
function test_optional_nil_arguments()
  s3.put_bytes(bp("k"), "hello", "text/plain", nil)
  assert_eq(s3.get_bytes(bp("k"), nil, nil, nil), "hello")
  assert_eq(s3.get_bytes(bp("k"), nil, 1, nil), "ello")
  assert_eq(s3.get_bytes(bp("k"), nil, nil, 2), "he")
  assert_type(s3.head(bp("k"), nil), "table")
  assert_eq(s3.ls_proc(bp(), function(acc, items) return acc + #items end, 0, nil, nil), 1)
  local h = s3.put(bp("k2"), function(w) w:write("ab") end, 2, "text/plain", nil, nil, nil)
  assert_type(h, "table")
end

function test_integer_limits()
  assert_error(function() s3.put(bp("k"), function() end, 2^63, "text/plain") end,
    "bad argument #3 to 'put' (number has no integer representation)")
  assert_error(function() s3.get_bytes(bp("k"), nil, 0/0) end, "number has no integer representation")
  assert_error(function() s3.get_bytes(bp("k"), nil, 1/0) end, "number has no integer representation")
end
