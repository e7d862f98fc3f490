-- s3.batch and the recursive operations (copy_prefix, move_prefix,
-- delete_prefix).

local function write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function put(keys)
  for _, k in ipairs(keys) do s3.put_bytes(bp(k), "<" .. k .. ">", "text/plain") end
end

local function sorted(t)
  table.sort(t)
  return t
end

function test_batch_5000_with_failures_counted_exactly()
  local n = 5000
  local seen, by_op = 0, {}
  local b = s3.batch({workers = 32, on_result = function(r)
    seen = seen + 1
    by_op[r.op] = (by_op[r.op] or 0) + (r.ok and 1 or 0)
    if r.op == "put_bytes" then
      assert_true(r.ok, "put_bytes ok")
      assert_type(r.result.etag, "string")
      assert_true(r.bytes > 0)
    end
    if r.op == "get_file" and not r.ok then
      assert_eq(r.error.code, "NoSuchKey")
      assert_eq(r.file, TMPDIR .. "/missing/" .. r.bp:match("[^/]+$"))
    end
    if r.op == "put_file" and not r.ok then
      assert_eq(r.error.code, "FileNotFound")
    end
  end})
  for i = 1, n do
    b:put_bytes(bp(string.format("k/%05d", i)), tostring(i), "text/plain")
    if i % 100 == 0 then
      b:get_file(bp("nope-" .. i), TMPDIR .. "/missing/nope-" .. i)
    end
    if i % 250 == 0 then
      b:put_file(bp("f-" .. i), TMPDIR .. "/no-such-file-" .. i)
    end
  end
  local s = b:wait()
  assert_eq(s.ok, n)
  assert_eq(s.failed, 50 + 20)
  assert_eq(s.ok + s.failed, seen)
  assert_eq(#s.errors, 70)
  assert_eq(by_op.put_bytes, n)
  assert_type(s.seconds, "number")
  assert_eq(s.errors[1].error.code ~= nil, true)
  -- nothing was created for the failures
  assert_nil(read_file(TMPDIR .. "/missing/nope-100"))

  -- the same batch again: downloads (parent directories made), then
  -- deletes of everything, gathered into DeleteObjects
  for i = 1, 5 do
    b:get_file(bp(string.format("k/%05d", i)), TMPDIR .. "/down/a/b/" .. i)
  end
  s = b:wait()
  assert_eq(s.ok, 5)
  assert_eq(s.failed, 0)
  assert_eq(read_file(TMPDIR .. "/down/a/b/3"), "3")
  for item in s3.list(bp("k/")) do b:delete(BUCKET .. "/" .. item.key) end
  s = b:wait()
  assert_eq(s.ok, n)
  assert_eq(s.failed, 0)
  assert_eq(s3.ls(bp("k/")), {})
end

function test_batch_results()
  write_file(TMPDIR .. "/up.txt", "hello")
  s3.put_bytes(bp("src"), "source", "text/plain")
  local results = {}
  local b = s3.batch({on_result = function(r) results[r.bp == bp("meta2") and "meta2" or r.op] = r end})
  b:put_file(bp("up.txt"), TMPDIR .. "/up.txt", {mime_type = "text/x-test", headers = {["x-amz-meta-a"] = "1"}})
  b:copy(bp("src"), bp("dst"))
  b:head(bp("src"))
  b:get_file(bp("src"), TMPDIR .. "/src.txt")
  b:delete(bp("gone"))
  b:put_bytes(bp("meta"), "m", "text/plain", {metadata = {colour = "blue"}})
  b:put_file(bp("meta2"), TMPDIR .. "/up.txt", {metadata = {colour = "red"}, progress = function() end})
  local s = b:wait()
  assert_eq(s.ok, 7)
  assert_eq(s3.head(bp("meta"))["x-amz-meta-colour"], "blue")
  assert_eq(s3.head(bp("meta2"))["x-amz-meta-colour"], "red")
  assert_eq(s.bytes, 5 + 6 + 1 + 5)
  local r = results.put_file
  assert_eq(r.bp, bp("up.txt"))
  assert_eq(r.file, TMPDIR .. "/up.txt")
  assert_eq(r.bytes, 5)
  assert_type(r.result.etag, "string")
  assert_eq(results.copy.from, bp("src"))
  assert_eq(results.copy.bp, bp("dst"))
  assert_eq(results.copy.bytes, 0)
  assert_type(results.copy.result, "table")
  assert_eq(results.head.result["content-length"], "6")
  assert_eq(results.get_file.bytes, 6)
  assert_eq(results.delete.ok, true)
  assert_eq(read_file(TMPDIR .. "/src.txt"), "source")
  local h = s3.head(bp("up.txt"))
  assert_eq(h["content-type"], "text/x-test")
  assert_eq(h["x-amz-meta-a"], "1")
  assert_eq(s3.get_bytes(bp("dst")), "source")

  -- get_file's exists option: "error" by default, "replace" replaces;
  -- mkdir = false leaves missing directories missing
  write_file(TMPDIR .. "/old.txt", "old")
  b:get_file(bp("src"), TMPDIR .. "/old.txt")
  s = b:wait()
  assert_eq(s.failed, 1)
  assert_eq(s.errors[1].error.code, "FileExists")
  assert_eq(read_file(TMPDIR .. "/old.txt"), "old")
  b:get_file(bp("src"), TMPDIR .. "/old.txt", {exists = "replace"})
  b:get_file(bp("src"), TMPDIR .. "/nodir/x.txt", {mkdir = false})
  s = b:wait()
  assert_eq(s.ok, 1)
  assert_eq(s.failed, 1)
  assert_eq(read_file(TMPDIR .. "/old.txt"), "source")
  assert_nil(read_file(TMPDIR .. "/nodir/x.txt"))
end

function test_batch_argument_errors()
  local b = s3.batch()
  assert_error(function() b:put_bytes(nil, "x", "text/plain") end, "bad argument #1 to 'put_bytes' (string expected, got nil)")
  assert_error(function() b:put_bytes(bp("k"), {}, "text/plain") end, "bad argument #2 to 'put_bytes'")
  assert_error(function() b:copy(bp("k"), 42) end, "bad argument #2 to 'copy'")
  assert_error(function() b:get_file(bp("k"), TMPDIR .. "/x", {exists = "clobber"}) end, "bad argument #3 to 'get_file'")
  assert_error(function() b:put_file(bp("k"), TMPDIR .. "/x", {colour = 1}) end, "unknown option 'colour'")
  assert_error(function() b:delete(BUCKET .. "/") end, "delete")
  assert_error(function() b.head(bp("k")) end, "call it as b:head")
  assert_error(function() s3.batch({workers = 0}) end, "bad argument #1 to 'batch'")
  assert_error(function() s3.batch({workers = 257}) end, "workers")
  assert_error(function() s3.batch({on_result = 1}) end, "on_result")
  local s = b:wait()
  assert_eq(s.ok + s.failed, 0)
end

function test_batch_on_result_error_cancels_and_is_reraised()
  local marker = setmetatable({}, {__tostring = function() return "marker" end})
  local state = {calls = 0, queued = 0}
  local b = s3.batch({workers = 4, on_result = function(r)
    state.calls = state.calls + 1
    if state.calls == 10 then error(marker) end
  end})
  local ok, err = pcall(function()
    for i = 1, 500 do
      b:put_bytes(bp("k" .. i), "x", "text/plain")
      state.queued = state.queued + 1
    end
    b:wait()
  end)
  assert_false(ok)
  assert_true(err == marker, "the same value comes back")
  assert_eq(state.calls, 10, "on_result is not called after it raised")
  -- the batch was cancelled: far fewer than 500 objects exist, and the
  -- summary still counts every queued operation
  local s = b:wait()
  assert_true(s.ok + s.failed >= state.queued)
  assert_true(s.ok + s.failed <= state.queued + 1)
  assert_true(#s3.ls(bp("")) < 500)
  -- a string error keeps its text
  local b2 = s3.batch({on_result = function() error("plain boom", 0) end})
  b2:head(bp("k1"))
  local ok2, err2 = pcall(b2.wait, b2)
  assert_false(ok2)
  assert_eq(err2, "plain boom")
end

function test_batch_cancel_leaves_nothing_half_done()
  local big = string.rep("0123456789abcdef", 512 * 1024) -- 8 MiB
  s3.put_bytes(bp("big"), big, "application/octet-stream")
  local cancelled = false
  local b
  b = s3.batch({workers = 4, on_result = function(r)
    if not cancelled then cancelled = true b:cancel() end
  end})
  b:head(bp("big"))
  for i = 1, 3 do b:get_file(bp("big"), TMPDIR .. "/out/big" .. i) end
  for i = 1, 200 do b:put_bytes(bp("small/" .. i), "x", "text/plain") end
  local s = b:wait()
  assert_eq(s.ok + s.failed, 204)
  assert_true(s.failed > 0, "some operations were cancelled")
  for _, e in ipairs(s.errors) do
    if e.bp:find("small/", 1, true) then assert_eq(e.error.code, "Canceled") end
  end
  for i = 1, 3 do
    local got = read_file(TMPDIR .. "/out/big" .. i)
    assert_true(got == nil or got == big, "no partial file under the final name")
  end
  for _, name in ipairs(fs and fs.list and fs.list(TMPDIR .. "/out") or {}) do
    assert_nil(name:match("%.tmp$"), "temporary file left")
  end
  assert_eq(s3.list_multipart_uploads(BUCKET), {})
  -- usable again
  b:head(bp("big"))
  s = b:wait()
  assert_eq(s.ok, 1)
end

function test_batch_stop_on_error()
  local b = s3.batch({workers = 1, stop_on_error = true})
  b:get_file(bp("missing"), TMPDIR .. "/m")
  for i = 1, 50 do b:put_bytes(bp("k" .. i), "x", "text/plain") end
  local s = b:wait()
  assert_eq(s.ok + s.failed, 51)
  assert_true(s.failed > 1, "the rest was dropped")
  assert_eq(s.errors[1].error.code, "NoSuchKey")
end

function test_batch_progress()
  local calls, last_done, last_total = 0, 0, 0
  local b = s3.batch({progress = function(done, total)
    calls = calls + 1
    last_done, last_total = done, total
  end})
  for i = 1, 20 do b:put_bytes(bp("k" .. i), "x", "text/plain") end
  b:wait()
  assert_eq(calls, 20)
  assert_eq(last_done, 20)
  assert_eq(last_total, 20)
  local b2 = s3.batch({progress = function() error("stop", 0) end})
  b2:head(bp("k1"))
  assert_error(function() b2:wait() end, "stop")
end

function test_copy_move_delete_prefix()
  put({"logs/a.log", "logs/b.txt", "logs/sub/c.log", "logs-old/x.log", "other/y.log"})
  -- literal prefix: "logs" also takes "logs-old/"
  local plan = s3.copy_prefix(bp("logs"), bp("copy"), {dry_run = true})
  assert_eq(plan.count, 4)
  assert_eq(sorted(plan.keys), {"-old/x.log", "/a.log", "/b.txt", "/sub/c.log"})
  assert_eq(s3.ls(bp("copy")), {}, "a dry run changes nothing")

  local s = s3.copy_prefix(bp("logs/"), bp("copy/"), {workers = 4})
  assert_eq(s.ok, 3)
  assert_eq(s.failed, 0)
  assert_eq(sorted(s3.ls(bp("copy/"))), {PREFIX .. "copy/a.log", PREFIX .. "copy/b.txt", PREFIX .. "copy/sub/c.log"})
  assert_eq(s3.get_bytes(bp("copy/sub/c.log")), "<logs/sub/c.log>")

  -- include/exclude by sync's rule: no "/" = the file name at any depth
  plan = s3.delete_prefix(bp("logs/"), {include = {"*.log"}, dry_run = true})
  assert_eq(sorted(plan.keys), {"a.log", "sub/c.log"})
  assert_eq(plan.bytes, #"<logs/a.log>" + #"<logs/sub/c.log>")
  plan = s3.delete_prefix(bp("logs/"), {include = {"*.log"}, exclude = {"sub/*"}, dry_run = true})
  assert_eq(plan.keys, {"a.log"})
  -- filter(item)
  plan = s3.delete_prefix(bp(""), {filter = function(item) return item.key:find("b.txt", 1, true) ~= nil end, dry_run = true})
  assert_eq(plan.keys, {"copy/b.txt", "logs/b.txt"})

  -- move: copies, then deletes the sources; on_result sees both
  local ops = {}
  s = s3.move_prefix(bp("copy/"), bp("moved/"), {exclude = {"b.txt"}, on_result = function(r)
    ops[#ops + 1] = r.op .. " " .. r.bp
  end})
  assert_eq(s.failed, 0)
  assert_eq(s.ok, 4, "two copies and two deletes")
  assert_eq(#ops, 4)
  assert_eq(sorted(s3.ls(bp("copy/"))), {PREFIX .. "copy/b.txt"})
  assert_eq(sorted(s3.ls(bp("moved/"))), {PREFIX .. "moved/a.log", PREFIX .. "moved/sub/c.log"})

  -- delete with progress
  local progressed = 0
  s = s3.delete_prefix(bp(""), {progress = function(done, total) progressed = done end})
  assert_eq(s.ok, 8)
  assert_eq(progressed, 8)
  assert_eq(s3.ls(bp("")), {})
end

function test_prefix_errors()
  put({"a/1", "a/2"})
  assert_error(function() s3.copy_prefix(bp("a/"), bp("a/b/")) end, "inside the source")
  assert_error(function() s3.move_prefix(bp("a/"), bp("a/")) end, "inside the source")
  assert_error(function() s3.delete_prefix(bp("a/"), {include = {"[unclosed"}}) end, "bad argument #2 to 'delete_prefix'")
  assert_error(function() s3.delete_prefix(bp("a/"), {include = {1}}) end, "pattern #1 must be a string")
  assert_error(function() s3.delete_prefix(bp("a/"), {workers = 300}) end, "workers")
  -- a raising filter stops the operation with its own value
  local marker = {}
  local ok, err = pcall(s3.delete_prefix, bp("a/"), {filter = function() error(marker) end})
  assert_false(ok)
  assert_true(err == marker)
  assert_eq(#s3.ls(bp("a/")), 2, "nothing deleted")
  -- on_result raising in a move: the error comes back unchanged
  local ok2, err2 = pcall(s3.move_prefix, bp("a/"), bp("b/"), {on_result = function() error("boom", 0) end})
  assert_false(ok2)
  assert_eq(err2, "boom")
end
