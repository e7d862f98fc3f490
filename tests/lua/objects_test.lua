-- Objects: put and get in every form, head, delete, copy, delete_multiple, ACLs.

local function write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("*a")
  f:close()
  return data
end

function test_put_bytes_get_bytes()
  local h = s3.put_bytes(bp("hello.txt"), "Hello, world.", "text/plain")
  assert_type(h, "table")
  assert_type(h.etag, "string")
  assert_eq(s3.get_bytes(bp("hello.txt")), "Hello, world.")
  -- range_end is exclusive, as the reference
  assert_eq(s3.get_bytes(bp("hello.txt"), {}, 0, 5), "Hello")
  assert_eq(s3.get_bytes(bp("hello.txt"), nil, 7), "world.")
  -- a Range header of your own works too
  assert_eq(s3.get_bytes(bp("hello.txt"), {Range = "bytes=0-4"}), "Hello")
end

function test_binary_and_empty_objects()
  local bin = {}
  for i = 0, 255 do bin[#bin + 1] = string.char(i) end
  bin = table.concat(bin):rep(4)
  s3.put_bytes(bp("bin"), bin, "application/octet-stream")
  assert_eq(s3.get_bytes(bp("bin")), bin)
  s3.put_bytes(bp("empty"), "", "text/plain")
  assert_eq(s3.get_bytes(bp("empty")), "")
  assert_eq(s3.head(bp("empty"))["content-length"], "0")
end

function test_head_headers_lower_case()
  s3.put_bytes(bp("h.txt"), "Hello, world.", "text/plain", {["x-amz-meta-colour"] = "blue"})
  local h = s3.head(bp("h.txt"))
  assert_eq(h["content-length"], "13")
  assert_match(h["content-type"], "text/plain")
  assert_eq(h["x-amz-meta-colour"], "blue")
  for name, value in pairs(h) do
    assert_eq(name, name:lower(), "header names are lower-case")
    assert_type(value, "string")
  end
end

function test_delete()
  s3.put_bytes(bp("d"), "x", "text/plain")
  local h = s3.delete(bp("d"))
  assert_type(h, "table")
  assert_eq(s3.ls(bp("d")), {})
end

function test_delete_multiple()
  local keys = {}
  for i = 1, 5 do
    keys[i] = PREFIX .. "m" .. i
    s3.put_bytes(BUCKET .. "/" .. keys[i], "x", "text/plain")
  end
  local deleted = s3.delete_multiple(BUCKET, keys)
  table.sort(deleted)
  assert_eq(deleted, keys)
  assert_eq(s3.ls(bp("m")), {})
end

function test_copy()
  s3.put_bytes(bp("src"), "copy me", "text/plain", {["x-amz-meta-a"] = "1"})
  local h = s3.copy(bp("src"), bp("dst"))
  assert_type(h, "table")
  assert_eq(s3.get_bytes(bp("dst")), "copy me")
  assert_eq(s3.head(bp("dst"))["x-amz-meta-a"], "1")
  -- replace the metadata while copying
  s3.copy(bp("src"), bp("dst2"), {["x-amz-metadata-directive"] = "REPLACE", ["x-amz-meta-b"] = "2"})
  local h2 = s3.head(bp("dst2"))
  assert_eq(h2["x-amz-meta-b"], "2")
  if SERVER ~= "local" then -- gofakes3 merges instead of replacing
    assert_nil(h2["x-amz-meta-a"])
  end
end

function test_keys_with_special_characters()
  local keys = {"a b", "plus+sign", "q?x=1&y", "hash#", "percent%20", "unicodé ☃", "paren(1)", "semi;colon", "a'quote"}
  for _, k in ipairs(keys) do
    s3.put_bytes(bp(k), k, "text/plain")
    assert_eq(s3.get_bytes(bp(k)), k, k)
  end
  local listed = s3.ls(bp())
  for _, k in ipairs(keys) do
    assert_contains(listed, PREFIX .. k)
  end
end

function test_put_writer()
  local chunks = {"Hello", ", ", "world", "."}
  local h = s3.put(bp("w"), function(w)
    for _, c in ipairs(chunks) do
      assert_eq(w:write(c), w, "write returns the writer")
    end
  end, 13, "text/plain")
  assert_type(h, "table")
  assert_eq(s3.get_bytes(bp("w")), "Hello, world.")
  -- several arguments, numbers, chaining
  s3.put(bp("w2"), function(w) w:write("n=", 42, ";"):write("!") end, 6, "text/plain")
  assert_eq(s3.get_bytes(bp("w2")), "n=42;!")
end

function test_put_streams_many_chunks()
  local n, piece = 300, string.rep("0123456789abcdef", 1024) -- 16 KiB
  s3.put(bp("big"), function(w)
    for _ = 1, n do w:write(piece) end
  end, n * #piece, "application/octet-stream", nil, nil, {chunk_len = s3.aws_chunk_len_minimum})
  assert_eq(s3.head(bp("big"))["content-length"], tostring(n * #piece))
  local total = s3.get_proc(bp("big"), function(body)
    local t = 0
    while true do
      local s = body:read(65536)
      if not s then break end
      t = t + #s
    end
    return t
  end)
  assert_eq(total, n * #piece)
end

function test_put_with_reader()
  local h, a, b = s3.put(bp("r"), function(w) w:write("abc") end, 3, "text/plain",
    function(body, headers)
      assert_eq(body:read("a"), "")
      assert_type(headers, "table")
      return "read", 2
    end)
  assert_type(h, "table")
  assert_eq(a, "read")
  assert_eq(b, 2)
end

function test_put_wrong_length_creates_nothing()
  -- too many: an error at the offending write
  assert_error(function()
    s3.put(bp("long"), function(w) w:write("123456") end, 5, "text/plain")
  end, "exceeds data_length")
  -- too few: an error when the writer returns
  assert_error(function()
    s3.put(bp("short"), function(w) w:write("123") end, 5, "text/plain")
  end, "the writer wrote 3 bytes, data_length is 5")
  assert_eq(s3.ls(bp()), {})
end

function test_get_proc_reader()
  s3.put_bytes(bp("lines"), "one\ntwo\r\nthree", "text/plain")
  local lines, hdr = s3.get_proc(bp("lines"), function(body, headers)
    local out = {}
    for line in body:lines() do out[#out + 1] = line end
    return out, headers
  end)
  assert_eq(lines, {"one", "two\r", "three"})
  assert_eq(hdr["content-length"], "14")

  local r = {s3.get_proc(bp("lines"), function(body)
    return body:read("l"), body:read("L"), body:read(3), body:read(0), body:read("a"), body:read("a"), body:read(1), body:read("l")
  end)}
  assert_eq(r[1], "one")
  assert_eq(r[2], "two\r\n")
  assert_eq(r[3], "thr")
  assert_eq(r[4], "")
  assert_eq(r[5], "ee")
  assert_eq(r[6], "") -- "a" at the end is ""
  assert_nil(r[7])    -- a count at the end is nil
  assert_nil(r[8])

  -- *-prefixed formats and several formats in one call
  local x, y = s3.get_proc(bp("lines"), function(body) return body:read("*l", "*l") end)
  assert_eq(x, "one")
  assert_eq(y, "two\r")
  -- numbers
  s3.put_bytes(bp("nums"), "  42 3.5\n-7", "text/plain")
  local p, q, z = s3.get_proc(bp("nums"), function(body) return body:read("n", "n", "n") end)
  assert_eq({p, q, z}, {42, 3.5, -7})
end

function test_get_proc_range()
  s3.put_bytes(bp("range"), "0123456789", "text/plain")
  local s = s3.get_proc(bp("range"), function(body) return body:read("a") end, nil, 2, 5)
  assert_eq(s, "234")
end

function test_body_invalid_after_reader_returns()
  s3.put_bytes(bp("b"), "data", "text/plain")
  local kept = s3.get_proc(bp("b"), function(body) return body end)
  assert_match(tostring(kept), "closed")
  assert_error(function() kept:read("a") end, "valid only while the reader runs")
  assert_error(function() kept:lines() end, "valid only while the reader runs")
  local it = s3.get_proc(bp("b"), function(body) return body:lines() end)
  assert_error(function() it() end, "valid only while the reader runs")
end

function test_body_close_is_harmless()
  s3.put_bytes(bp("c"), "data", "text/plain")
  assert_eq(s3.get_proc(bp("c"), function(body)
    local s = body:read(2)
    assert_true(body:close())
    return s
  end), "da")
end

function test_put_file_get_file()
  local src = TMPDIR .. "/src.txt"
  local data = string.rep("line of text\n", 5000)
  write_file(src, data)
  local h = s3.put_file(bp("f.txt"), src)
  assert_type(h, "table")
  local head = s3.head(bp("f.txt"))
  assert_eq(head["content-length"], tostring(#data))
  assert_match(head["content-type"], "text/plain")
  assert_match(head["content-disposition"] or "", "src.txt")

  local dst = TMPDIR .. "/dst.txt"
  s3.get_file(bp("f.txt"), dst)
  assert_eq(read_file(dst), data)
  -- exists = "error" (the default) refuses to overwrite
  local err = assert_s3_error(function() s3.get_file(bp("f.txt"), dst) end, "FileExists")
  assert_match(tostring(err), "get_file")
  s3.put_bytes(bp("f.txt"), "new", "text/plain")
  s3.get_file(bp("f.txt"), dst, nil, {exists = "replace"})
  assert_eq(read_file(dst), "new")
  s3.get_file(bp("f.txt"), dst, {}, {exists = "append"})
  assert_eq(read_file(dst), "newnew")
  s3.get_file(bp("f.txt"), dst, nil, {exists = "truncate", mode = "text"})
  assert_eq(read_file(dst), "new")
end

function test_put_file_options()
  local src = TMPDIR .. "/page.html"
  write_file(src, "<p>hi</p>")
  s3.put_file(bp("page"), src, {mime_type = "text/x-custom", inline = true, mode = "binary",
    headers = {["x-amz-meta-k"] = "v"}})
  local h = s3.head(bp("page"))
  assert_eq(h["content-type"], "text/x-custom")
  assert_eq(h["content-disposition"], "inline")
  assert_eq(h["x-amz-meta-k"], "v")
end

function test_path_to_mime_proc_used_by_put_file()
  local src = TMPDIR .. "/data.weird"
  write_file(src, "x")
  local seen
  s3.path_to_mime_proc(function(path) seen = path; return "application/x-weird" end)
  s3.put_file(bp("weird"), src)
  assert_eq(seen, src)
  assert_eq(s3.head(bp("weird"))["content-type"], "application/x-weird")
end

function test_get_file_failure_leaves_no_file()
  local dst = TMPDIR .. "/missing.txt"
  assert_s3_error(function() s3.get_file(bp("missing"), dst) end, "NoSuchKey", 404)
  assert_nil(read_file(dst))
end

function test_progress_option()
  local src = TMPDIR .. "/p.bin"
  write_file(src, string.rep("p", 200000))
  local calls, last_done, last_total = 0, 0, 0
  local function progress(done, total)
    calls = calls + 1
    assert_true(done >= last_done, "done never decreases")
    last_done, last_total = done, total
  end
  s3.put_file(bp("p.bin"), src, {progress = progress})
  assert_true(calls > 0)
  assert_eq(last_done, 200000)
  assert_eq(last_total, 200000)
  calls, last_done = 0, 0
  s3.get_file(bp("p.bin"), TMPDIR .. "/p2.bin", nil, {progress = progress})
  assert_true(calls > 0)
  assert_eq(last_done, 200000)
end

function test_progress_error_aborts()
  local src = TMPDIR .. "/pe.bin"
  write_file(src, string.rep("p", 200000))
  local marker = {}
  local ok, err = pcall(s3.get_file, bp("absent"), TMPDIR .. "/x", nil, {progress = function() error(marker) end})
  assert_false(ok)
  s3.put_bytes(bp("pe.bin"), "data", "text/plain")
  ok, err = pcall(s3.get_file, bp("pe.bin"), TMPDIR .. "/pe.out", nil, {progress = function() error(marker) end})
  assert_false(ok)
  assert_true(err == marker, "the progress function's error value comes back unchanged")
  assert_nil(read_file(TMPDIR .. "/pe.out"))
end

function test_acl_round_trip()
  if SERVER ~= "minio" then skip(SERVER .. " has no object ACLs") end
  s3.put_bytes(bp("acl"), "x", "text/plain")
  local acl = s3.get_acl(bp("acl"))
  assert_type(acl.owner, "table")
  assert_type(acl.grants, "table")
  assert_true(#acl.grants >= 1)
  assert_type(acl.grants[1].permission, "string")
  assert_type(acl.grants[1].grantee, "table")
end

function test_put_acl_canned()
  if SERVER ~= "minio" then skip(SERVER .. " has no object ACLs") end
  s3.put_bytes(bp("acl2"), "x", "text/plain")
  s3.put_acl(bp("acl2"), nil, {["x-amz-acl"] = "private"})
  local acl = s3.get_acl(bp("acl2"))
  s3.put_acl(bp("acl2"), acl)
end

-- A PUT the server refuses from its headers never calls the writer
-- (Expect: 100-continue), as the reference's test with a 2^64-byte length.
function test_refused_put_never_calls_writer()
  if SERVER ~= "minio" then skip(SERVER .. " asks for the body before checking the size") end
  local box = {called = false}
  local err = assert_s3_error(function()
    s3.put(bp("huge"), function(w) box.called = true end, 6 * 2^40, "application/octet-stream")
  end, "EntityTooLarge", 400)
  assert_false(box.called, "the writer was called")
end

-- A progress function raising at the report of the whole size still stores
-- nothing: the last bytes go out only once that report returned.
function test_progress_error_at_the_end_stores_nothing()
  local src = TMPDIR .. "/end.bin"
  write_file(src, string.rep("e", 300000))
  local marker = {}
  local function at_end(done, total)
    if done == total then error(marker) end
  end
  local ok, err = pcall(s3.put_file, bp("end.bin"), src, {progress = at_end})
  assert_false(ok)
  assert_true(rawequal(err, marker), "the progress function's error value comes back unchanged")
  ok, err = pcall(s3.multipart_put_file, bp("end-mp.bin"), src, {progress = at_end})
  assert_false(ok)
  assert_true(rawequal(err, marker), "multipart: the same value")
  assert_eq(s3.ls(bp()), {}, "no object left behind")
  for _, u in ipairs(s3.list_multipart_uploads(BUCKET)) do
    assert_true(u.key:sub(1, #PREFIX) ~= PREFIX, "no multipart upload left behind: " .. u.key)
  end
  -- a download: no file under the final name
  s3.put_bytes(bp("dl.bin"), string.rep("d", 300000), "application/octet-stream")
  ok, err = pcall(s3.get_file, bp("dl.bin"), TMPDIR .. "/dl.out", nil, {progress = at_end})
  assert_true(rawequal(err, marker))
  assert_nil(read_file(TMPDIR .. "/dl.out"))
end

-- A put's reader that raises undoes the put, but only while the object is
-- still the one the put stored: one written meanwhile by someone else stays.
function test_put_reader_error_removes_only_its_own_object()
  local marker = {}
  local ok, err = pcall(s3.put, bp("mine"), function(w) w:write("abc") end, 3, "text/plain",
    function() error(marker) end)
  assert_true(not ok and rawequal(err, marker))
  assert_eq(s3.ls(bp()), {}, "the put's own object is removed")
  ok, err = pcall(s3.put, bp("theirs"), function(w) w:write("abc") end, 3, "text/plain",
    function()
      s3.put_bytes(bp("theirs"), "another writer's content", "text/plain")
      error(marker)
    end)
  assert_true(not ok and rawequal(err, marker))
  assert_eq(s3.get_bytes(bp("theirs")), "another writer's content", "an object another writer stored stays")
end
