-- Callbacks: a Lua error raised in any callback aborts the operation cleanly
-- (listing stopped, upload aborted, no object, no partial file) and reaches
-- the caller as the very same value.

local function uploads_for(key)
  local out = {}
  for _, u in ipairs(s3.list_multipart_uploads(BUCKET)) do
    if u.key == key then out[#out + 1] = u end
  end
  return out
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

function test_ls_proc_error_stops_listing()
  for i = 1, 5 do s3.put_bytes(bp("k" .. i), "x", "text/plain") end
  local marker = setmetatable({}, {__tostring = function() return "marker" end})
  local calls = 0
  local ok, err = pcall(s3.ls_proc, bp(), function(acc, items)
    calls = calls + 1
    error(marker)
  end, 0, 2)
  assert_false(ok)
  assert_true(err == marker, "the same table comes back")
  assert_eq(calls, 1, "the listing stopped at the error")
end

function test_string_error_keeps_its_text()
  s3.put_bytes(bp("k"), "x", "text/plain")
  local ok, err = pcall(s3.ls_proc, bp(), function() error("plain boom", 0) end, 0)
  assert_false(ok)
  assert_eq(err, "plain boom")
  -- with a position: exactly one prefix, the callback's line
  local ok2, err2 = pcall(s3.get_proc, bp("k"), function() error("boom") end)
  assert_false(ok2)
  assert_match(err2, "^[^:]*callbacks_test%.lua:%d+: boom$")
  -- other values
  local ok3, err3 = pcall(s3.ls_proc, bp(), function() error(42) end, 0)
  assert_false(ok3)
  assert_eq(err3, 42)
end

function test_s3_error_inside_callback_propagates()
  s3.put_bytes(bp("k"), "x", "text/plain")
  -- (a table field, not an upvalue: gopher-lua closes every open upvalue
  -- when an error is raised, so an assignment to an outer local after a
  -- caught error is lost)
  local box = {}
  local ok, err = pcall(s3.ls_proc, bp(), function()
    local ok, e = pcall(s3.get_bytes, bp("missing"))
    box.inner = e
    error(e)
  end, 0)
  assert_false(ok)
  assert_true(err == box.inner, "the inner error table is the one that arrives")
  assert_eq(err.code, "NoSuchKey")
end

function test_get_proc_reader_error()
  s3.put_bytes(bp("g"), string.rep("g", 100000), "text/plain")
  local marker = {}
  local ok, err = pcall(s3.get_proc, bp("g"), function(body)
    body:read(10)
    error(marker)
  end)
  assert_false(ok)
  assert_true(err == marker)
  -- the connection is usable afterwards
  assert_eq(#s3.get_bytes(bp("g")), 100000)
end

function test_put_writer_error_creates_nothing()
  local marker = {}
  local ok, err = pcall(s3.put, bp("w"), function(w)
    w:write(string.rep("w", 50000))
    error(marker)
  end, 100000, "text/plain")
  assert_false(ok)
  assert_true(err == marker)
  assert_eq(s3.ls(bp("w")), {})
end

function test_writer_invalid_after_put()
  local kept
  s3.put(bp("w2"), function(w) kept = w; w:write("ab") end, 2, "text/plain")
  assert_match(tostring(kept), "closed")
  assert_error(function() kept:write("more") end, "closed writer")
end

function test_writer_rejects_other_types()
  local ok, err = pcall(s3.put, bp("w3"), function(w) w:write({}) end, 2, "text/plain")
  assert_false(ok)
  assert_match(err, "bad argument #1 to 'write' (string expected, got table)")
  assert_eq(s3.ls(bp("w3")), {})
end

function test_multipart_put_error_aborts_upload()
  local marker = {}
  local ok, err = pcall(s3.multipart_put, bp("mp"), 3, function(n)
    if n == 1 then error(marker) end
    return string.rep("m", s3.multipart_size_minimum)
  end)
  assert_false(ok)
  assert_true(err == marker)
  assert_eq(#uploads_for(PREFIX .. "mp"), 0, "no multipart upload left behind")
  assert_eq(s3.ls(bp("mp")), {})
end

function test_multipart_put_file_progress_error()
  local path = TMPDIR .. "/mp.bin"
  local f = assert(io.open(path, "wb"))
  f:write(string.rep("a", s3.multipart_size_minimum), string.rep("b", 1000))
  f:close()
  local marker = {}
  local ok, err = pcall(s3.multipart_put_file, bp("mpf"), path, {progress = function() error(marker) end})
  assert_false(ok)
  assert_true(err == marker)
  assert_eq(s3.ls(bp("mpf")), {})
  assert_eq(#uploads_for(PREFIX .. "mpf"), 0, "no multipart upload left behind")
end

function test_put_file_progress_error()
  local path = TMPDIR .. "/pf.bin"
  local f = assert(io.open(path, "wb"))
  f:write(string.rep("a", 300000))
  f:close()
  local marker = {}
  local ok, err = pcall(s3.put_file, bp("pf"), path, {progress = function(done) if done > 0 then error(marker) end end})
  assert_false(ok)
  assert_true(err == marker)
  assert_eq(s3.ls(bp("pf")), {})
end

function test_get_file_progress_error_leaves_no_file()
  s3.put_bytes(bp("gf"), string.rep("z", 300000), "text/plain")
  local marker = {}
  local path = TMPDIR .. "/gf.out"
  local ok, err = pcall(s3.get_file, bp("gf"), path, nil, {progress = function(done) if done > 0 then error(marker) end end})
  assert_false(ok)
  assert_true(err == marker)
  assert_false(exists(path), "no partial file")
end

function test_mime_proc_error()
  local path = TMPDIR .. "/m.txt"
  local f = assert(io.open(path, "wb")); f:write("x"); f:close()
  local marker = {}
  local ok, err = pcall(s3.with, {path_to_mime_proc = function() error(marker) end}, s3.put_file, bp("m"), path)
  assert_false(ok)
  assert_true(err == marker)
  assert_eq(s3.ls(bp("m")), {})
  assert_error(function()
    s3.with({path_to_mime_proc = function() return 5 end}, s3.put_file, bp("m"), path)
  end, "path_to_mime_proc must return a non-empty string")
end

function test_ls_proc_accumulator_identity()
  for i = 1, 3 do s3.put_bytes(bp("a" .. i), "x", "text/plain") end
  local init = {}
  local seen = {}
  local last = s3.ls_proc(bp(), function(acc, items)
    seen[#seen + 1] = acc
    return {prev = acc}
  end, init, 1)
  assert_true(seen[1] == init)
  assert_true(seen[2] == seen[1] and false or seen[2].prev == init)
  assert_true(last.prev == seen[3])
end
