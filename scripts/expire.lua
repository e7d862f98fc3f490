-- expire.lua: delete the objects under a prefix that are at least N days old.
--
-- The listing is streamed (s3.list, one page at a time) and old keys are
-- deleted with delete_multiple in batches of at most 1000, so any number of
-- objects takes constant memory. The age is now minus last_modified.
--
-- Usage:   s3lua [s3 options] scripts/expire.lua BUCKET[/PREFIX] DAYS [--dry-run]
-- Arguments:
--   BUCKET[/PREFIX]  where to look (the whole bucket without a prefix)
--   DAYS             minimum age in days, may be fractional (0 = every object)
--   --dry-run        print the keys that would be deleted, delete nothing
-- Output: "delete KEY (AGE days)" or "would delete ..." per key, then a summary.
-- Example:
--   s3lua scripts/expire.lua logs-bucket/2024/ 30 --dry-run
local s3 = require "s3"

local positional, dry = {}, false
for _, a in ipairs(arg) do
  if a == "--dry-run" then dry = true
  elseif a:sub(1, 2) == "--" then error("expire: unknown option " .. a, 0)
  else positional[#positional + 1] = a end
end
local target, days = positional[1], tonumber(positional[2])
if not target or not days or days < 0 then
  error("usage: expire.lua BUCKET[/PREFIX] DAYS [--dry-run]", 0)
end
local bucket, prefix = target:match("^([^/]+)/?(.*)$")

-- Seconds since the epoch of an S3 time "2024-05-01T12:34:56.000Z" (UTC),
-- without os.time, which would read it as local time.
local function epoch(s)
  local y, mo, d, h, mi, sec = s:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then error("expire: cannot parse time " .. tostring(s), 0) end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  -- Days from civil (Howard Hinnant's algorithm).
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (mo + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days_since = era * 146097 + doe - 719468
  return days_since * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec)
end

local now = os.time()
local limit = days * 86400
local batch, deleted, kept = {}, 0, 0

local function flush()
  if #batch == 0 then return end
  if not dry then
    local done = s3.delete_multiple(bucket, batch)
    deleted = deleted + #done
  else
    deleted = deleted + #batch
  end
  batch = {}
end

for item in s3.list(bucket .. "/" .. prefix) do
  if item.key then
    local age = now - epoch(item.last_modified)
    if age >= limit then
      print(string.format("%s %s (%.1f days)", dry and "would delete" or "delete", item.key, age / 86400))
      batch[#batch + 1] = item.key
      if #batch == 1000 then flush() end
    else
      kept = kept + 1
    end
  end
end
flush()
print(string.format("expire: %d %s, %d kept", deleted, dry and "would be deleted (dry run)" or "deleted", kept))
