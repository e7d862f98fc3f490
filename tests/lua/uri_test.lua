-- URIs, signing helpers and bucket names.

function test_bucket_path_to_uri()
  local host = s3.host()
  assert_eq(s3.bucket_path_to_uri(BUCKET, "path/to/file"), "http://" .. host .. "/" .. BUCKET .. "/path/to/file")
  -- the reference's example, virtual-hosted style
  s3.with({host = "s3.amazonaws.com", path_requests = false}, function()
    assert_eq(s3.bucket_path_to_uri("bucket", "path/to/file"), "http://bucket.s3.amazonaws.com/path/to/file")
  end)
end

function test_bucket_path_to_bucket_path_uri()
  s3.with({host = "s3.amazonaws.com", path_requests = true}, function()
    local b, p, u = s3.bucket_path_to_bucket_path_uri("bucket/path/to/file")
    assert_eq({b, p, u}, {"bucket", "path/to/file", "http://s3.amazonaws.com/bucket/path/to/file"})
  end)
  local b, p, u = s3.bucket_path_to_bucket_path_uri(BUCKET .. "/")
  assert_eq(b, BUCKET)
  assert_eq(p, "")
  assert_type(u, "string")
  assert_eq(select("#", s3.bucket_path_to_bucket_path_uri("b/k")), 3)
end

function test_bucket_path_to_bucket_path()
  assert_eq({s3.bucket_path_to_bucket_path("bucket/a/b")}, {"bucket", "a/b"})
  assert_error(function() s3.bucket_path_to_bucket_path("/bucket/a") end, "leading")
end

function test_uri_headers()
  local uri, h = s3.uri_headers(bp("k"), "get")
  assert_eq(uri, s3.bucket_path_to_uri(BUCKET, PREFIX .. "k"))
  assert_type(h, "table")
  assert_match(h.authorization, "^AWS4%-HMAC%-SHA256 Credential=")
  assert_type(h["x-amz-date"], "string")
  assert_type(h["x-amz-content-sha256"], "string")
  for name in pairs(h) do assert_eq(name, name:lower()) end
  -- with headers and a body
  local _, h2 = s3.uri_headers(bp("k"), "PUT", {["Content-Type"] = "text/plain"}, "body")
  assert_eq(h2["content-type"], "text/plain")
  assert_eq(h2["x-amz-content-sha256"], "230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5")
end

function test_sign_uri()
  local u = s3.sign_uri(bp("k"), "GET", 60)
  assert_match(u, "^http://")
  assert_match(u, "X-Amz-Expires=60")
  assert_match(u, "X-Amz-Signature=")
  assert_match(u, "X-Amz-Algorithm=AWS4-HMAC-SHA256")
end

function test_valid_bucket_name()
  -- the reference's test vectors
  assert_true(s3.valid_bucket_name("Aa1.-", false))
  assert_true(s3.valid_bucket_name("1.1.1.1", false))
  for _, bad in ipairs({"A", "1.1.1.1", "255.255.255.255", "-a-", ".myawsbucket", "myawsbucket.", "my..examplebucket"}) do
    assert_false(s3.valid_bucket_name(bad), bad)
  end
  for _, good in ipairs({"111", "a1a", "1-1", "myawsbucket", "my.aws.bucket", "myawsbucket.1"}) do
    assert_true(s3.valid_bucket_name(good), good)
    assert_true(s3.valid_bucket_name(good, true), good)
  end
  assert_true(s3.valid_bucket_name(BUCKET))
end
