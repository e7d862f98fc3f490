-- Assertions for Lua tests, installed as globals by luatest.Open.
-- Every failure raises an error at the line of the test that called the
-- assertion. (gopher-lua counts error levels one lower than Lua 5.1: its
-- level n+1 is Lua's level n, hence the + 2 in fail.)

local function repr(v, depth)
  depth = depth or 0
  if type(v) == "string" then
    return string.format("%q", v)
  elseif type(v) ~= "table" or depth > 3 then
    return tostring(v)
  end
  local mt = getmetatable(v)
  if mt and mt.__tostring then
    return tostring(v)
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for _, k in ipairs(keys) do
    local ks = type(k) == "string" and k:match("^[%a_][%w_]*$") and k or ("[" .. repr(k) .. "]")
    parts[#parts + 1] = ks .. " = " .. repr(v[k], depth + 1)
    if #parts >= 20 then parts[#parts + 1] = "..."; break end
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function deep_eq(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not deep_eq(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function fail(msg, extra, level)
  if extra then msg = extra .. ": " .. msg end
  error(msg, (level or 2) + 2)
end

function repr_value(v) return repr(v) end

function assert_eq(got, want, msg)
  if not deep_eq(got, want) then
    fail("expected " .. repr(want) .. ", got " .. repr(got), msg, 2)
  end
end

function assert_ne(got, unwanted, msg)
  if deep_eq(got, unwanted) then
    fail("expected anything but " .. repr(unwanted), msg, 2)
  end
end

function assert_true(v, msg)
  if not v then fail("expected a true value, got " .. repr(v), msg, 2) end
  return v
end

function assert_false(v, msg)
  if v then fail("expected a false value, got " .. repr(v), msg, 2) end
end

function assert_nil(v, msg)
  if v ~= nil then fail("expected nil, got " .. repr(v), msg, 2) end
end

function assert_type(v, t, msg)
  if type(v) ~= t then fail("expected a " .. t .. ", got " .. repr(v), msg, 2) end
  return v
end

-- assert_match(s, pattern): s contains pattern, as a plain substring or
-- as a Lua pattern.
function assert_match(s, pattern, msg)
  s = tostring(s)
  if not (s:find(pattern, 1, true) or s:find(pattern)) then
    fail(repr(s) .. " does not match " .. repr(pattern), msg, 2)
  end
end

function assert_contains(t, v, msg)
  for _, x in pairs(t) do
    if deep_eq(x, v) then return end
  end
  fail(repr(t) .. " does not contain " .. repr(v), msg, 2)
end

function assert_not_contains(t, v, msg)
  for _, x in pairs(t) do
    if deep_eq(x, v) then fail(repr(t) .. " contains " .. repr(v), msg, 2) end
  end
end

-- assert_error(fn, pattern, ...): fn(...) raises; if pattern is given,
-- tostring(err) contains it (plain, or as a Lua pattern). Returns the error.
function assert_error(fn, pattern, ...)
  local ok, err = pcall(fn, ...)
  if ok then fail("expected an error, got none", nil, 2) end
  if pattern then
    local s = tostring(err)
    if not (s:find(pattern, 1, true) or s:find(pattern)) then
      fail("error " .. repr(s) .. " does not match " .. repr(pattern), nil, 2)
    end
  end
  return err
end

-- assert_s3_error(fn, code [, status]): fn raises an s3 error table with
-- that code (and status). Returns the table.
function assert_s3_error(fn, code, status)
  local ok, err = pcall(fn)
  if ok then fail("expected an s3 error " .. tostring(code) .. ", got none", nil, 2) end
  if type(err) ~= "table" then fail("expected an s3 error table, got " .. repr(err), nil, 2) end
  if code and err.code ~= code then
    fail("expected code " .. repr(code) .. ", got " .. repr(err.code) .. " (" .. tostring(err) .. ")", nil, 2)
  end
  if status and err.status ~= status then
    fail("expected status " .. repr(status) .. ", got " .. repr(err.status) .. " (" .. tostring(err) .. ")", nil, 2)
  end
  return err
end

-- skip(reason): ends the test as skipped.
function skip(reason)
  error(setmetatable({skip = reason or "skipped"}, {__tostring = function(t) return "skip: " .. t.skip end}), 0)
end
