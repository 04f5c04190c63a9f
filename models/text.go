package models

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMaxText is the length, in characters, of a text field that names no
// `validate:"max=N"` of its own and is not in longText. Every text a client
// sends has a maximum.
const DefaultMaxText = 1000

// longText are the maximum lengths of the fields allowed more than
// DefaultMaxText, by name (the JSON name, and a form input's last part), for
// inputs whose structs carry no `validate:"max=N"`.
var longText = map[string]int{
	"proposal":         200_000,
	"description":      4000,
	"service_standard": 8000,
	"question":         2000,
	"answer":           4000,
	"reason":           2000,
	"note":             2000,
	"evidence":         2000,
	"narrative":        MaxNarrative,
	"comment":          MaxReportComment,
}

// TextMax is the maximum length of the text field or form input name.
func TextMax(name string) int {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	if n, ok := longText[name]; ok {
		return n
	}
	return DefaultMaxText
}

// CheckTextValue normalises one text value and reports whether it can be
// stored under name.
func CheckTextValue(name, s string) (string, *FieldError) {
	s = NormaliseText(s)
	if code := TextProblem(s); code != "" {
		f := Field(name, code, "")
		return s, &f
	}
	if max := TextMax(name); utf8.RuneCountInString(s) > max {
		f := Field(name, "max", strconv.Itoa(max))
		return s, &f
	}
	return s, nil
}

// MaxQuery is the longest query parameter value (q= and the others), in
// characters: far beyond any search, and short enough that no database
// finds a LIKE pattern too complex.
const MaxQuery = 400

// TextProblem reports why s cannot be stored as text, identically on both
// databases: "" when it can, "text" for invalid UTF-8 or a control
// character other than tab and newline (PostgreSQL refuses NUL; SQLite
// would keep bytes no page can show). Carriage returns are not accepted
// here: NormaliseText turns CRLF from forms into LF before this check.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "text"
	}
	for _, r := range s {
		if r == '\t' || r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return "text"
		}
	}
	return ""
}

// NormaliseText turns CRLF and lone CR (as browsers send a textarea's
// lines) into LF, so stored text has one kind of line end.
func NormaliseText(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// CheckText walks v (a pointer to the decoded input) and reports every text
// field that cannot be stored or is longer than its maximum (the field's
// `validate:"max=N"`, else DefaultMaxText), naming fields by tag ("json"
// or "form") as the API and the forms name them. Line ends are normalised
// in place.
func CheckText(v any, tag string) []FieldError {
	var out []FieldError
	walkText(reflect.ValueOf(v), "", DefaultMaxText, tag, &out)
	return out
}

func walkText(v reflect.Value, path string, max int, tag string, out *[]FieldError) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(v.Elem(), path, max, tag, out)
		}
	case reflect.String:
		s := v.String()
		if n := NormaliseText(s); n != s && v.CanSet() {
			v.SetString(n)
			s = n
		}
		if code := TextProblem(s); code != "" {
			*out = append(*out, Field(path, code, ""))
		} else if utf8.RuneCountInString(s) > max {
			*out = append(*out, Field(path, "max", strconv.Itoa(max)))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := strings.SplitN(f.Tag.Get(tag), ",", 2)[0]
			if name == "-" {
				continue
			}
			p := path
			if !f.Anonymous {
				if name == "" {
					name = f.Name
				}
				p = joinPath(path, name)
			}
			walkText(v.Field(i), p, fieldMax(f, name), tag, out)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes, not text
		}
		for i := range v.Len() {
			walkText(v.Index(i), fmt.Sprintf("%s[%d]", path, i), max, tag, out)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			p := joinPath(path, fmt.Sprint(k.Interface()))
			if k.Kind() == reflect.String {
				if code := TextProblem(k.String()); code != "" || utf8.RuneCountInString(k.String()) > DefaultMaxText {
					*out = append(*out, Field(path, "text", ""))
					continue
				}
			}
			// Map values cannot be set in place; they are checked as they are.
			walkText(iter.Value(), p, max, tag, out)
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldMax is a field's `validate:"max=N"`, or TextMax of its name.
func fieldMax(f reflect.StructField, name string) int {
	for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
		if n, ok := strings.CutPrefix(rule, "max="); ok {
			if m, err := strconv.Atoi(n); err == nil {
				return m
			}
		}
	}
	return TextMax(name)
}

type refusedInputKey struct{}

// WithRefusedInput marks a request's context with the edge's verdict that
// its input cannot be stored (a page form whose handler will call the model
// before it can look). The model writes nothing for such a request and
// answers err instead, so the page shows the form again with each field's
// error and what was typed.
func WithRefusedInput(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, refusedInputKey{}, err)
}

// refusedInput is the edge's verdict on ctx's request, if it refused any.
func refusedInput(ctx context.Context) error {
	err, _ := ctx.Value(refusedInputKey{}).(error)
	return err
}
