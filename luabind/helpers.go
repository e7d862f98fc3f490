package luabind

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Small helpers scripts keep rewriting: reading S3's timestamps, waiting.

// s3TimeLayouts are the forms S3 writes times in: ISO 8601 in listings and
// XML bodies (with or without fractional seconds, "Z" or an offset), RFC
// 1123 in headers (Last-Modified, Date), and the older HTTP forms.
var s3TimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	http.TimeFormat,
	time.RFC1123,
	time.RFC1123Z,
	time.RFC850,
	time.ANSIC,
}

// s3ParseTime implements s3.parse_time(s) -> seconds since the epoch, or
// nil, message for a string in none of S3's forms. Fractions of a second
// are kept.
func s3ParseTime(c *call) (int, error) {
	s := c.str(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	text := strings.TrimSpace(s)
	for _, layout := range s3TimeLayouts {
		t, err := time.Parse(layout, text)
		if err != nil {
			continue
		}
		secs := float64(t.Unix()) + float64(t.Nanosecond())/1e9
		c.L.Push(lua.LNumber(secs))
		return 1, nil
	}
	c.L.Push(lua.LNil)
	c.L.Push(lua.LString(fmt.Sprintf("parse_time: %q is not an ISO 8601 or RFC 1123 time", s)))
	return 2, nil
}

// sleepMax bounds s3.sleep (a year), so that the duration cannot overflow.
const sleepMax = 365 * 24 * 3600

// s3Sleep implements s3.sleep(seconds): waits, or fails with a Canceled
// error table as soon as the state's context is cancelled (Ctrl-C).
func s3Sleep(c *call) (int, error) {
	v, ok := c.L.Get(1).(lua.LNumber)
	if !ok {
		c.typeError(1, "number")
	} else if f := float64(v); math.IsNaN(f) || f < 0 || f > sleepMax {
		c.argError(1, "%v is out of range: 0 to %d seconds", v, sleepMax)
	}
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	ctx := c.ctx()
	timer := time.NewTimer(time.Duration(float64(v) * float64(time.Second)))
	defer timer.Stop()
	select {
	case <-timer.C:
		return 0, nil
	case <-ctx.Done():
		return 0, fmt.Errorf("sleep: %w", ctx.Err())
	}
}
