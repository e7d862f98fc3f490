-- Error tables: S3 and network failures raise a table with status, code,
-- message, request_id, method, bucket, key and a one-line __tostring.

function test_no_such_key()
  local err = assert_s3_error(function() s3.get_bytes(bp("missing")) end, "NoSuchKey", 404)
  assert_eq(math.floor(err.status), err.status, "status is an integer")
  assert_type(err.message, "string")
  assert_eq(err.method, "GET")
  assert_eq(err.bucket, BUCKET)
  assert_eq(err.key, PREFIX .. "missing")
  if err.request_id then assert_type(err.request_id, "string") end
  local line = tostring(err)
  assert_false(line:find("\n"), "one line")
  assert_match(line, "NoSuchKey")
  assert_match(line, "404")
  assert_match(line, PREFIX .. "missing")
  assert_match(line, "get_bytes")
end

function test_head_missing()
  local err = assert_s3_error(function() s3.head(bp("missing")) end, "NoSuchKey", 404)
  assert_eq(err.method, "HEAD")
end

function test_no_such_bucket()
  local err = assert_s3_error(function() s3.ls("no-such-bucket-s3lua-lua/") end, "NoSuchBucket", 404)
  assert_eq(err.bucket, "no-such-bucket-s3lua-lua")
  assert_s3_error(function() s3.put_bytes("no-such-bucket-s3lua-lua/k", "x", "text/plain") end, "NoSuchBucket", 404)
end

function test_same_metatable()
  local e1 = assert_s3_error(function() s3.get_bytes(bp("a")) end)
  local e2 = assert_s3_error(function() s3.ls("no-such-bucket-s3lua-lua/") end)
  local e3 = assert_s3_error(function()
    s3.with({host = "127.0.0.1:1", max_tries = 1}, s3.get_bytes, bp("a"))
  end)
  assert_true(getmetatable(e1) ~= nil)
  assert_true(getmetatable(e1) == getmetatable(e2))
  assert_true(getmetatable(e1) == getmetatable(e3))
end

function test_network_error()
  local err = assert_s3_error(function()
    s3.with({host = "127.0.0.1:1", max_tries = 1}, function() return s3.get_bytes(bp("k")) end)
  end, "NetworkError")
  assert_nil(err.status, "no status without an answer")
  assert_eq(err.method, "GET")
  assert_eq(err.bucket, BUCKET)
  assert_eq(err.key, PREFIX .. "k")
  assert_type(err.message, "string")
  assert_match(tostring(err), "NetworkError")
end

function test_error_uncaught_is_the_table()
  -- error() of an error table keeps it a table through nested pcalls
  local ok, err = pcall(function()
    local ok2, e = pcall(s3.get_bytes, bp("x"))
    error(e)
  end)
  assert_false(ok)
  assert_eq(err.code, "NoSuchKey")
end

function test_no_secret_in_errors()
  local secret, token = "SECRETsecretSECRET1234567890abcdefghij", "TOKENtokenTOKEN0987654321"
  s3.set_credentials("AKIDEXAMPLEAKID", secret, token)
  local errs = {}
  local ok, e = pcall(s3.get_bytes, bp("missing"))
  errs[#errs + 1] = e
  ok, e = pcall(s3.put_bytes, bp("k"), "data", "text/plain")
  errs[#errs + 1] = e
  ok, e = pcall(s3.with, {host = "127.0.0.1:1", max_tries = 1}, s3.head, bp("k"))
  errs[#errs + 1] = e
  local function check(v, where)
    local s = tostring(v)
    assert_false(s:find(secret, 1, true), where .. " contains the secret")
    assert_false(s:find(token, 1, true), where .. " contains the token")
    assert_false(s:find("Signature=", 1, true), where .. " contains a signature")
  end
  for i, err in ipairs(errs) do
    check(err, "error " .. i)
    if type(err) == "table" then
      for k, v in pairs(err) do check(v, "field " .. tostring(k)) end
    end
  end
  if SERVER ~= "local" then
    assert_type(errs[2], "table")
    assert_true(errs[2].status >= 400 and errs[2].status < 500, "refused: " .. tostring(errs[2]))
  end
end

function test_credentials_errors_are_tables()
  local ok, err = pcall(s3.credentials_from_file, "no-such-profile-s3lua-test")
  assert_false(ok)
  assert_type(err, "table")
  assert_type(err.message, "string")
  assert_match(tostring(err), "credentials_from_file")
end
