package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"
)

// bootstrap returns a store with the first admin signed in as an actor.
func bootstrap(t testing.TB) (*models.Store, *models.Actor) {
	t.Helper()
	s, _ := testdb.Store(t)
	// Fixtures register many organisations from one address; the
	// registration throttle's own test restores the production limit.
	s.Settings.MaxRegistrationsAddr = 1000
	ctx := context.Background()
	pw, err := s.EnsureAdmin(ctx, "admin-password-1")
	if err != nil || pw != "admin-password-1" {
		t.Fatalf("EnsureAdmin = %q, %v", pw, err)
	}
	return s, actorFor(t, s, "admin")
}

func actorFor(t testing.TB, s *models.Store, username string) *models.Actor {
	t.Helper()
	var u models.User
	if err := s.DB.Where("username = ?", username).First(&u).Error; err != nil {
		t.Fatal(err)
	}
	grants, err := s.Authz.Grants(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return models.NewActor(&u, grants, "192.0.2.1", s.Authz)
}

func TestRegionsLoaded(t *testing.T) {
	s, _ := testdb.Store(t)
	ctx := context.Background()
	cities, err := s.Regions(ctx, "45")
	if err != nil {
		t.Fatal(err)
	}
	if len(cities) != 14 {
		t.Fatalf("Guangxi has %d cities, want 14", len(cities))
	}
	var counties int64
	s.DB.Model(&models.Region{}).Where("level = ? AND code LIKE '45%'", models.LevelCounty).Count(&counties)
	if counties != 111 {
		t.Fatalf("Guangxi has %d counties, want 111", counties)
	}
	path, err := s.RegionPath(ctx, "450102001")
	if err != nil || len(path) != 4 || path[0].Code != "45" || path[2].Code != "450102" {
		t.Fatalf("path = %+v, %v", path, err)
	}
}

func TestGrantReachesRegionsBelow(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, admin, models.NewUser{Username: "nanning", Password: "long-enough-pw", DisplayName: "南宁采购"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRole(ctx, admin, u.ID, models.Grant{Role: models.RoleProcurement, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	a := actorFor(t, s, "nanning")
	for region, want := range map[string]bool{"4501": true, "450102": true, "450102001": true, "4502": false, "45": false, "450202": false} {
		if got := a.Can("audit:read", region); got != want {
			t.Errorf("Can(audit:read, %s) = %v, want %v", region, got, want)
		}
	}
	if a.Can("user:create", "4501") {
		t.Error("procurement may not create users")
	}
	// A city admin may grant inside its city only.
	cityAdmin, _ := s.CreateUser(ctx, admin, models.NewUser{Username: "nnadmin", Password: "long-enough-pw", DisplayName: "南宁管理员"})
	if err := s.GrantRole(ctx, admin, cityAdmin.ID, models.Grant{Role: models.RoleAdmin, Region: "4501"}); err != nil {
		t.Fatal(err)
	}
	ca := actorFor(t, s, "nnadmin")
	if err := s.GrantRole(ctx, ca, u.ID, models.Grant{Role: models.RoleExpert, Region: "4502"}); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("grant outside own region: %v, want forbidden", err)
	}
	if err := s.GrantRole(ctx, ca, u.ID, models.Grant{Role: models.RoleExpert, Region: "450103"}); err != nil {
		t.Fatalf("grant inside own region: %v", err)
	}
	if err := s.GrantRole(ctx, ca, u.ID, models.Grant{Role: models.RoleExpert, Region: "450103"}); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("duplicate grant: %v, want conflict", err)
	}
	// The city admin sees its city's users and those without a role, not
	// a Liuzhou buyer.
	lz, _ := s.CreateUser(ctx, admin, models.NewUser{Username: "lzbuyer", Password: "long-enough-pw", DisplayName: "柳州采购"})
	if err := s.GrantRole(ctx, admin, lz.ID, models.Grant{Role: models.RoleProcurement, Region: "4502"}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := s.CreateUser(ctx, admin, models.NewUser{Username: "newcomer", Password: "long-enough-pw", DisplayName: "新人"})
	seen, err := s.Users(ctx, ca, models.UserFilter{}, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range seen.Items {
		names = append(names, x.Username)
	}
	if got := strings.Join(names, ","); got != "nanning,nnadmin,newcomer" || seen.Total != 3 {
		t.Fatalf("the city admin sees %s", got)
	}
	if _, err := s.User(ctx, ca, lz.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("the city admin reads a Liuzhou buyer: %v", err)
	}
	if _, err := s.User(ctx, ca, fresh.ID); err != nil {
		t.Fatalf("the city admin reads a user without a role: %v", err)
	}
	if all, _ := s.Users(ctx, admin, models.UserFilter{}, models.Page{}); all.Total != 5 {
		t.Fatalf("the nationwide admin sees %d users, want 5", all.Total)
	}
	err = s.GrantRole(ctx, admin, u.ID, models.Grant{Role: "wizard", Region: "4599"})
	if e, ok := models.AsError(err); !ok || !errors.Is(err, models.ErrInvalid) || len(e.Fields) != 2 {
		t.Fatalf("bad role and region: %v", err)
	}
}

func TestSignInThrottleAndExpiry(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if _, err := s.CreateUser(ctx, admin, models.NewUser{Username: "lan", Password: "correct-horse", DisplayName: "蓝"}); err != nil {
		t.Fatal(err)
	}
	_, _, errUnknown := s.SignIn(ctx, "nobody", "correct-horse", "198.51.100.1")
	_, _, errWrong := s.SignIn(ctx, "lan", "wrong-password", "198.51.100.1")
	if !errors.Is(errUnknown, models.ErrUnauthenticated) || errUnknown.Error() != errWrong.Error() {
		t.Fatalf("unknown user %v and wrong password %v must answer alike", errUnknown, errWrong)
	}
	for i := 0; i < 4; i++ {
		s.SignIn(ctx, "lan", "wrong-password", "198.51.100.1")
	}
	if _, _, err := s.SignIn(ctx, "lan", "correct-horse", "198.51.100.2"); !errors.Is(err, models.ErrTooMany) {
		t.Fatalf("after 5 failures: %v, want too many", err)
	}
	now = now.Add(16 * time.Minute)
	token, _, err := s.SignIn(ctx, "lan", "correct-horse", "198.51.100.2")
	if err != nil {
		t.Fatalf("after the window: %v", err)
	}
	token2, _, err := s.SignIn(ctx, "lan", "correct-horse", "198.51.100.2")
	if err != nil || token2 == token {
		t.Fatalf("each sign-in must get a new session: %v", err)
	}
	if _, err := s.SessionUser(ctx, token); err != nil {
		t.Fatal(err)
	}
	now = now.Add(s.Settings.SessionIdle + time.Second)
	if _, err := s.SessionUser(ctx, token); !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatalf("idle session still valid: %v", err)
	}
	// A session in use still ends at its absolute expiry.
	start := now
	token, _, err = s.SignIn(ctx, "lan", "correct-horse", "198.51.100.2")
	if err != nil {
		t.Fatal(err)
	}
	for now.Before(start.Add(s.Settings.SessionAbsolute - time.Hour)) {
		now = now.Add(time.Hour)
		if _, err := s.SessionUser(ctx, token); err != nil {
			t.Fatalf("an active session ended after %v: %v", now.Sub(start), err)
		}
	}
	now = start.Add(s.Settings.SessionAbsolute + time.Second)
	if _, err := s.SessionUser(ctx, token); !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatalf("session valid past its absolute expiry: %v", err)
	}
}

func TestSignInThrottlePerAddress(t *testing.T) {
	s, admin := bootstrap(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, admin, models.NewUser{Username: "lan", Password: "correct-horse", DisplayName: "蓝"}); err != nil {
		t.Fatal(err)
	}
	// Guessing many usernames from one address trips the address limit.
	for i := 0; i < s.Settings.MaxFailuresAddr; i++ {
		s.SignIn(ctx, fmt.Sprintf("guess%d", i), "x", "203.0.113.7")
	}
	if _, _, err := s.SignIn(ctx, "lan", "correct-horse", "203.0.113.7"); !errors.Is(err, models.ErrTooMany) {
		t.Fatalf("from the guessing address: %v, want too many", err)
	}
	if _, _, err := s.SignIn(ctx, "lan", "correct-horse", "203.0.113.8"); err != nil {
		t.Fatalf("from another address: %v", err)
	}
}
