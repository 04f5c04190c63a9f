package models

import (
	"fmt"
	"strings"
	"testing"
)

// periodsText writes periods as "start..end>due" joined by spaces.
func periodsText(ps []ReportPeriod) string {
	var b []string
	for _, p := range ps {
		b = append(b, fmt.Sprintf("%s..%s>%s", p.Start, p.End, p.Due))
	}
	return strings.Join(b, " ")
}

func TestReportPeriods(t *testing.T) {
	cases := []struct {
		name, start, end, interval string
		due                        int
		want                       string
	}{
		{"monthly, whole months", "2026-01-01", "2026-03-31", ReportMonthly, 10,
			"2026-01-01..2026-01-31>2026-02-10 2026-02-01..2026-02-28>2026-03-10 2026-03-01..2026-03-31>2026-04-10"},
		{"leap February", "2028-02-01", "2028-03-31", ReportMonthly, 10,
			"2028-02-01..2028-02-29>2028-03-10 2028-03-01..2028-03-31>2028-04-10"},
		{"starts mid-month, ends mid-month", "2026-01-15", "2026-03-10", ReportMonthly, 10,
			"2026-01-15..2026-01-31>2026-02-10 2026-02-01..2026-02-28>2026-03-10 2026-03-01..2026-03-10>2026-03-20"},
		{"one day", "2026-05-31", "2026-05-31", ReportMonthly, 0, "2026-05-31..2026-05-31>2026-05-31"},
		{"due across the year end", "2026-12-01", "2026-12-31", ReportMonthly, 10, "2026-12-01..2026-12-31>2027-01-10"},
		{"quarters, whole year", "2026-01-01", "2026-12-31", ReportQuarterly, 10,
			"2026-01-01..2026-03-31>2026-04-10 2026-04-01..2026-06-30>2026-07-10 2026-07-01..2026-09-30>2026-10-10 2026-10-01..2026-12-31>2027-01-10"},
		{"quarters from mid-quarter across the year", "2026-11-20", "2027-04-15", ReportQuarterly, 10,
			"2026-11-20..2026-12-31>2027-01-10 2027-01-01..2027-03-31>2027-04-10 2027-04-01..2027-04-15>2027-04-25"},
		{"quarter boundary start", "2026-03-31", "2026-04-01", ReportQuarterly, 10,
			"2026-03-31..2026-03-31>2026-04-10 2026-04-01..2026-04-01>2026-04-11"},
		{"leap quarter, due days into March", "2028-01-01", "2028-03-31", ReportQuarterly, 30,
			"2028-01-01..2028-03-31>2028-04-30"},
		{"due in a leap February", "2028-01-20", "2028-01-31", ReportMonthly, 29, "2028-01-20..2028-01-31>2028-02-29"},
	}
	for _, c := range cases {
		ps, err := ReportPeriods(c.start, c.end, c.interval, c.due)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := periodsText(ps); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	for _, bad := range [][3]string{{"2026-02-01", "2026-01-31", ReportMonthly}, {"2026-01-01", "2026-13-01", ReportMonthly},
		{"2026-01-01", "2026-02-01", "weekly"}, {"", "", ReportMonthly}} {
		if _, err := ReportPeriods(bad[0], bad[1], bad[2], 10); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestDaysBetween(t *testing.T) {
	for _, c := range []struct {
		a, b string
		n    int
	}{{"2026-01-01", "2026-01-01", 0}, {"2026-02-28", "2026-03-01", 1}, {"2028-02-28", "2028-03-01", 2}, {"2026-03-02", "2026-03-01", -1},
		{"2026-12-31", "2027-01-10", 10}} {
		if got := daysBetween(c.a, c.b); got != c.n {
			t.Errorf("%s → %s: %d, want %d", c.a, c.b, got, c.n)
		}
	}
}
