package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"portal/models"
)

// BenchmarkCan measures a request's first authorisation check (role ×
// action × region prefix) once the enforcer has answered it before; the
// enforcer caches answers until the policy changes, and repeats within a
// request are memoised by the actor.
func BenchmarkCan(b *testing.B) {
	s, admin := bootstrap(b)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, admin, models.NewUser{Username: "bench", Password: "long-enough-pw", DisplayName: "b"})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.GrantRole(ctx, admin, u.ID, models.Grant{Role: models.RoleProcurement, Region: "4501"}); err != nil {
		b.Fatal(err)
	}
	grants, _ := s.Authz.Grants(u.ID)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A fresh actor per request: its memo starts empty.
		a := models.NewActor(u, grants, "", s.Authz)
		if !a.Can("tender:manage", "450102") {
			b.Fatal("denied")
		}
	}
}

// BenchmarkTenderList measures a public page of 50 tenders out of 500, the
// statuses derived from the clock in SQL.
func BenchmarkTenderList(b *testing.B) {
	w := newWorld(b)
	zero := time.Duration(0)
	w.s.Settings.MinBidPeriod = &zero
	for i := 0; i < 500; i++ {
		in := w.tenderInput()
		in.Title = fmt.Sprintf("项目 %d", i)
		tender, err := w.s.CreateTender(w.ctx, w.buyer, in)
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := w.s.PublishTender(w.ctx, w.buyer, tender.ID); err != nil {
				b.Fatal(err)
			}
		}
	}
	anon := models.Anonymous("", w.s.Authz)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		list, err := w.s.Tenders(w.ctx, anon, models.TenderFilter{Status: models.TenderPublished}, models.Page{PerPage: 50})
		if err != nil || list.Total != 250 || len(list.Items) != 50 {
			b.Fatalf("%d tenders, %v", list.Total, err)
		}
	}
}
