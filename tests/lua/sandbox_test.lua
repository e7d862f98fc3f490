-- The sandbox: run with Options{Sandbox = true, Root = TMPDIR, Buckets = {BUCKET}}.

function test_removed_functions()
  assert_nil(os.execute)
  assert_nil(os.exit)
  assert_nil(os.getenv)
  assert_nil(os.setenv)
  assert_nil(os.tmpname)
  assert_nil(io.popen)
  assert_nil(loadfile)
  assert_nil(dofile)
  assert_type(os.time, "function", "harmless functions stay")
  assert_type(string.format, "function")
end

function test_load_refuses_binary_chunks()
  local f, err = loadstring("\27LuaQ\0\1\4\8\4\8\0")
  assert_nil(f)
  assert_match(err, "binary chunk")
  local g, err2 = load(function() local done; return nil end)
  assert_type(g, "function")
  local parts = {"\27Lua", "rest"}
  local i = 0
  local h, err3 = load(function() i = i + 1; return parts[i] end)
  assert_nil(h)
  assert_match(err3, "binary chunk")
  -- source still loads
  assert_eq(loadstring("return 1 + 1")(), 2)
  local pieces = {"return ", "40 + 2"}
  local j = 0
  assert_eq(load(function() j = j + 1; return pieces[j] end)(), 42)
end

function test_require_only_preloaded()
  assert_true(require("s3") == s3)
  assert_error(function() require("some_module_on_disk") end, "some_module_on_disk")
end

function test_io_confined_to_root()
  local f = assert(io.open(TMPDIR .. "/inside.txt", "w"))
  f:write("inside")
  f:close()
  -- relative paths are relative to the root
  local g = assert(io.open("inside.txt", "r"))
  assert_eq(g:read("*a"), "inside")
  g:close()
  assert_error(function() io.open("/etc/passwd") end, "outside the allowed root")
  assert_error(function() io.open(TMPDIR .. "/../escape.txt", "w") end, "outside the allowed root")
  assert_error(function() io.lines("/etc/hostname") end, "outside the allowed root")
  assert_error(function() os.remove("/tmp/not-mine") end, "outside the allowed root")
  assert_error(function() os.rename(TMPDIR .. "/inside.txt", "/tmp/stolen.txt") end, "bad argument #2 to 'rename'")
  local n = 0
  for line in io.lines("inside.txt") do n = n + 1 end
  assert_eq(n, 1)
  assert_true(os.rename("inside.txt", "renamed.txt"))
  assert_true(os.remove("renamed.txt"))
end

function test_files_confined_to_root()
  local f = assert(io.open("up.txt", "w"))
  f:write("data")
  f:close()
  s3.put_file(bp("up"), "up.txt")
  s3.put_file(bp("up2"), TMPDIR .. "/up.txt")
  s3.get_file(bp("up"), "down.txt")
  local g = assert(io.open("down.txt"))
  assert_eq(g:read("*a"), "data")
  g:close()
  assert_error(function() s3.put_file(bp("x"), "/etc/hostname") end,
    "bad argument #2 to 'put_file' (path '/etc/hostname' is outside the allowed root directory)")
  assert_error(function() s3.get_file(bp("up"), "../escape.txt") end, "outside the allowed root")
  assert_error(function() s3.get_file(bp("up"), "/tmp/escape.txt") end, "outside the allowed root")
  assert_error(function() s3.multipart_put_file(bp("x"), "/etc/hostname") end, "outside the allowed root")
  assert_error(function() s3.incomplete_multipart_put_file(bp("x"), "/etc/hostname") end, "outside the allowed root")
  assert_error(function() s3.resume_multipart_put_file(bp("x"), "/etc/hostname") end, "outside the allowed root")
  assert_eq(s3.ls(bp("x")), {})
end

function test_buckets_restricted()
  s3.put_bytes(bp("k"), "x", "text/plain")
  local other = OTHER_BUCKET
  local msg = "bucket '" .. other .. "' is not allowed"
  assert_error(function() s3.ls(other .. "/") end, "bad argument #1 to 'ls' (" .. msg .. ")")
  assert_error(function() s3.get_bytes(other .. "/k") end, msg)
  assert_error(function() s3.put_bytes(other .. "/k", "x", "text/plain") end, msg)
  assert_error(function() s3.copy(bp("k"), other .. "/k") end, "bad argument #2 to 'copy' (" .. msg)
  assert_error(function() s3.copy(other .. "/k", bp("k2")) end, "bad argument #1 to 'copy' (" .. msg)
  assert_error(function() s3.create_bucket(other) end, msg)
  assert_error(function() s3.delete_bucket(other) end, msg)
  assert_error(function() s3.bucket_location(other) end, msg)
  assert_error(function() s3.list_multipart_uploads(other) end, msg)
  assert_error(function() s3.delete_multiple(other, {"k"}) end, msg)
  assert_error(function() s3.sign_uri(other .. "/k", "GET", 60) end, msg)
  assert_error(function() s3.uri_headers(other .. "/k", "GET") end, msg)
  assert_error(function() s3.list(other .. "/") end, msg)
  assert_error(function() s3.get_tags(other .. "/k") end, msg)
  assert_error(function() s3.list_versions(other .. "/") end, msg)
  assert_error(function() s3.bucket_versioning(other) end, msg)
  assert_error(function() s3.request{method = "GET", bp = other .. "/k"} end, "bad argument #1 to 'request' (" .. msg)
  assert_error(function() s3.request{method = "PUT", bp = bp("k3"), headers = {["x-amz-copy-source"] = "/" .. other .. "/k"}} end, msg)
  assert_error(function() s3.request{method = "GET"} end, "requests outside a bucket are not allowed here")
  assert_error(function() s3.inventory(other .. "/manifest.json") end, msg)
  -- list_buckets shows only the allowed buckets
  assert_eq(s3.list_buckets(), {BUCKET})
  -- pure string functions are not requests
  assert_type(s3.bucket_path_to_uri(other, "k"), "string")
  -- the allowed bucket works
  assert_eq(s3.get_bytes(bp("k")), "x")
end

function test_batch_under_the_sandbox()
  s3.put_bytes(bp("k"), "data", "text/plain")
  local other = OTHER_BUCKET
  local msg = "bucket '" .. other .. "' is not allowed"
  local b = s3.batch()
  -- files inside Root only; directories made inside Root
  b:get_file(bp("k"), "sub/dir/k.txt")
  local s = b:wait()
  assert_eq(s.ok, 1)
  local f = assert(io.open("sub/dir/k.txt"))
  assert_eq(f:read("*a"), "data")
  f:close()
  assert_error(function() b:get_file(bp("k"), "../escape.txt") end, "bad argument #2 to 'get_file' (")
  assert_error(function() b:get_file(bp("k"), "/tmp/escape.txt") end, "outside the allowed root")
  assert_error(function() b:put_file(bp("x"), "/etc/hostname") end, "bad argument #2 to 'put_file' (path '/etc/hostname' is outside the allowed root directory)")
  -- allowed buckets only
  assert_error(function() b:put_bytes(other .. "/k", "x", "text/plain") end, "bad argument #1 to 'put_bytes' (" .. msg)
  assert_error(function() b:copy(bp("k"), other .. "/k") end, "bad argument #2 to 'copy' (" .. msg)
  assert_error(function() b:delete(other .. "/k") end, msg)
  assert_error(function() b:head(other .. "/k") end, msg)
  assert_error(function() s3.delete_prefix(other .. "/") end, "bad argument #1 to 'delete_prefix' (" .. msg)
  assert_error(function() s3.copy_prefix(bp(""), other .. "/x/") end, "bad argument #2 to 'copy_prefix' (" .. msg)
  assert_error(function() s3.move_prefix(other .. "/", bp("y/")) end, msg)
  s = b:wait()
  assert_eq(s.ok + s.failed, 0, "refused operations are not queued")
end

function test_sync_under_the_sandbox()
  s3.put_bytes(bp("site/a.txt"), "alpha", "text/plain")
  s3.put_bytes(bp("site/d/b.txt"), "bravo", "text/plain")
  -- Down into a new directory inside Root (relative to it), and back up.
  local r = s3.sync("s3://" .. BUCKET .. "/" .. PREFIX .. "site", "down/here")
  assert_eq({r.downloads, r.ok, r.failed}, {2, 2, 0})
  local f = assert(io.open("down/here/d/b.txt"))
  assert_eq(f:read("*a"), "bravo")
  f:close()
  r = s3.sync(TMPDIR .. "/down/here", "s3://" .. BUCKET .. "/" .. PREFIX .. "up")
  assert_eq({r.uploads, r.ok}, {2, 2})
  assert_eq(#s3.sync("down/here", "s3://" .. BUCKET .. "/" .. PREFIX .. "up", {dry_run = true}).actions, 0)
  -- Outside Root, other buckets: refused before anything happens.
  assert_error(function() s3.sync("s3://" .. BUCKET .. "/" .. PREFIX .. "site", "../escape") end, "bad argument #2 to 'sync' (")
  assert_error(function() s3.sync("/etc", "s3://" .. BUCKET .. "/x") end, "bad argument #1 to 'sync' (")
  assert_error(function() s3.sync("down", "s3://" .. OTHER_BUCKET .. "/x") end, "bad argument #2 to 'sync' (bucket '" .. OTHER_BUCKET .. "' is not allowed")
  local fs = require "fs"
  assert_true(fs.mkdir("made/by/mkdir"))
  local n = 0
  for file in fs.files("down") do n = n + 1 end
  assert_eq(n, 2)
end

function test_environment_is_an_allow_list()
  assert_nil(debug)
  assert_nil(package.loaded.debug)
  assert_nil(getfenv)
  assert_nil(setfenv)
  assert_nil(collectgarbage)
  assert_nil(package.loaders)
  assert_error(function() require("debug") end, "preloaded modules only")
  assert_type(require("pretty").format, "function")
  assert_error(function() string.rep("x", 2^40) end, "longer than the limit")
end

function test_endpoint_and_credentials_belong_to_the_host()
  local host = s3.host()
  assert_error(function() s3.host("127.0.0.1:1") end, "belongs to the host")
  assert_error(function() s3.scheme("https") end, "belongs to the host")
  assert_error(function() s3.region("eu-west-1") end, "belongs to the host")
  assert_error(function() s3.path_requests(false) end, "belongs to the host")
  assert_error(function() s3.with({host = "127.0.0.1:1"}, s3.ls, bp()) end, "belongs to the host")
  assert_error(function() s3.set_credentials("AKID", "SECRET") end, "credentials belong to the host")
  assert_error(function() s3.credentials_from_environment() end, "credentials belong to the host")
  assert_error(function() s3.credentials_from_file() end, "credentials belong to the host")
  assert_eq(s3.host(), host)
  s3.put_bytes(bp("still"), "works", "text/plain")
  assert_eq(s3.get_bytes(bp("still")), "works")
end
