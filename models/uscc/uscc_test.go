package uscc

import (
	"errors"
	"strings"
	"testing"
)

// realCodes are published codes of real organisations, each found in public
// material and checked with the algorithm here before it was kept. None is
// from Guangxi: no Guangxi social organisation's code could be found in the
// material searched, so Guangxi is covered by constructedCodes below.
var realCodes = []struct {
	code, name, source string
	regType            string
}{
	{"53100000500019795A", "中国社会福利基金会 (China Social Welfare Foundation)",
		"the foundation's published basic information (登记管理机关：民政部), quoted in a public charity-system project page",
		Foundation},
	{"53100000500021326D", "中华社会救助基金会 (China Social Assistance Foundation)",
		"fund-raising filing number 53100000500021326DA18051 (credit code + filing suffix) on a public donation-platform page",
		Foundation},
	{"53100000500021676K", "北京理工大学教育基金会 (Beijing Institute of Technology Education Foundation)",
		"buyer tax number printed on invoices, in public reimbursement tooling",
		Foundation},
	{"51100000500002862F", "中国自动化学会 (Chinese Association of Automation)",
		"purchaser taxpayer number checked on invoices, in a public OA system",
		SocialGroup},
	{"51100000500009247D", "中国复合材料工业协会 (China Composites Industry Association)",
		"organisation unique id in a public O2OA deployment",
		SocialGroup},
	{"51100000500012681T", "中国医疗保健国际交流促进会 (China International Exchange and Promotive Association for Medical and Health Care)",
		"invoice title and tax number in a public lab handbook",
		SocialGroup},
	{"51310110501144395U", "上海市杨浦区科技企业联合会 (Yangpu District Sci-Tech Enterprise Federation, Shanghai)",
		"social-group registration certificate of the Yangpu civil-affairs bureau, quoted in a public supplier-vetting report",
		SocialGroup},
}

// constructedCodes are NOT real organisations: made up for Guangxi divisions
// (45 the region, 450102 Xingning district, 451022 Tiandong county) with the
// check character computed by CheckChar, to cover 52 and Guangxi prefixes.
var constructedCodes = []struct {
	code, division, regType string
}{
	{"51450000MJ0000001X", "450000", SocialGroup},
	{"52450102MJ00000020", "450102", PrivateNonEnterprise},
	{"53450000MJ0000003X", "450000", Foundation},
	{"52451022MJ0000004C", "451022", PrivateNonEnterprise},
}

func allValid() []string {
	var out []string
	for _, r := range realCodes {
		out = append(out, r.code)
	}
	for _, c := range constructedCodes {
		out = append(out, c.code)
	}
	return out
}

func wantReason(t *testing.T, input string, err error, want Reason) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse(%q) error = %v, want *Error with %v", input, err, want)
	}
	if e.Reason != want {
		t.Fatalf("Parse(%q) reason = %v (%v), want %v", input, e.Reason, e, want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Parse(%q): errors.Is(err, ErrInvalid) = false", input)
	}
	return e
}

func TestRealCodes(t *testing.T) {
	for _, r := range realCodes {
		c, err := Parse(r.code)
		if err != nil {
			t.Errorf("%s (%s): %v", r.code, r.name, err)
			continue
		}
		if string(c) != r.code {
			t.Errorf("Parse(%s) = %s", r.code, c)
		}
		if got := c.RegistrationType(); got != r.regType {
			t.Errorf("%s RegistrationType = %q, want %q", r.code, got, r.regType)
		}
		if c.Authority() != '5' {
			t.Errorf("%s Authority = %c", r.code, c.Authority())
		}
		if c.Division() != r.code[2:8] {
			t.Errorf("%s Division = %q", r.code, c.Division())
		}
	}
}

func TestConstructedGuangxiCodes(t *testing.T) {
	for _, cc := range constructedCodes {
		want, err := CheckChar(cc.code[:17])
		if err != nil || want != cc.code[17] {
			t.Fatalf("CheckChar(%s) = %c, %v; want %c", cc.code[:17], want, err, cc.code[17])
		}
		c, err := Parse(cc.code)
		if err != nil {
			t.Fatalf("Parse(%s): %v", cc.code, err)
		}
		if c.Division() != cc.division || c.RegistrationType() != cc.regType {
			t.Errorf("%s: division %q type %q, want %q %q", cc.code, c.Division(), c.RegistrationType(), cc.division, cc.regType)
		}
		if c.OrgType() != cc.code[1] || c.Authority() != '5' {
			t.Errorf("%s: authority %c org type %c", cc.code, c.Authority(), c.OrgType())
		}
	}
}

func TestRegistrationTypeOtherCodes(t *testing.T) {
	// A company code (9 = market regulation, 1 = enterprise) and a civil-affairs
	// "other" (59) code: valid, but not one of the three registrations.
	for _, prefix := range []string{"91450100MA5L00000", "59450100MJ0000001", "12450000MJ0000001"} {
		ch, err := CheckChar(prefix)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(prefix + string(ch))
		if err != nil {
			t.Fatalf("Parse(%s%c): %v", prefix, ch, err)
		}
		if got := c.RegistrationType(); got != "" {
			t.Errorf("%s RegistrationType = %q, want empty", c, got)
		}
		if c.Authority() != prefix[0] || c.OrgType() != prefix[1] {
			t.Errorf("%s: authority %c org type %c", c, c.Authority(), c.OrgType())
		}
	}
}

func TestNormalisation(t *testing.T) {
	for _, v := range allValid() {
		for _, in := range []string{
			strings.ToLower(v),
			"  " + v + "\t",
			"\n " + strings.ToLower(v) + " \r\n",
			"\u3000" + v + "\u3000", // ideographic (full-width) space
		} {
			c, err := Parse(in)
			if err != nil {
				t.Errorf("Parse(%q): %v", in, err)
				continue
			}
			if string(c) != v {
				t.Errorf("Parse(%q) = %q, want %q", in, c, v)
			}
		}
	}
	// Mixed case.
	c, err := Parse("53100000500019795a")
	if err != nil || c != "53100000500019795A" {
		t.Errorf("mixed case: %q, %v", c, err)
	}
}

// Every single-character substitution of a valid code is rejected: by the
// checksum when the new character is in the alphabet, by the charset when it
// is not, and, when a letter replaces a digit of positions 3–8, by the
// division rule, which is checked before the checksum.
func TestEverySubstitutionRejected(t *testing.T) {
	subs := []string{"中", "\xff", "-", "_", ".", "/", "*", "Ｏ"}
	for c := '0'; c <= '9'; c++ {
		subs = append(subs, string(c))
	}
	for c := 'A'; c <= 'Z'; c++ {
		subs = append(subs, string(c))
	}
	tried := 0
	for _, v := range allValid() {
		for i := 0; i < Length; i++ {
			for _, s := range subs {
				if s == v[i:i+1] {
					continue
				}
				in := v[:i] + s + v[i+1:]
				_, err := Parse(in)
				tried++
				if err == nil {
					t.Fatalf("Parse(%q) accepted a corruption of %s at position %d", in, v, i+1)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Parse(%q): %T %v", in, err, err)
				}
				inAlphabet := len(s) == 1 && strings.Contains(Alphabet, s)
				switch {
				case !inAlphabet:
					if e.Reason != ReasonCharset || e.Position != i+1 {
						t.Fatalf("Parse(%q) = %v at %d, want charset at %d", in, e.Reason, e.Position, i+1)
					}
				case i >= 2 && i < 8 && (s[0] < '0' || s[0] > '9'):
					if e.Reason != ReasonDivision || e.Position != i+1 {
						t.Fatalf("Parse(%q) = %v at %d, want division at %d", in, e.Reason, e.Position, i+1)
					}
				default:
					if e.Reason != ReasonCheck {
						t.Fatalf("Parse(%q) = %v, want check", in, e.Reason)
					}
					want, _ := CheckChar(in[:17])
					if e.Expected != want {
						t.Fatalf("Parse(%q) expected %c, want %c", in, e.Expected, want)
					}
					if i == Length-1 && e.Expected != v[17] {
						t.Fatalf("Parse(%q) expected %c, want original %c", in, e.Expected, v[17])
					}
				}
			}
		}
	}
	if tried < 1000 {
		t.Fatalf("only %d variants tried", tried)
	}
}

// Swapping two adjacent different characters changes the checksum as well
// (weights of neighbours differ), the usual typing error besides substitution.
func TestAdjacentTranspositionRejected(t *testing.T) {
	for _, v := range allValid() {
		for i := 0; i+1 < Length; i++ {
			if v[i] == v[i+1] {
				continue
			}
			b := []byte(v)
			b[i], b[i+1] = b[i+1], b[i]
			if _, err := Parse(string(b)); err == nil {
				t.Errorf("Parse(%s) accepted a transposition of %s", b, v)
			}
		}
	}
}

func TestWrongLength(t *testing.T) {
	v := realCodes[0].code
	for _, in := range []string{
		"", " ", "   \t\n", v[:17], v + "0", v[:10], v + v,
		v[:9] + " " + v[9:], // an inner space is a character: 19
		"中华社会救助基金会",         // 9 characters
		strings.Repeat("中", 19),
	} {
		_, err := Parse(in)
		e := wantReason(t, in, err, ReasonLength)
		if e.Code() != "uscc_length" {
			t.Errorf("Code() = %q", e.Code())
		}
	}
}

func TestForbiddenLetters(t *testing.T) {
	v := realCodes[0].code // 53100000500019795A
	for _, l := range "IOSVZiosvz" {
		for _, pos := range []int{1, 2, 9, 12, 18} {
			in := v[:pos-1] + string(l) + v[pos:]
			_, err := Parse(in)
			e := wantReason(t, in, err, ReasonCharset)
			if e.Position != pos {
				t.Errorf("Parse(%q) position = %d, want %d", in, e.Position, pos)
			}
			if e.Code() != "uscc_charset" {
				t.Errorf("Code() = %q", e.Code())
			}
		}
	}
	// The first bad character is reported.
	_, err := Parse("5310000050001979OZ")
	if e := wantReason(t, "", err, ReasonCharset); e.Position != 17 {
		t.Errorf("position = %d, want 17", e.Position)
	}
	// Full-width letters and digits are not folded.
	_, err = Parse("５３100000500019795A")
	if e := wantReason(t, "", err, ReasonCharset); e.Position != 1 {
		t.Errorf("position = %d, want 1", e.Position)
	}
}

func TestNonDigitDivision(t *testing.T) {
	for _, tc := range []struct {
		first17 string
		pos     int
	}{
		{"52A50102MJ0000002", 3},
		{"5245010BMJ0000002", 8},
		{"514500X0MJ0000001", 7},
		{"53KLMNPQMJ0000003", 3},
	} {
		ch, err := CheckChar(tc.first17) // a correct check character: only the division is wrong
		if err != nil {
			t.Fatal(err)
		}
		in := tc.first17 + string(ch)
		_, err = Parse(in)
		e := wantReason(t, in, err, ReasonDivision)
		if e.Position != tc.pos {
			t.Errorf("Parse(%q) position = %d, want %d", in, e.Position, tc.pos)
		}
		if e.Code() != "uscc_division" {
			t.Errorf("Code() = %q", e.Code())
		}
	}
}

func TestWrongCheckCharacter(t *testing.T) {
	in := "53100000500019795B"
	_, err := Parse(in)
	e := wantReason(t, in, err, ReasonCheck)
	if e.Expected != 'A' {
		t.Errorf("Expected = %c, want A", e.Expected)
	}
	if e.Code() != "uscc_check" {
		t.Errorf("Code() = %q", e.Code())
	}
	if !strings.Contains(e.Error(), "expected A") {
		t.Errorf("message %q does not name the expected character", e.Error())
	}
}

func TestCheckChar(t *testing.T) {
	for _, v := range allValid() {
		got, err := CheckChar(v[:17])
		if err != nil || got != v[17] {
			t.Errorf("CheckChar(%s) = %c, %v; want %c", v[:17], got, err, v[17])
		}
		got, err = CheckChar(strings.ToLower(v[:17]))
		if err != nil || got != v[17] {
			t.Errorf("CheckChar(lower %s) = %c, %v; want %c", v[:17], got, err, v[17])
		}
	}
	// A check value of 31 is written 0: find such a prefix by varying the last digit.
	found := false
	for d := '0'; d <= '9' && !found; d++ {
		for e := '0'; e <= '9' && !found; e++ {
			p := "524501020000000" + string(d) + string(e)
			if ch, _ := CheckChar(p); ch == '0' {
				found = true
				if _, err := Parse(p + "0"); err != nil {
					t.Errorf("Parse(%s0): %v", p, err)
				}
			}
		}
	}
	if !found {
		t.Error("no prefix with check character 0 found")
	}
	for _, tc := range []struct {
		in   string
		want Reason
		pos  int
	}{
		{"", ReasonLength, 0},
		{"5310000050001979", ReasonLength, 0},
		{"53100000500019795A", ReasonLength, 0},
		{"5310000050001979I", ReasonCharset, 17},
		{"S3100000500019795", ReasonCharset, 1},
		{"53100000500019\xff95", ReasonCharset, 15},
	} {
		_, err := CheckChar(tc.in)
		var e *Error
		if !errors.As(err, &e) || e.Reason != tc.want || e.Position != tc.pos {
			t.Errorf("CheckChar(%q) = %v, want %v at %d", tc.in, err, tc.want, tc.pos)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, in := range []string{
		"\xff\xfe\xfd",
		"53100000500019795\xff",
		"\xc3" + "3100000500019795A", // truncated 2-byte sequence eating nothing: 18 runes
		"53100000\xe4\xb8500019795A", // truncated 3-byte sequence
		strings.Repeat("\x80", 18),
	} {
		_, err := Parse(in) // must not panic
		if err == nil {
			t.Errorf("Parse(%q) accepted invalid UTF-8", in)
		}
	}
	_, err := Parse("53100000500019795\xff")
	if e := wantReason(t, "", err, ReasonCharset); e.Position != 18 {
		t.Errorf("position = %d, want 18", e.Position)
	}
}

func TestErrorMessages(t *testing.T) {
	for _, e := range []*Error{
		{Reason: ReasonLength},
		{Reason: ReasonCharset, Position: 4},
		{Reason: ReasonDivision, Position: 5},
		{Reason: ReasonCheck, Expected: 'X'},
		{},
	} {
		msg := e.Error()
		if msg == "" || !strings.HasPrefix(msg, "unified social credit code") {
			t.Errorf("%#v: message %q", e, msg)
		}
		if !strings.HasPrefix(e.Code(), "uscc_") {
			t.Errorf("%#v: code %q", e, e.Code())
		}
	}
	if (&Error{}).Code() != "uscc_invalid" {
		t.Error("zero Error code")
	}
}

func TestCodeMethodsOnUncheckedValues(t *testing.T) {
	for _, c := range []Code{"", "5", "51", "51450000", "not a code at all, far too long"} {
		// None of these may panic.
		if c.Division() != "" || c.Authority() != 0 || c.OrgType() != 0 || c.RegistrationType() != "" {
			t.Errorf("%q: %q %d %d %q", c, c.Division(), c.Authority(), c.OrgType(), c.RegistrationType())
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range allValid() {
		f.Add(v)
		f.Add(strings.ToLower(v))
		f.Add(" " + v[:9] + "中" + v[10:] + " ")
	}
	for _, s := range []string{"", " ", "\xff", "53100000500019795", "5310000050001979OZ", "52A50102MJ00000025"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseAndCheck(t, s)
		// Random strings are almost never valid. Also complete the input's
		// first 17 characters with their own check character, so accepted
		// codes are exercised too: that must be accepted unless the division
		// is not digits.
		if r := []rune(s); len(r) >= 17 {
			if ch, err := CheckChar(string(r[:17])); err == nil {
				full := string(r[:17]) + string(ch)
				if c, err := parseAndCheck(t, full); err == nil {
					if c != Code(strings.ToUpper(full)) {
						t.Fatalf("Parse(%q) = %q", full, c)
					}
				} else if err.(*Error).Reason != ReasonDivision {
					t.Fatalf("Parse(%q) with its own check character: %v", full, err)
				}
			}
		}
	})
}

// parseAndCheck calls Parse and verifies the properties every answer has:
// errors are *Error with a known reason; accepted codes round-trip and carry
// their own check character.
func parseAndCheck(t *testing.T, s string) (Code, error) {
	t.Helper()
	c, err := Parse(s)
	if err != nil {
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("Parse(%q) returned %T, want *Error", s, err)
		}
		if e.Reason < ReasonLength || e.Reason > ReasonCheck || e.Error() == "" || c != "" {
			t.Fatalf("Parse(%q) = %q, %#v", s, c, e)
		}
		return c, err
	}
	if len(c) != Length {
		t.Fatalf("Parse(%q) = %q, not 18 bytes", s, c)
	}
	again, err := Parse(string(c))
	if err != nil || again != c {
		t.Fatalf("round trip of %q: %q, %v", c, again, err)
	}
	ch, err := CheckChar(string(c[:17]))
	if err != nil || ch != c[17] {
		t.Fatalf("CheckChar(%q) = %c, %v; want %c", c[:17], ch, err, c[17])
	}
	for i := 0; i < Length; i++ {
		if strings.IndexByte(Alphabet, c[i]) < 0 {
			t.Fatalf("accepted %q has %q at %d", c, c[i], i+1)
		}
	}
	for _, d := range c.Division() {
		if d < '0' || d > '9' {
			t.Fatalf("accepted %q has division %q", c, c.Division())
		}
	}
	return c, nil
}
