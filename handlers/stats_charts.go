package handlers

import (
	"strconv"
	"unicode/utf8"

	"portal/models"
)

// The dashboard's charts, drawn on the server as SVG: no script, nothing
// from a CDN, readable on a phone (the viewBox scales to the width), each
// shown beside the table of the same figures. Colours are CSS classes
// (static/app.css), so the page's CSP needs no inline style.

// svgChart is one chart's geometry in its own units (the viewBox).
type svgChart struct {
	ID     string
	Title  string
	W, H   int
	Bars   []svgBar
	Texts  []svgText
	Legend []svgLegend
}

type svgBar struct {
	X, Y, W, H float64
	Class      string
	Tip        string // the bar's value in words, for a pointer's hover and screen readers
}

type svgText struct {
	X, Y   float64
	Anchor string // start, middle, end
	Class  string
	Text   string
}

type svgLegend struct{ Class, Label string }

// statsCharts are the dashboard's four charts.
type statsCharts struct {
	Regions, Sources, Grades svgChart
	Trend                    []svgChart // hours, volunteer person-times, children served
}

// hbarRow is one label's values, one per series, and how they read.
type hbarRow struct {
	Label  string
	Values []int64
	Shown  []string
}

// Horizontal bars: the label on the left, the bars, the value after each.
const (
	hbarW      = 480
	hbarValue  = 72
	hbarBarH   = 14
	hbarGap    = 10
	hbarLegend = 24
)

// hbars draws rows of bars, one bar per series, scaled to the largest
// value of all.
func hbars(id, title string, series []svgLegend, rows []hbarRow) svgChart {
	ch := svgChart{ID: id, Title: title, W: hbarW, Legend: series}
	var top int64
	hbarLabel := 40 // room for the longest label: 15 units a character
	for _, r := range rows {
		for _, v := range r.Values {
			top = max(top, v)
		}
		hbarLabel = max(hbarLabel, 15*utf8.RuneCountInString(r.Label)+10)
	}
	hbarLabel = min(hbarLabel, hbarW/2)
	labelW := float64(hbarLabel)
	y := float64(hbarGap)
	if len(series) > 1 {
		y += hbarLegend
		for i, s := range series {
			x := float64(8 + i*110)
			ch.Bars = append(ch.Bars, svgBar{X: x, Y: 6, W: 12, H: 12, Class: s.Class})
			ch.Texts = append(ch.Texts, svgText{X: x + 16, Y: 16, Anchor: "start", Class: "chart-legend", Text: s.Label})
		}
	}
	span := float64(hbarW - hbarLabel - hbarValue)
	for _, r := range rows {
		groupH := float64(len(r.Values) * hbarBarH)
		ch.Texts = append(ch.Texts, svgText{X: labelW - 6, Y: y + groupH/2 + 4, Anchor: "end", Class: "chart-label", Text: r.Label})
		for i, v := range r.Values {
			w := 0.0
			if top > 0 {
				w = span * float64(v) / float64(top)
			}
			by := y + float64(i*hbarBarH)
			ch.Bars = append(ch.Bars, svgBar{X: labelW, Y: by + 1, W: w, H: hbarBarH - 2, Class: series[i].Class, Tip: series[i].Label + " " + r.Shown[i]})
			ch.Texts = append(ch.Texts, svgText{X: labelW + w + 4, Y: by + hbarBarH - 3, Anchor: "start", Class: "chart-value", Text: r.Shown[i]})
		}
		y += groupH + hbarGap
	}
	ch.H = int(y)
	return ch
}

// Vertical bars: one per label, the labels under them (every k-th when
// there are many), the largest value over the plot.
const (
	vbarW    = 480
	vbarH    = 200
	vbarTop  = 22
	vbarFoot = 24
	vbarSide = 8
)

func vbars(id, title, class string, labels []string, values []int64, shown []string) svgChart {
	ch := svgChart{ID: id, Title: title, W: vbarW, H: vbarH}
	var top int64
	for _, v := range values {
		top = max(top, v)
	}
	n := len(values)
	if n == 0 {
		return ch
	}
	plotH := float64(vbarH - vbarTop - vbarFoot)
	slot := float64(vbarW-2*vbarSide) / float64(n)
	every := (n + 11) / 12
	for i, v := range values {
		h := 0.0
		if top > 0 {
			h = plotH * float64(v) / float64(top)
		}
		x := float64(vbarSide) + float64(i)*slot
		ch.Bars = append(ch.Bars, svgBar{X: x + slot*0.15, Y: vbarTop + plotH - h, W: slot * 0.7, H: h, Class: class, Tip: labels[i] + " " + shown[i]})
		if i%every == 0 {
			ch.Texts = append(ch.Texts, svgText{X: x + slot/2, Y: vbarH - 8, Anchor: "middle", Class: "chart-label", Text: labels[i]})
		}
		if (v == top || n <= 6) && top > 0 {
			ch.Texts = append(ch.Texts, svgText{X: x + slot/2, Y: vbarTop + plotH - h - 5, Anchor: "middle", Class: "chart-value", Text: shown[i]})
		}
	}
	// The baseline.
	ch.Bars = append(ch.Bars, svgBar{X: vbarSide, Y: vbarTop + plotH, W: vbarW - 2*vbarSide, H: 1, Class: "chart-axis"})
	return ch
}

func (s *Server) statsCharts(lang string, st *models.Stats) statsCharts {
	t := func(key string, args ...any) string { return s.msgs.T(lang, key, args...) }
	var out statsCharts

	contracted := []svgLegend{{"bar-contracted", t("stats.contracted")}}
	rows := []hbarRow{}
	for _, ch := range st.Children {
		rows = append(rows, hbarRow{Label: ch.Region.Name, Values: []int64{ch.Totals.ContractedFen}, Shown: []string{formatWan(lang, ch.Totals.ContractedFen)}})
	}
	out.Regions = hbars("chart-regions", t("stats.chart.regions"), contracted, rows)

	money := []svgLegend{{"bar-budget", t("stats.budget")}, {"bar-contracted", t("stats.contracted")}, {"bar-paid", t("stats.paid")}}
	rows = []hbarRow{}
	for _, src := range st.BySource {
		rows = append(rows, hbarRow{Label: t("tender.source." + src.Source), Values: []int64{src.BudgetFen, src.ContractedFen, src.PaidFen},
			Shown: []string{formatWan(lang, src.BudgetFen), formatWan(lang, src.ContractedFen), formatWan(lang, src.PaidFen)}})
	}
	out.Sources = hbars("chart-sources", t("stats.chart.sources"), money, rows)

	var months []string
	var hours, volunteers, children []int64
	var hoursShown, volShown, childShown []string
	for _, m := range st.ByMonth {
		months = append(months, monthLabel(lang, m.Month, len(st.ByMonth)))
		hours, hoursShown = append(hours, int64(m.ServiceHours)), append(hoursShown, m.ServiceHours.String())
		volunteers, volShown = append(volunteers, m.VolunteerPersonTimes), append(volShown, strconv.FormatInt(m.VolunteerPersonTimes, 10))
		children, childShown = append(children, m.ChildrenServedPersonTimes), append(childShown, strconv.FormatInt(m.ChildrenServedPersonTimes, 10))
	}
	out.Trend = []svgChart{
		vbars("chart-hours", t("stats.service_hours"), "bar-hours", months, hours, hoursShown),
		vbars("chart-volunteers", t("stats.volunteer_person_times"), "bar-volunteers", months, volunteers, volShown),
		vbars("chart-children", t("stats.children_served"), "bar-children", months, children, childShown),
	}

	g := st.Totals.Grades
	gv := []int64{g.Excellent, g.Good, g.Pass, g.Fail}
	gl := []string{t("sv.grade.excellent"), t("sv.grade.good"), t("sv.grade.pass"), t("sv.grade.fail")}
	gs := []string{strconv.FormatInt(g.Excellent, 10), strconv.FormatInt(g.Good, 10), strconv.FormatInt(g.Pass, 10), strconv.FormatInt(g.Fail, 10)}
	out.Grades = vbars("chart-grades", t("stats.chart.grades"), "bar-grades", gl, gv, gs)
	return out
}

// monthLabel is a month under its bar: 3月 or Mar within a year, 2026-03
// over several.
func monthLabel(lang, ym string, months int) string {
	if months > 12 {
		return ym
	}
	m, _ := strconv.Atoi(ym[5:])
	if lang == "en" {
		return []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[m-1]
	}
	return strconv.Itoa(m) + "月"
}

// formatWan shows fen as 万元 (ten thousands of yuan) with two decimals
// in Chinese, and as thousands of yuan in English: the bars' short labels.
// The tables show the exact yuan.
func formatWan(lang string, fen int64) string {
	if lang == "en" {
		return formatFixed(fen, 100_000) + "k"
	}
	return formatFixed(fen, 1_000_000) + "万"
}

// formatFixed shows n/div rounded half-up to two decimals, with thousands
// separators.
func formatFixed(n, div int64) string {
	h := (n*100 + div/2) / div // hundredths of the unit
	return formatYuan(h)
}
