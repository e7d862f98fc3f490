-- sync.lua: make a destination hold what a source holds (s3.sync from the
-- command line), like `aws s3 sync`.
--
-- Each side is a local directory or s3://bucket/prefix. Local to S3 uploads,
-- S3 to local downloads, S3 to S3 copies server-side. A path is transferred
-- when it is missing at the destination or differs (size, or a newer source;
-- with --checksum, size or MD5). Both sides are streamed and merged, so any
-- number of files takes the same memory.
--
-- Usage:   s3lua [s3 options] scripts/sync.lua [--delete] [--dry-run] [--checksum] [--exclude GLOB]... SRC DST
-- Arguments:
--   SRC, DST        a local directory or s3://bucket/prefix (not both local)
--   --delete        also delete what DST has and SRC has not (after the transfers)
--   --dry-run       print the plan, change nothing
--   --checksum      compare sizes and MD5s instead of sizes and times
--   --exclude GLOB  leave out paths matching GLOB (repeatable; "*.tmp" matches the
--                   file name at any depth, "logs/**" a path from the top)
-- Output: with --dry-run one line per action ("upload  a/b.txt  (new)"), else one
-- line per failure; then the summary line. Keys that cannot be local paths
-- ("../x") are listed as "refused". Exit status 1 when an operation failed.
-- Example:
--   s3lua scripts/sync.lua --delete --exclude '*.tmp' ./site s3://my-bucket/www
local s3 = require "s3"

local usage = "usage: sync.lua [--delete] [--dry-run] [--checksum] [--exclude GLOB]... SRC DST"
local opts = {exclude = {}}
local positional = {}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--delete" then
    opts.delete = true
  elseif a == "--dry-run" then
    opts.dry_run = true
  elseif a == "--checksum" then
    opts.compare = "checksum"
  elseif a == "--exclude" then
    i = i + 1
    if not arg[i] then error("sync: --exclude needs a pattern\n" .. usage, 0) end
    opts.exclude[#opts.exclude + 1] = arg[i]
  elseif a:sub(1, 10) == "--exclude=" then
    opts.exclude[#opts.exclude + 1] = a:sub(11)
  elseif a == "--" then
    for j = i + 1, #arg do positional[#positional + 1] = arg[j] end
    break
  elseif a:sub(1, 2) == "--" then
    error("sync: unknown option " .. a .. "\n" .. usage, 0)
  else
    positional[#positional + 1] = a
  end
  i = i + 1
end
if #positional ~= 2 then error(usage, 0) end
local src, dst = positional[1], positional[2]

local function mib(n) return string.format("%.1f MiB", n / 1048576) end

local r = s3.sync(src, dst, opts)
for _, key in ipairs(r.refused) do print("refused  " .. key) end
if opts.dry_run then
  for _, a in ipairs(r.actions) do
    print(string.format("%-8s %s  (%s)", a.op, a.rel, a.reason))
  end
else
  for _, e in ipairs(r.errors) do
    print(string.format("failed   %s %s: %s", e.op, e.bp or "", tostring(e.error)))
  end
end
local line = string.format("sync: %d uploaded, %d downloaded, %d copied, %d deleted, %d unchanged, %s",
  r.uploads, r.downloads, r.copies, r.deletes, r.skipped, mib(r.bytes))
if opts.dry_run then
  line = line .. " (dry run: nothing changed)"
else
  line = line .. string.format(", %d failed in %.1f s", r.failed, r.seconds)
end
if #r.refused > 0 then line = line .. string.format(", %d refused", #r.refused) end
print(line)
if not opts.dry_run and r.failed > 0 then
  error(string.format("sync: %d operations failed", r.failed), 0)
end
