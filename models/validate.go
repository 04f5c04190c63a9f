package models

import (
	"errors"
	"reflect"
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"
)

var (
	mobileRe   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlineRe = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}(-\d{1,6})?$`)
	usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{2,31}$`)
	regionRe   = regexp.MustCompile(`^\d{2}(\d{2}(\d{2}(\d{3})?)?)?$`)
)

// NewValidator returns a validator that names fields by their json tag and
// knows the portal's own tags.
func NewValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" || name == "" {
			return f.Name
		}
		return name
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("phone", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return mobileRe.MatchString(s) || landlineRe.MatchString(s)
	}))
	must(v.RegisterValidation("username", func(fl validator.FieldLevel) bool {
		return usernameRe.MatchString(fl.Field().String())
	}))
	must(v.RegisterValidation("regioncode", func(fl validator.FieldLevel) bool {
		return regionRe.MatchString(fl.Field().String())
	}))
	return v
}

// validate runs the validator and turns its report into an Invalid error
// whose fields carry the json path ("organisation.credit_code").
func (s *Store) validate(v any) error {
	err := s.Validate.Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return err
	}
	fields := make([]FieldError, 0, len(ves))
	for _, fe := range ves {
		ns := fe.Namespace()
		if i := strings.IndexByte(ns, '.'); i >= 0 {
			ns = ns[i+1:] // drop the struct type name
		}
		fields = append(fields, FieldError{Field: ns, Code: fe.Tag(), Param: fe.Param()})
	}
	return Invalid(fields...)
}
