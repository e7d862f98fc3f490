package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/s3lua/s3lua/engine"
)

// usageLine is printed with every usage error.
const usageLine = "usage: s3lua [options] [script [args...]]   (s3lua --help for the options)"

// helpText is the --help output.
const helpText = `s3lua: Lua scripting for Amazon S3 and S3-compatible stores.

usage: s3lua [options] [script [args...]]

A script named "-", or no script with a pipe on stdin, is read from stdin.
With no script on a terminal, s3lua starts an interactive REPL.
The global s3 is the S3 module (require "s3"); arg and ... hold the script's arguments.
Options end at the script name: later arguments go to the script.

Lua options:
  -e CHUNK           run CHUNK before the script (repeatable, in order)
  -l MODULE          require MODULE and assign it to the global MODULE (-l name=module also works)
  -i                 enter the REPL after running the script
  --                 stop handling options
  -                  read the script from stdin

S3 options (each overrides the environment, which overrides ~/.aws/config and ~/.aws/credentials):
  --endpoint URL     scheme://host[:port] of the S3 service (env AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)
  --region REGION    signing region (env AWS_REGION, AWS_DEFAULT_REGION; default us-east-1)
  --profile NAME     profile in the shared config and credentials files (env AWS_PROFILE)
  --path-style       path-style requests (automatic for IP addresses and localhost)
  --max-tries N      total attempts per request, 1 = no retry (default 5)
  --local[=DIR]      start an embedded S3 store and use it: in memory, or persisted under DIR
  --ca-bundle FILE   PEM file of the CAs an https endpoint's certificate must chain to
                     (env AWS_CA_BUNDLE, config ca_bundle; default: the system's)
  --insecure         do not verify https certificates (warned about on stderr)
  --quiet            no progress bars
  --debug            print every HTTP attempt on stderr: method, URL (no signature), status,
                     bytes each way, duration, attempt number, retry reason (never a secret)

Other:
  --version          print the version and exit
  --help             print this help and exit

Exit status: 0 success, 1 the script raised an error, 2 usage error.
Ctrl-C once cancels the running S3 operation (an error the script may catch;
uncaught, status 1); a second Ctrl-C exits at once with status 130.
`

// options is the parsed command line.
type options struct {
	chunks      []chunkOpt // -e and -l, in command-line order
	interactive bool       // -i
	version     bool
	help        bool

	endpoint  *url.URL // nil = from env/files/default
	region    string
	profile   string
	pathStyle bool
	maxTries  int // 0 = default
	local     bool
	localDir  string
	caBundle  string // "" = from env/files, else the system's roots
	insecure  bool
	debug     bool // --debug: trace every HTTP attempt on stderr
	quiet     bool

	script     string   // "" = none; "-" = stdin
	scriptArgs []string // after the script name
	scriptIdx  int      // index of the script in the full argv (for arg[])
}

// chunkOpt is one -e or -l option.
type chunkOpt struct {
	kind  byte // 'e' or 'l'
	value string
}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// parseArgs parses argv (without the program name) the way lua(1) does: options
// first, then the script and its arguments, which are never parsed.
func parseArgs(argv []string) (*options, error) {
	o := &options{scriptIdx: -1}
	i := 0
	// value returns the value of an option that takes one, either inline
	// (--opt=v, -ev) or as the next argument.
	value := func(name, inline string, hasInline bool) (string, error) {
		if hasInline {
			return inline, nil
		}
		if i+1 >= len(argv) {
			return "", usagef("option %s needs a value", name)
		}
		i++
		return argv[i], nil
	}
	for ; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			i++
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			break
		}
		if strings.HasPrefix(a, "--") {
			name, inline, hasInline := strings.Cut(a, "=")
			switch name {
			case "--endpoint", "--region", "--profile", "--max-tries", "--ca-bundle":
				v, err := value(name, inline, hasInline)
				if err != nil {
					return nil, err
				}
				switch name {
				case "--endpoint":
					u, err := parseEndpoint(v)
					if err != nil {
						return nil, usagef("bad --endpoint %q: %v", redactURL(v), err)
					}
					o.endpoint = u
				case "--region":
					if v == "" {
						return nil, usagef("option --region needs a value")
					}
					o.region = v
				case "--profile":
					if v == "" {
						return nil, usagef("option --profile needs a value")
					}
					o.profile = v
				case "--ca-bundle":
					if v == "" {
						return nil, usagef("option --ca-bundle needs a file")
					}
					o.caBundle = v
				case "--max-tries":
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 {
						return nil, usagef("bad --max-tries %q: want an integer >= 1", v)
					}
					o.maxTries = n
				}
			case "--local":
				o.local = true
				if hasInline {
					if inline == "" {
						return nil, usagef("option --local= needs a directory")
					}
					o.localDir = inline
				}
			case "--path-style", "--quiet", "--version", "--help", "--insecure", "--debug":
				if hasInline {
					return nil, usagef("option %s takes no value", name)
				}
				switch name {
				case "--path-style":
					o.pathStyle = true
				case "--quiet":
					o.quiet = true
				case "--insecure":
					o.insecure = true
				case "--debug":
					o.debug = true
				case "--version":
					o.version = true
				case "--help":
					o.help = true
				}
			default:
				return nil, usagef("unknown option %s", name)
			}
			continue
		}
		// Short options: -e CHUNK, -eCHUNK, -l MOD, -lMOD, -i, -v, -h.
		switch a[1] {
		case 'e', 'l':
			v, err := value(a[:2], a[2:], len(a) > 2)
			if err != nil {
				return nil, err
			}
			if a[1] == 'l' && v == "" {
				return nil, usagef("option -l needs a module name")
			}
			o.chunks = append(o.chunks, chunkOpt{kind: a[1], value: v})
		case 'i', 'v', 'h':
			if len(a) > 2 {
				return nil, usagef("unknown option %s", a)
			}
			switch a[1] {
			case 'i':
				o.interactive = true
			case 'v':
				o.version = true
			case 'h':
				o.help = true
			}
		default:
			return nil, usagef("unknown option %s", a)
		}
	}
	if i < len(argv) {
		o.script = argv[i]
		o.scriptIdx = i
		o.scriptArgs = argv[i+1:]
	}
	if o.local && o.endpoint != nil {
		return nil, usagef("--local and --endpoint cannot be used together")
	}
	if o.local && (o.insecure || o.caBundle != "") {
		return nil, usagef("--local serves plain http: --insecure and --ca-bundle do not apply")
	}
	return o, nil
}

// parseEndpoint and redactURL are the engine's: one reading of endpoint
// URLs for the flag, the environment and the config file.
func parseEndpoint(s string) (*url.URL, error) { return engine.ParseEndpoint(s) }

func redactURL(s string) string { return engine.RedactURL(s) }
