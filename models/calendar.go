package models

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// ChinaZone is Beijing time (UTC+8, no daylight saving): the one zone of the
// portal's dates, deadlines and working days, whatever the server's own zone.
var ChinaZone = time.FixedZone("CST", 8*3600)

// Kinds of calendar day: a holiday is off even on a weekday; a workday is a
// weekend day worked (调休上班). Every other day is off on Saturday and
// Sunday and worked Monday to Friday.
const (
	DayHoliday = "holiday"
	DayWorkday = "workday"
)

// CalendarSource is the notice that set a year's days: the State Council
// General Office's yearly 国务院办公厅关于YYYY年部分节假日安排的通知, or a
// later notice that changed that year.
type CalendarSource struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	Year      int       `json:"year"`
	Title     string    `json:"title"`
	Number    string    `json:"number"`
	IssuedOn  string    `json:"issued_on"`
	URL       string    `json:"url" gorm:"column:url"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy *int64    `json:"-"`
}

// CalendarDay is one day the notices set.
type CalendarDay struct {
	Day      string `json:"date" gorm:"primaryKey;column:day"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	SourceID int64  `json:"source_id"`
}

// CalendarYear is a year as the calendar holds it.
type CalendarYear struct {
	Year    int              `json:"year"`
	Known   bool             `json:"known"` // a notice for the year is loaded
	Sources []CalendarSource `json:"sources"`
	Days    []CalendarDay    `json:"days"`
	Years   []int            `json:"years"` // every year with a notice
}

// Calendar returns a year's days and sources. Anyone may read it: it decides
// public deadlines.
func (s *Store) Calendar(ctx context.Context, a *Actor, year int) (*CalendarYear, error) {
	if err := a.require("calendar:read", RootRegion); err != nil {
		return nil, err
	}
	if year < calendarMinYear || year > calendarMaxYear {
		return nil, Invalid(Field("year", "between", fmt.Sprintf("%d %d", calendarMinYear, calendarMaxYear)))
	}
	db := s.DB.WithContext(ctx)
	out := &CalendarYear{Year: year, Sources: []CalendarSource{}, Days: []CalendarDay{}, Years: []int{}}
	if err := db.Where("year = ?", year).Order("issued_on, id").Find(&out.Sources).Error; err != nil {
		return nil, err
	}
	out.Known = len(out.Sources) > 0
	// The year's own days, and those its notice sets in the December before.
	if err := db.Where("day >= ? AND day <= ?", fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)).
		Order("day").Find(&out.Days).Error; err != nil {
		return nil, err
	}
	if err := db.Model(&CalendarSource{}).Distinct("year").Order("year").Pluck("year", &out.Years).Error; err != nil {
		return nil, err
	}
	return out, nil
}

// Bounds of the years the calendar takes.
const (
	calendarMinYear = 2000
	calendarMaxYear = 2100
)

// CalendarSourceInput names the notice of a list of days.
type CalendarSourceInput struct {
	Title    string `json:"title" form:"title"`
	Number   string `json:"number" form:"number"`
	IssuedOn string `json:"issued_on" form:"issued_on"`
	URL      string `json:"url" form:"url"`
}

// CalendarDayInput is one day to add.
type CalendarDayInput struct {
	Date string `json:"date"`
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// CalendarInput adds a year's days (or one day) with the notice that sets them.
type CalendarInput struct {
	Year   int                 `json:"year"`
	Source CalendarSourceInput `json:"source"`
	Days   []CalendarDayInput  `json:"days"`
}

// maxCalendarDays bounds one request: a year's notice sets about 40 days.
const maxCalendarDays = 400

// AddCalendarDays records days from a notice. The calendar is national, so it
// takes an admin with a nationwide grant. A notice already recorded for the
// year (same title) is reused; a day already in the calendar is refused, so
// nothing is changed silently. Each new source and each day writes its audit
// event in the same transaction.
func (s *Store) AddCalendarDays(ctx context.Context, a *Actor, in CalendarInput) (*CalendarYear, error) {
	if err := a.require("calendar:manage", RootRegion); err != nil {
		return nil, err
	}
	src, days, err := s.checkCalendarInput(&in)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var existing []CalendarDay
		dates := make([]string, len(days))
		for i, d := range days {
			dates[i] = d.Day
		}
		if err := tx.Where("day IN ?", dates).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) > 0 {
			var fe []FieldError
			for i, d := range days {
				for _, e := range existing {
					if e.Day == d.Day {
						fe = append(fe, Field(fmt.Sprintf("days[%d].date", i), "taken", d.Day))
					}
				}
			}
			return Invalid(fe...)
		}
		var found []CalendarSource
		if err := tx.Where("year = ? AND title = ?", src.Year, src.Title).Limit(1).Find(&found).Error; err != nil {
			return err
		}
		if len(found) > 0 {
			src = found[0]
		} else {
			src.CreatedAt, src.CreatedBy = s.now(), &a.UserID
			if err := tx.Create(&src).Error; err != nil {
				return err
			}
			if err := s.audit(tx, a, "calendar.source_add", "calendar_source", src.ID, "", nil, src); err != nil {
				return err
			}
		}
		for i := range days {
			days[i].SourceID = src.ID
			if err := tx.Create(&days[i]).Error; err != nil {
				if isDuplicate(err) {
					return Invalid(Field(fmt.Sprintf("days[%d].date", i), "taken", days[i].Day))
				}
				return err
			}
			if err := s.audit(tx, a, "calendar.day_add", "calendar_day", days[i].Day, "", nil, days[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Calendar(ctx, a, in.Year)
}

// checkCalendarInput validates a request and returns the source and days to
// write. A notice for year Y sets days in Y and in the December before it;
// a weekend day worked is only ever a Saturday or a Sunday.
func (s *Store) checkCalendarInput(in *CalendarInput) (CalendarSource, []CalendarDay, error) {
	var fe []FieldError
	text := func(field, v string, max int, required bool) string {
		v = strings.TrimSpace(v)
		switch {
		case required && v == "":
			fe = append(fe, Field(field, "required", ""))
		case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			fe = append(fe, Field(field, "invalid", ""))
		case utf8.RuneCountInString(v) > max:
			fe = append(fe, Field(field, "max", fmt.Sprint(max)))
		}
		return v
	}
	if in.Year < calendarMinYear || in.Year > calendarMaxYear {
		fe = append(fe, Field("year", "between", fmt.Sprintf("%d %d", calendarMinYear, calendarMaxYear)))
	}
	src := CalendarSource{Year: in.Year,
		Title:  text("source.title", in.Source.Title, 200, true),
		Number: text("source.number", in.Source.Number, 50, false),
		URL:    text("source.url", in.Source.URL, 500, true),
	}
	src.IssuedOn = strings.TrimSpace(in.Source.IssuedOn)
	if issued, err := time.Parse(time.DateOnly, src.IssuedOn); err != nil {
		fe = append(fe, Field("source.issued_on", "date", ""))
	} else if issued.Year() < in.Year-2 || issued.Year() > in.Year {
		fe = append(fe, Field("source.issued_on", "between", fmt.Sprintf("%d-01-01 %d-12-31", in.Year-2, in.Year)))
	}
	if src.URL != "" && !govURL(src.URL) {
		fe = append(fe, Field("source.url", "gov_url", ""))
	}
	if len(in.Days) == 0 {
		fe = append(fe, Field("days", "required", ""))
	}
	if len(in.Days) > maxCalendarDays {
		fe = append(fe, Field("days", "max", fmt.Sprint(maxCalendarDays)))
		in.Days = in.Days[:maxCalendarDays]
	}
	seen := map[string]bool{}
	var days []CalendarDay
	for i, d := range in.Days {
		f := func(name string) string { return fmt.Sprintf("days[%d].%s", i, name) }
		day := CalendarDay{Day: strings.TrimSpace(d.Date), Kind: strings.TrimSpace(d.Kind), Name: text(f("name"), d.Name, 50, true)}
		at, err := time.Parse(time.DateOnly, day.Day)
		switch {
		case err != nil:
			fe = append(fe, Field(f("date"), "date", ""))
		case !(at.Year() == in.Year || at.Year() == in.Year-1 && at.Month() == time.December):
			fe = append(fe, Field(f("date"), "calendar_year", fmt.Sprint(in.Year)))
		case seen[day.Day]:
			fe = append(fe, Field(f("date"), "taken", day.Day))
		}
		seen[day.Day] = true
		switch day.Kind {
		case DayHoliday:
		case DayWorkday:
			if err == nil && !weekend(at) {
				fe = append(fe, Field(f("kind"), "workday_weekend", ""))
			}
		default:
			fe = append(fe, Field(f("kind"), "oneof", DayHoliday+" "+DayWorkday))
		}
		days = append(days, day)
	}
	if len(fe) > 0 {
		return src, nil, Invalid(fe...)
	}
	return src, days, nil
}

// govURL accepts only an http(s) address on gov.cn: the notices are the
// State Council's, published there.
func govURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return host == "gov.cn" || strings.HasSuffix(host, ".gov.cn")
}

func weekend(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }

// WorkingDaysEnd is workingDaysEnd on the store's database.
func (s *Store) WorkingDaysEnd(ctx context.Context, from time.Time, n int) (time.Time, error) {
	return s.workingDaysEnd(s.DB.WithContext(ctx), from, n)
}

// workingDaysEnd is when a period of n working days that starts the day
// after from's Beijing date ends: 24:00 Beijing time (00:00 of the next day)
// of its nth working day, as UTC. A working day is Monday to Friday unless
// the calendar makes it a holiday, or a weekend day the calendar makes a
// workday. In a year the calendar has no notice for, only weekends are off
// and a warning names the year so that an admin enters its notice
// (/admin/calendar): refusing would stop every award and challenge of that
// year until then.
func (s *Store) workingDaysEnd(db *gorm.DB, from time.Time, n int) (time.Time, error) {
	b := from.In(ChinaZone)
	d := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, ChinaZone)
	const chunk = 62 // days read at a time: 7 working days span at most ~20
	var kinds map[string]string
	var loadedTo time.Time  // first day not read yet
	known := map[int]bool{} // years looked up: whether a notice is loaded
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if !d.Before(loadedTo) {
			loadedTo = d.AddDate(0, 0, chunk)
			var rows []CalendarDay
			if err := db.Where("day >= ? AND day < ?", d.Format(time.DateOnly), loadedTo.Format(time.DateOnly)).Find(&rows).Error; err != nil {
				return time.Time{}, err
			}
			kinds = make(map[string]string, len(rows))
			for _, r := range rows {
				kinds[r.Day] = r.Kind
			}
		}
		if _, seen := known[d.Year()]; !seen {
			var c int64
			if err := db.Model(&CalendarSource{}).Where("year = ?", d.Year()).Count(&c).Error; err != nil {
				return time.Time{}, err
			}
			known[d.Year()] = c > 0
			if c == 0 {
				slog.Warn("working days: the calendar has no notice for this year; counting weekends only", "year", d.Year())
			}
		}
		if working(d, kinds[d.Format(time.DateOnly)]) {
			n--
		}
	}
	return d.AddDate(0, 0, 1).UTC(), nil
}

// working reports whether a day with the calendar's kind ("" for none) is a
// working day.
func working(d time.Time, kind string) bool {
	switch kind {
	case DayHoliday:
		return false
	case DayWorkday:
		return true
	}
	return !weekend(d)
}

// challengeEnds is when the challenge window closes: 24:00 Beijing time of
// the 7th working day after the award notice, unless the deployment
// overrides the period (PORTAL_CHALLENGE_PERIOD).
func (s *Store) challengeEnds(db *gorm.DB, t *Tender) (time.Time, error) {
	if t.AwardedAt == nil {
		return time.Time{}, nil
	}
	if s.Settings.ChallengePeriod != nil {
		return t.AwardedAt.Add(*s.Settings.ChallengePeriod), nil
	}
	return s.workingDaysEnd(db, *t.AwardedAt, challengeWorkingDays)
}

// challengeWorkingDays is both the challenge window and the staff's time to
// answer a challenge (质疑期 and 答复期).
const challengeWorkingDays = 7

// answerDue fills a challenge's answer due date (24:00 Beijing time of the
// 7th working day after filing) and whether it is overdue (unanswered past
// it). The override of the challenge window shortens this period too, so that
// training runs see both within minutes.
func (s *Store) answerDue(db *gorm.DB, c *Challenge) error {
	var due time.Time
	if s.Settings.ChallengePeriod != nil {
		due = c.FiledAt.Add(*s.Settings.ChallengePeriod)
	} else {
		var err error
		if due, err = s.workingDaysEnd(db, c.FiledAt, challengeWorkingDays); err != nil {
			return err
		}
	}
	c.AnswerDue = due
	c.Overdue = c.AnsweredAt == nil && !s.now().Before(due)
	return nil
}
