-- Settings: getter/setters, s3.with (restores even when fn raises) and
-- credentials.

function test_getters()
  assert_eq(s3.path_requests(), true)
  assert_eq(s3.scheme(), "http")
  assert_eq(s3.region(), "us-east-1")
  assert_eq(s3.max_tries(), 3)
  assert_match(s3.host(), "^127%.0%.0%.1:%d+$")
  assert_type(s3.path_to_mime_proc(), "function")
end

function test_setters()
  local host = s3.host()
  assert_nil(s3.region("eu-west-1"), "setters return nothing")
  assert_eq(s3.region(), "eu-west-1")
  s3.scheme("HTTPS")
  assert_eq(s3.scheme(), "https")
  s3.path_requests(false)
  assert_eq(s3.path_requests(), false)
  s3.max_tries(1)
  assert_eq(s3.max_tries(), 1)
  s3.host("example.com:9000")
  assert_eq(s3.host(), "example.com:9000")
  assert_eq(s3.bucket_path_to_uri("bucket", "k"), "https://bucket.example.com:9000/k")
  s3.host(host); s3.scheme("http"); s3.path_requests(true); s3.region("us-east-1")
  s3.put_bytes(bp("k"), "ok", "text/plain")
  assert_eq(s3.get_bytes(bp("k")), "ok")
end

function test_with_returns_results_and_restores()
  local a, b, c = s3.with({region = "eu-west-1", path_requests = false}, function(x, y)
    assert_eq(s3.region(), "eu-west-1")
    assert_eq(s3.path_requests(), false)
    return x + y, "two", nil
  end, 1, 2)
  assert_eq(a, 3)
  assert_eq(b, "two")
  assert_nil(c)
  assert_eq(s3.region(), "us-east-1")
  assert_eq(s3.path_requests(), true)
  -- the number of results is kept
  assert_eq(select("#", s3.with({}, function() return 1, nil, nil end)), 3)
  assert_eq(select("#", s3.with({}, function() end)), 0)
end

function test_with_restores_on_error()
  local marker = {}
  local ok, err = pcall(s3.with, {region = "ap-south-1", max_tries = 1}, function()
    error(marker)
  end)
  assert_false(ok)
  assert_true(err == marker, "the same error value")
  assert_eq(s3.region(), "us-east-1")
  assert_eq(s3.max_tries(), 3)
  -- a string error keeps its text
  local ok2, err2 = pcall(s3.with, {region = "x"}, function() error("oops", 0) end)
  assert_eq(err2, "oops")
  assert_eq(s3.region(), "us-east-1")
  -- an s3 error table
  local e = assert_s3_error(function() s3.with({max_tries = 1}, s3.get_bytes, bp("missing")) end, "NoSuchKey")
  assert_eq(s3.max_tries(), 3)
end

function test_with_changes_the_requests()
  s3.put_bytes(bp("k"), "v", "text/plain")
  assert_s3_error(function()
    s3.with({host = "127.0.0.1:1", max_tries = 1}, s3.get_bytes, bp("k"))
  end, "NetworkError")
  assert_eq(s3.get_bytes(bp("k")), "v")
end

function test_with_nested()
  s3.with({region = "r1"}, function()
    s3.with({region = "r2", scheme = "https"}, function()
      assert_eq(s3.region(), "r2")
      assert_eq(s3.scheme(), "https")
    end)
    assert_eq(s3.region(), "r1")
    assert_eq(s3.scheme(), "http")
  end)
  assert_eq(s3.region(), "us-east-1")
end

function test_with_bad_value_changes_nothing()
  assert_error(function() s3.with({region = "r9", scheme = "ftp"}, function() end) end, "setting 'scheme'")
  assert_eq(s3.region(), "us-east-1")
  assert_eq(s3.scheme(), "http")
end

function test_with_keeps_other_changes()
  -- a setter called inside fn for a setting with did not name is kept
  s3.with({region = "r1"}, function() s3.max_tries(2) end)
  assert_eq(s3.max_tries(), 2)
  assert_eq(s3.region(), "us-east-1")
  s3.max_tries(3)
end

function test_path_to_mime_proc()
  local default = s3.path_to_mime_proc()
  assert_match(default("a.txt"), "text/plain")
  assert_match(default("a.html"), "text/html")
  assert_type(default("noext"), "string")
  local mine = function(p) return "x/y" end
  s3.with({path_to_mime_proc = mine}, function()
    assert_true(s3.path_to_mime_proc() == mine)
  end)
  assert_true(s3.path_to_mime_proc() ~= mine)
  s3.path_to_mime_proc(mine)
  assert_true(s3.path_to_mime_proc() == mine)
end

function test_set_credentials()
  s3.put_bytes(bp("c"), "x", "text/plain")
  if SERVER == "local" then return end -- the embedded store accepts any signature
  -- (versitygw answers an unknown key id with 404 XAdminUserNotFound)
  local function refused(err)
    return err.status >= 400 and err.status < 500 and err.code ~= "NoSuchKey"
  end
  s3.with({}, function()
    s3.set_credentials("AKIDNOTREAL", "not-the-secret")
    local err = assert_s3_error(function() s3.get_bytes(bp("c")) end)
    assert_true(refused(err), tostring(err))
  end)
  -- credentials are not a with() setting: they stay as set inside fn
  local err = assert_s3_error(function() s3.get_bytes(bp("c")) end)
  assert_true(refused(err), tostring(err))
end

function test_constants()
  assert_eq(s3.aws_chunk_len_minimum, 8 * 1024)
  assert_eq(s3.aws_chunk_len_default, 64 * 1024)
  assert_eq(s3.multipart_size_minimum, 5 * 1024 * 1024)
  assert_eq(s3.multipart_size_default, 5 * 1024 * 1024)
  assert_eq(s3.multipart_number_minimum, 1)
  assert_eq(s3.multipart_number_maximum, 10000)
end
