-- Buckets: create, list, location, delete.

function test_create_list_delete()
  local name = BUCKET .. "-x"
  s3.create_bucket(name)
  assert_contains(s3.list_buckets(), name)
  assert_contains(s3.list_buckets(), BUCKET)
  assert_eq(s3.ls(name .. "/"), {})
  s3.delete_bucket(name .. "/") -- a trailing slash is accepted
  assert_not_contains(s3.list_buckets(), name)
end

function test_list_buckets_is_an_array()
  local names = s3.list_buckets()
  assert_true(#names >= 1)
  for i, n in ipairs(names) do assert_type(n, "string") end
end

function test_bucket_location()
  local loc = s3.bucket_location(BUCKET)
  assert_type(loc, "string")
  assert_true(loc == "us-east-1" or loc ~= "", loc)
  assert_type(s3.bucket_location(BUCKET, "my-default"), "string")
  assert_s3_error(function() s3.bucket_location("no-such-bucket-s3lua-lua") end, "NoSuchBucket", 404)
end

function test_delete_missing_bucket_is_idempotent()
  -- as the reference documents: deleting a bucket already deleted is a no-op
  s3.delete_bucket("no-such-bucket-s3lua-lua")
end

function test_delete_non_empty_bucket()
  local name = BUCKET .. "-y"
  s3.create_bucket(name)
  s3.put_bytes(name .. "/k", "x", "text/plain")
  local err = assert_s3_error(function() s3.delete_bucket(name) end)
  assert_eq(err.status, 409)
  s3.delete(name .. "/k")
  s3.delete_bucket(name)
end

function test_create_existing_bucket()
  local ok, err = pcall(s3.create_bucket, BUCKET)
  if not ok then
    assert_type(err, "table")
    assert_eq(err.status, 409)
  end
end

function test_bucket_acl()
  if SERVER == "local" then skip("the embedded store has no ACLs") end
  local acl = s3.get_acl(BUCKET .. "/")
  assert_type(acl.owner, "table")
  assert_type(acl.grants, "table")
end

function test_object_acl_unsupported_is_an_error_table()
  if SERVER ~= "versitygw" then skip("only versitygw refuses object ACLs") end
  s3.put_bytes(bp("k"), "x", "text/plain")
  local err = assert_s3_error(function() s3.get_acl(bp("k")) end)
  assert_type(err.status, "number")
end

function test_create_bucket_with_location()
  local name = BUCKET .. "-loc"
  s3.create_bucket(name, s3.region())
  assert_eq(s3.bucket_location(name), s3.region())
  s3.delete_bucket(name)
end
