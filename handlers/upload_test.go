package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"portal/handlers"
)

// trickle sends body to path as a multipart upload, one byte every gap,
// from a goroutine; the answer (or the client's error) arrives on the
// returned channel. stop ends the body early, as a client that gives up.
func (c *client) trickle(path, contentType string, body []byte, gap time.Duration) (done <-chan error, stop func()) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for _, b := range body {
			select {
			case <-ctx.Done():
				pw.CloseWithError(errors.New("client gave up"))
				return
			case <-time.After(gap):
			}
			if _, err := pw.Write([]byte{b}); err != nil {
				return
			}
		}
		pw.Close()
	}()
	out := make(chan error, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, "POST", c.e.srv.URL+path, pr)
		if err != nil {
			out <- err
			return
		}
		req.Header.Set("Content-Type", contentType)
		resp, err := c.http.Do(req)
		if err != nil {
			out <- err
			return
		}
		resp.Body.Close()
		out <- fmt.Errorf("status %d", resp.StatusCode)
	}()
	return out, func() { cancel(); pr.Close() }
}

func multipartFile(t *testing.T, field, name string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// A slow upload by one organisation holds no transaction or lock: another
// organisation saves and submits its bid at once (on SQLite the upload's
// transaction used to hold the only writer; on PostgreSQL the tender row).
func TestTricklingUploadDoesNotBlockOtherBidders(t *testing.T) {
	w := newTenderWorld(t)
	tender := w.publish(t)
	path := func(f string) string { return fmt.Sprintf("/api/v1/tenders/%d%s", tender, f) }
	bid := func(i int) map[string]any {
		return map[string]any{"price_fen": 25_000_000, "proposal": "方案", "team": []map[string]any{{"staff_id": w.staff[i], "role": "项目主管"}}}
	}
	s, b := w.agents[0].do("PUT", path("/bid"), bid(0))
	must(t, 200, s, b, "A saves a draft")

	body, ctype := multipartFile(t, "file", "响应函.pdf", testPDF)
	done, stop := w.agents[0].trickle(path("/bid/attachments"), ctype, body, 300*time.Millisecond)
	defer stop()
	time.Sleep(1500 * time.Millisecond) // A's request is in its handler, its body arriving

	for _, step := range []struct {
		method, path string
		body         any
	}{{"PUT", "/bid", bid(1)}, {"POST", "/bid/submit", nil}} {
		start := time.Now()
		s, b := w.agents[1].do(step.method, path(step.path), step.body)
		if took := time.Since(start); s != 200 || took > time.Second {
			t.Fatalf("B's %s %s during A's slow upload: %d after %v: %s", step.method, step.path, s, took, b)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("A's upload ended early: %v", err)
	default:
	}
}

// The body read deadline of upload routes ends a trickling upload: the
// server answers (or drops the connection) instead of waiting for it.
func TestBodyReadDeadlineEndsTricklingUpload(t *testing.T) {
	e := newEnvConfig(t, handlers.Config{UploadTimeout: 700 * time.Millisecond, BodyTimeout: time.Minute})
	org := e.registerOrg("slowpoke", "450102")
	c := e.signIn("slowpoke")
	body, ctype := multipartFile(t, "file", "charter.pdf", testPDF)
	// The whole body would take len(body)×300 ms (over 60 s); the test waits
	// at most 20 s, only so that a broken deadline fails instead of hanging.
	done, stop := c.trickle(fmt.Sprintf("/api/v1/organisations/%d/documents", org), ctype, body, 300*time.Millisecond)
	defer stop()
	select {
	case err := <-done:
		if err.Error() != "status 400" && !errors.Is(err, io.ErrUnexpectedEOF) && !isConnError(err) {
			t.Fatalf("trickling upload ended with %v, want 400 or a closed connection", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server still reads a trickling upload")
	}
	if n := e.orgCount("organisation_documents"); n != 0 {
		t.Fatalf("%d documents stored", n)
	}
	// A normal upload still works.
	if s, b := c.orgUpload(fmt.Sprintf("/api/v1/organisations/%d/documents", org), "charter", "charter.pdf", testPDF); s != 201 {
		t.Fatalf("upload: %d %s", s, b)
	}
}

func isConnError(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) || errors.Is(err, io.EOF)
}

// Routes without uploads have a shorter body deadline of their own.
func TestBodyReadDeadlineEndsTricklingForm(t *testing.T) {
	e := newEnvConfig(t, handlers.Config{BodyTimeout: 700 * time.Millisecond, UploadTimeout: time.Minute})
	body := []byte(`{"username":"admin","password":"` + testPassword + `"}`)
	done, stop := e.anon().trickle("/api/v1/session", "application/json", body, 300*time.Millisecond)
	defer stop()
	select {
	case err := <-done:
		if err.Error() != "status 400" && !isConnError(err) {
			t.Fatalf("trickling sign-in ended with %v, want 400 or a closed connection", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server still reads a trickling sign-in")
	}
	// The same body sent at once signs in.
	if s, b := e.anon().do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": testPassword}); s != 200 {
		t.Fatalf("sign-in: %d %s", s, b)
	}
}
