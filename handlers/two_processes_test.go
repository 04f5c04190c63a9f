package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"portal/handlers"
	"portal/models"
	"portal/models/testdb"
	"portal/policy"
)

// secondProcess is a second portal process on the database, the files and
// the seal key of e's: its own connection pool, enforcer, handler and, as
// the portal runs, its listener (on PostgreSQL it remembers sessions).
func secondProcess(t *testing.T, e *env) *env {
	t.Helper()
	s2 := testdb.SecondStore(t, e.store)
	en, ok := s2.Authz.(*policy.Enforcer)
	if !ok {
		t.Fatalf("the second store's enforcer is a %T", s2.Authz)
	}
	// Sessions it remembers end only by the notifications of endings.
	s2.Settings.SessionCacheTTL = time.Hour
	l := models.NewListener(s2.DB)
	l.On(policy.Channel, en.Notified)
	s2.CacheSessions(l)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx, nil) }()
	t.Cleanup(func() { stop(); <-done })
	for start := time.Now(); s2.Dialect == models.Postgres && !l.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the second process's listener did not connect")
		}
	}
	h, err := handlers.New(s2, en, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, store: s2, authz: en, srv: srv, root: e.root}
}

// via is c's browser (its cookies) talking to another server.
func via(c *client, e *env) *client { return &client{e: e, http: c.http} }

// TestTenderAcrossTwoProcesses: two portal processes on one database (the
// README's several-processes recipe) behind a round-robin proxy: the
// agencies signed in on the first bid on the second, the experts score
// through the proxy, the buyer awards and signs on the first; the award
// opens the bids the second process sealed, and every step is seen by both.
func TestTenderAcrossTwoProcesses(t *testing.T) {
	w := newTenderWorld(t)
	first := w.e
	second := secondProcess(t, first)

	// The proxy sends each request to the next process in turn.
	var n atomic.Int64
	targets := []*url.URL{mustURL(t, first.srv.URL), mustURL(t, second.srv.URL)}
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(targets[n.Add(1)%2])
		r.Out.Host = r.In.Host
	}})
	t.Cleanup(proxy.Close)
	balanced := &env{t: t, store: first.store, authz: first.authz, srv: proxy, root: first.root}

	for i := range w.agents {
		w.agents[i] = via(w.agents[i], second) // signed in on the first
	}
	for i := range w.experts {
		w.experts[i] = via(w.experts[i], balanced)
	}
	contract := w.signedContractAPI(t)

	// Both processes see the contract, awarded to the cheapest-but-best
	// bid the second process sealed.
	for name, e := range map[string]*env{"first": first, "second": second} {
		s, b := via(w.buyer, e).do("GET", fmt.Sprintf("/api/v1/contracts/%d", contract), nil)
		c := decode[struct {
			ID             int64 `json:"id"`
			OrganisationID int64 `json:"organisation_id"`
			AmountFen      int64 `json:"amount_fen"`
		}](t, must(t, 200, s, b, name+" reads the contract"))
		if c.OrganisationID != w.orgs[2] || c.AmountFen != 300_000_00 {
			t.Errorf("%s: the contract %+v, want organisation %d at 300,000.00", name, c, w.orgs[2])
		}
	}
	if n.Load() < 2 {
		t.Fatalf("the proxy passed %d requests", n.Load())
	}

	// Signing out on one process ends the session on the other, which
	// remembered it (PostgreSQL): at once, by the notification, well
	// within the cache's own second.
	s, b := w.agents[0].do("GET", "/api/v1/me", nil)
	must(t, http.StatusOK, s, b, "the second process reads the session")
	s, b = via(w.agents[0], first).do("DELETE", "/api/v1/session", nil)
	must(t, http.StatusNoContent, s, b, "sign out on the first")
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		s, _ := w.agents[0].do("GET", "/api/v1/me", nil)
		if s == http.StatusUnauthorized {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the second process still knows the session: %d", s)
		}
	}
}
