-- s3.request: any S3 operation, the XML mapping, streaming both ways, and
-- the lifecycle, policy and CORS round trips of the cookbook.

local function child(el, name)
  for _, c in ipairs(el) do
    if type(c) == "table" and c.name == name then return c end
  end
end

local function unsupported(err)
  return type(err) == "table" and (err.code == "NotImplemented" or err.status == 501)
end

function test_get_put_with_strings_and_writer()
  local status, h, body = s3.request{method = "PUT", bp = bp("raw.txt"), body = "hello",
    headers = {["content-type"] = "text/plain"}}
  assert_eq(status, 200)
  assert_type(h.etag, "string")
  assert_eq(body, "")
  status, h, body = s3.request{method = "GET", bp = bp("raw.txt")}
  assert_eq(status, 200)
  assert_eq(body, "hello")
  assert_eq(h["content-type"], "text/plain")
  -- a streamed body, written by a function
  s3.request{method = "PUT", bp = bp("streamed"), data_length = 6, body = function(w) w:write("abc"):write("def") end}
  assert_eq(s3.get_bytes(bp("streamed")), "abcdef")
  -- a streamed answer, read by a reader; its results come after status and headers
  local st, hh, first, n = s3.request{method = "GET", bp = bp("streamed"), reader = function(b, headers)
    return b:read(2), headers["content-length"]
  end}
  assert_eq(st, 200); assert_eq(first, "ab"); assert_eq(n, "6")
  -- a range: 206
  st = s3.request{method = "GET", bp = bp("streamed"), headers = {Range = "bytes=0-1"}}
  assert_eq(st, 206)
end

function test_xml_answer_as_table()
  s3.put_bytes(bp("a&b <c>"), "x", "text/plain")
  local status, h, doc = s3.request{method = "GET", bp = BUCKET .. "/", xml = true,
    query = {["list-type"] = 2, prefix = PREFIX}}
  assert_eq(status, 200)
  assert_eq(doc.name, "ListBucketResult")
  assert_match(doc.attr.xmlns, "s3.amazonaws.com")
  local contents = child(doc, "Contents")
  assert_eq(child(contents, "Key")[1], PREFIX .. "a&b <c>")
  assert_eq(child(doc, "KeyCount")[1], "1")
  -- without xml = true the body is the text
  local _, _, text = s3.request{method = "GET", bp = BUCKET .. "/", query = {["list-type"] = 2, prefix = PREFIX}}
  assert_type(text, "string")
  assert_match(text, "<ListBucketResult", "plain")
end

function test_s3_errors_are_error_tables()
  local err = assert_s3_error(function() s3.request{method = "GET", bp = bp("missing")} end, "NoSuchKey", 404)
  assert_eq(err.op, "request")
  assert_s3_error(function() s3.request{method = "GET", bp = bp("missing"), xml = true} end, "NoSuchKey")
end

function test_lifecycle_round_trip()
  local rules = {name = "LifecycleConfiguration", attr = {xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"},
    {name = "Rule", {name = "ID", "expire-logs"}, {name = "Filter", {name = "Prefix", "logs/"}},
      {name = "Status", "Enabled"}, {name = "Expiration", {name = "Days", "30"}}}}
  local ok, err = pcall(s3.request, {method = "PUT", bp = BUCKET .. "/", query = {lifecycle = true}, body = rules})
  if not ok and unsupported(err) then skip("no lifecycle") end
  assert_true(ok, repr_value(err))
  local _, _, doc = s3.request{method = "GET", bp = BUCKET .. "/", query = {lifecycle = ""}, xml = true}
  local rule = child(doc, "Rule")
  assert_eq(child(rule, "ID")[1], "expire-logs")
  assert_eq(child(child(rule, "Expiration"), "Days")[1], "30")
  s3.request{method = "DELETE", bp = BUCKET .. "/", query = {lifecycle = true}}
end

function test_policy_round_trip()
  local policy = string.format([[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/public/*"]}]}]], BUCKET)
  local ok, err = pcall(s3.request, {method = "PUT", bp = BUCKET .. "/", query = {policy = true}, body = policy})
  if not ok and unsupported(err) then skip("no bucket policy") end
  assert_true(ok, repr_value(err))
  local _, _, got = s3.request{method = "GET", bp = BUCKET .. "/", query = {policy = true}}
  assert_match(got, "s3:GetObject", "plain")
  s3.request{method = "DELETE", bp = BUCKET .. "/", query = {policy = true}}
end

function test_cors_round_trip()
  local cors = [[<CORSConfiguration><CORSRule><AllowedOrigin>https://example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>]]
  local ok, err = pcall(s3.request, {method = "PUT", bp = BUCKET .. "/", query = {cors = true}, body = cors})
  if not ok and unsupported(err) then skip("no CORS") end
  assert_true(ok, repr_value(err))
  local _, _, doc = s3.request{method = "GET", bp = BUCKET .. "/", query = {cors = true}, xml = true}
  assert_eq(child(child(doc, "CORSRule"), "AllowedOrigin")[1], "https://example.com")
  s3.request{method = "DELETE", bp = BUCKET .. "/", query = {cors = true}}
end

function test_argument_errors()
  assert_error(function() s3.request() end, "bad argument #1 to 'request' (table expected, got nil)")
  assert_error(function() s3.request{} end, "bad argument #1 to 'request' (field 'method' expected")
  assert_error(function() s3.request{method = "GET", bp = "nobucket"} end, "bad argument #1 to 'request' (field 'bp': Invalid bucket+path")
  assert_error(function() s3.request{method = "GET", bp = bp(), typo = 1} end, "unknown option 'typo'")
  assert_error(function() s3.request{method = "GET", bp = bp(), headers = {Authorization = "x"}} end, "authorization is set by the signer")
  assert_error(function() s3.request{method = "PUT", bp = bp("k"), body = function() end} end, "field 'data_length' is required")
  assert_error(function() s3.request{method = "PUT", bp = bp("k"), body = "x", data_length = 1} end, "field 'data_length' goes with a writer")
  assert_error(function() s3.request{method = "PUT", bp = bp("k"), body = true} end, "field 'body' must be a string, a function or an element table, got boolean")
  assert_error(function() s3.request{method = "PUT", bp = bp("k"), body = {name = "1bad"}} end, "element without a valid name")
  assert_error(function() s3.request{method = "GET", bp = bp(), query = {x = {}}} end, "field 'query': value of 'x' must be a string, got table")
  assert_error(function() s3.request{method = "PUT", bp = bp("k"), data_length = 3, body = function(w) w:write("ab") end} end,
    "the writer wrote 2 bytes, data_length is 3")
end
