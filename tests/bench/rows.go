package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lua quotes s as a Lua string literal.
func lua(s string) string { return strconv.Quote(s) }

// s3lua is the s3lua command running chunk against the harness's server.
func (h *harness) s3lua(chunk string) []string {
	return []string{h.tools["s3lua"], "--endpoint", h.endpoint, "--quiet", "-e", chunk}
}

func (h *harness) mc(args ...string) []string {
	return append([]string{h.tools["mc"], "--quiet", "--no-color"}, args...)
}

func (h *harness) s5(args ...string) []string {
	return append([]string{h.tools["s5cmd"], "--endpoint-url", h.endpoint}, args...)
}

// curl is one request signed by curl itself (--aws-sigv4).
func (h *harness) curl(args ...string) []string {
	return append([]string{h.tools["curl"], "-sS", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3",
		"--user", h.access + ":" + h.secret}, args...)
}

func (h *harness) goc(args ...string) []string {
	return append([]string{h.tools["go"], "gohttp", h.endpoint, h.bucket}, args...)
}

func (h *harness) url(key string, q url.Values) string {
	u := h.endpoint + "/" + h.bucket + "/" + key
	if q != nil {
		u += "?" + q.Encode()
	}
	return u
}

func human(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (h *harness) row(id string) row {
	B := h.bucket
	switch id {
	case "startup":
		return row{id: id, title: "start-up: `s3lua -e ''`",
			cmds: []toolCmd{{tool: "s3lua", argv: []string{h.tools["s3lua"], "-e", ""}}}}

	case "empty":
		prefix := "empty/"
		return row{id: id, title: "list an empty prefix (start-up, one request)", limit: "curl",
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(fmt.Sprintf(`print(s3.ls_proc(%s, function(n, items) return n + #items end, 0))`, lua(B+"/"+prefix))), check: wantCount(0, false)},
				{tool: "mc", argv: h.mc("ls", "bench/"+B+"/"+prefix), check: wantCount(0, true)},
				{tool: "s5cmd", argv: h.s5("ls", "s3://"+B+"/"+prefix+"*"), check: nil},
				{tool: "curl", argv: h.curl(h.endpoint + "/" + B + "?" + url.Values{"list-type": {"2"}, "prefix": {prefix}}.Encode()),
					check: func(out string) error {
						if !strings.Contains(out, "<KeyCount>0</KeyCount>") {
							return fmt.Errorf("unexpected answer %q", lastLines(out, 3))
						}
						return nil
					}},
				{tool: "go", argv: h.goc("list", prefix), check: wantCount(0, false)},
			}}

	case "upload":
		key := "up/big.bin"
		src := filepath.Join(h.dir, "big.bin")
		check := func(string) error { return h.checkObject(context.Background(), key) }
		return row{id: id, title: "upload " + human(h.sz.big) + " (`multipart_put_file`, defaults)", limit: "curl",
			setup: func(ctx context.Context) error { return h.makeBig() },
			reset: func(ctx context.Context) error {
				h.c.call(ctx, http.MethodDelete, key, nil, nil, nil)
				return nil
			},
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(fmt.Sprintf(`s3.multipart_put_file(%s, %s)`, lua(B+"/"+key), lua(src))), check: check},
				{tool: "mc", argv: h.mc("cp", src, "bench/"+B+"/"+key), check: check},
				{tool: "s5cmd", argv: h.s5("cp", src, "s3://"+B+"/"+key), check: check},
				{tool: "curl", argv: h.curl("-o", "/dev/null", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", src, h.url(key, nil)), check: check},
			}}

	case "download":
		key := "down/big.bin"
		dst := filepath.Join(h.dir, "download.bin")
		check := func(string) error { return h.checkFile(dst) }
		return row{id: id, title: "download " + human(h.sz.big) + " to a file (`get_file`, defaults)", limit: "curl",
			setup: func(ctx context.Context) error {
				if err := h.makeBig(); err != nil {
					return err
				}
				f, err := os.Open(h.bigFile)
				if err != nil {
					return err
				}
				defer f.Close()
				resp, err := h.c.do(ctx, http.MethodPut, key, nil, f, h.sz.big, nil)
				if err != nil {
					return err
				}
				resp.Body.Close()
				return h.checkObject(ctx, key)
			},
			reset: func(ctx context.Context) error {
				if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
					return err
				}
				return nil
			},
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(fmt.Sprintf(`s3.get_file(%s, %s)`, lua(B+"/"+key), lua(dst))), check: check},
				{tool: "mc", argv: h.mc("cp", "bench/"+B+"/"+key, dst), check: check},
				{tool: "s5cmd", argv: h.s5("cp", "s3://"+B+"/"+key, dst), check: check},
				{tool: "curl", argv: h.curl("-o", dst, h.url(key, nil)), check: check},
			}}

	case "list", "list10x":
		n, prefix := h.sz.listKeys, "list/"
		if id == "list10x" {
			n, prefix = h.sz.list10Keys, "list10x/"
		}
		return row{id: id, title: "list " + thousands(n) + " keys (`ls_proc`)", limit: "go",
			setup: func(ctx context.Context) error { return h.fill(ctx, prefix, n) },
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(fmt.Sprintf(`print(s3.ls_proc(%s, function(n, items) return n + #items end, 0))`, lua(B+"/"+prefix))), check: wantCount(n, false)},
				{tool: "mc", argv: h.mc("ls", "--recursive", "bench/"+B+"/"+prefix), check: wantCount(n, true)},
				{tool: "s5cmd", argv: h.s5("ls", "s3://"+B+"/"+prefix+"*"), check: wantCount(n, true)},
				{tool: "go", argv: h.goc("list", prefix), check: wantCount(n, false)},
			}}

	case "small":
		n, prefix := h.sz.small, "small/"
		check := func(string) error { return h.wantKeys(context.Background(), prefix, n, int64(h.sz.smallSize)) }
		dir := filepath.Join(h.dir, "small")
		chunk := fmt.Sprintf(`for i = 0, %d do local name = string.format("f-%%06d", i)
  s3.put_file(%s .. name, %s .. name) end`, n-1, lua(B+"/"+prefix), lua(dir+"/"))
		return row{id: id, title: thousands(n) + " uploads of " + human(int64(h.sz.smallSize)) + " (Lua loop of `put_file`)", limit: "go",
			setup: func(ctx context.Context) error { return h.makeSmallDir() },
			reset: func(ctx context.Context) error { return h.c.deletePrefix(ctx, prefix) },
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(chunk), check: check},
				{tool: "mc", argv: h.mc("cp", "--recursive", dir+"/", "bench/"+B+"/"+prefix), check: check},
				{tool: "s5cmd", argv: h.s5("cp", dir+"/*", "s3://"+B+"/"+prefix), check: check},
				{tool: "go", argv: h.goc("put-dir", dir, prefix, "1"), check: check},
			}}

	case "batch":
		n, prefix := h.sz.small, "batch/"
		check := func(string) error { return h.wantKeys(context.Background(), prefix, n, int64(h.sz.smallSize)) }
		dir := filepath.Join(h.dir, "small")
		chunk := fmt.Sprintf(`local b = s3.batch()
for i = 0, %d do local name = string.format("f-%%06d", i)
  b:put_file(%s .. name, %s .. name) end
local s = b:wait()
print(s.ok)`, n-1, lua(B+"/"+prefix), lua(dir+"/"))
		return row{id: id, title: thousands(n) + " uploads of " + human(int64(h.sz.smallSize)) + " (`s3.batch`, default 32 workers)", limit: "go",
			setup: func(ctx context.Context) error { return h.makeSmallDir() },
			reset: func(ctx context.Context) error { return h.c.deletePrefix(ctx, prefix) },
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(chunk), check: func(out string) error {
					if err := wantCount(n, false)(out); err != nil {
						return err
					}
					return check(out)
				}},
				{tool: "mc", argv: h.mc("cp", "--recursive", dir+"/", "bench/"+B+"/"+prefix), check: check},
				{tool: "s5cmd", argv: h.s5("cp", dir+"/*", "s3://"+B+"/"+prefix), check: check},
				{tool: "go", argv: h.goc("put-dir", dir, prefix, "32"), check: check},
			}}

	case "sync", "sync-nochange":
		n, prefix := h.sz.small, "sync/"
		dir := filepath.Join(h.dir, "small")
		keys := func(string) error { return h.wantKeys(context.Background(), prefix, n, int64(h.sz.smallSize)) }
		want := n
		title := "sync " + thousands(n) + " files of " + human(int64(h.sz.smallSize)) + " to an empty prefix (`s3.sync`)"
		reset := func(ctx context.Context) error { return h.c.deletePrefix(ctx, prefix) }
		goArgv := h.goc("put-dir", dir, prefix, "32")
		if id == "sync-nochange" {
			want = 0
			title = "sync " + thousands(n) + " files, nothing changed (`s3.sync`)"
			reset = func(ctx context.Context) error {
				if got, _, err := h.c.count(ctx, prefix); err == nil && got == n {
					return nil
				}
				return h.uploadDir(ctx, dir, prefix)
			}
			goArgv = h.goc("list", prefix)
		}
		chunk := fmt.Sprintf(`print(s3.sync(%s, %s).uploads)`, lua(dir), lua("s3://"+B+"/"+prefix))
		return row{id: id, title: title, limit: "go",
			setup: func(ctx context.Context) error { return h.makeSmallDir() },
			reset: reset,
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(chunk), check: func(out string) error {
					if err := wantCount(want, false)(out); err != nil {
						return err
					}
					return keys(out)
				}},
				{tool: "mc", argv: h.mc("mirror", dir+"/", "bench/"+B+"/"+prefix), check: keys},
				{tool: "s5cmd", argv: h.s5("sync", dir+"/", "s3://"+B+"/"+prefix), check: keys},
				{tool: "go", argv: goArgv, check: func(string) error { return keys("") }},
			}}

	case "delete":
		n, prefix := h.sz.del, "del/"
		check := func(string) error { return h.wantKeys(context.Background(), prefix, 0, 0) }
		chunk := fmt.Sprintf(`local keys = {}
for i = 0, %d do keys[#keys + 1] = string.format("%sk-%%06d", i) end
print(#s3.delete_multiple(%s, keys))`, n-1, prefix, lua(B))
		return row{id: id, title: "delete " + thousands(n) + " keys (`delete_multiple`)", limit: "go",
			reset: func(ctx context.Context) error { return h.fill(ctx, prefix, n) },
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(chunk), check: check},
				{tool: "mc", argv: h.mc("rm", "--recursive", "--force", "bench/"+B+"/"+prefix), check: check},
				{tool: "s5cmd", argv: h.s5("rm", "s3://"+B+"/"+prefix+"*"), check: check},
				{tool: "go", argv: h.goc("delete", prefix, strconv.Itoa(n)), check: check},
			}}

	case "delprefix":
		n, prefix := h.sz.del, "delp/"
		check := func(string) error { return h.wantKeys(context.Background(), prefix, 0, 0) }
		chunk := fmt.Sprintf(`local s = s3.delete_prefix(%s)
assert(s.failed == 0 and s.ok == %d, "delete_prefix")`, lua(B+"/"+prefix), n)
		return row{id: id, title: "delete " + thousands(n) + " keys by prefix (`delete_prefix`)", limit: "go",
			reset: func(ctx context.Context) error { return h.fill(ctx, prefix, n) },
			cmds: []toolCmd{
				{tool: "s3lua", argv: h.s3lua(chunk), check: check},
				{tool: "mc", argv: h.mc("rm", "--recursive", "--force", "bench/"+B+"/"+prefix), check: check},
				{tool: "s5cmd", argv: h.s5("rm", "s3://"+B+"/"+prefix+"*"), check: check},
				{tool: "go", argv: h.goc("delete", prefix, strconv.Itoa(n)), check: check},
			}}
	}
	panic("unknown row " + id)
}
