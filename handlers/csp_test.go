package handlers_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"portal/templates"

	"golang.org/x/net/html"
)

// inlineCode lists what the pages' Content-Security-Policy would block in
// an HTML document: style attributes, <style> elements, <script> without
// src, event-handler attributes and javascript: URLs.
func inlineCode(doc []byte) []string {
	var found []string
	z := html.NewTokenizer(bytes.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return found
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		src := false
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case key == "style":
				found = append(found, fmt.Sprintf("<%s style=%q>", tok.Data, a.Val))
			case strings.HasPrefix(key, "on"):
				found = append(found, fmt.Sprintf("<%s %s=…>", tok.Data, a.Key))
			case (key == "href" || key == "src" || key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:"):
				found = append(found, fmt.Sprintf("<%s %s=%q>", tok.Data, a.Key, a.Val))
			case key == "src":
				src = true
			}
		}
		if tok.Data == "style" || (tok.Data == "script" && !src) {
			found = append(found, "<"+tok.Data+"> inline")
		}
	}
}

// The pages' HTML holds no inline style or script, so the Content-Security-
// Policy (default-src 'self', no 'unsafe-inline') leaves them working: each
// template, and the pages as served to each kind of user.
func TestPagesHaveNoInlineStyleOrScript(t *testing.T) {
	err := fs.WalkDir(templates.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(templates.FS, path)
		if err != nil {
			return err
		}
		if found := inlineCode(b); len(found) > 0 {
			t.Errorf("%s: %v", path, found)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	w := newTenderWorld(t)
	tender := w.publish(t)
	w.bid(t, 0, tender, 280_000, "方案A")
	admin := w.e.signIn("admin")
	pages := map[*client][]string{
		w.e.anon():   {"/", "/login", "/register", "/tenders", "/tenders/%d", "/tenders/%d/notice", "/catalogue", "/stats", "/stats?region=450102", "/no-such-page"},
		admin:        {"/", "/admin/users", "/admin/users/new", "/admin/audit", "/regions", "/organisations", "/tenders", "/contracts", "/catalogue/manage"},
		w.buyer:      {"/tenders/new", "/tenders/%d", "/tenders/%d/evaluation", "/contracts"},
		w.agents[0]:  {"/my/organisation", "/my/bids", "/tenders/%d/bid", "/tenders/%d", "/notifications"},
		w.experts[0]: {"/my/evaluations"},
	}
	for c, paths := range pages {
		for _, p := range paths {
			if strings.Contains(p, "%d") {
				p = fmt.Sprintf(p, tender)
			}
			req, _ := http.NewRequest("GET", w.e.srv.URL+p, nil)
			resp, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if found := inlineCode(buf.Bytes()); len(found) > 0 {
				t.Errorf("GET %s: %v", p, found)
			}
		}
	}
}

// Every answer forbids sniffing, framing and sending the portal's addresses
// to other sites; pages get a Content-Security-Policy of their own files.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn("admin")
	for _, tc := range []struct {
		c      *client
		method string
		path   string
		origin string
		csp    *regexp.Regexp
	}{
		{e.anon(), "GET", "/", "", regexp.MustCompile(`^default-src 'self';.*frame-ancestors 'none'`)},
		{e.anon(), "GET", "/no-such-page", "", regexp.MustCompile(`^default-src 'self';`)},
		{e.anon(), "GET", "/static/app.css", "", regexp.MustCompile(`^default-src 'self';`)},
		{e.anon(), "GET", "/api/v1/regions", "", regexp.MustCompile(`^default-src 'none'; frame-ancestors 'none'$`)},
		{admin, "GET", "/api/v1/me", "", regexp.MustCompile(`^default-src 'none'`)},
		{e.anon(), "GET", "/api/v1/tenders?q=%00", "", regexp.MustCompile(`^default-src 'none'`)},
		{e.anon(), "GET", "/healthz", "", regexp.MustCompile(`frame-ancestors 'none'`)},
		{admin, "POST", "/logout", "https://evil.example", regexp.MustCompile(`frame-ancestors 'none'`)},
	} {
		req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, nil)
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		resp, err := tc.c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" ||
			!tc.csp.MatchString(h.Get("Content-Security-Policy")) {
			t.Errorf("%s %s (%d): nosniff=%q frame=%q referrer=%q csp=%q", tc.method, tc.path, resp.StatusCode, h.Get("X-Content-Type-Options"),
				h.Get("X-Frame-Options"), h.Get("Referrer-Policy"), h.Get("Content-Security-Policy"))
		}
	}
}
