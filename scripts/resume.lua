-- resume.lua: upload a big file with multipart, resuming an interrupted
-- upload of the same file to the same key when there is one.
--
-- With an incomplete upload for the key, the parts already uploaded whose
-- ETag matches the MD5 of the same slice of the file are kept and only the
-- rest are sent (resume_multipart_put_file); otherwise a new multipart upload
-- starts (multipart_put_file). Run it again after an interruption.
--
-- Usage:   s3lua [s3 options] scripts/resume.lua FILE BUCKET/KEY [PART_SIZE]
-- Arguments:
--   FILE        the local file to upload
--   BUCKET/KEY  the object to create
--   PART_SIZE   part size in bytes (default: computed; at least 5 MiB); give
--               the same value as the interrupted run
-- Output: whether it resumed (with the upload id and the parts kept) or
-- started anew, then the object's size.
-- Example:
--   s3lua scripts/resume.lua backup.tar my-bucket/backups/backup.tar
local s3 = require "s3"

local file, bp, part_size = arg[1], arg[2], tonumber(arg[3])
if not file or not bp or not bp:find("/", 1, true) then
  error("usage: resume.lua FILE BUCKET/KEY [PART_SIZE]", 0)
end
local opts = { part_size = part_size }

local id, parts = s3.incomplete_multipart_put_file(bp, file, opts)
if id then
  print(string.format("resuming upload %s: %d part(s) already uploaded", id, #parts))
  local done = s3.resume_multipart_put_file(bp, file, opts)
  print("completed upload " .. tostring(done))
else
  print("no interrupted upload for " .. bp .. ": starting a new multipart upload")
  print("completed upload " .. s3.multipart_put_file(bp, file, opts))
end
print("size " .. s3.head(bp)["content-length"])
