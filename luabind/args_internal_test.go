package luabind

import "testing"

func TestStringNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"10", 10, true},
		{" 10 ", 10, true},
		{"-3", -3, true},
		{"+3", 3, true},
		{"1e3", 1000, true},
		{"1E+3", 1000, true},
		{"2.5", 2.5, true},
		{"0x10", 16, true},
		{"-0X1f", -31, true},
		{"ten", 0, false},
		{"", 0, false},
		{"1_000", 0, false},
		{"0b101", 0, false},
		{"0o17", 0, false},
		{"inf", 0, false},
		{"nan", 0, false},
		{"0x", 0, false},
		{"0x-1", 0, false},
		{"1-2", 0, false},
	} {
		got, ok := stringNumber(tc.in)
		if ok != tc.ok || (ok && float64(got) != tc.want) {
			t.Errorf("stringNumber(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
