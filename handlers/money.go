package handlers

import (
	"strconv"
	"strings"
	"unicode"

	"portal/models"
)

// Money as people type it. One parser for every money field (the tender's
// budget lines, a bid's price, a catalogue item's guide price).

// maxYuanDigits bounds the whole yuan typed (a trillion yuan is far beyond
// any tender); the model's own money bound refuses sums next to the field.
const maxYuanDigits = 12

// moneyTyped normalises what was typed: full-width digits and punctuation
// become ASCII, and grouping commas, spaces, the currency sign and a
// trailing 元 go.
var moneyTyped = strings.NewReplacer(",", "", "，", "", "、", "", " ", "", "\u3000", "", "¥", "", "￥", "", "元", "",
	"．", ".", "。", ".")

// parseMoney reads an amount in yuan ("250000", "250,000.00",
// "２５００００", "250，000.00") into fen. code is "" when it reads, else the
// field error to show: money_digits (not a number: type digits),
// money_decimals (more than 2 decimals: fen is the smallest unit) or
// money_digits_max. Blank reads as 0, which the model judges.
func parseMoney(s string) (fen int64, code string) {
	s = moneyTyped.Replace(strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, strings.TrimSpace(s)))
	if s == "" {
		return 0, ""
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || strings.Contains(frac, ".") || !allDigits(whole) || !allDigits(frac) {
		return 0, "money_digits"
	}
	if len(frac) > 2 {
		return 0, "money_decimals"
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > maxYuanDigits {
		return 0, "money_digits_max"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.ParseInt("0"+whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, ""
}

func allDigits(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// moneyErrors puts the parser's codes on the money fields it could not
// read (given to the model as -1, which it refuses), replacing the model's
// generic refusal; bad maps the form's field to its code. A field the model
// did not name is added.
func moneyErrors(err error, bad map[string]string) error {
	if len(bad) == 0 {
		return err
	}
	e, ok := models.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = nil
	seen := map[string]bool{}
	for _, f := range e.Fields {
		if code, ok := bad[f.Field]; ok {
			if seen[f.Field] {
				continue
			}
			f.Code, f.Param = code, moneyParam(code)
		}
		seen[f.Field] = true
		out.Fields = append(out.Fields, f)
	}
	for field, code := range bad {
		if !seen[field] {
			out.Fields = append(out.Fields, models.Field(field, code, moneyParam(code)))
		}
	}
	return &out
}

func moneyParam(code string) string {
	if code == "money_digits_max" {
		return strconv.Itoa(maxYuanDigits)
	}
	return ""
}
