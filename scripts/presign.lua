-- presign.lua: presigned GET links for every object under a prefix.
--
-- Anyone holding a link can download that object until it expires, without
-- credentials. The listing is streamed.
--
-- Usage:   s3lua [s3 options] scripts/presign.lua BUCKET[/PREFIX] [EXPIRES]
-- Arguments:
--   BUCKET[/PREFIX]  which objects (the whole bucket without a prefix)
--   EXPIRES          lifetime of the links in seconds, 1..604800 (default 3600)
-- Output: one "KEY<TAB>URL" line per object.
-- Example:
--   s3lua scripts/presign.lua my-bucket/shared/ 86400
local s3 = require "s3"

local target, expires = arg[1], tonumber(arg[2] or "3600")
if not target or not expires or expires < 1 or expires > 604800 then
  error("usage: presign.lua BUCKET[/PREFIX] [EXPIRES seconds, 1..604800]", 0)
end
local bucket, prefix = target:match("^([^/]+)/?(.*)$")

local count = 0
for item in s3.list(bucket .. "/" .. prefix) do
  if item.key then
    print(item.key .. "\t" .. s3.sign_uri(bucket .. "/" .. item.key, "GET", math.floor(expires)))
    count = count + 1
  end
end
io.stderr:write(string.format("presign: %d link(s), valid for %d s\n", count, expires))
