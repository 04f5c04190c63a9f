package models_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"portal/models"
	"portal/models/testdb"
	"portal/policy"
)

// listening runs a listener for s as the portal does (policy and
// sessions) until the test ends, and waits until it listens.
func listening(t *testing.T, s *models.Store) *models.Listener {
	t.Helper()
	l := models.NewListener(s.DB)
	l.On(policy.Channel, s.Authz.(*policy.Enforcer).Notified)
	s.CacheSessions(l)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx, nil) }()
	t.Cleanup(func() { stop(); <-done })
	for start := time.Now(); !l.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the listener did not connect")
		}
	}
	return l
}

// withLan is a store with the admin and a user lan (password
// long-enough-pw).
func withLan(t *testing.T) (*models.Store, *models.Actor, *models.User) {
	t.Helper()
	s, admin := bootstrap(t)
	u, err := s.CreateUser(context.Background(), admin, models.NewUser{Username: "lan", Password: "long-enough-pw", DisplayName: "蓝"})
	if err != nil {
		t.Fatal(err)
	}
	return s, admin, u
}

func signIn(t *testing.T, s *models.Store, username, password string) string {
	t.Helper()
	token, _, err := s.SignIn(context.Background(), username, password, "192.0.2.7")
	if err != nil {
		t.Fatalf("sign in %s: %v", username, err)
	}
	return token
}

// signedIn reports whether token is a session on s, as a request finds it.
func signedIn(t *testing.T, s *models.Store, token string) bool {
	t.Helper()
	_, err := s.SessionUser(context.Background(), token)
	if err != nil && !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatal(err)
	}
	return err == nil
}

// endedWithin polls s until token is no session there, as the next
// requests would.
func endedWithin(t *testing.T, s *models.Store, token string, within time.Duration, what string) {
	t.Helper()
	for start := time.Now(); signedIn(t, s, token); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > within {
			t.Fatalf("%s: the session still answers after %s", what, within)
		}
	}
}

// TestSessionsReadEachRequestWithoutAListener: a store that no listener
// serves (SQLite, or PostgreSQL while it is away) reads the session on
// every request, so a session ended by any means ends at once.
func TestSessionsReadEachRequestWithoutAListener(t *testing.T) {
	s, _, _ := withLan(t)
	token := signIn(t, s, "lan", "long-enough-pw")
	if !signedIn(t, s, token) {
		t.Fatal("the new session does not answer")
	}
	if err := s.DB.Exec("DELETE FROM sessions").Error; err != nil {
		t.Fatal(err)
	}
	if signedIn(t, s, token) {
		t.Fatal("a session deleted from the database still answers: it was remembered with no listener")
	}
}

// TestSessionEndingsReachOtherProcessesAtOnce: on PostgreSQL, with the
// listener of each process connected, a session is answered from memory
// (a change made behind the portal's back is not seen), and a sign-out,
// a disabled user, a password reset or change in one process ends the
// sessions in the other by the notification alone (the cache's own
// expiry is set to an hour), at once in the process that ended them.
func TestSessionEndingsReachOtherProcessesAtOnce(t *testing.T) {
	if os.Getenv("PORTAL_TEST_DATABASE_URL") == "" {
		t.Skip("SQLite is one process: sessions are not remembered")
	}
	s, admin, u := withLan(t)
	ctx := context.Background()
	s2 := testdb.SecondStore(t, s)
	for _, st := range []*models.Store{s, s2} {
		st.Settings.SessionCacheTTL = time.Hour
		listening(t, st)
	}
	const within = 3 * time.Second

	// Remembered: a name changed behind the portal's back is not seen.
	token := signIn(t, s, "lan", "long-enough-pw")
	if !signedIn(t, s, token) || !signedIn(t, s2, token) {
		t.Fatal("the new session does not answer")
	}
	if err := s.DB.Exec("UPDATE users SET display_name = 'changed' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	if got, err := s2.SessionUser(ctx, token); err != nil || got.DisplayName != "蓝" {
		t.Fatalf("the session was read again (%v, %v): the test proves nothing", got, err)
	}

	t.Run("sign-out", func(t *testing.T) {
		if err := s.SignOut(ctx, token); err != nil {
			t.Fatal(err)
		}
		if signedIn(t, s, token) {
			t.Fatal("the process that signed out still knows the session")
		}
		endedWithin(t, s2, token, within, "signed out on the other process")
	})
	t.Run("disabled", func(t *testing.T) {
		token := signIn(t, s, "lan", "long-enough-pw")
		if !signedIn(t, s2, token) {
			t.Fatal("the new session does not answer")
		}
		if _, err := s.SetUserDisabled(ctx, admin, u.ID, true); err != nil {
			t.Fatal(err)
		}
		endedWithin(t, s2, token, within, "disabled on the other process")
		if _, err := s.SetUserDisabled(ctx, admin, u.ID, false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("password reset", func(t *testing.T) {
		token := signIn(t, s, "lan", "long-enough-pw")
		if !signedIn(t, s2, token) {
			t.Fatal("the new session does not answer")
		}
		if _, err := s.ResetPassword(ctx, admin, u.ID, models.PasswordReset{TemporaryPassword: "temporary-pw-1"}); err != nil {
			t.Fatal(err)
		}
		endedWithin(t, s2, token, within, "reset on the other process")
	})
	t.Run("password change", func(t *testing.T) {
		token := signIn(t, s, "lan", "temporary-pw-1")
		if !signedIn(t, s, token) {
			t.Fatal("the new session does not answer")
		}
		fresh, err := s2.ChangePassword(ctx, actorFor(t, s2, "lan"), models.PasswordChange{CurrentPassword: "temporary-pw-1", NewPassword: "a-new-long-pw"})
		if err != nil {
			t.Fatal(err)
		}
		endedWithin(t, s, token, within, "changed on the other process")
		if !signedIn(t, s, fresh) || !signedIn(t, s2, fresh) {
			t.Fatal("the session the change opened does not answer")
		}
	})
}

// TestRememberedSessionsExpire: a remembered session is read again after
// SessionCacheTTL, so even an ending no process announced (a row deleted
// by hand) holds within it.
func TestRememberedSessionsExpire(t *testing.T) {
	if os.Getenv("PORTAL_TEST_DATABASE_URL") == "" {
		t.Skip("SQLite is one process: sessions are not remembered")
	}
	s, _, _ := withLan(t)
	s.Settings.SessionCacheTTL = 200 * time.Millisecond
	l := listening(t, s)
	token := signIn(t, s, "lan", "long-enough-pw")
	if !signedIn(t, s, token) {
		t.Fatal("the new session does not answer")
	}
	if err := s.DB.Exec("DELETE FROM sessions").Error; err != nil {
		t.Fatal(err)
	}
	if !l.Listening() || !signedIn(t, s, token) {
		t.Fatal("the session was read again at once: it was not remembered, and the test proves nothing")
	}
	endedWithin(t, s, token, 3*time.Second, "deleted by hand")
}
