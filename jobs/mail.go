package jobs

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Mailer sends mail through one SMTP server, from PORTAL_SMTP_URL:
// smtp://user:pass@host:port (STARTTLS when the server offers it; port 587
// by default) or smtps://user:pass@host:port (TLS from the start; port 465
// by default). Without a user it does not authenticate.
type Mailer struct {
	host, user, pass, from string
	port                   int
	implicitTLS            bool
}

// NewMailer parses an SMTP URL; from is the sender's address (empty:
// portal@<host>).
func NewMailer(raw, from string) (*Mailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, fmt.Errorf("PORTAL_SMTP_URL must be smtp://user:pass@host:port or smtps://…")
	}
	m := &Mailer{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: from, port: 587}
	if m.implicitTLS {
		m.port = 465
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil || m.port <= 0 || m.port > 65535 {
			return nil, fmt.Errorf("PORTAL_SMTP_URL: bad port %q", p)
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	if m.from == "" {
		m.from = "portal@" + m.host
	}
	if err := mail.NewMsg().From(m.from); err != nil {
		return nil, fmt.Errorf("PORTAL_SMTP_FROM: %w", err)
	}
	return m, nil
}

// Addr is the server's host:port.
func (m *Mailer) Addr() string { return net.JoinHostPort(m.host, strconv.Itoa(m.port)) }

// Send sends one plain-text message to one address.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return err
	}
	if err := msg.To(to); err != nil {
		return err
	}
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, body)
	opts := []mail.Option{mail.WithPort(m.port), mail.WithTimeout(30 * time.Second)}
	if m.implicitTLS {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if m.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(m.user), mail.WithPassword(m.pass))
	}
	c, err := mail.NewClient(m.host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}
