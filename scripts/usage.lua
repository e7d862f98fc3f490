-- usage.lua: storage used under a prefix, per common prefix (the next
-- "directory" level): object count and bytes, sorted by bytes, largest first.
--
-- The listing is streamed; memory grows with the number of common prefixes
-- only, never with the number of objects.
--
-- Usage:   s3lua [s3 options] scripts/usage.lua BUCKET[/PREFIX] [DELIMITER]
-- Arguments:
--   BUCKET[/PREFIX]  what to measure (the whole bucket without a prefix)
--   DELIMITER        what separates levels in keys (default "/")
-- Output: a table "BYTES  SIZE  OBJECTS  PREFIX", objects directly under the
-- prefix on a line of their own ("(objects)"), then a total line.
-- Example:
--   s3lua scripts/usage.lua my-bucket/logs/
local s3 = require "s3"
local pretty = require "pretty"

local target, delim = arg[1], arg[2] or "/"
if not target then error("usage: usage.lua BUCKET[/PREFIX] [DELIMITER]", 0) end
local bucket, prefix = target:match("^([^/]+)/?(.*)$")

local groups, order = {}, {}
local total = { count = 0, bytes = 0 }
for item in s3.list(bucket .. "/" .. prefix) do
  if item.key then
    local rest = item.key:sub(#prefix + 1)
    local cut = rest:find(delim, 1, true)
    local name = cut and (prefix .. rest:sub(1, cut - 1 + #delim)) or "(objects)"
    local g = groups[name]
    if not g then
      g = { name = name, count = 0, bytes = 0 }
      groups[name] = g
      order[#order + 1] = g
    end
    g.count = g.count + 1
    g.bytes = g.bytes + item.size
    total.count = total.count + 1
    total.bytes = total.bytes + item.size
  end
end

table.sort(order, function(a, b)
  if a.bytes ~= b.bytes then return a.bytes > b.bytes end
  return a.name < b.name
end)
print(string.format("%14s  %10s  %8s  %s", "BYTES", "SIZE", "OBJECTS", "PREFIX"))
for _, g in ipairs(order) do
  print(string.format("%14d  %10s  %8d  %s", g.bytes, pretty.bytes(g.bytes), g.count, g.name))
end
print(string.format("%14d  %10s  %8d  %s", total.bytes, pretty.bytes(total.bytes), total.count,
  "total in " .. bucket .. "/" .. prefix))
