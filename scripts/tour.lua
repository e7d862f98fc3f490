-- tour.lua: a guided tour of the s3 module, the example session of the
-- reference library (Racket aws/s3, section 3.6) translated to Lua.
--
-- It creates a bucket with a random name, checks that list_buckets shows it,
-- stores "Hello, world." with put_bytes and reads it back whole and as a
-- range, heads it, lists the bucket, the key and a short prefix, uploads and
-- downloads a temporary file, copies the object, then deletes everything it
-- made, bucket included. Each step is printed with its result; any failed
-- check makes the script exit with status 1 (after cleaning up).
--
-- Usage:   s3lua [s3 options] scripts/tour.lua [BUCKET_PREFIX]
-- Arguments:
--   BUCKET_PREFIX  start of the random bucket name (default "s3lua-tour")
-- Examples:
--   s3lua --local scripts/tour.lua
--   s3lua --endpoint http://127.0.0.1:9000 scripts/tour.lua my-tour
local s3 = require "s3"
local pretty = require "pretty"

local prefix = arg[1] or "s3lua-tour"
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
local bucket = prefix .. "-"
for _ = 1, 16 do bucket = bucket .. string.format("%x", math.random(0, 15)) end

local failures = 0

-- step prints what it does, runs fn and prints its result.
local function step(what, fn)
  print("==> " .. what)
  local result = fn()
  if result ~= nil then print("    " .. pretty.format(result):gsub("\n", "\n    ")) end
  return result
end

local function check(ok, what)
  print((ok and "    ok: " or "    FAILED: ") .. what)
  if not ok then failures = failures + 1 end
end

local function member(x, xs)
  for _, v in ipairs(xs) do if v == x then return true end end
  return false
end

-- A few headers are enough to see what head returns.
local function brief(h)
  return { ["content-length"] = h["content-length"], ["content-type"] = h["content-type"], etag = h.etag }
end

local path = "path/to/file"
local bp = bucket .. "/" .. path
local bp_copy = bp .. "-copy"
local tmp = os.tmpname()

local function tour()
  step("create_bucket(" .. pretty.quote(bucket) .. ")", function() s3.create_bucket(bucket) end)
  local buckets = step("list_buckets()", s3.list_buckets)
  check(member(bucket, buckets), "list_buckets contains " .. bucket)

  local data = "Hello, world."
  step("put_bytes(" .. pretty.quote(bp) .. ", " .. pretty.quote(data) .. ", \"text/plain\")",
    function() return brief(s3.put_bytes(bp, data, "text/plain")) end)
  check(step("get_bytes(bp)", function() return s3.get_bytes(bp) end) == data, "get_bytes returns the data")
  check(step("get_bytes(bp, nil, 0, 5)", function() return s3.get_bytes(bp, nil, 0, 5) end) == "Hello",
    "the range 0..5 (end exclusive) is \"Hello\"")
  local h = step("head(bp)", function() return brief(s3.head(bp)) end)
  check(h["content-length"] == "13", "head says 13 bytes")

  check(member(path, step("ls(bucket .. \"/\")", function() return s3.ls(bucket .. "/") end)), "ls of the bucket")
  check(member(path, step("ls(bp)", function() return s3.ls(bp) end)), "ls of the key")
  check(member(path, step("ls(bucket .. \"/pa\")", function() return s3.ls(bucket .. "/" .. path:sub(1, 2)) end)),
    "ls of a short prefix")

  local f = assert(io.open(tmp, "w"))
  f:write("A file for the s3lua tour.\n")
  f:close()
  step("put_file(bp, " .. pretty.quote(tmp) .. ", {mime_type = \"text/plain\"})",
    function() return brief(s3.put_file(bp, tmp, { mime_type = "text/plain" })) end)
  os.remove(tmp)
  step("get_file(bp, tmp, nil, {exists = \"replace\"})",
    function() s3.get_file(bp, tmp, nil, { exists = "replace" }) end)
  f = assert(io.open(tmp, "r"))
  local back = f:read("*a")
  f:close()
  check(back == "A file for the s3lua tour.\n", "the downloaded file has the uploaded content")
  h = step("head(bp)", function() return brief(s3.head(bp)) end)
  check(h["content-length"] == tostring(#back), "head shows the file's size")
  check(member(path, s3.ls(bp)), "ls(bp) still lists the key")

  step("copy(bp, bp .. \"-copy\")", function() return brief(s3.copy(bp, bp_copy)) end)
  local keys = step("ls(bucket .. \"/\")", function() return s3.ls(bucket .. "/") end)
  check(member(path, keys) and member(path .. "-copy", keys), "both the object and its copy are listed")
  step("head(bp .. \"-copy\")", function() return brief(s3.head(bp_copy)) end)
  step("delete(bp .. \"-copy\")", function() s3.delete(bp_copy) end)
  step("delete(bp)", function() s3.delete(bp) end)
  check(#s3.ls(bucket .. "/") == 0, "the bucket is empty")
  step("delete_bucket(" .. pretty.quote(bucket) .. ")", function() s3.delete_bucket(bucket) end)
  check(not member(bucket, s3.list_buckets()), "list_buckets no longer contains " .. bucket)
end

local ok, err = pcall(tour)
os.remove(tmp)
if not ok then
  -- Leave nothing behind, then report the error itself.
  pcall(s3.delete, bp_copy)
  pcall(s3.delete, bp)
  pcall(s3.delete_bucket, bucket)
  error(err, 0)
end
if failures > 0 then
  io.stderr:write(string.format("tour: %d check(s) failed\n", failures))
  os.exit(1)
end
print("tour: all checks passed")
