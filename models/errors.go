package models

import (
	"errors"
	"fmt"
)

// Sentinel kinds. Every error a model function returns for a caller's mistake
// wraps exactly one of these, so handlers map it to a status with errors.Is
// and never show err.Error() of an internal failure to a user.
var (
	ErrBadRequest      = errors.New("bad request")
	ErrInvalid         = errors.New("invalid input")
	ErrUnauthenticated = errors.New("not signed in")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrTooLarge        = errors.New("too large")
	ErrTooMany         = errors.New("too many attempts")
)

// FieldError names one invalid input field. Code is a stable key of the
// message catalogue ("required", "min", "uscc_check", ...); Param fills it.
type FieldError struct {
	Field string `json:"field"`
	Code  string `json:"-"`
	Param string `json:"-"`
}

// Error is the one error type of the portal.
type Error struct {
	Kind   error
	Detail string // safe to show; English, used by the API
	Key    string // message catalogue key for pages; empty means Detail
	Fields []FieldError
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%v: %s", e.Kind, e.Detail)
	}
	return e.Kind.Error()
}

func (e *Error) Unwrap() error { return e.Kind }

// Fail builds an Error of the given kind with a detail message.
func Fail(kind error, key, detail string) *Error {
	return &Error{Kind: kind, Key: key, Detail: detail}
}

// Invalid builds a 422 error for the named fields.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: ErrInvalid, Key: "err.invalid", Detail: "one or more fields are invalid", Fields: fields}
}

// Field is shorthand for a FieldError.
func Field(field, code, param string) FieldError {
	return FieldError{Field: field, Code: code, Param: param}
}

// AsError returns the portal Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
