// Command bench is s3lua's benchmark harness: it starts a MinIO of its own on
// loopback (data on tmpfs when there is room), makes its data, and measures
// the s3lua command end to end (wall time, user+system CPU, peak RSS of the
// process) beside mc, curl (one request: the floor for single transfers), a
// plain Go net/http client doing the same requests with the same concurrency
// (the limit for listing and many-request rows; `bench gohttp`), and s5cmd
// when one is on PATH. Each row has a warm-up run, then -runs runs in which
// the tools take turns; medians are reported with ratios, every result is
// checked (sizes, checksums, key counts), and the machine and its load are
// recorded.
//
// Run it with tests/bench/run.sh, which builds everything it needs; see
// docs/performance.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	flagS3lua    = flag.String("s3lua", "", "the s3lua binary (required)")
	flagMC       = flag.String("mc", "", "the mc binary (its column is left out when empty)")
	flagS5       = flag.String("s5cmd", "", "the s5cmd binary (default: s5cmd on PATH, if any)")
	flagMinio    = flag.String("minio", "", "the MinIO binary (not needed with -endpoint)")
	flagEndpoint = flag.String("endpoint", "", "use this running server (http://127.0.0.1:PORT) instead of starting MinIO; keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
	flagRuns     = flag.Int("runs", 3, "measured runs per tool and row (after one warm-up run)")
	flagSmoke    = flag.Bool("smoke", false, "tiny sizes, one run, no warm-up: checks that the harness works, measures nothing")
	flagRows     = flag.String("rows", "", "comma-separated row ids to run (default: all); ids: "+strings.Join(allRowIDs, ","))
	flagOut      = flag.String("out", "", "also append the report (markdown) to this file")
	flagDir      = flag.String("dir", "", "work directory (default: a new directory on /dev/shm when it has room, else in $TMPDIR)")
	flagTools    = flag.String("tools", "", "comma-separated tools to run (default: all available)")
	flagBase     = flag.String("s3lua-base", "", "another s3lua binary (say, built from an earlier commit) measured in an extra column, s3lua@base, for before/after comparisons")
)

var allRowIDs = []string{"startup", "empty", "upload", "download", "list", "small", "batch", "delete", "delprefix", "sync", "sync-nochange", "list10x"}

// sizes are the workload sizes; -smoke shrinks them.
type sizes struct {
	big        int64 // upload and download
	listKeys   int   // "list" row
	list10Keys int   // "list10x" row
	small      int   // small uploads
	smallSize  int
	del        int // delete row
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "gohttp" {
		if err := goPeer(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench gohttp:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "launch" {
		os.Exit(launch(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "engine" {
		if err := engineProfile(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench engine:", err)
			os.Exit(1)
		}
		return
	}
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// harness is one run of the benchmark.
type harness struct {
	dir      string // work directory (data files, MinIO's drive, HOME of the tools)
	tmpfs    bool
	endpoint string
	host     string
	access   string
	secret   string
	bucket   string
	c        *s3c
	sz       sizes
	tools    map[string]string // tool -> binary
	out      io.Writer
	bigFile  string
	bigCRC   uint32
	smallDir string
}

func run() error {
	if *flagS3lua == "" {
		return errors.New("-s3lua is required")
	}
	h := &harness{tools: map[string]string{}, bucket: "bench"}
	h.sz = sizes{big: 1 << 30, listKeys: 20000, list10Keys: 200000, small: 1000, smallSize: 4096, del: 1000}
	runs := *flagRuns
	if *flagSmoke {
		h.sz = sizes{big: 12 << 20, listKeys: 300, list10Keys: 3000, small: 20, smallSize: 4096, del: 20}
		runs = 1
	}
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	h.tools["s3lua"] = abs(*flagS3lua)
	if *flagBase != "" {
		h.tools["s3lua@base"] = abs(*flagBase)
	}
	if *flagMC != "" {
		h.tools["mc"] = abs(*flagMC)
	}
	if s := *flagS5; s != "" {
		h.tools["s5cmd"] = abs(s)
	} else if p, err := exec.LookPath("s5cmd"); err == nil {
		h.tools["s5cmd"] = p
	}
	if p, err := exec.LookPath("curl"); err == nil {
		h.tools["curl"] = p
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	h.tools["go"] = self
	if *flagTools != "" {
		keep := strings.Split(*flagTools, ",")
		for t := range h.tools {
			if !slices.Contains(keep, t) && t != "s3lua" {
				delete(h.tools, t)
			}
		}
	}
	rows := allRowIDs
	if *flagRows != "" {
		rows = strings.Split(*flagRows, ",")
		for _, r := range rows {
			if !slices.Contains(allRowIDs, r) {
				return fmt.Errorf("unknown row %q (rows: %s)", r, strings.Join(allRowIDs, ","))
			}
		}
	}

	need := int64(3*h.sz.big + 512<<20) // source file, MinIO's copies, a download
	if err := h.makeDir(need); err != nil {
		return err
	}
	defer os.RemoveAll(h.dir)
	stop, err := h.startServer()
	if err != nil {
		return err
	}
	defer stop()

	var report bytes.Buffer
	h.out = io.MultiWriter(os.Stdout, &report)
	if *flagOut != "" {
		defer func() {
			f, err := os.OpenFile(*flagOut, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				f.Write(report.Bytes())
				f.Close()
			}
		}()
	}
	h.header(runs)
	ctx := context.Background()
	if _, err := h.c.call(ctx, http.MethodPut, "", nil, nil, nil); err != nil {
		return fmt.Errorf("creating the bucket: %w", err)
	}
	var results []rowResult
	for _, id := range rows {
		r := h.row(id)
		res, err := h.runRow(ctx, r, runs)
		if err != nil {
			return fmt.Errorf("row %s: %w", id, err)
		}
		results = append(results, res)
	}
	h.summary(results)
	return nil
}

// makeDir creates the work directory, on tmpfs when it has need bytes free.
func (h *harness) makeDir(need int64) error {
	parent := *flagDir
	if parent == "" {
		parent = os.TempDir()
		var st syscall.Statfs_t
		if syscall.Statfs("/dev/shm", &st) == nil && int64(st.Bavail)*st.Bsize > need+1<<30 {
			parent = "/dev/shm"
		}
	}
	d, err := os.MkdirTemp(parent, "s3lua-bench-")
	if err != nil {
		return err
	}
	h.dir = d
	var st syscall.Statfs_t
	if syscall.Statfs(d, &st) == nil {
		h.tmpfs = st.Type == 0x01021994 // TMPFS_MAGIC
		if free := int64(st.Bavail) * st.Bsize; free < need {
			return fmt.Errorf("%s has %d MiB free, the benchmark needs about %d MiB", d, free>>20, need>>20)
		}
	}
	return os.MkdirAll(filepath.Join(d, "home"), 0o755)
}

// startServer starts MinIO on a free loopback port (or uses -endpoint) and
// returns its stop function.
func (h *harness) startServer() (func(), error) {
	if *flagEndpoint != "" {
		h.endpoint = strings.TrimRight(*flagEndpoint, "/")
		h.access, h.secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		h.bucket = fmt.Sprintf("bench-%d", time.Now().UnixNano()%1e9)
		h.host = strings.TrimPrefix(strings.TrimPrefix(h.endpoint, "http://"), "https://")
		c, err := newS3c(h.endpoint, h.bucket, h.access, h.secret, "us-east-1")
		h.c = c
		return func() {
			ctx := context.Background()
			h.c.deletePrefix(ctx, "")
			h.c.call(ctx, http.MethodDelete, "", nil, nil, nil)
		}, err
	}
	if *flagMinio == "" {
		return nil, errors.New("-minio or -endpoint is required")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cport, err := freePort()
	if err != nil {
		return nil, err
	}
	h.access = "bench" + strconv.FormatUint(rand.Uint64()%1e8, 10)
	h.secret = strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
	h.host = "127.0.0.1:" + strconv.Itoa(port)
	h.endpoint = "http://" + h.host
	data := filepath.Join(h.dir, "minio")
	logf, err := os.Create(filepath.Join(h.dir, "minio.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(*flagMinio, "server", "--quiet", "--address", h.host, "--console-address", "127.0.0.1:"+strconv.Itoa(cport), data)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+h.access, "MINIO_ROOT_PASSWORD="+h.secret,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=on")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(h.endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			log, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("MinIO did not start: %s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	h.c, err = newS3c(h.endpoint, h.bucket, h.access, h.secret, "us-east-1")
	return stop, err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// env is the environment of every measured tool: the server's keys, a HOME
// of its own (no user config), no metadata service.
func (h *harness) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "MC_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+filepath.Join(h.dir, "home"),
		"AWS_ACCESS_KEY_ID="+h.access, "AWS_SECRET_ACCESS_KEY="+h.secret, "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"MC_HOST_bench=http://"+h.access+":"+h.secret+"@"+h.host)
}

// sample is one measured run of one tool.
type sample struct {
	wall, cpu time.Duration
	rssKiB    int64
}

// measure runs argv to its end and returns its wall time, its user+system
// CPU and its peak RSS, and its standard output. The tool is started by
// `bench launch` (see launch), whose report is read from a pipe.
func (h *harness) measure(argv []string) (sample, string, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, "", err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return sample{}, "", err
	}
	defer pr.Close()
	cmd := exec.Command(self, append([]string{"launch"}, argv...)...)
	cmd.Env = h.env()
	cmd.Dir = h.dir
	cmd.ExtraFiles = []*os.File{pw}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return sample{}, "", err
	}
	report, _ := io.ReadAll(pr)
	if err := cmd.Wait(); err != nil {
		return sample{}, "", fmt.Errorf("%s: %v: %s", filepath.Base(argv[0]), err, lastLines(stderr.String()+stdout.String(), 8))
	}
	var s sample
	var wall, cpu int64
	if _, err := fmt.Sscan(string(report), &wall, &cpu, &s.rssKiB); err != nil {
		return sample{}, "", fmt.Errorf("%s: no measurement (%q): %v", filepath.Base(argv[0]), report, err)
	}
	s.wall, s.cpu = time.Duration(wall), time.Duration(cpu)
	return s, stdout.String(), nil
}

// launch is `bench launch ARGV...`: it runs ARGV with this process's
// standard streams and writes "wall-ns cpu-ns maxrss-KiB" to file
// descriptor 3. A small process of its own starts the tool because Linux
// counts in a child's ru_maxrss the memory of the process that forked it
// (the harness's, tens of MiB after a big listing); this one stays small.
func launch(argv []string) int {
	if len(argv) == 0 {
		return 2
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "bench launch:", err)
		return 127
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	report := os.NewFile(3, "report")
	fmt.Fprintf(report, "%d %d %d\n", wall.Nanoseconds(), ru.Utime.Nano()+ru.Stime.Nano(), ru.Maxrss)
	report.Close()
	return cmd.ProcessState.ExitCode()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// toolCmd is one tool's command for a row, with the check of its result.
type toolCmd struct {
	tool  string
	argv  []string
	check func(stdout string) error
}

// row is one workload.
type row struct {
	id, title string
	limit     string // the tool that is the limit ("curl" or "go"), "" for none
	setup     func(ctx context.Context) error
	reset     func(ctx context.Context) error // before every run, not timed
	cmds      []toolCmd
}

type rowResult struct {
	r       row
	medians map[string]sample
	order   []string
	loadA   string
	loadB   string
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func (h *harness) runRow(ctx context.Context, r row, runs int) (rowResult, error) {
	res := rowResult{r: r, medians: map[string]sample{}}
	var cmds []toolCmd
	for _, c := range r.cmds {
		if _, ok := h.tools[c.tool]; ok {
			cmds = append(cmds, c)
		}
		if base, ok := h.tools["s3lua@base"]; ok && c.tool == "s3lua" {
			b := c
			b.tool = "s3lua@base"
			b.argv = append([]string{base}, c.argv[1:]...)
			cmds = append(cmds, b)
		}
	}
	fmt.Fprintf(os.Stderr, "bench: %s: setting up\n", r.title)
	if r.setup != nil {
		if err := r.setup(ctx); err != nil {
			return res, fmt.Errorf("setup: %w", err)
		}
	}
	res.loadA = loadavg()
	samples := map[string][]sample{}
	first := 0
	if *flagSmoke {
		first = 1
	}
	for run := first; run <= runs; run++ {
		// Tools take turns, starting with a different one each run.
		for j := range cmds {
			c := cmds[(j+run)%len(cmds)]
			if r.reset != nil {
				if err := r.reset(ctx); err != nil {
					return res, fmt.Errorf("reset before %s: %w", c.tool, err)
				}
			}
			s, out, err := h.measure(c.argv)
			if err != nil {
				return res, err
			}
			if c.check != nil {
				if err := c.check(out); err != nil {
					return res, fmt.Errorf("%s: wrong result: %w", c.tool, err)
				}
			}
			fmt.Fprintf(os.Stderr, "bench: %s: %s run %d: %.3f s wall, %.3f s CPU, %d MiB\n", r.id, c.tool, run, s.wall.Seconds(), s.cpu.Seconds(), s.rssKiB>>10)
			if run > 0 {
				samples[c.tool] = append(samples[c.tool], s)
			}
		}
	}
	if r.reset != nil {
		r.reset(ctx)
	}
	res.loadB = loadavg()
	for _, c := range cmds {
		res.order = append(res.order, c.tool)
		res.medians[c.tool] = median(samples[c.tool])
	}
	h.printRow(res, samples)
	return res, nil
}

func median(ss []sample) sample {
	if len(ss) == 0 {
		return sample{}
	}
	pick := func(get func(sample) int64) int64 {
		v := make([]int64, len(ss))
		for i, s := range ss {
			v[i] = get(s)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return sample{
		wall:   time.Duration(pick(func(s sample) int64 { return int64(s.wall) })),
		cpu:    time.Duration(pick(func(s sample) int64 { return int64(s.cpu) })),
		rssKiB: pick(func(s sample) int64 { return s.rssKiB }),
	}
}

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3f", d.Seconds())
	}
	return fmt.Sprintf("%.2f", d.Seconds())
}

func (h *harness) printRow(res rowResult, samples map[string][]sample) {
	w := h.out
	fmt.Fprintf(w, "\n### %s\n\nload average before / after: %s / %s\n\n", res.r.title, res.loadA, res.loadB)
	fmt.Fprintln(w, "| tool | wall s | CPU s | peak RSS MiB | s3lua ÷ tool, wall | s3lua ÷ tool, CPU | wall of each run |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|")
	me := res.medians["s3lua"]
	for _, t := range res.order {
		m := res.medians[t]
		name := t
		if t == res.r.limit {
			name += " (limit)"
		}
		var each []string
		for _, s := range samples[t] {
			each = append(each, secs(s.wall))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s | %s |\n", name, secs(m.wall), secs(m.cpu), m.rssKiB>>10,
			ratio(me.wall, m.wall), ratio(me.cpu, m.cpu), strings.Join(each, " "))
	}
	for _, c := range res.r.cmds {
		if c.tool == "s3lua" {
			fmt.Fprintf(w, "\ns3lua command: `%s`\n", shellQuote(c.argv))
		}
	}
}

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func shellQuote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if i == 0 {
			a = filepath.Base(a)
		}
		if strings.ContainsAny(a, " \t\n\"'$;()|&<>*?[]{}\\") || a == "" {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// summary prints one line per row: s3lua against the best peer and the limit.
func (h *harness) summary(results []rowResult) {
	w := h.out
	fmt.Fprintln(w, "\n### Summary (medians; ratios are s3lua ÷ tool, wall time)")
	fmt.Fprintln(w, "\n| row | s3lua wall s / CPU s / RSS MiB | best peer | s3lua ÷ best peer | limit | s3lua ÷ limit |")
	fmt.Fprintln(w, "|---|---|---|---:|---|---:|")
	for _, res := range results {
		me, ok := res.medians["s3lua"]
		if !ok {
			continue
		}
		best := ""
		for _, t := range res.order {
			if t == "s3lua" || t == "go" || t == "s3lua@base" {
				continue
			}
			if best == "" || res.medians[t].wall < res.medians[best].wall {
				best = t
			}
		}
		bestCell, bestRatio := "-", "-"
		if best != "" {
			bestCell = fmt.Sprintf("%s %s", best, secs(res.medians[best].wall))
			bestRatio = ratio(me.wall, res.medians[best].wall)
		}
		limCell, limRatio := "-", "-"
		if l, ok := res.medians[res.r.limit]; ok {
			limCell = fmt.Sprintf("%s %s", res.r.limit, secs(l.wall))
			limRatio = ratio(me.wall, l.wall)
		}
		fmt.Fprintf(w, "| %s | %s / %s / %d | %s | %s | %s | %s |\n", res.r.title, secs(me.wall), secs(me.cpu), me.rssKiB>>10,
			bestCell, bestRatio, limCell, limRatio)
	}
}

func (h *harness) header(runs int) {
	w := h.out
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, cpu, _ = strings.Cut(l, ":")
				cpu = strings.TrimSpace(cpu)
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				mem = fmt.Sprintf("%d GiB", (kb+512<<10)>>20)
			}
		}
	}
	fs := "disk"
	if h.tmpfs {
		fs = "tmpfs"
	}
	fmt.Fprintf(w, "## Run of %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "- machine: %s, %d CPUs, %s RAM, Linux %s, %s\n", cpu, runtime.NumCPU(), mem, strings.TrimSpace(string(kernel)), runtime.Version())
	fmt.Fprintf(w, "- server: %s, data on %s (%s); load average at start: %s\n", serverName(), fs, h.dir, loadavg())
	var names []string
	for t := range h.tools {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		fmt.Fprintf(w, "- %s: %s\n", t, toolVersion(t, h.tools[t]))
	}
	mode := fmt.Sprintf("one warm-up run, then medians of %d runs, tools taking turns", runs)
	if *flagSmoke {
		mode = "SMOKE MODE (tiny sizes, one run): not a measurement"
	}
	fmt.Fprintf(w, "- %s\n", mode)
}

func serverName() string {
	if *flagEndpoint != "" {
		return "server at " + *flagEndpoint
	}
	return "MinIO " + filepath.Base(filepath.Dir(*flagMinio))
}

func toolVersion(tool, bin string) string {
	var args []string
	switch tool {
	case "go":
		return "plain net/http client (`bench gohttp`), " + runtime.Version()
	case "s3lua", "s3lua@base":
		args = []string{"--version"}
	case "mc", "curl", "s5cmd":
		args = []string{"--version"}
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		return bin
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// ---------------------------------------------------------------- data

// makeBig writes the pseudo-random source file of the transfer rows and
// remembers its CRC-32C.
func (h *harness) makeBig() error {
	if h.bigFile != "" {
		return nil
	}
	name := filepath.Join(h.dir, "big.bin")
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	buf := make([]byte, 4<<20)
	for left := h.sz.big; left > 0; {
		n := min(int64(len(buf)), left)
		rng.Read(buf[:n])
		crc.Write(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			return err
		}
		left -= n
	}
	h.bigFile, h.bigCRC = name, crc.Sum32()
	return f.Close()
}

func fileCRC(name string) (uint32, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	n, err := io.Copy(crc, f)
	return crc.Sum32(), n, err
}

// checkObject checks that key holds exactly the big file.
func (h *harness) checkObject(ctx context.Context, key string) error {
	resp, err := h.c.do(ctx, http.MethodGet, key, nil, nil, 0, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	n, err := io.Copy(crc, resp.Body)
	if err != nil {
		return err
	}
	if n != h.sz.big || crc.Sum32() != h.bigCRC {
		return fmt.Errorf("object %s: %d bytes, CRC-32C %08x; want %d bytes, %08x", key, n, crc.Sum32(), h.sz.big, h.bigCRC)
	}
	return nil
}

func (h *harness) checkFile(name string) error {
	crc, n, err := fileCRC(name)
	if err != nil {
		return err
	}
	if n != h.sz.big || crc != h.bigCRC {
		return fmt.Errorf("%s: %d bytes, CRC-32C %08x; want %d bytes, %08x", name, n, crc, h.sz.big, h.bigCRC)
	}
	return nil
}

func (h *harness) makeSmallDir() error {
	if h.smallDir != "" {
		return nil
	}
	d := filepath.Join(h.dir, "small")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	rng := rand.NewChaCha8([32]byte{4, 5, 6})
	buf := make([]byte, h.sz.smallSize)
	for i := range h.sz.small {
		rng.Read(buf)
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f-%06d", i)), buf, 0o644); err != nil {
			return err
		}
	}
	h.smallDir = d
	return nil
}

// uploadDir stores every file of dir under prefix (in-process, 32 at a time).
func (h *harness) uploadDir(ctx context.Context, dir, prefix string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	return parallel(len(ents), 32, func(i int) error {
		data, err := os.ReadFile(filepath.Join(dir, ents[i].Name()))
		if err != nil {
			return err
		}
		_, err = h.c.call(ctx, http.MethodPut, prefix+ents[i].Name(), nil, data, nil)
		return err
	})
}

// wantCount checks a tool's output: its last line is the count n, or (for
// tools that print one line per object) it has n non-empty lines.
func wantCount(n int, linesPerObject bool) func(string) error {
	return func(out string) error {
		out = strings.TrimSpace(out)
		if linesPerObject {
			got := 0
			if out != "" {
				got = strings.Count(out, "\n") + 1
			}
			if got != n {
				return fmt.Errorf("%d objects listed, want %d", got, n)
			}
			return nil
		}
		lines := strings.Split(out, "\n")
		if last := lines[len(lines)-1]; last != strconv.Itoa(n) {
			return fmt.Errorf("printed %q, want %d", lastLines(out, 3), n)
		}
		return nil
	}
}

func (h *harness) wantKeys(ctx context.Context, prefix string, n int, size int64) error {
	got, bytes, err := h.c.count(ctx, prefix)
	if err != nil {
		return err
	}
	if got != n || (size >= 0 && bytes != int64(n)*size) {
		return fmt.Errorf("%s holds %d objects, %d bytes; want %d objects of %d bytes", prefix, got, bytes, n, size)
	}
	return nil
}

// fill makes n empty objects keyName(prefix, i), unless they are there.
func (h *harness) fill(ctx context.Context, prefix string, n int) error {
	if got, _, err := h.c.count(ctx, prefix); err == nil && got == n {
		return nil
	}
	start := time.Now()
	err := h.c.putMany(ctx, n, 32, func(i int) string { return keyName(prefix, i) }, func(int) []byte { return []byte{} })
	fmt.Fprintf(os.Stderr, "bench: made %d keys under %s in %.1f s\n", n, prefix, time.Since(start).Seconds())
	return err
}
