package handlers

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// calendarRoutes: China's working-day calendar. Anyone reads it; admins add
// a year's notice and days (the model asks for a nationwide grant).
func (s *Server) calendarRoutes(r *gin.Engine, api *gin.RouterGroup) {
	api.GET("/calendar", policy.Require("calendar:read"), s.apiCalendar)
	api.POST("/calendar/days", policy.Require("calendar:manage"), s.apiAddCalendarDays)
	r.GET("/admin/calendar", policy.Require("calendar:manage"), s.pageCalendar)
	r.POST("/admin/calendar", policy.Require("calendar:manage"), s.pageAddCalendarDays)
}

// calendarYear reads ?year=, the current Beijing year when absent.
func (s *Server) calendarYear(c *gin.Context) (int, error) {
	q := c.Query("year")
	if q == "" {
		return s.store.Now().In(models.ChinaZone).Year(), nil
	}
	y, err := strconv.Atoi(q)
	if err != nil || len(q) != 4 {
		return 0, models.Invalid(models.Field("year", "invalid", ""))
	}
	return y, nil
}

func (s *Server) apiCalendar(c *gin.Context) {
	year, err := s.calendarYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	out, err := s.store.Calendar(c.Request.Context(), policy.ActorFrom(c), year)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiAddCalendarDays(c *gin.Context) {
	var in models.CalendarInput
	if err := bindJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	out, err := s.store.AddCalendarDays(c.Request.Context(), policy.ActorFrom(c), in)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

// calendarData is the admin page: one year, the years there are, and the
// form's errors about single lines of the day list.
type calendarData struct {
	Cal       *models.CalendarYear
	Names     map[int64]string // source id → title
	LineError []string
	// CanManage: the calendar is national, so only a nationwide
	// administrator is offered the form.
	CanManage bool
}

func (s *Server) pageCalendar(c *gin.Context) {
	year, err := s.calendarYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.calendarPage(c, http.StatusOK, year, map[string]string{"year": strconv.Itoa(year)}, nil)
}

// calendarPage renders the page for year, with a failed form's input and
// errors when err is set.
func (s *Server) calendarPage(c *gin.Context, status, year int, form map[string]string, err error) {
	lang := langOf(c)
	cal, cerr := s.store.Calendar(c.Request.Context(), policy.ActorFrom(c), year)
	if cerr != nil {
		fail(c, cerr)
		return
	}
	d := calendarData{Cal: cal, Names: map[int64]string{}, CanManage: policy.ActorFrom(c).Can("calendar:manage", models.RootRegion)}
	for _, src := range cal.Sources {
		d.Names[src.ID] = src.Title
	}
	p := &page{Title: s.msgs.T(lang, "calendar.title"), Form: form, Errors: map[string]string{}, Data: &d}
	if err != nil {
		fields, top := s.formErrors(lang, err)
		p.Error = top
		// A day's error names its line of the list; the others their field.
		byLine := map[int][]string{}
		for k, msg := range fields {
			if i, ok := dayLine(k); ok {
				byLine[i] = append(byLine[i], msg)
				continue
			}
			p.Errors[strings.TrimPrefix(k, "source.")] = msg
		}
		idx := make([]int, 0, len(byLine))
		for i := range byLine {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			sort.Strings(byLine[i])
			d.LineError = append(d.LineError, s.msgs.T(lang, "calendar.line", i+1, strings.Join(byLine[i], "; ")))
		}
	}
	s.html(c, status, "calendar", p)
}

// dayLine reads the index out of a field name "days[3].date".
func dayLine(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "days[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil
}

// dayKinds are the words the form takes for a kind, in either language.
var dayKinds = map[string]string{
	models.DayHoliday: models.DayHoliday, "放假": models.DayHoliday, "休": models.DayHoliday,
	models.DayWorkday: models.DayWorkday, "上班": models.DayWorkday, "班": models.DayWorkday,
}

// parseDayLines reads the form's list: one day a line, "date kind name",
// e.g. "2027-02-06 放假 春节" or "2027-02-14 workday 春节".
func parseDayLines(text string) []models.CalendarDayInput {
	var out []models.CalendarDayInput
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		d := models.CalendarDayInput{Date: f[0]}
		if len(f) > 1 {
			d.Kind = f[1]
			if k, ok := dayKinds[strings.ToLower(f[1])]; ok {
				d.Kind = k
			}
		}
		if len(f) > 2 {
			d.Name = strings.Join(f[2:], " ")
		}
		out = append(out, d)
	}
	return out
}

func (s *Server) pageAddCalendarDays(c *gin.Context) {
	form := map[string]string{}
	for _, k := range []string{"year", "title", "number", "issued_on", "url", "days"} {
		form[k] = c.PostForm(k)
	}
	year, yerr := strconv.Atoi(strings.TrimSpace(form["year"]))
	in := models.CalendarInput{Year: year, Days: parseDayLines(form["days"]),
		Source: models.CalendarSourceInput{Title: form["title"], Number: form["number"], IssuedOn: form["issued_on"], URL: form["url"]}}
	if yerr != nil {
		in.Year = 0 // refused by the model with the other fields
	}
	_, err := s.store.AddCalendarDays(c.Request.Context(), policy.ActorFrom(c), in)
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/calendar?year="+strconv.Itoa(year)+"&done=calendar.added")
		return
	}
	if !onForm(err) {
		fail(c, err)
		return
	}
	status, _ := classify(err)
	show := year
	if yerr != nil || year < 2000 || year > 2100 {
		show = s.store.Now().In(models.ChinaZone).Year()
	}
	s.calendarPage(c, status, show, form, err)
}
