-- largest.lua: the N largest objects under a prefix.
--
-- The listing is streamed through a bounded min-heap of N entries, so memory
-- stays constant however many objects there are.
--
-- Usage:   s3lua [s3 options] scripts/largest.lua BUCKET[/PREFIX] [N]
-- Arguments:
--   BUCKET[/PREFIX]  where to look (the whole bucket without a prefix)
--   N                how many objects to show (default 10)
-- Output: "BYTES  SIZE  KEY" lines, largest first (ties by key).
-- Example:
--   s3lua scripts/largest.lua my-bucket/backups/ 5
local s3 = require "s3"
local pretty = require "pretty"

local target, n = arg[1], tonumber(arg[2] or "10")
if not target or not n or n < 1 then error("usage: largest.lua BUCKET[/PREFIX] [N]", 0) end
n = math.floor(n)
local bucket, prefix = target:match("^([^/]+)/?(.*)$")

-- "a before b" in the final order: bigger first, then by key.
local function before(a, b)
  if a.size ~= b.size then return a.size > b.size end
  return a.key < b.key
end

-- Min-heap on the final order: heap[1] is the entry that would go first.
local heap = {}
local function swap(i, j) heap[i], heap[j] = heap[j], heap[i] end
local function up(i)
  while i > 1 do
    local p = math.floor(i / 2)
    if before(heap[p], heap[i]) then swap(p, i); i = p else break end
  end
end
local function down(i)
  local size = #heap
  while true do
    local l, r, m = 2 * i, 2 * i + 1, i
    if l <= size and before(heap[m], heap[l]) then m = l end
    if r <= size and before(heap[m], heap[r]) then m = r end
    if m == i then return end
    swap(i, m); i = m
  end
end

local seen = 0
for item in s3.list(bucket .. "/" .. prefix) do
  if item.key then
    seen = seen + 1
    local e = { key = item.key, size = item.size }
    if #heap < n then
      heap[#heap + 1] = e
      up(#heap)
    elseif before(e, heap[1]) then
      heap[1] = e
      down(1)
    end
  end
end

table.sort(heap, before)
for _, e in ipairs(heap) do
  print(string.format("%14d  %10s  %s", e.size, pretty.bytes(e.size), e.key))
end
print(string.format("largest: %d of %d objects under %s/%s", #heap, seen, bucket, prefix))
