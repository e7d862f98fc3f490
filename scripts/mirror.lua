-- mirror.lua: mirror a local directory to a bucket prefix, uploading only the
-- files that are new or changed.
--
-- A file is unchanged when an object with the same key has the same size and
-- an ETag equal to the file's MD5 (objects uploaded by this script are single
-- PUTs, whose ETag is the MD5). Files are walked with the stdlib fs module
-- (fs.walk, fs.md5), so it works the same on every OS. The remote listing under
-- the prefix is held in memory (one small entry per object) to compare.
--
-- Usage:   s3lua [s3 options] scripts/mirror.lua LOCAL_DIR BUCKET[/PREFIX] [--dry-run] [--delete]
-- Arguments:
--   LOCAL_DIR        the directory to mirror (recursively; symbolic links are skipped)
--   BUCKET[/PREFIX]  where the files go: key = PREFIX/relative/path
--   --dry-run        print what would be done, change nothing
--   --delete         also delete objects under the prefix that have no local file
-- Output: one line per file ("upload", "update", "same", "delete"), then a summary.
-- Example:
--   s3lua --local=/tmp/store scripts/mirror.lua ./site my-bucket/www --delete
local s3 = require "s3"
local fs = require "fs"

local positional, flags = {}, {}
for _, a in ipairs(arg) do
  if a:sub(1, 2) == "--" then flags[a] = true else positional[#positional + 1] = a end
end
for f in pairs(flags) do
  if f ~= "--dry-run" and f ~= "--delete" then error("mirror: unknown option " .. f, 0) end
end
local dir, target = positional[1], positional[2]
if not dir or not target then
  error("usage: mirror.lua LOCAL_DIR BUCKET[/PREFIX] [--dry-run] [--delete]", 0)
end
local bucket, prefix = target:match("^([^/]+)/?(.*)$")
if prefix ~= "" and prefix:sub(-1) ~= "/" then prefix = prefix .. "/" end
local dry = flags["--dry-run"]

-- What is there already: key -> {size=, etag=}.
local remote = {}
for item in s3.list(bucket .. "/" .. prefix) do
  if item.key then
    remote[item.key] = { size = item.size, etag = (item.etag or ""):gsub('"', ""):lower() }
  end
end

local counts = { upload = 0, update = 0, same = 0, delete = 0 }
local seen = {}
for _, f in ipairs(fs.walk(dir)) do
  local key = prefix .. f.rel
  seen[key] = true
  local r = remote[key]
  local action = "upload"
  if r then
    action = "update"
    if r.size == f.size and r.etag == fs.md5(f.path) then action = "same" end
  end
  counts[action] = counts[action] + 1
  print(string.format("%-6s %s", action, key))
  if action ~= "same" and not dry then s3.put_file(bucket .. "/" .. key, f.path) end
end

if flags["--delete"] then
  local batch = {}
  local function flush()
    if #batch > 0 and not dry then s3.delete_multiple(bucket, batch) end
    batch = {}
  end
  local stale = {}
  for key in pairs(remote) do if not seen[key] then stale[#stale + 1] = key end end
  table.sort(stale)
  for _, key in ipairs(stale) do
    print(string.format("%-6s %s", "delete", key))
    counts.delete = counts.delete + 1
    batch[#batch + 1] = key
    if #batch == 1000 then flush() end
  end
  flush()
end

print(string.format("mirror: %d uploaded, %d updated, %d unchanged, %d deleted%s",
  counts.upload, counts.update, counts.same, counts.delete, dry and " (dry run: nothing changed)" or ""))
