package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"portal/handlers"
)

// BenchmarkRoutes serves the public tender routes in process, without the
// network, from the portal's handler and from the bare program's with
// either SQL, on one generated dataset: where a request's time goes
// (-cpuprofile) without the load generator's noise. Compare the
// sub-benchmarks' ns/op; bench/run.sh measures the ratios over HTTP.
func BenchmarkRoutes(b *testing.B) {
	store, authz := generated(b, 500)
	portal, err := handlers.New(store, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.Config{})
	if err != nil {
		b.Fatal(err)
	}
	db := openSame(b, store)
	defer db.close()
	var ids []int64
	if err := store.DB.Raw("SELECT id FROM tenders WHERE published_at IS NOT NULL ORDER BY id DESC LIMIT 200").Scan(&ids).Error; err != nil {
		b.Fatal(err)
	}
	// An agency member's session, as the load benchmark's signed-in side.
	w := httptest.NewRecorder()
	portal.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/session",
		strings.NewReader(`{"username":"org00001","password":"bench-password-1"}`)))
	if w.Code != http.StatusOK {
		b.Fatalf("sign in: %d %s", w.Code, w.Body)
	}
	cookies := w.Result().Cookies()
	sides := []struct {
		name    string
		h       http.Handler
		cookies []*http.Cookie
	}{{"portal", portal, nil}, {"portal-signed", portal, cookies}, {"bare-now", newServer(db, sqlNow), nil}, {"bare-filed", newServer(db, sqlFiled), nil}}
	for _, route := range []string{"/api/v1/tenders/{id}", "/api/v1/tenders?per_page=50", "/api/v1/notices"} {
		for _, side := range sides {
			b.Run(fmt.Sprintf("%s/%s", route, side.name), func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						path := route
						if route == "/api/v1/tenders/{id}" {
							path = fmt.Sprintf("/api/v1/tenders/%d", ids[i%len(ids)])
							i++
						}
						w := httptest.NewRecorder()
						req := httptest.NewRequest(http.MethodGet, path, nil)
						for _, c := range side.cookies {
							req.AddCookie(c)
						}
						side.h.ServeHTTP(w, req)
						if w.Code != http.StatusOK {
							b.Fatalf("%s %s: %d", side.name, path, w.Code)
						}
					}
				})
			})
		}
	}
}
