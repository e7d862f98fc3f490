-- Helpers: s3.parse_time on what each server sends, s3.sleep.

function test_parse_time_of_server_times()
  s3.put_bytes(bp("t"), "x", "text/plain")
  local item
  for it in s3.list(bp("t")) do item = it end
  local listed = assert(s3.parse_time(item.last_modified))
  local header = assert(s3.parse_time(s3.head(bp("t"))["last-modified"]))
  assert_eq(math.floor(listed), header)
  assert_true(math.abs(os.time() - header) < 24 * 3600, "a time near now")
end

function test_parse_time_forms()
  local cases = {
    {"2026-12-06T03:10:00Z", 1796526600}, {"2026-12-06T03:10:00.000Z", 1796526600},
    {"2026-12-06T03:10:00.25Z", 1796526600.25}, {"2026-12-06T04:10:00+01:00", 1796526600},
    {"Sun, 06 Dec 2026 03:10:00 GMT", 1796526600}, {"1970-01-01T00:00:00Z", 0},
  }
  for _, c in ipairs(cases) do assert_eq(s3.parse_time(c[1]), c[2], c[1]) end
  for _, bad in ipairs({"", "yesterday", "2026-13-01T00:00:00Z", "1796526600"}) do
    local v, msg = s3.parse_time(bad)
    assert_nil(v, bad)
    assert_type(msg, "string")
  end
end

function test_sleep()
  s3.sleep(0)
  s3.sleep(0.001)
  assert_error(function() s3.sleep("x") end, "bad argument #1 to 'sleep' (number expected, got string)")
  assert_error(function() s3.sleep(-1) end, "bad argument #1 to 'sleep' (-1 is out of range")
end
