package migrations

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"portal/models"

	"gorm.io/gorm"
)

// calendarFile is the shape of data/calendar/cn-holidays.json. Like the
// catalogue step, this step keeps its own types and SQL so that later model
// changes cannot alter what a released migration does.
type calendarFile struct {
	About []string `json:"about"`
	Years []struct {
		Year    int `json:"year"`
		Sources []struct {
			Title  string `json:"title"`
			Number string `json:"number"`
			Date   string `json:"date"`
			URL    string `json:"url"`
		} `json:"sources"`
		Festivals []struct {
			Name string   `json:"name"`
			Off  []string `json:"off"`  // days or "from/to" spans
			Work []string `json:"work"` // weekend days worked
		} `json:"festivals"`
	} `json:"years"`
}

// loadCalendar adds the calendar's access rules and ships China's official
// calendar from the State Council General Office's yearly notices. Each
// year's days are tied to its first source (the yearly notice); the notices
// that changed a year later are kept as further sources of that year.
func loadCalendar(tx *gorm.DB, _ models.Dialect) error {
	if err := policyFile("0010_calendar.csv")(tx, ""); err != nil {
		return err
	}
	const name = "data/calendar/cn-holidays.json"
	raw, err := files.ReadFile(name)
	if err != nil {
		return err
	}
	var cal calendarFile
	if err := json.Unmarshal(raw, &cal); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, y := range cal.Years {
		if len(y.Sources) == 0 {
			return fmt.Errorf("%s: %d has no source", name, y.Year)
		}
		var first int64
		for i, src := range y.Sources {
			var id int64
			if err := tx.Raw(`INSERT INTO calendar_sources (year, title, number, issued_on, url, created_at)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, y.Year, src.Title, src.Number, src.Date, src.URL, now).Scan(&id).Error; err != nil {
				return err
			}
			if i == 0 {
				first = id
			}
		}
		for _, f := range y.Festivals {
			for _, span := range f.Off {
				days, err := spanDays(span)
				if err != nil {
					return fmt.Errorf("%s: %d %s: %w", name, y.Year, f.Name, err)
				}
				for _, d := range days {
					if err := tx.Exec("INSERT INTO calendar_days (day, kind, name, source_id) VALUES (?, 'holiday', ?, ?)", d, f.Name, first).Error; err != nil {
						return fmt.Errorf("%s: %s: %w", name, d, err)
					}
				}
			}
			for _, d := range f.Work {
				if err := tx.Exec("INSERT INTO calendar_days (day, kind, name, source_id) VALUES (?, 'workday', ?, ?)", d, f.Name, first).Error; err != nil {
					return fmt.Errorf("%s: %s: %w", name, d, err)
				}
			}
		}
	}
	return nil
}

// spanDays expands "2026-10-01/2026-10-07" (or one day) into its days.
func spanDays(span string) ([]string, error) {
	a, b, ok := strings.Cut(span, "/")
	if !ok {
		b = a
	}
	from, err := time.Parse(time.DateOnly, a)
	if err != nil {
		return nil, err
	}
	to, err := time.Parse(time.DateOnly, b)
	if err != nil {
		return nil, err
	}
	if to.Before(from) || to.Sub(from) > 31*24*time.Hour {
		return nil, fmt.Errorf("bad span %q", span)
	}
	var out []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out, nil
}
