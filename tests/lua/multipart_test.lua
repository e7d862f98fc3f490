-- Multipart uploads: the conveniences, the building blocks, resume.

local MiB = 1024 * 1024
local function part(n, size) return string.rep(string.char(65 + n % 26), size) end

local function write_file(path, parts)
  local f = assert(io.open(path, "wb"))
  for _, p in ipairs(parts) do f:write(p) end
  f:close()
end

local function uploads_for(key)
  local out = {}
  for _, u in ipairs(s3.list_multipart_uploads(BUCKET)) do
    if u.key == key then out[#out + 1] = u end
  end
  return out
end

function test_multipart_put()
  local size = s3.multipart_size_minimum
  local calls = {}
  local id = s3.multipart_put(bp("mp"), 3, function(n)
    calls[#calls + 1] = n
    if n == 2 then return "tail" end
    return part(n, size)
  end, "application/octet-stream")
  assert_type(id, "string")
  table.sort(calls)
  assert_eq(calls, {0, 1, 2})
  assert_eq(s3.head(bp("mp"))["content-length"], tostring(2 * size + 4))
  assert_eq(s3.get_bytes(bp("mp"), nil, size - 1, size + 1), "AB")
  assert_eq(s3.get_bytes(bp("mp"), nil, 2 * size), "tail")
  assert_eq(#uploads_for(PREFIX .. "mp"), 0)
end

function test_multipart_put_get_part_not_string()
  assert_error(function()
    s3.multipart_put(bp("bad"), 2, function(n) if n == 1 then return 42 end return part(n, s3.multipart_size_minimum) end)
  end, "get_part(1) returned number, string expected")
  assert_eq(#uploads_for(PREFIX .. "bad"), 0, "the upload was aborted")
  assert_eq(s3.ls(bp("bad")), {})
end

function test_building_blocks()
  local key = PREFIX .. "blocks"
  local id = s3.initiate_multipart_upload(bp("blocks"), "text/plain", {["x-amz-meta-m"] = "1"})
  assert_type(id, "string")
  local ups = uploads_for(key)
  assert_eq(#ups, 1)
  assert_eq(ups[1].upload_id, id)
  assert_match(ups[1].initiated, "^%d%d%d%d%-")

  local p2 = s3.upload_part(bp("blocks"), id, 2, "second")
  local p1 = s3.upload_part(bp("blocks"), id, 1, part(0, s3.multipart_size_minimum))
  assert_eq(p2[1], 2)
  assert_type(p2[2], "string")
  assert_eq(#p1, 2)

  local parts = s3.list_multipart_upload_parts(bp("blocks"), id)
  assert_eq(#parts, 2)
  assert_eq(parts[1].part_number, 1)
  assert_eq(parts[1].size, s3.multipart_size_minimum)
  assert_eq(parts[2].part_number, 2)
  assert_eq(parts[2].size, 6)
  assert_type(parts[1].etag, "string")
  assert_match(parts[1].last_modified, "^%d%d%d%d%-")

  -- parts in any order
  local res = s3.complete_multipart_upload(bp("blocks"), id, {p2, p1})
  assert_eq(res.key, key)
  assert_eq(res.bucket, BUCKET)
  assert_type(res.etag, "string")
  assert_type(res.location, "string")
  assert_eq(s3.get_bytes(bp("blocks"), nil, s3.multipart_size_minimum), "second")
  assert_eq(s3.head(bp("blocks"))["x-amz-meta-m"], "1")
end

function test_complete_accepts_listed_parts()
  local id = s3.initiate_multipart_upload(bp("listed"), "text/plain")
  s3.upload_part(bp("listed"), id, 1, "only part")
  s3.complete_multipart_upload(bp("listed"), id, s3.list_multipart_upload_parts(bp("listed"), id))
  assert_eq(s3.get_bytes(bp("listed")), "only part")
end

function test_abort()
  local id = s3.initiate_multipart_upload(bp("ab"), "text/plain")
  s3.upload_part(bp("ab"), id, 1, "x")
  s3.abort_multipart_upload(bp("ab"), id)
  assert_eq(#uploads_for(PREFIX .. "ab"), 0)
  assert_s3_error(function() s3.list_multipart_upload_parts(bp("ab"), id) end, "NoSuchUpload", 404)
end

function test_multipart_put_file()
  local path = TMPDIR .. "/big.bin"
  local size = s3.multipart_size_minimum
  write_file(path, {part(0, size), part(1, size), "end"})
  local calls, last = 0, 0
  local id = s3.multipart_put_file(bp("big.bin"), path, {part_size = size, workers = 2,
    progress = function(done, total) calls = calls + 1; last = done; assert_eq(total, 2 * size + 3) end})
  assert_type(id, "string")
  assert_true(calls > 0)
  assert_eq(last, 2 * size + 3)
  local h = s3.head(bp("big.bin"))
  assert_eq(h["content-length"], tostring(2 * size + 3))
  assert_eq(s3.get_bytes(bp("big.bin"), nil, 2 * size), "end")
  s3.get_file(bp("big.bin"), TMPDIR .. "/back.bin")
  local f = io.open(TMPDIR .. "/back.bin", "rb")
  local data = f:read("*a")
  f:close()
  assert_eq(#data, 2 * size + 3)
end

function test_resume()
  local path = TMPDIR .. "/resume.bin"
  local size = s3.multipart_size_minimum
  write_file(path, {part(0, size), part(1, size), "last"})
  -- nothing to resume yet
  assert_nil(s3.incomplete_multipart_put_file(bp("resume.bin"), path))
  assert_nil(s3.resume_multipart_put_file(bp("resume.bin"), path))
  -- an interrupted upload: only the first part went up
  local id = s3.initiate_multipart_upload(bp("resume.bin"), "application/octet-stream")
  s3.upload_part(bp("resume.bin"), id, 1, part(0, size))
  local found, parts = s3.incomplete_multipart_put_file(bp("resume.bin"), path)
  assert_eq(found, id)
  assert_eq(#parts, 1)
  assert_eq(parts[1][1], 1)
  assert_type(parts[1][2], "string")
  local resumed = s3.resume_multipart_put_file(bp("resume.bin"), path)
  assert_eq(resumed, id)
  assert_eq(s3.head(bp("resume.bin"))["content-length"], tostring(2 * size + 4))
  assert_eq(s3.get_bytes(bp("resume.bin"), nil, 2 * size), "last")
  assert_eq(#uploads_for(PREFIX .. "resume.bin"), 0)
end

function test_multipart_put_file_empty()
  local path = TMPDIR .. "/empty.bin"
  local f = assert(io.open(path, "wb")); f:close()
  local id = s3.multipart_put_file(bp("empty.bin"), path)
  assert_eq(id, "", "no multipart upload for an empty file")
  assert_eq(s3.head(bp("empty.bin"))["content-length"], "0")
end
