package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Values the office space and the support sessions keep exactly: a
// calendar day both databases store (and PostgreSQL compares as a date),
// and a decimal of two places (an area, hours).

// Day is a calendar day as the API writes it, YYYY-MM-DD. SQLite keeps it
// as text; PostgreSQL as a DATE (the exclusion constraint compares date
// ranges), which its driver reads back as a time.
type Day string

// Scan reads a day from either database.
func (d *Day) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*d = Day(x.Format(time.DateOnly))
	case string:
		*d = Day(x)
	case []byte:
		*d = Day(x)
	case nil:
		*d = ""
	default:
		return fmt.Errorf("day: cannot read %T", v)
	}
	return nil
}

// Value writes a day as its text, which both databases take for a date.
func (d Day) Value() (driver.Value, error) { return string(d), nil }

// addDays is the day n days after d (d well-formed).
func (d Day) addDays(n int) Day {
	t, _ := parseDate(string(d))
	return Day(t.AddDate(0, 0, n).Format(time.DateOnly))
}

// Hundredths is an exact decimal with two places (an area in m², hours),
// kept as a whole number of hundredths so no sum drifts.
type Hundredths int64

// String writes the decimal without trailing zeros: 35.5, 12, 0.05,
// -1.5.
func (h Hundredths) String() string {
	sign := ""
	if h < 0 {
		sign, h = "-", -h
	}
	whole, frac := int64(h)/100, int64(h)%100
	if frac == 0 {
		return sign + strconv.FormatInt(whole, 10)
	}
	return sign + strings.TrimSuffix(fmt.Sprintf("%d.%02d", whole, frac), "0")
}

// Value stores the hundredths as an integer.
func (h Hundredths) Value() (driver.Value, error) { return int64(h), nil }

// Scan reads stored hundredths (NULL, as from a SUM over no rows, is 0).
func (h *Hundredths) Scan(v any) error {
	switch n := v.(type) {
	case int64:
		*h = Hundredths(n)
	case int32:
		*h = Hundredths(n)
	case nil:
		*h = 0
	default:
		return fmt.Errorf("hundredths: cannot scan %T", v)
	}
	return nil
}

// MarshalJSON writes the decimal as a JSON number.
func (h Hundredths) MarshalJSON() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalJSON reads a decimal of at most two places, as MarshalJSON
// writes it (for programs that read the API's answers into these types).
func (h *Hundredths) UnmarshalJSON(b []byte) error {
	v, ok := readHundredths(string(b))
	if !ok {
		return fmt.Errorf("not a decimal of at most two places: %s", b)
	}
	*h = v
	return nil
}

// readHundredths reads digits, optionally a point and one or two more;
// ok is false for other forms (signs, exponents, three places) and for
// more than 12 whole digits.
func readHundredths(s string) (Hundredths, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || !decimalDigits(whole) || !decimalDigits(frac) || len(frac) > 2 {
		return 0, false
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return 0, false
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, _ := strconv.ParseInt("0"+whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return Hundredths(w*100 + f), true
}

// parseHundredths reads a decimal of at most two places from 0.01 to max:
// blank is required, a malformed one "decimal2", a value out of range
// (however many digits) "between".
func parseHundredths(field string, n json.Number, max Hundredths) (Hundredths, *FieldError) {
	s := strings.TrimSpace(string(n))
	bad := func(code, param string) (Hundredths, *FieldError) {
		f := Field(field, code, param)
		return 0, &f
	}
	if s == "" {
		return bad("required", "")
	}
	h, ok := readHundredths(s)
	if !ok {
		if whole, frac, _ := strings.Cut(s, "."); decimalDigits(whole) && decimalDigits(frac) && len(frac) <= 2 {
			return bad("between", "0.01 – "+max.String()) // too many digits
		}
		return bad("decimal2", "")
	}
	if h < 1 || h > max {
		return bad("between", "0.01 – "+max.String())
	}
	return h, nil
}

func decimalDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
