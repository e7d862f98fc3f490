-- pretty: readable, deterministic printing of Lua values.
--
--   local pretty = require "pretty"
--   pretty.format(v [, {max_items = 50, max_depth = 12, indent = "  ", width = 72,
--                       max_string = nil, max_keys = nil}]) -> string
--   pretty.print(...)           -- format each argument, tab-separated, one line break
--   pretty.bytes(n)             -- "1.5 KiB", "12 B": human-readable byte counts
--
-- Tables print as Lua table literals: the array part first, in order, then the
-- other keys sorted (numbers, then strings, then the rest by their tostring).
-- A table that fits in `width` columns stays on one line; otherwise each entry
-- goes on its own indented line. More than max_items entries in one table are
-- cut with "... (N more)"; with max_keys set, the array part is cut at
-- max_items and the other keys at max_keys, separately. A table met again while it is still being printed
-- is shown as <cycle>; deeper than max_depth as {...}. Strings are quoted with
-- Lua escapes, so the output can be pasted back into the REPL; with max_string
-- set, a longer string shows its first max_string bytes and "... (N more bytes)".
local pretty = {}

local defaults = { max_items = 50, max_depth = 12, indent = "  ", width = 72 }

local keywords = {}
for w in ([[and break do else elseif end false for function if in local nil not
  or repeat return then true until while]]):gmatch("%a+") do keywords[w] = true end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t", ["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\v"] = "\\v" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\\127]', function(c)
    return escapes[c] or string.format("\\%03d", c:byte())
  end) .. '"'
end
pretty.quote = quote

local function scalar(v, opts)
  local t = type(v)
  if t == "string" then
    local max = opts and opts.max_string
    if max and #v > max then
      return quote(v:sub(1, max)) .. " ... (" .. (#v - max) .. " more bytes)"
    end
    return quote(v)
  end
  if t == "number" then
    if v ~= v then return "0/0" end
    if v == math.huge then return "math.huge" end
    if v == -math.huge then return "-math.huge" end
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return tostring(v)
  end
  return tostring(v)
end

local typeorder = { number = 1, string = 2, boolean = 3 }

local function keyless(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return (typeorder[ta] or 9) < (typeorder[tb] or 9) or
    ((typeorder[ta] or 9) == (typeorder[tb] or 9) and ta < tb) end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function keystr(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") and not keywords[k] then return k end
  return "[" .. scalar(k) .. "]"
end

local function format(v, opts, depth, active)
  if type(v) ~= "table" then return scalar(v, opts) end
  if active[v] then return "<cycle>" end
  if depth >= opts.max_depth then return "{...}" end
  active[v] = true

  -- Array part: 1..n without holes.
  local n = 0
  while rawget(v, n + 1) ~= nil do n = n + 1 end
  local keys = {}
  for k in pairs(v) do
    if not (type(k) == "number" and k >= 1 and k <= n and k == math.floor(k)) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, keyless)

  local parts, shown, total = {}, 0, n + #keys
  for i = 1, n do
    if shown >= opts.max_items then break end
    parts[#parts + 1] = format(rawget(v, i), opts, depth + 1, active)
    shown = shown + 1
  end
  -- With max_keys, the keyed entries have their own cap; without, they
  -- share max_items with the array part.
  local keycap, keyshown = opts.max_keys or opts.max_items, opts.max_keys and 0 or shown
  for _, k in ipairs(keys) do
    if keyshown >= keycap then break end
    parts[#parts + 1] = keystr(k) .. " = " .. format(rawget(v, k), opts, depth + 1, active)
    shown, keyshown = shown + 1, keyshown + 1
  end
  if total > shown then parts[#parts + 1] = "... (" .. (total - shown) .. " more)" end
  active[v] = nil

  if #parts == 0 then return "{}" end
  local oneline = "{ " .. table.concat(parts, ", ") .. " }"
  local pad = opts.indent:rep(depth)
  if #oneline + #pad <= opts.width and not oneline:find("\n", 1, true) then return oneline end
  -- One entry a line, except that short array items are packed into lines
  -- up to the width, so a long list of numbers stays readable.
  local inner = pad .. opts.indent
  local lines, cur = {}, nil
  for i, p in ipairs(parts) do
    local packable = i <= math.min(n, opts.max_items) and not p:find("\n", 1, true)
    if packable and cur and #cur + #p + 2 <= opts.width then
      cur = cur .. ", " .. p
    else
      if cur then lines[#lines + 1] = cur end
      cur = inner .. p
      if not packable then lines[#lines + 1] = cur; cur = nil end
    end
  end
  if cur then lines[#lines + 1] = cur end
  return "{\n" .. table.concat(lines, ",\n") .. "\n" .. pad .. "}"
end

-- pretty.format(v [, opts]) returns v as a readable string (see the top of this file).
function pretty.format(v, opts)
  local o = {}
  for k, d in pairs(defaults) do o[k] = d end
  if opts ~= nil then
    if type(opts) ~= "table" then
      error("bad argument #2 to 'format' (table expected, got " .. type(opts) .. ")", 2)
    end
    for k, x in pairs(opts) do o[k] = x end
  end
  return format(v, o, 0, {})
end

-- pretty.print(...) writes each argument formatted, separated by tabs.
function pretty.print(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do out[i] = pretty.format((select(i, ...))) end
  print(table.concat(out, "\t"))
end

-- pretty.bytes(n) returns a byte count with a binary unit: 999 B, 1.0 KiB, 3.4 GiB.
function pretty.bytes(n)
  if type(n) ~= "number" then
    error("bad argument #1 to 'bytes' (number expected, got " .. type(n) .. ")", 2)
  end
  local units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" }
  local i, x = 1, n
  while math.abs(x) >= 1024 and i < #units do x, i = x / 1024, i + 1 end
  if i == 1 then return string.format("%d B", x) end
  return string.format("%.1f %s", x, units[i])
end

return pretty
