package luabind

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The sandbox's io and os: every file is opened, renamed or removed through
// the module's os.Root, so a path cannot lead out of Root, not even through
// a symbolic link swapped in after the check that gives the error message.
// Without a Root there is no file access at all.

// fileType is the metatable name of the sandbox's files.
const fileType = "s3lua.file"

// sandboxFile is a file opened by the sandbox's io.open.
type sandboxFile struct {
	f      *os.File
	rd     *body // reading side, buffered; nil until the first read
	closed bool
}

var fileMethods = map[string]lua.LGFunction{
	"read":    fileRead,
	"lines":   fileLines,
	"write":   fileWrite,
	"seek":    fileSeek,
	"flush":   fileFlush,
	"setvbuf": fileFlush,
	"close":   fileClose,
}

// sandboxIO fills the sandbox's io and os tables.
func (m *module) sandboxIO(L *lua.LState, ioTable, osTable *lua.LTable) {
	mt := L.NewTypeMetatable(fileType)
	mt.RawSetString("__index", L.SetFuncs(L.NewTable(), fileMethods))
	mt.RawSetString("__tostring", L.NewFunction(fileToString))
	mt.RawSetString("__name", lua.LString(fileType))

	ioTable.RawSetString("write", L.NewFunction(ioWrite))
	ioTable.RawSetString("type", L.NewFunction(ioType))
	if m.rootFS == nil {
		return
	}
	ioTable.RawSetString("open", L.NewFunction(m.ioOpen))
	ioTable.RawSetString("lines", L.NewFunction(m.ioLines))
	ioTable.RawSetString("close", L.NewFunction(fileClose))
	osTable.RawSetString("remove", L.NewFunction(m.osRemove))
	osTable.RawSetString("rename", L.NewFunction(m.osRename))
}

// inRoot returns argument n of fn as a name relative to Root, or raises an
// argument error.
func (m *module) inRoot(L *lua.LState, fn string, n int) string {
	file := L.CheckString(n)
	if file == "" {
		raiseMessage(L, fmt.Sprintf("bad argument #%d to '%s' (file name expected, got an empty string)", n, fn))
	}
	p, err := resolveInRoot(m.root, file)
	if err == nil {
		var rel string
		if rel, err = filepath.Rel(m.root, p); err == nil {
			return rel
		}
	}
	raiseMessage(L, fmt.Sprintf("bad argument #%d to '%s' (%s)", n, fn, err.Error()))
	return ""
}

// openFlags maps io.open's modes to os flags.
func openFlags(mode string) (int, bool) {
	mode = strings.TrimSuffix(mode, "b")
	switch mode {
	case "r":
		return os.O_RDONLY, true
	case "w":
		return os.O_WRONLY | os.O_CREATE | os.O_TRUNC, true
	case "a":
		return os.O_WRONLY | os.O_CREATE | os.O_APPEND, true
	case "r+":
		return os.O_RDWR, true
	case "w+":
		return os.O_RDWR | os.O_CREATE | os.O_TRUNC, true
	case "a+":
		return os.O_RDWR | os.O_CREATE | os.O_APPEND, true
	}
	return 0, false
}

// ioOpen is io.open(path [, mode]) -> file, or nil, message.
func (m *module) ioOpen(L *lua.LState) int {
	name := m.inRoot(L, "open", 1)
	mode := L.OptString(2, "r")
	flags, ok := openFlags(mode)
	if !ok {
		raiseMessage(L, fmt.Sprintf("bad argument #2 to 'open' (invalid mode '%s')", mode))
	}
	f, err := m.rootFS.OpenFile(name, flags, 0o666)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("%s: %v", L.CheckString(1), unwrapPath(err))))
		return 2
	}
	L.Push(newSandboxFile(L, f))
	return 1
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	if le, ok := err.(*os.LinkError); ok {
		return le.Err
	}
	return err
}

func newSandboxFile(L *lua.LState, f *os.File) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = &sandboxFile{f: f}
	L.SetMetatable(ud, L.GetTypeMetatable(fileType))
	return ud
}

// ioLines is io.lines(path [, formats...]): an iterator over the file's
// lines that closes it at the end.
func (m *module) ioLines(L *lua.LState) int {
	name := m.inRoot(L, "lines", 1)
	f, err := m.rootFS.Open(name)
	if err != nil {
		raiseMessage(L, fmt.Sprintf("%s: %v", L.CheckString(1), unwrapPath(err)))
	}
	sf := &sandboxFile{f: f}
	formats := []lua.LValue{lua.LString("l")}
	if L.GetTop() >= 2 {
		formats = formats[:0]
		for i := 2; i <= L.GetTop(); i++ {
			formats = append(formats, L.Get(i))
		}
	}
	L.Push(L.NewFunction(sf.linesIterator(formats, true)))
	return 1
}

func (sf *sandboxFile) linesIterator(formats []lua.LValue, closeAtEnd bool) lua.LGFunction {
	return func(L *lua.LState) int {
		if sf.closed {
			raiseMessage(L, "file is already closed")
		}
		rd := sf.reader()
		for i, f := range formats {
			v := rd.readFormat(L, "lines", i+2, f)
			L.Push(v)
			if v == lua.LNil {
				if closeAtEnd && i == 0 {
					sf.close()
				}
				return i + 1
			}
		}
		return len(formats)
	}
}

func (sf *sandboxFile) reader() *body {
	if sf.rd == nil {
		sf.rd = &body{r: bufio.NewReader(sf.f), owner: "io.read", valid: true}
	}
	return sf.rd
}

// unread gives the file's position back to what the script has read,
// dropping the read buffer (before a write or a seek).
func (sf *sandboxFile) unread() error {
	if sf.rd == nil {
		return nil
	}
	n := sf.rd.r.Buffered()
	sf.rd = nil
	if n > 0 {
		_, err := sf.f.Seek(int64(-n), io.SeekCurrent)
		return err
	}
	return nil
}

func (sf *sandboxFile) close() error {
	if sf.closed {
		return nil
	}
	sf.closed = true
	return sf.f.Close()
}

func checkFile(L *lua.LState, method string) *sandboxFile {
	ud, ok := L.Get(1).(*lua.LUserData)
	var sf *sandboxFile
	if ok {
		sf, ok = ud.Value.(*sandboxFile)
	}
	if !ok {
		raiseMessage(L, fmt.Sprintf("bad argument #1 to '%s' (file expected, got %s)", method, typeName(L.Get(1))))
	}
	if sf.closed {
		raiseMessage(L, "attempt to use a closed file")
	}
	return sf
}

func fileRead(L *lua.LState) int {
	sf := checkFile(L, "read")
	rd := sf.reader()
	top := L.GetTop()
	if top < 2 {
		L.Push(rd.readFormat(L, "read", 2, lua.LString("l")))
		return 1
	}
	n := 0
	for i := 2; i <= top; i++ {
		v := rd.readFormat(L, "read", i, L.Get(i))
		L.Push(v)
		n++
		if v == lua.LNil {
			break
		}
	}
	return n
}

func fileLines(L *lua.LState) int {
	sf := checkFile(L, "lines")
	formats := []lua.LValue{lua.LString("l")}
	if L.GetTop() >= 2 {
		formats = formats[:0]
		for i := 2; i <= L.GetTop(); i++ {
			formats = append(formats, L.Get(i))
		}
	}
	L.Push(L.NewFunction(sf.linesIterator(formats, false)))
	return 1
}

// fileWrite is file:write(...) -> file, or nil, message.
func fileWrite(L *lua.LState) int {
	sf := checkFile(L, "write")
	if err := sf.unread(); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	for i := 2; i <= L.GetTop(); i++ {
		v := L.Get(i)
		if !lua.LVCanConvToString(v) {
			raiseMessage(L, fmt.Sprintf("bad argument #%d to 'write' (string expected, got %s)", i-1, typeName(v)))
		}
		if _, err := io.WriteString(sf.f, lua.LVAsString(v)); err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(unwrapPath(err).Error()))
			return 2
		}
	}
	L.Push(L.Get(1))
	return 1
}

// fileSeek is file:seek([whence [, offset]]) -> position.
func fileSeek(L *lua.LState) int {
	sf := checkFile(L, "seek")
	whence := map[string]int{"set": io.SeekStart, "cur": io.SeekCurrent, "end": io.SeekEnd}
	w, ok := whence[L.OptString(2, "cur")]
	if !ok {
		raiseMessage(L, fmt.Sprintf("bad argument #1 to 'seek' (invalid option '%s')", L.OptString(2, "cur")))
	}
	off := L.OptInt64(3, 0)
	if err := sf.unread(); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	pos, err := sf.f.Seek(off, w)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(unwrapPath(err).Error()))
		return 2
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func fileFlush(L *lua.LState) int {
	checkFile(L, "flush")
	L.Push(L.Get(1))
	return 1
}

func fileClose(L *lua.LState) int {
	sf := checkFile(L, "close")
	if err := sf.close(); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

func fileToString(L *lua.LState) int {
	ud := L.CheckUserData(1)
	sf, _ := ud.Value.(*sandboxFile)
	if sf == nil || sf.closed {
		L.Push(lua.LString("file (closed)"))
	} else {
		L.Push(lua.LString(fmt.Sprintf("file (%p)", sf)))
	}
	return 1
}

// ioWrite is io.write(...): to the host's standard output, as print.
func ioWrite(L *lua.LState) int {
	for i := 1; i <= L.GetTop(); i++ {
		v := L.Get(i)
		if !lua.LVCanConvToString(v) {
			raiseMessage(L, fmt.Sprintf("bad argument #%d to 'write' (string expected, got %s)", i, typeName(v)))
		}
		if _, err := io.WriteString(os.Stdout, lua.LVAsString(v)); err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
	}
	L.Push(lua.LTrue)
	return 1
}

// ioType is io.type(v) -> "file", "closed file" or nil.
func ioType(L *lua.LState) int {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if sf, ok := ud.Value.(*sandboxFile); ok {
			if sf.closed {
				L.Push(lua.LString("closed file"))
			} else {
				L.Push(lua.LString("file"))
			}
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

// osRemove is os.remove(path) -> true, or nil, message.
func (m *module) osRemove(L *lua.LState) int {
	name := m.inRoot(L, "remove", 1)
	if err := m.rootFS.Remove(name); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("%s: %v", L.CheckString(1), unwrapPath(err))))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// osRename is os.rename(from, to) -> true, or nil, message.
func (m *module) osRename(L *lua.LState) int {
	from := m.inRoot(L, "rename", 1)
	to := m.inRoot(L, "rename", 2)
	if err := m.rootFS.Rename(from, to); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(fmt.Sprintf("%s: %v", L.CheckString(1), unwrapPath(err))))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}
