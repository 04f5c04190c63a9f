// Package uscc validates the Unified Social Credit Code (统一社会信用代码) of
// GB 32100-2015: the 18-character identifier every legal person and other
// organisation in China carries, social work organisations included.
//
// Layout, 1-based:
//
//	1      registration authority (登记管理部门代码), 5 = civil affairs (民政)
//	2      organisation type (机构类别代码), under 5: 1 社会团体, 2 民办非企业单位, 3 基金会
//	3–8    administrative division of the registering authority (GB/T 2260), digits
//	9–17   subject identifier (the old organisation code)
//	18     check character
//
// The package checks form only. Whether the division is a real county is the
// caller's question (it needs the region table), and so is whether the code
// belongs to the organisation that presents it.
package uscc

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Alphabet holds the 31 characters of the code in value order (0..30):
// the digits, then the capital letters without I, O, S, V and Z.
const Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// Length is the number of characters of a code.
const Length = 18

// weights[i] = 3^i mod 31, the weight of character i+1.
var weights = [Length - 1]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// values maps an ASCII byte to its value + 1; 0 means not in the alphabet.
var values = func() (t [256]int8) {
	for i := 0; i < len(Alphabet); i++ {
		t[Alphabet[i]] = int8(i + 1)
	}
	return t
}()

// Registration types of civil-affairs codes, as returned by
// Code.RegistrationType.
const (
	SocialGroup          = "social_group"           // 51 社会团体
	PrivateNonEnterprise = "private_non_enterprise" // 52 民办非企业单位 (社会服务机构)
	Foundation           = "foundation"             // 53 基金会
)

// ErrInvalid is wrapped by every *Error, so callers can test errors.Is(err, uscc.ErrInvalid).
var ErrInvalid = errors.New("invalid unified social credit code")

// Reason says which rule a code breaks.
type Reason int

const (
	// ReasonLength: not 18 characters after trimming surrounding spaces
	// (17 for CheckChar).
	ReasonLength Reason = iota + 1
	// ReasonCharset: a character outside Alphabet; Error.Position is the
	// 1-based index of the first one.
	ReasonCharset
	// ReasonDivision: positions 3–8 are not all digits; Error.Position is the
	// first offending position.
	ReasonDivision
	// ReasonCheck: the check character is wrong; Error.Expected is the right one.
	ReasonCheck
)

func (r Reason) String() string {
	switch r {
	case ReasonLength:
		return "length"
	case ReasonCharset:
		return "charset"
	case ReasonDivision:
		return "division"
	case ReasonCheck:
		return "check"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Error describes why a code is invalid. Its message is English and contains
// nothing but the rule broken, so it is safe to show to the person who typed
// the code.
type Error struct {
	Reason   Reason
	Position int  // 1-based; set for ReasonCharset and ReasonDivision
	Expected byte // set for ReasonCheck
}

func (e *Error) Error() string {
	switch e.Reason {
	case ReasonLength:
		return "unified social credit code must be 18 characters"
	case ReasonCharset:
		return fmt.Sprintf("unified social credit code has an invalid character at position %d "+
			"(only digits and capital letters other than I, O, S, V, Z are used)", e.Position)
	case ReasonDivision:
		return fmt.Sprintf("unified social credit code positions 3-8 must be digits "+
			"(administrative division code); position %d is not", e.Position)
	case ReasonCheck:
		return fmt.Sprintf("unified social credit code check character is wrong (expected %c); "+
			"the code has a typing error", e.Expected)
	}
	return "unified social credit code is invalid"
}

// Code returns a stable snake_case key for the message catalogue:
// "uscc_length", "uscc_charset", "uscc_division" or "uscc_check".
func (e *Error) Code() string {
	switch e.Reason {
	case ReasonLength, ReasonCharset, ReasonDivision, ReasonCheck:
		return "uscc_" + e.Reason.String()
	}
	return "uscc_invalid"
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

// Code is a valid, normalised unified social credit code. Obtain one from
// Parse; a Code converted from an arbitrary string is not checked, and its
// methods then return zero values rather than panic.
type Code string

// Parse trims surrounding white space, upper-cases ASCII letters and checks
// the result. Every error it returns is an *Error.
func Parse(s string) (Code, error) {
	n := normalise(s)
	if err := checkChars(n, Length); err != nil {
		return "", err
	}
	for i := 2; i < 8; i++ {
		if n[i] < '0' || n[i] > '9' {
			return "", &Error{Reason: ReasonDivision, Position: i + 1}
		}
	}
	want := checkChar(n[:Length-1])
	if n[Length-1] != want {
		return "", &Error{Reason: ReasonCheck, Expected: want}
	}
	return Code(n), nil
}

// CheckChar returns the check character for the first 17 characters of a
// code. Its input is normalised like Parse's; it reports ReasonLength (not 17
// characters) or ReasonCharset. It does not look at the division.
func CheckChar(first17 string) (byte, error) {
	n := normalise(first17)
	if err := checkChars(n, Length-1); err != nil {
		return 0, err
	}
	return checkChar(n), nil
}

// String returns the code itself.
func (c Code) String() string { return string(c) }

// Division returns positions 3–8: the administrative division code of the
// registering authority (e.g. "450102" for Xingning district, Nanning).
func (c Code) Division() string {
	if len(c) != Length {
		return ""
	}
	return string(c[2:8])
}

// Authority returns position 1, the registration authority code
// ('5' = civil affairs, '9' = market regulation, '1' = establishment office, ...).
func (c Code) Authority() byte {
	if len(c) != Length {
		return 0
	}
	return c[0]
}

// OrgType returns position 2, the organisation type within the authority.
func (c Code) OrgType() byte {
	if len(c) != Length {
		return 0
	}
	return c[1]
}

// RegistrationType names the kind of civil-affairs registration:
// SocialGroup (51), PrivateNonEnterprise (52), Foundation (53), or "" for any
// other code (companies, public institutions, other civil-affairs types).
func (c Code) RegistrationType() string {
	if len(c) != Length || c[0] != '5' {
		return ""
	}
	switch c[1] {
	case '1':
		return SocialGroup
	case '2':
		return PrivateNonEnterprise
	case '3':
		return Foundation
	}
	return ""
}

// normalise trims surrounding white space and upper-cases ASCII letters only,
// so no non-ASCII character can turn into an accepted one.
func normalise(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// checkChars verifies that s has exactly n characters, all in Alphabet.
// Characters are counted as runes (an invalid UTF-8 byte counts as one), so
// a stray Chinese character is reported where it stands, not as a length error.
func checkChars(s string, n int) error {
	if utf8.RuneCountInString(s) != n {
		return &Error{Reason: ReasonLength}
	}
	if len(s) == n { // all ASCII: byte index = character index
		for i := 0; i < n; i++ {
			if values[s[i]] == 0 {
				return &Error{Reason: ReasonCharset, Position: i + 1}
			}
		}
		return nil
	}
	pos := 0
	for _, r := range s {
		pos++
		if r >= utf8.RuneSelf || values[r] == 0 {
			return &Error{Reason: ReasonCharset, Position: pos}
		}
	}
	return nil // unreachable: a non-ASCII rune is always rejected above
}

// checkChar computes the check character of 17 alphabet characters:
// C18 = 31 − (Σ value(Ci)·Wi mod 31), with 31 written as 0.
func checkChar(first17 string) byte {
	sum := 0
	for i := 0; i < Length-1; i++ {
		sum += int(values[first17[i]]-1) * weights[i]
	}
	v := 31 - sum%31
	if v == 31 {
		v = 0
	}
	return Alphabet[v]
}
