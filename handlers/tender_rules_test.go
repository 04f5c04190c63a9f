package handlers_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestParallelTenderCodesAreDistinctAndConsecutive creates 20 tenders at
// once in one region: every creation succeeds and the codes are the
// region's numbers 1..20 of the year, which restart the next year (Beijing
// time).
func TestParallelTenderCodesAreDistinctAndConsecutive(t *testing.T) {
	w := newTenderWorld(t)
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var codes []string
	var failures []string
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, b := w.buyer.do("POST", "/api/v1/tenders", w.tenderBody())
			mu.Lock()
			defer mu.Unlock()
			if s != 201 {
				failures = append(failures, fmt.Sprintf("%d %s", s, b))
				return
			}
			codes = append(codes, decode[struct{ Code string }](t, b).Code)
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d parallel creations failed: %v", len(failures), n, failures)
	}
	sort.Strings(codes)
	for i, c := range codes {
		if want := fmt.Sprintf("450102-2026-%04d", i+1); c != want {
			t.Fatalf("codes = %v, want 450102-2026-0001 … %04d", codes, n)
		}
	}
	// 2027-01-01 00:30 in Beijing is still 2026 in UTC: the new year's
	// first tender is number 1 of 2027.
	w.now = time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)
	w.buyer = w.e.signIn("xn-buyer") // the session has expired by then
	body := w.tenderBody()
	body["service_start"], body["service_end"] = "2027-02-01", "2028-01-31"
	s, b := w.buyer.do("POST", "/api/v1/tenders", body)
	if got := decode[struct{ Code string }](t, must(t, 201, s, b, "create in the new year")).Code; got != "450102-2027-0001" {
		t.Fatalf("first code of 2027 = %s", got)
	}
}

// TestCityAndRegionCreditCodesRegister: codes registered by Nanning's
// (450100) and by the region's (450000) civil-affairs offices are accepted
// for organisations within their areas, and refused for one outside.
func TestCityAndRegionCreditCodesRegister(t *testing.T) {
	e := newEnv(t)
	anon := e.anon()
	for i, c := range []struct{ code, region string }{{"52450100MJ0000009Q", "450102"}, {"52450000MJ0000008G", "4502"}} {
		s, b := anon.do("POST", "/api/v1/registrations", orgBody(fmt.Sprintf("office%d", i), c.region, c.code))
		must(t, 201, s, b, "register "+c.code)
	}
	s, b := anon.do("POST", "/api/v1/registrations", orgBody("outside", "4502", orgCreditCode("450100", 3)))
	if p := decode[problemDoc](t, b); s != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "organisation.region" ||
		!strings.Contains(p.Errors[0].Message, "(450100)") {
		t.Fatalf("a Nanning code for a Liuzhou organisation: %d %s", s, b)
	}
}
