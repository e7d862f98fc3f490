-- The contract of issue 4, sentence by sentence: names, argument orders,
-- optional nils, return shapes, callbacks, errors and secrets.

-- Every function of the reference, named by the rule (drop "s3-", "->" is
-- "_to_", "- / & +" are "_", drop "?" and "!", "*" is "_star"), plus the
-- additions of the issue.
local reference_names = {
  "path_requests", "host", "region", "scheme", "max_tries",
  "bucket_path_to_uri", "bucket_path_to_bucket_path_uri", "uri_headers",
  "create_bucket", "valid_bucket_name", "delete_bucket", "list_buckets", "bucket_location",
  "ls_proc", "ls", "ll_star", "ll", "head", "delete", "delete_multiple", "copy",
  "get_acl", "put_acl", "get_proc", "get_bytes", "get_file", "put",
  "put_bytes", "put_file", "path_to_mime_proc",
  "multipart_put", "multipart_put_file",
  "incomplete_multipart_put_file", "resume_multipart_put_file",
  "initiate_multipart_upload", "upload_part", "list_multipart_uploads",
  "list_multipart_upload_parts", "complete_multipart_upload", "abort_multipart_upload",
  "sign_uri", "credentials_from_file", "credentials_from_environment",
  "set_credentials", "with", "list",
}

function test_every_name_by_the_rule()
  assert_true(require("s3") == s3, "require 's3' is the module")
  for _, name in ipairs(reference_names) do
    assert_type(s3[name], "function", "s3." .. name)
  end
  assert_eq(s3.aws_chunk_len_minimum, 8192)
  assert_eq(s3.aws_chunk_len_default, 65536)
  assert_eq(s3.multipart_size_minimum, 5242880)
  assert_eq(s3.multipart_size_default, 5242880)
end

-- A setter's value is an optional positional argument: nil reads, as
-- io.output(nil) does.
function test_getter_setter_nil_reads()
  for _, name in ipairs({"path_requests", "host", "region", "scheme", "max_tries"}) do
    local v = s3[name]()
    assert_eq(s3[name](nil), v, "s3." .. name .. "(nil)")
    assert_nil(s3[name](v), "s3." .. name .. "(v) returns nothing")
    assert_eq(s3[name](), v, "s3." .. name .. " round trip")
  end
  assert_type(s3.path_to_mime_proc(nil), "function")
  local f = function() return "text/x-mine" end
  s3.path_to_mime_proc(f)
  assert_true(rawequal(s3.path_to_mime_proc(), f), "path_to_mime_proc returns the function set")
end

-- The message holds whether the function is called from pcall, from a Lua
-- function, through a local alias, in a tail call or inside a callback.
function test_argument_error_text_everywhere()
  local want = "bad argument #2 to 'put_bytes' (string expected, got nil)"
  local put_bytes = s3.put_bytes
  local callers = {
    function() return pcall(s3.put_bytes, bp("k")) end,
    function() return pcall(function() s3.put_bytes(bp("k")) end) end,
    function() return pcall(function() put_bytes(bp("k")) end) end,
    function() return pcall(function() return s3.put_bytes(bp("k")) end) end,
    function() return pcall(function() return put_bytes(bp("k"), nil, "text/plain") end) end,
    function() return pcall(s3.with, {}, s3.put_bytes, bp("k")) end,
  }
  for i, call in ipairs(callers) do
    local ok, err = call()
    assert_false(ok, "caller " .. i)
    assert_type(err, "string", "caller " .. i)
    assert_true(string.find(err, want, 1, true), "caller " .. i .. ": " .. err)
  end
  s3.put_bytes(bp("seed"), "x", "text/plain")
  local ok, err = pcall(s3.ls_proc, bp(), function() s3.put_bytes(bp("k")) end, 0)
  assert_false(ok)
  assert_true(string.find(err, want, 1, true), err)
  assert_eq(s3.ls(bp()), {PREFIX .. "seed"})
end

-- Limits and nil bucket+path, for each function that takes them.
function test_limits_and_nil_bp()
  local f = function() end
  local cases = {
    {"ls_proc", {bp(), f, 0, 0}, "bad argument #4 to 'ls_proc' (0 is out of range: 1 to 1000)"},
    {"ls_proc", {bp(), f, 0, 1001}, "bad argument #4 to 'ls_proc' (1001 is out of range: 1 to 1000)"},
    {"list", {bp(), {max_each = 1001}}, "bad argument #2 to 'list' (option 'max_each': 1001 is out of range: 1 to 1000)"},
    {"list", {bp(), {delimiter = true}}, "bad argument #2 to 'list' (option 'delimiter' must be a string, got boolean)"},
    {"multipart_put", {bp("k"), 0, f}, "bad argument #2 to 'multipart_put' (0 is out of range: 1 to 10000)"},
    {"upload_part", {bp("k"), "id", 0, "x"}, "bad argument #3 to 'upload_part' (0 is out of range: 1 to 10000)"},
    {"upload_part", {bp("k"), "id", 10001, "x"}, "bad argument #3 to 'upload_part' (10001 is out of range: 1 to 10000)"},
    {"sign_uri", {bp("k"), "GET", 0}, "bad argument #3 to 'sign_uri' (0 is out of range: 1 to 604800)"},
    {"sign_uri", {bp("k"), "GET", 604801}, "bad argument #3 to 'sign_uri' (604801 is out of range: 1 to 604800)"},
    {"put", {bp("k"), f, 1, "text/plain", nil, nil, {chunk_len = 8191}}, "bad argument #7 to 'put' (option 'chunk_len': 8191 is out of range"},
    {"put", {bp("k"), f, 1, "text/plain", nil, nil, {chunk_len = "8192"}}, "bad argument #7 to 'put' (option 'chunk_len' must be an integer, got string)"},
    {"put_file", {bp("k"), "f", {chunk_len = 8191}}, "bad argument #3 to 'put_file' (option 'chunk_len': 8191 is out of range"},
    {"put_file", {bp("k"), "f", {mime_type = 1}}, "bad argument #3 to 'put_file' (option 'mime_type' must be a string, got number)"},
    {"get_file", {bp("k"), "f", nil, {exists = true}}, "bad argument #4 to 'get_file' (option 'exists' must be a string, got boolean)"},
    {"multipart_put_file", {bp("k"), "f", {part_size = 5242879}}, "bad argument #3 to 'multipart_put_file' (option 'part_size': 5242879 is out of range"},
    {"multipart_put_file", {bp("k"), "f", {workers = "2"}}, "bad argument #3 to 'multipart_put_file' (option 'workers' must be an integer, got string)"},
    {"resume_multipart_put_file", {bp("k"), "f", {part_size = 1}}, "bad argument #3 to 'resume_multipart_put_file' (option 'part_size': 1 is out of range"},
  }
  local takes_bp = {
    "uri_headers", "ls_proc", "ls", "ll_star", "ll", "list", "head", "delete", "copy", "get_acl",
    "put_acl", "get_proc", "get_bytes", "get_file", "put", "put_bytes", "put_file",
    "multipart_put", "multipart_put_file", "incomplete_multipart_put_file",
    "resume_multipart_put_file", "initiate_multipart_upload", "upload_part",
    "list_multipart_upload_parts", "complete_multipart_upload", "abort_multipart_upload",
    "sign_uri", "bucket_path_to_bucket_path_uri",
  }
  for _, name in ipairs(takes_bp) do
    cases[#cases + 1] = {name, {}, "bad argument #1 to '" .. name .. "' (string expected, got nil)"}
  end
  for i, c in ipairs(cases) do
    local ok, err = pcall(s3[c[1]], unpack(c[2], 1, 7))
    assert_false(ok, "case " .. i .. " " .. c[1])
    assert_true(type(err) == "string" and err:find(c[3], 1, true),
      "case " .. i .. ": got " .. repr_value(err) .. ", want " .. c[3])
  end
  assert_eq(s3.ls(bp()), {}, "no request was made")
  assert_eq(#s3.list_multipart_uploads(BUCKET), 0)
end

function test_return_shapes()
  local h = s3.put_bytes(bp("hello"), "Hello, world.", "text/plain")
  assert_type(h, "table")
  local head = s3.head(bp("hello"))
  assert_eq(head["content-length"], "13")
  assert_nil(head["Content-Length"], "lower-case names only")
  local b, p, uri = s3.bucket_path_to_bucket_path_uri(bp("hello"))
  assert_eq(b, BUCKET)
  assert_eq(p, PREFIX .. "hello")
  assert_type(uri, "string")
  local u, hs = s3.uri_headers(bp("hello"), "GET")
  assert_type(u, "string")
  assert_type(hs, "table")
  local buckets = s3.list_buckets()
  assert_contains(buckets, BUCKET)
  assert_type(s3.bucket_location(BUCKET), "string")
  assert_eq(s3.bucket_location(BUCKET, nil), s3.bucket_location(BUCKET))

  local items = s3.ls_proc(bp(), function(acc, its)
    for _, it in ipairs(its) do acc[#acc + 1] = it end
    return acc
  end, {})
  assert_eq(#items, 1)
  assert_eq(items[1].key, PREFIX .. "hello")
  assert_eq(items[1].size, 13)
  assert_eq(math.floor(items[1].size), items[1].size)
  assert_type(items[1].etag, "string")
  assert_type(items[1].last_modified, "string")

  assert_eq(s3.ls(bp()), {PREFIX .. "hello"})
  local ll = s3.ll(bp())
  assert_eq(#ll, 1)
  assert_eq(ll[1][1], PREFIX .. "hello")
  assert_eq(ll[1][2]["content-length"], "13")
  local star = s3.ll_star(bp())
  assert_eq(star[1][1].key, PREFIX .. "hello")
  assert_eq(star[1][1].size, 13)
  assert_eq(star[1][2]["content-length"], "13")

  s3.copy(bp("hello"), bp("copy"), nil)
  assert_eq(s3.delete_multiple(BUCKET, {PREFIX .. "copy"}), {PREFIX .. "copy"})
  assert_type(s3.delete(bp("hello")), "table")
end

function test_multipart_shapes()
  local big = string.rep("a", s3.multipart_size_minimum)
  local id = s3.initiate_multipart_upload(bp("mp"), "text/plain", nil)
  assert_type(id, "string")
  local p2 = s3.upload_part(bp("mp"), id, 2, "tail")
  local p1 = s3.upload_part(bp("mp"), id, 1, big)
  assert_eq(#p1, 2)
  assert_eq(p1[1], 1)
  assert_type(p1[2], "string")
  local found
  for _, up in ipairs(s3.list_multipart_uploads(BUCKET)) do
    if up.upload_id == id then found = up end
  end
  assert_true(found, "upload listed")
  assert_eq(found.key, PREFIX .. "mp")
  assert_type(found.initiated, "string")
  local parts = s3.list_multipart_upload_parts(bp("mp"), id)
  assert_eq(#parts, 2)
  assert_eq(parts[1].part_number, 1)
  assert_eq(parts[1].size, #big)
  assert_eq(parts[2].size, 4)
  assert_type(parts[1].etag, "string")
  assert_type(parts[1].last_modified, "string")
  local r = s3.complete_multipart_upload(bp("mp"), id, {p2, p1})
  assert_eq(r.bucket, BUCKET)
  assert_eq(r.key, PREFIX .. "mp")
  assert_type(r.location, "string")
  assert_type(r.etag, "string")
  assert_eq(s3.head(bp("mp"))["content-length"], tostring(#big + 4))

  local seen = {}
  local id2 = s3.multipart_put(bp("mp2"), 2, function(n)
    seen[#seen + 1] = n
    return n == 0 and big or "end"
  end)
  assert_type(id2, "string")
  table.sort(seen)
  assert_eq(seen, {0, 1}, "get_part gets n from 0")
  assert_eq(s3.get_bytes(bp("mp2"), nil, #big), "end")
end

-- put's fifth argument is the reference's reader of the response: called
-- with a body and the response headers; put returns the response headers
-- (as the reference documents), then the reader's results.
function test_put_reader()
  local called = false
  local h, a, b = s3.put(bp("r"), function(w) w:write("abc") end, 3, "text/plain", function(body, headers)
    called = true
    assert_type(headers, "table")
    local rest = body:read("a")
    assert_type(rest, "string")
    return "first", headers
  end, {["x-amz-meta-n"] = "1"}, {chunk_len = 8192})
  assert_true(called, "the reader is called")
  assert_type(h, "table")
  assert_type(h["etag"], "string")
  assert_eq(a, "first")
  assert_type(b, "table")
  assert_eq(s3.get_bytes(bp("r")), "abc")
  assert_eq(s3.head(bp("r"))["x-amz-meta-n"], "1")
end

-- A Lua error in any callback reaches the caller as the very same value,
-- a table or a string, and leaves nothing behind.
function test_callback_errors_same_value()
  s3.put_bytes(bp("src"), "data", "text/plain")
  local file = TMPDIR .. "/up.txt"
  local f = assert(io.open(file, "wb")); f:write("file data"); f:close()
  local function raisers(v)
    return {
      {"ls_proc", function() return s3.ls_proc(bp(), function() error(v, 0) end, 0) end},
      {"get_proc", function() return s3.get_proc(bp("src"), function() error(v, 0) end) end},
      {"put writer", function() return s3.put(bp("w"), function() error(v, 0) end, 3, "text/plain") end},
      {"put reader", function()
        return s3.put(bp("w2"), function(w) w:write("abc") end, 3, "text/plain", function() error(v, 0) end)
      end},
      {"multipart_put", function() return s3.multipart_put(bp("m"), 1, function() error(v, 0) end) end},
      {"get_file progress", function()
        return s3.get_file(bp("src"), TMPDIR .. "/down.txt", nil, {progress = function() error(v, 0) end})
      end},
      {"put_file progress", function()
        return s3.put_file(bp("pf"), file, {progress = function() error(v, 0) end})
      end},
      {"multipart_put_file progress", function()
        return s3.multipart_put_file(bp("mpf"), file, {progress = function() error(v, 0) end})
      end},
      {"path_to_mime_proc", function()
        return s3.with({path_to_mime_proc = function() error(v, 0) end}, s3.put_file, bp("pm"), file)
      end},
      {"with", function() return s3.with({region = "eu-west-1"}, function() error(v, 0) end) end},
    }
  end
  for _, v in ipairs({{"a table"}, "a string"}) do
    for _, r in ipairs(raisers(v)) do
      local ok, err = pcall(r[2])
      assert_false(ok, r[1])
      assert_true(rawequal(err, v), r[1] .. ": got " .. repr_value(err))
    end
  end
  assert_eq(s3.ls(bp()), {PREFIX .. "src"}, "no object left behind")
  assert_eq(#s3.list_multipart_uploads(BUCKET), 0, "no upload left behind")
  assert_nil(io.open(TMPDIR .. "/down.txt", "rb"), "no file left behind")
  assert_eq(s3.region(), "us-east-1", "settings restored")
end

function test_ls_proc_init_and_stop()
  local init = {}
  local called = false
  local got = s3.ls_proc(bp(), function() called = true end, init)
  assert_true(rawequal(got, init), "init returned untouched")
  assert_false(called, "proc not called on an empty listing")
  for i = 1, 3 do s3.put_bytes(bp("k" .. i), "x", "text/plain") end
  local calls = 0
  local n = s3.ls_proc(bp(), function(acc, items) calls = calls + 1; return acc + #items, true end, 0, 1)
  assert_eq(calls, 1)
  assert_eq(n, 1)
end

function test_list_iterator_options()
  for _, k in ipairs({"a", "b", "c", "d/x", "d/y"}) do s3.put_bytes(bp(k), "x", "text/plain") end
  local keys, prefixes = {}, {}
  for it in s3.list(bp(), {delimiter = "/", max_each = 1}) do
    if it.prefix then prefixes[#prefixes + 1] = it.prefix else keys[#keys + 1] = it.key end
  end
  assert_eq(keys, {PREFIX .. "a", PREFIX .. "b", PREFIX .. "c"})
  assert_eq(prefixes, {PREFIX .. "d/"})
  local n = 0
  for it in s3.list(bp()) do n = n + 1; assert_eq(it.size, 1) end
  assert_eq(n, 5)
end

function test_error_table_fields()
  local ok, err = pcall(s3.get_bytes, bp("missing"))
  assert_false(ok)
  assert_type(err, "table")
  assert_eq(err.status, 404)
  assert_eq(err.code, "NoSuchKey")
  assert_type(err.message, "string")
  assert_eq(err.method, "GET")
  assert_eq(err.bucket, BUCKET)
  assert_eq(err.key, PREFIX .. "missing")
  local line = tostring(err)
  assert_type(line, "string")
  assert_false(line:find("\n"), "one line")
  -- a key with a line break still prints on one line
  local ok2, err2 = pcall(s3.get_bytes, bp("two\nlines"))
  assert_false(ok2)
  assert_false(tostring(err2):find("\n"), "one line: " .. tostring(err2))
end

-- No secret anywhere reachable from the module: its table, the values of
-- the getters, their metatables and the upvalues of Lua functions, the
-- error tables and their metatables.
function test_no_secret_reachable()
  local secret, token = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzEXAMPLESESSIONTOKEN"
  local old_host = s3.host()
  s3.set_credentials("AKIDEXAMPLE", secret, token)
  local hits, seen = {}, {}
  local function check(s, where)
    if type(s) == "string" and (s:find(secret, 1, true) or s:find(token, 1, true)) then
      hits[#hits + 1] = where
    end
  end
  local function walk(v, where, depth)
    if depth > 10 then return end
    check(tostring(v), where)
    if type(v) ~= "table" and type(v) ~= "function" and type(v) ~= "userdata" then return end
    if seen[v] then return end
    seen[v] = true
    local mt = getmetatable(v)
    if mt ~= nil then walk(mt, where .. "<mt>", depth + 1) end
    if type(v) == "table" then
      for k, x in pairs(v) do
        walk(k, where .. "<key>", depth + 1)
        walk(x, where .. "." .. tostring(k), depth + 1)
      end
    elseif type(v) == "function" and debug and debug.getupvalue then
      local i = 1
      while true do
        local name, x = debug.getupvalue(v, i)
        if name == nil then break end
        walk(x, where .. "^" .. name, depth + 1)
        i = i + 1
      end
    end
  end
  walk(s3, "s3", 0)
  for _, name in ipairs({"path_requests", "host", "region", "scheme", "max_tries", "path_to_mime_proc"}) do
    walk(s3[name](), "s3." .. name .. "()", 0)
  end
  local _, e1 = pcall(s3.get_bytes, bp("missing"))
  walk(e1, "error", 0)
  local _, e2 = pcall(s3.with, {host = "127.0.0.1:1", max_tries = 1}, s3.get_bytes, bp("k"))
  walk(e2, "network error", 0)
  local _, e3 = pcall(s3.set_credentials, "AKID", {})
  walk(e3, "argument error", 0)
  assert_eq(hits, {}, "secret found")
  assert_eq(s3.host(), old_host)
end

-- A callback cannot yield (the module's Go frame is in between): Lua's own
-- error, raised in the callback, reaches the caller like any callback
-- error; a coroutine made and resumed inside the callback is fine.
function test_yield_in_callback_is_an_error()
  s3.put_bytes(bp("k"), "data", "text/plain")
  local want = "attempt to yield across metamethod/C-call boundary"
  local bodies = {
    function() return s3.ls_proc(bp(), function(acc) coroutine.yield(1) return acc end, 0) end,
    function() return s3.get_proc(bp("k"), function() coroutine.yield(1) end) end,
    function() return s3.put(bp("w"), function(w) coroutine.yield(1) w:write("a") end, 1, "text/plain") end,
    function() return s3.multipart_put(bp("m"), 1, function() coroutine.yield(1) return "a" end) end,
    function() return s3.with({}, function() coroutine.yield(1) end) end,
  }
  for i, body in ipairs(bodies) do
    local co = coroutine.create(body)
    local ok, err = coroutine.resume(co)
    assert_false(ok, "case " .. i)
    assert_true(type(err) == "string" and err:find(want, 1, true), "case " .. i .. ": " .. tostring(err))
    -- and on the main thread too
    local ok2, err2 = pcall(body)
    assert_false(ok2, "main thread case " .. i)
    assert_true(type(err2) == "string" and err2:find(want, 1, true), "main thread case " .. i .. ": " .. tostring(err2))
  end
  local inner = s3.get_proc(bp("k"), function(b)
    local gen = coroutine.wrap(function() coroutine.yield(b:read(2)) end)
    return gen()
  end)
  assert_eq(inner, "da")
  local co = coroutine.create(function() coroutine.yield("out"); return s3.get_bytes(bp("k")) end)
  assert_eq({coroutine.resume(co)}, {true, "out"})
  assert_eq({coroutine.resume(co)}, {true, "data"})
  assert_eq(s3.ls(bp()), {PREFIX .. "k"}, "nothing left behind")
  assert_eq(#s3.list_multipart_uploads(BUCKET), 0)
end

-- Numeric arguments accept strings that read as numbers, as Lua's own
-- functions do (luaL_checkinteger); string arguments accept numbers.
function test_numeric_string_arguments()
  s3.put_bytes(bp("k"), "hello", "text/plain")
  assert_eq(s3.get_bytes(bp("k"), nil, "1", " 3 "), "el")
  assert_eq(s3.ls_proc(bp(), function(acc, items) return acc + #items end, 0, "0x10"), 1)
  s3.put_bytes(bp(12), 34, "text/plain")
  assert_eq(s3.get_bytes(bp("12")), "34")
  assert_error(function() s3.get_bytes(bp("k"), nil, "one") end,
    "bad argument #3 to 'get_bytes' (number expected, got string)")
end

-- The progress option of the resume functions is called, up to the total.
function test_resume_progress()
  local size = s3.multipart_size_minimum
  local path = TMPDIR .. "/resume.bin"
  local f = assert(io.open(path, "wb"))
  f:write(string.rep("r", size)); f:write("tail"); f:close()
  local id = s3.initiate_multipart_upload(bp("resume.bin"), "application/octet-stream")
  s3.upload_part(bp("resume.bin"), id, 1, string.rep("r", size))
  local found = s3.incomplete_multipart_put_file(bp("resume.bin"), path, {progress = function() end})
  assert_eq(found, id)
  local calls, last, total_seen = 0, -1, nil
  local resumed = s3.resume_multipart_put_file(bp("resume.bin"), path, {progress = function(done, total)
    calls = calls + 1
    assert_true(done >= last, "done grows")
    last, total_seen = done, total
  end})
  assert_eq(resumed, id)
  assert_true(calls > 0, "progress called")
  assert_eq(last, total_seen, "ends at the total")
  assert_eq(s3.head(bp("resume.bin"))["content-length"], tostring(size + 4))
end

-- Listing items carry the owner where the server knows it (the reference's
-- ListObjects always had it): the listing asks for it.
function test_listing_item_owner()
  s3.put_bytes(bp("k"), "x", "text/plain")
  local items = s3.ls_proc(bp(), function(_, its) return its end, nil)
  local it = items[1]
  assert_eq(it.key, PREFIX .. "k")
  if SERVER ~= "local" then
    assert_type(it.owner, "table", "owner")
    assert_type(it.owner.id, "string", "owner.id")
    assert_type(it.storage_class, "string", "storage_class")
  end
  for item in s3.list(bp()) do
    if SERVER ~= "local" then assert_type(item.owner, "table", "owner from s3.list") end
  end
end
