-- Glob patterns: s3.glob lists the matching keys, s3.glob_match matches a
-- string. A fixed key set, matched against one pattern per feature.

local KEYS = {
  "logs/2026-01/app-01.log.gz", "logs/2026-01/app-2.log.gz", "logs/2026-01/web-01.log.gz",
  "logs/2026-02/app-17.log.gz", "logs/2026-02/deep/app-18.log.gz", "logs/2025-12/app-01.log.gz",
  "logs-old/x", "logs.txt", "a*b", "a-b", "a/b", "data/x.csv", "data/y.json", "data/sub/z.csv",
}

local function put_all()
  for _, k in ipairs(KEYS) do s3.put_bytes(bp(k), "x", "text/plain") end
end

local function globbed(pattern, opts)
  local out = {}
  for item in s3.glob(bp(pattern), opts) do
    assert_type(item.size, "number")
    assert_type(item.last_modified, "string")
    out[#out + 1] = item.key:sub(#PREFIX + 1)
  end
  return out
end

function test_glob_patterns()
  put_all()
  local cases = {
    {"logs/2026-*/app-??.log.gz", {"logs/2026-01/app-01.log.gz", "logs/2026-02/app-17.log.gz"}},
    {"logs/2026-*/app-*.log.gz", {"logs/2026-01/app-01.log.gz", "logs/2026-01/app-2.log.gz", "logs/2026-02/app-17.log.gz"}},
    {"logs/**/app-1?.log.gz", {"logs/2026-02/app-17.log.gz", "logs/2026-02/deep/app-18.log.gz"}},
    {"logs/**", {"logs/2025-12/app-01.log.gz", "logs/2026-01/app-01.log.gz", "logs/2026-01/app-2.log.gz",
                 "logs/2026-01/web-01.log.gz", "logs/2026-02/app-17.log.gz", "logs/2026-02/deep/app-18.log.gz"}},
    {"logs*", {"logs.txt"}},
    {"logs*/*", {"logs-old/x"}},
    {"logs/202[5]-*/*", {"logs/2025-12/app-01.log.gz"}},
    {"logs/2026-0[!1]/*", {"logs/2026-02/app-17.log.gz"}},
    {"data/*.{csv,json}", {"data/x.csv", "data/y.json"}},
    {"data/**/*.csv", {"data/sub/z.csv", "data/x.csv"}},
    {"a\\*b", {"a*b"}},
    {"a?b", {"a*b", "a-b"}},
    {"a/b", {"a/b"}},
    {"nothing/*", {}},
  }
  for _, c in ipairs(cases) do
    assert_eq(globbed(c[1]), c[2], c[1])
  end
  assert_eq(globbed("logs/2026-*/app-??.log.gz", {start_after = PREFIX .. "logs/2026-01/app-01.log.gz"}), {"logs/2026-02/app-17.log.gz"})
  -- Small pages: the literal prefix is listed page by page.
  assert_eq(globbed("logs/2026-*/app-??.log.gz", {max_each = 1}), {"logs/2026-01/app-01.log.gz", "logs/2026-02/app-17.log.gz"})
end

function test_glob_match()
  local cases = {
    {"*.txt", "a.txt", true}, {"*.txt", "d/a.txt", false}, {"**/*.txt", "d/e/a.txt", true},
    {"**/*.txt", "a.txt", true}, {"?", "/", false}, {"[a-c]x", "bx", true}, {"[!a]x", "ax", false},
    {"{a,b}", "b", true}, {"\\?", "?", true}, {"\\?", "x", false}, {"app-??.log", "app-07.log", true},
  }
  for _, c in ipairs(cases) do
    assert_eq(s3.glob_match(c[1], c[2]), c[3], c[1] .. " ~ " .. c[2])
  end
end

function test_glob_errors()
  assert_error(function() s3.glob("buck*/x") end, "bad argument #1 to 'glob' (wildcard in the bucket name")
  assert_error(function() s3.glob(bp("a[")) end, "bad argument #1 to 'glob' (bad glob pattern")
  assert_error(function() s3.glob_match("{a", "a") end, [[bad argument #1 to 'glob_match' (bad glob pattern "{a": unclosed "{")]])
end
