package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"portal/models"
	"portal/models/sheet"

	"github.com/gin-gonic/gin"
)

// The list exports' one way out: every list page's 导出 Excel link (its
// path with .xlsx, the page's query kept) and the dashboards' workbooks
// come here. The sheets' rows are read from a database cursor inside one
// read transaction and streamed into a workbook in a temporary file; only
// once that is written, and the transaction closed, is the file sent, so a
// slow client never holds a transaction open.

// sendWorkbook writes the sheets to a temporary file (their Each functions
// read the database, each in its own read transaction), then sends the file
// as an attachment: key-YYYYMMDD.xlsx for old clients and title-YYYYMMDD.xlsx
// in UTF-8 (RFC 5987 filename*). An error before the file is written (a
// filter refused, an export too large) is rendered by fail as for any
// request: nothing has been sent yet.
func (s *Server) sendWorkbook(c *gin.Context, key, title string, sheets ...sheet.Sheet) {
	tmp, err := os.CreateTemp("", "portal-export-*.xlsx")
	if err != nil {
		fail(c, err)
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := sheet.WriteBook(tmp, sheets...); err != nil {
		fail(c, err)
		return
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		fail(c, err)
		return
	}
	// The file is ready and no transaction is open: the client has the
	// server's two minutes for a file at 64 KiB/s at least, however long the
	// writing took, and at most half an hour.
	if st, err := tmp.Stat(); err == nil {
		send := min(max(2*time.Minute, time.Duration(st.Size()/(64<<10))*time.Second), 30*time.Minute)
		if err := http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(send)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			s.log.Warn("export write deadline", "err", err)
		}
	}
	day := time.Now().In(models.ChinaZone).Format("20060102")
	h := c.Writer.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", attachmentName(key+"-"+day+".xlsx", title+"-"+day+".xlsx"))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, tmp)
}

// attachmentName is a Content-Disposition naming the file ascii (a plain
// quoted filename) and name (UTF-8, RFC 5987 filename*).
func attachmentName(ascii, name string) string {
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes every byte of s but RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0 {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// exportColumns are a sheet's columns: each header in the page's language.
func (s *Server) exportColumns(lang string, cols ...exportColumn) []sheet.Column {
	out := make([]sheet.Column, len(cols))
	for i, col := range cols {
		out[i] = sheet.Column{Header: s.msgs.T(lang, col.Key), Kind: col.Kind}
	}
	return out
}

// exportColumn is a column of an export: its header's i18n key and kind.
type exportColumn struct {
	Key  string
	Kind sheet.Kind
}

// yuan is an amount in fen as a number of yuan (shown with two decimals).
func yuan(fen int64) float64 { return float64(fen) / 100 }

// exportDay is a time's day in China Standard Time as YYYY-MM-DD text, ""
// for none.
func exportDay(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(models.ChinaZone).Format("2006-01-02")
}
