-- s3.sync: local <-> S3 and S3 -> S3, plans checked against what the
-- changes call for, second syncs that do nothing, byte order, refused keys.

local fs = require "fs"

local function write(path, body)
  local dir = path:match("^(.*)/[^/]*$")
  if dir then assert(fs.mkdir(dir)) end
  local f = assert(io.open(path, "w"))
  f:write(body)
  f:close()
end

local function s3loc(p) return "s3://" .. BUCKET .. "/" .. PREFIX .. (p or "") end

local function ops(plan)
  local out = {}
  for _, a in ipairs(plan.actions) do out[#out + 1] = a.op .. " " .. a.rel .. " " .. a.reason end
  return out
end

-- A tree of 2,000 files (20 directories of 100), changed on both sides.
function test_sync_tree_of_2000()
  local src = TMPDIR .. "/tree"
  local rels = {}
  for d = 1, 20 do
    for f = 1, 100 do
      local rel = string.format("d%02d/f%03d.txt", d, f)
      rels[#rels + 1] = rel
      write(src .. "/" .. rel, rel)
    end
  end
  local dst = s3loc("tree")
  local plan = s3.sync(src, dst, {dry_run = true})
  assert_eq(plan.uploads, 2000)
  assert_eq(#plan.actions, 2000)
  assert_eq(plan.actions[1], {op = "upload", rel = "d01/f001.txt", src = src .. "/d01/f001.txt",
                              dst = dst .. "/d01/f001.txt", size = 12, reason = "new"})
  assert_eq(plan.bytes, 2000 * 12)
  assert_eq(#s3.ls(bp("tree/")), 0, "a dry run changes nothing")

  local results = 0
  local sum = s3.sync(src, dst, {workers = 16, on_result = function(r)
    assert_eq(r.op, "put_file")
    assert_true(r.ok)
    results = results + 1
  end})
  assert_eq({sum.uploads, sum.ok, sum.failed, sum.skipped, #sum.errors}, {2000, 2000, 0, 0, 0})
  assert_eq(results, 2000)
  assert_type(sum.seconds, "number")
  assert_eq(#s3.ls(bp("tree/")), 2000)

  -- Nothing to do, whatever the compare mode.
  for _, mode in ipairs({"size_time", "size", "checksum"}) do
    local again = s3.sync(src, dst, {compare = mode, dry_run = true})
    assert_eq({#again.actions, again.skipped}, {0, 2000}, mode)
  end

  -- Local changes: 3 grown files, 2 removed, 2 new; remote changes: 2
  -- objects replaced by other sizes, 2 extraneous keys.
  for _, rel in ipairs({"d03/f010.txt", "d10/f050.txt", "d20/f100.txt"}) do write(src .. "/" .. rel, "changed " .. rel) end
  os.remove(src .. "/d05/f005.txt")
  os.remove(src .. "/d05/f006.txt")
  write(src .. "/d00/new.txt", "new")
  write(src .. "/d21/new.log", "new log")
  s3.put_bytes(bp("tree/d07/f007.txt"), "remote change", "text/plain")
  s3.put_bytes(bp("tree/d08/f008.txt"), "r", "text/plain")
  s3.put_bytes(bp("tree/extra/one"), "x", "text/plain")
  s3.put_bytes(bp("tree/zz"), "x", "text/plain")

  plan = s3.sync(src, dst, {delete = true, dry_run = true})
  assert_eq(ops(plan), {
    "upload d00/new.txt new", "upload d03/f010.txt size", "upload d07/f007.txt size",
    "upload d08/f008.txt size", "upload d10/f050.txt size", "upload d20/f100.txt size",
    "upload d21/new.log new",
    "delete d05/f005.txt extraneous", "delete d05/f006.txt extraneous",
    "delete extra/one extraneous", "delete zz extraneous"})
  assert_eq({plan.uploads, plan.deletes, plan.skipped}, {7, 4, 1993})
  assert_eq(plan.actions[8].dst, dst .. "/d05/f005.txt")
  assert_nil(plan.actions[8].src)

  -- Filters: exclude a name at any depth, include a path, a filter function.
  plan = s3.sync(src, dst, {delete = true, dry_run = true, exclude = {"*.log", "extra/"}})
  assert_eq(ops(plan), {
    "upload d00/new.txt new", "upload d03/f010.txt size", "upload d07/f007.txt size",
    "upload d08/f008.txt size", "upload d10/f050.txt size", "upload d20/f100.txt size",
    "delete d05/f005.txt extraneous", "delete d05/f006.txt extraneous", "delete zz extraneous"})
  plan = s3.sync(src, dst, {dry_run = true, include = "d0[0-3]/*"})
  assert_eq(ops(plan), {"upload d00/new.txt new", "upload d03/f010.txt size"})
  local seen = 0
  plan = s3.sync(src, dst, {dry_run = true, filter = function(e)
    seen = seen + 1
    assert_type(e.rel, "string"); assert_type(e.size, "number"); assert_true(e.mtime > 0)
    return e.size > 12
  end})
  assert_eq(ops(plan), {"upload d03/f010.txt size", "upload d10/f050.txt size", "upload d20/f100.txt size"})
  assert_eq(seen, 2000)
  -- filter sees source entries only: extraneous ones are still deleted.
  seen = 0
  plan = s3.sync(src, dst, {delete = true, dry_run = true, filter = function(e) seen = seen + 1; return false end})
  assert_eq(ops(plan), {"delete d05/f005.txt extraneous", "delete d05/f006.txt extraneous",
                        "delete extra/one extraneous", "delete zz extraneous"})
  assert_eq(seen, 2000)

  sum = s3.sync(src, dst, {delete = true})
  assert_eq({sum.uploads, sum.deletes, sum.ok, sum.failed}, {7, 4, 11, 0})
  assert_eq(#s3.ls(bp("tree/")), 2000)
  assert_eq(s3.get_bytes(bp("tree/d07/f007.txt")), "d07/f007.txt")
  local second = s3.sync(src, dst, {delete = true})
  assert_eq({second.uploads, second.deletes, second.ok, second.skipped}, {0, 0, 0, 2000})

  -- Down again into a fresh directory, then a second time: nothing.
  local down = TMPDIR .. "/down"
  sum = s3.sync(dst, down)
  assert_eq({sum.downloads, sum.ok}, {2000, 2000})
  for _, mode in ipairs({"size_time", "size", "checksum"}) do
    assert_eq(#s3.sync(dst, down, {compare = mode, dry_run = true}).actions, 0, mode)
  end
  local n = 0
  for f in fs.files(down) do n = n + 1 end
  assert_eq(n, 2000)
end

-- Names whose byte order differs from a directory walk's: the merge must
-- pair them, so a second sync does nothing either way.
function test_sync_byte_order()
  local src = TMPDIR .. "/order"
  local names = {"a/b", "a-b", "a.b", "a0", "a b", "a/c-d", "a/c/d", "B", "b", "é", "x/y.z/w", "x/y-z", "x/y/z"}
  for _, n in ipairs(names) do write(src .. "/" .. n, n) end
  local got = {}
  for f in fs.files(src) do got[#got + 1] = f.rel end
  local want = {}
  for i, n in ipairs(names) do want[i] = n end
  table.sort(want)
  assert_eq(got, want, "fs.files walks in byte order")

  assert_eq(s3.sync(src, s3loc("order")).uploads, #names)
  local again = s3.sync(src, s3loc("order"), {delete = true, dry_run = true})
  assert_eq(#again.actions, 0)
  local down = TMPDIR .. "/order-down"
  assert_eq(s3.sync(s3loc("order"), down).downloads, #names)
  assert_eq(#s3.sync(s3loc("order"), down, {delete = true, dry_run = true}).actions, 0)
  -- S3 to S3, server-side, then nothing.
  local copied = s3.sync(s3loc("order"), s3loc("order-copy"))
  assert_eq({copied.copies, copied.ok}, {#names, #names})
  assert_eq(#s3.sync(s3loc("order"), s3loc("order-copy"), {delete = true, dry_run = true}).actions, 0)
  assert_eq(s3.get_bytes(bp("order-copy/a-b")), "a-b")
end

-- Keys that would lead out of the target are refused (where the server
-- stores them at all), folder markers are skipped, and nothing is written
-- outside the target.
function test_sync_refused_keys()
  local stored = {}
  for _, k in ipairs({"r/../x", "r/a/../../x", "r//x", "r/./y"}) do
    if pcall(s3.put_bytes, bp(k), "evil", "text/plain") then
      -- Some servers clean the name: only keys stored as sent count.
      for item in s3.list(bp(k)) do
        if item.key == PREFIX .. k then stored[#stored + 1] = item.key end
      end
    end
  end
  s3.put_bytes(bp("r/ok"), "fine", "text/plain")
  pcall(s3.put_bytes, bp("r/dir/"), "", "text/plain")
  local base = TMPDIR .. "/base"
  local target = base .. "/target"
  local sum = s3.sync(s3loc("r"), target)
  table.sort(stored)
  table.sort(sum.refused)
  assert_eq(sum.refused, stored)
  -- Servers that clean a name ("r/./y" stored as "r/y") list a safe key.
  local files = {}
  for f in fs.files(base) do files[#files + 1] = f.rel end
  assert_eq(#files, sum.downloads)
  assert_true(#files >= 1 and files[#files] == "target/ok" or files[1] == "target/ok", "target/ok downloaded")
  for f in fs.files(TMPDIR) do assert_true(f.rel:sub(1, 5) == "base/", "written outside: " .. f.rel) end
end

function test_sync_on_result_error_and_arguments()
  local src = TMPDIR .. "/few"
  for i = 1, 5 do write(src .. "/f" .. i, "x") end
  local marker = {}
  local ok, err = pcall(s3.sync, src, s3loc("few"), {workers = 1, on_result = function() error(marker) end})
  assert_false(ok)
  assert_true(err == marker, "the callback's error comes back unchanged")

  assert_error(function() s3.sync(src, TMPDIR) end, "bad argument #2 to 'sync' (both locations are local")
  assert_error(function() s3.sync(src, s3loc(), {compare = "md5"}) end, "bad argument #3 to 'sync'")
  assert_error(function() s3.sync(src, s3loc(), {exclude = "a["}) end, "bad glob pattern")
  assert_error(function() s3.sync(src, s3loc(), {workers = 0}) end, "bad argument #3 to 'sync'")
  assert_error(function() s3.sync(src, "s3://") end, "bad argument #2 to 'sync'")
end

-- A checksum compare sees a same-size, same-second change that size_time
-- cannot see.
function test_sync_checksum()
  local src = TMPDIR .. "/ck"
  write(src .. "/a", "aaaa")
  s3.sync(src, s3loc("ck"))
  write(src .. "/a", "bbbb")
  local plan = s3.sync(src, s3loc("ck"), {compare = "checksum", dry_run = true})
  assert_eq(ops(plan), {"upload a checksum"})
  assert_eq(#s3.sync(src, s3loc("ck"), {compare = "size", dry_run = true}).actions, 0)
end

-- A multipart upload of a file by s3lua gives the object a full-object
-- CRC32C (on stores that keep checksums; the embedded store's HEAD gives the
-- content's MD5), so a checksum sync finds it equal; md5 = true records
-- rclone's MD5 metadata as well. Parts from a function declare neither.
function test_sync_checksum_multipart()
  local src = TMPDIR .. "/mp"
  write(src .. "/big", string.rep("0123456789abcdef", (6 * 1048576) / 16))
  s3.multipart_put_file(bp("mp/big"), src .. "/big", {part_size = 5 * 1048576})
  local h = s3.head(bp("mp/big"))
  assert_eq(h["x-amz-meta-md5chksum"], nil)
  assert_eq(#s3.sync(src, s3loc("mp"), {compare = "checksum", dry_run = true}).actions, 0)
  s3.multipart_put_file(bp("mp/big"), src .. "/big", {part_size = 5 * 1048576, md5 = true})
  h = s3.head(bp("mp/big"))
  assert_type(h["x-amz-meta-md5chksum"], "string")
  assert_eq(#s3.sync(src, s3loc("mp"), {compare = "checksum", dry_run = true}).actions, 0)
  if h.etag:find("-", 1, true) then
    s3.multipart_put(bp("mp/big"), 2, function(n)
      return string.rep("0123456789abcdef", (n == 0 and 5 or 1) * 1048576 / 16)
    end)
    assert_eq(ops(s3.sync(src, s3loc("mp"), {compare = "checksum", dry_run = true})), {"upload big checksum"})
  end
end
