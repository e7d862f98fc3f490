-- Listing: ls, ls_proc (a fold over pages), ll, ll_star and the s3.list iterator.

local function put(keys)
  for _, k in ipairs(keys) do s3.put_bytes(bp(k), "data of " .. k, "text/plain") end
end

local function prefixed(keys)
  local out = {}
  for i, k in ipairs(keys) do out[i] = PREFIX .. k end
  return out
end

function test_ls()
  put({"a", "b/c", "b/d", "e"})
  assert_eq(s3.ls(bp()), prefixed({"a", "b/c", "b/d", "e"}))
  assert_eq(s3.ls(bp("b")), prefixed({"b/c", "b/d"}))
  assert_eq(s3.ls(bp("zzz")), {})
end

function test_ls_proc_items()
  put({"x1", "x2"})
  local items = s3.ls_proc(bp(), function(acc, items)
    for _, it in ipairs(items) do acc[#acc + 1] = it end
    return acc
  end, {})
  assert_eq(#items, 2)
  local it = items[1]
  assert_eq(it.key, PREFIX .. "x1")
  assert_eq(it.size, #"data of x1")
  assert_eq(math.floor(it.size), it.size, "size is an integer")
  assert_match(it.etag, '^".+"$')
  assert_match(it.last_modified, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d")
  assert_match(it.last_modified, "Z$")
  if it.storage_class then assert_type(it.storage_class, "string") end
  if it.owner then assert_type(it.owner, "table") end
end

function test_ls_proc_init_when_nothing_listed()
  local called = false
  local init = {"init"}
  local acc = s3.ls_proc(bp("nothing-here/"), function(acc) called = true; return acc end, init)
  assert_true(acc == init, "ls_proc returns init itself")
  assert_false(called, "proc is not called when nothing is listed")
  assert_nil(s3.ls_proc(bp("nothing-here/"), function() return 1 end, nil))
end

function test_ls_proc_pages_and_early_stop()
  local keys = {}
  for i = 1, 7 do keys[i] = string.format("k%02d", i) end
  put(keys)
  -- max_each = 2: four pages
  local pages = s3.ls_proc(bp(), function(acc, items)
    assert_true(#items <= 2)
    acc[#acc + 1] = #items
    return acc
  end, {}, 2)
  assert_eq(pages, {2, 2, 2, 1})
  -- stop after the second page
  local calls = 0
  local seen = s3.ls_proc(bp(), function(acc, items)
    calls = calls + 1
    return acc + #items, calls == 2
  end, 0, 2)
  assert_eq(calls, 2)
  assert_eq(seen, 4)
end

function test_ls_proc_delimiter()
  put({"top", "dir1/a", "dir1/b", "dir2/c"})
  local objects, prefixes = {}, {}
  s3.ls_proc(bp(), function(acc, items)
    for _, it in ipairs(items) do
      if it.prefix then prefixes[#prefixes + 1] = it.prefix else objects[#objects + 1] = it.key end
    end
    return acc
  end, nil, nil, {delimiter = "/"})
  assert_eq(objects, {PREFIX .. "top"})
  assert_eq(prefixes, {PREFIX .. "dir1/", PREFIX .. "dir2/"})
end

function test_ls_proc_ls_equivalence()
  put({"p", "q", "r"})
  -- the reference's definition of ls
  local keys = s3.ls_proc(bp(), function(acc, items)
    for _, it in ipairs(items) do acc[#acc + 1] = it.key end
    return acc
  end, {})
  assert_eq(keys, s3.ls(bp()))
end

function test_ll_and_ll_star()
  put({"one", "two"})
  local ll = s3.ll(bp())
  assert_eq(#ll, 2)
  assert_eq(ll[1][1], PREFIX .. "one")
  assert_eq(ll[1][2]["content-length"], tostring(#"data of one"))
  assert_eq(ll[2][1], PREFIX .. "two")
  local star = s3.ll_star(bp())
  assert_eq(#star, 2)
  assert_eq(star[1][1].key, PREFIX .. "one")
  assert_eq(star[1][1].size, #"data of one")
  assert_type(star[1][2], "table")
  if SERVER == "minio" then
    assert_type(star[1][3], "table")
    assert_type(star[1][3].grants, "table")
  end
end

function test_list_iterator()
  local keys = {}
  for i = 1, 5 do keys[i] = "it" .. i end
  put(keys)
  local got = {}
  for item in s3.list(bp(), {max_each = 2}) do
    got[#got + 1] = item.key
    assert_type(item.size, "number")
  end
  assert_eq(got, prefixed(keys))
  -- break early
  local n = 0
  for _ in s3.list(bp()) do
    n = n + 1
    if n == 2 then break end
  end
  assert_eq(n, 2)
  -- nothing
  for _ in s3.list(bp("none/")) do error("nothing to list") end
end

function test_list_delimiter()
  put({"f", "d/x", "d/y"})
  local got = {}
  for item in s3.list(bp(), {delimiter = "/"}) do
    got[#got + 1] = item.prefix or item.key
  end
  table.sort(got)
  assert_eq(got, {PREFIX .. "d/", PREFIX .. "f"})
end

function test_list_missing_bucket()
  local it = s3.list("no-such-bucket-s3lua-test/")
  assert_s3_error(function() it() end, "NoSuchBucket", 404)
end

function test_pagination_many_keys()
  local n = 25
  local keys = {}
  for i = 1, n do keys[i] = PREFIX .. string.format("many/%03d", i) end
  for _, k in ipairs(keys) do s3.put_bytes(BUCKET .. "/" .. k, "x", "text/plain") end
  local got = {}
  for item in s3.list(bp("many/"), {max_each = 4}) do got[#got + 1] = item.key end
  assert_eq(got, keys)
  local pages = s3.ls_proc(bp("many/"), function(acc) return acc + 1 end, 0, 4)
  assert_eq(pages, 7)
end
