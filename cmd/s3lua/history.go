package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// lineBreakMark stands for a line break of a multi-line entry in the line
// editor and in the history file, which hold one line per entry: recalled,
// the entry runs with its line breaks back, so a "--" comment still ends at
// its line. (U+2424 SYMBOL FOR NEWLINE; typed in an entry, it is a line break.)
const lineBreakMark = "\u2424"

// historyLimit is the number of entries kept, as liner keeps.
const historyLimit = liner.HistoryLimit

// toHistoryLine is an entry as the editor and the history file hold it.
func toHistoryLine(chunk string) string {
	return strings.ReplaceAll(strings.ReplaceAll(chunk, "\r\n", "\n"), "\n", lineBreakMark)
}

// fromHistoryLine is the text an edited (maybe recalled) line stands for.
func fromHistoryLine(line string) string {
	return strings.ReplaceAll(line, lineBreakMark, "\n")
}

// history is the REPL's history: the entries in the editor's form, and the
// file they are kept in (mode 0600). An entry that holds a secret is never
// kept: one that sets credentials by name (holdsSecret), or one containing
// any secret key or session token the session knows at the time the
// history is saved, which drops earlier entries too once a literal turns
// out to be the key in use.
type history struct {
	path    string          // "" = no file
	secrets func() []string // the secrets in use now
	entries []string
}

// holdsSecret reports whether a REPL entry sets credentials, which would
// put a secret key in the history file: such entries are not kept.
func holdsSecret(chunk string) bool {
	return strings.Contains(chunk, "set_credentials") || strings.Contains(chunk, "AWS_SECRET_ACCESS_KEY") ||
		strings.Contains(chunk, "secret_access_key")
}

// load reads the history file, if any.
func (h *history) load() {
	if h.path == "" {
		return
	}
	f, err := os.Open(h.path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		if line := sc.Text(); strings.TrimSpace(line) != "" {
			h.entries = append(h.entries, line)
		}
	}
	h.filter()
}

// add appends an entry (a chunk as typed, line breaks included).
func (h *history) add(chunk string) {
	if strings.TrimSpace(chunk) == "" || holdsSecret(chunk) {
		return
	}
	h.entries = append(h.entries, toHistoryLine(chunk))
	h.filter()
}

// filter drops the entries holding a secret known now, and the oldest
// beyond historyLimit.
func (h *history) filter() {
	var secrets []string
	if h.secrets != nil {
		for _, s := range h.secrets() {
			// A secret this short would drop unrelated entries; real keys
			// and tokens are far longer.
			if len(s) >= 4 {
				secrets = append(secrets, s)
			}
		}
	}
	kept := h.entries[:0]
	for _, e := range h.entries {
		if holdsSecret(fromHistoryLine(e)) || containsAny(e, secrets) {
			continue
		}
		kept = append(kept, e)
	}
	h.entries = kept
	if n := len(h.entries) - historyLimit; n > 0 {
		h.entries = h.entries[n:]
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// install makes the editor's history the filtered entries.
func (h *history) install(line *liner.State) {
	line.ClearHistory()
	for _, e := range h.entries {
		line.AppendHistory(e)
	}
}

// save filters the entries and rewrites the file: a temporary file renamed
// over it, so that an interrupted save never leaves half a history (or a
// secret in an older copy).
func (h *history) save() error {
	h.filter()
	if h.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.path), ".s3lua-history-*")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	for _, e := range h.entries {
		w.WriteString(e)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), h.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// sessionSecrets are the secret keys and session tokens the REPL's session
// may use: the environment's, the shared credentials file's for the
// profile, and those the s3 module holds (luabind.Secrets: keys the script
// installed, static keys such as --local's). Nothing is fetched over the
// network.
func sessionSecrets(L *lua.LState, o *options) []string {
	out := []string{os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")}
	if c, err := engine.SharedFileCredentials("", o.profile).Retrieve(context.Background()); err == nil {
		out = append(out, c.SecretAccessKey, c.SessionToken)
	}
	return append(out, luabind.Secrets(L)...)
}
