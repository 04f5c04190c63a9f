package handlers

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"portal/models"
	"portal/policy"

	"github.com/gin-gonic/gin"
)

// ocdsRoutes: the open data feed (OCDS 1.1 release packages), its bulk
// download and the page that explains them. Public, like the notices.
func (s *Server) ocdsRoutes(r *gin.Engine, api *gin.RouterGroup) {
	read := policy.Require("tender:read")
	api.GET("/ocds/releases", read, s.apiOCDSReleases)
	api.GET("/ocds/releases.json", read, s.apiOCDSBulk(false))
	api.GET("/ocds/releases.json.gz", read, s.apiOCDSBulk(true))
	r.GET("/open-data", read, s.pageOpenData)
}

// The package's publishing metadata.
const (
	ocdsPublisher = "社会服务购买平台 Social-services procurement portal"
	ocdsLicense   = "https://creativecommons.org/licenses/by/4.0/"
	ocdsVersion   = "1.1"
	// ocdsPerPage is a page's size unless per_page asks for fewer or more
	// (at most models.MaxReleasesPage).
	ocdsPerPage = 100
	// ocdsBatch is how many releases each short read of a bulk download
	// takes.
	ocdsBatch = 500
)

type ocdsPublisherJSON struct {
	Name string `json:"name"`
	URI  string `json:"uri"`
}

type ocdsLinks struct {
	Next string `json:"next"`
}

// releasePackage is an OCDS release package; Releases are written as
// stored.
type releasePackage struct {
	URI               string            `json:"uri"`
	Version           string            `json:"version"`
	PublishedDate     string            `json:"publishedDate"`
	Publisher         ocdsPublisherJSON `json:"publisher"`
	License           string            `json:"license"`
	PublicationPolicy string            `json:"publicationPolicy"`
	Releases          []json.RawMessage `json:"releases"`
	Links             *ocdsLinks        `json:"links,omitempty"`
}

// portalURL is the portal's address as the client reached it.
func portalURL(c *gin.Context) string {
	scheme := "http"
	if secure(c) {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func (s *Server) packageHead(c *gin.Context, uri string, published time.Time) releasePackage {
	base := portalURL(c)
	if published.IsZero() {
		published = s.store.Now()
	}
	return releasePackage{URI: uri, Version: ocdsVersion, PublishedDate: published.In(models.ChinaZone).Format(time.RFC3339),
		Publisher: ocdsPublisherJSON{Name: ocdsPublisher, URI: base + "/open-data"}, License: ocdsLicense,
		PublicationPolicy: base + "/open-data", Releases: []json.RawMessage{}}
}

var digits = regexp.MustCompile(`^[0-9]{1,18}$`)

// releaseQuery reads ?since= (RFC 3339, or a date: from its 00:00 Beijing
// time), ?page= (the token links.next gives: releases after that sequence
// number) and ?per_page= (1 to 200).
func releaseQuery(c *gin.Context) (models.ReleaseQuery, error) {
	q := models.ReleaseQuery{Limit: ocdsPerPage}
	var fe []models.FieldError
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.ParseInLocation(time.DateOnly, v, models.ChinaZone)
		}
		if err != nil {
			fe = append(fe, models.Field("since", "invalid", ""))
		}
		q.Since = t
	}
	if v := c.Query("page"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if !digits.MatchString(v) || err != nil || n < 1 {
			fe = append(fe, models.Field("page", "invalid", ""))
		}
		q.After = n
	}
	if v := c.Query("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if !digits.MatchString(v) || err != nil || n < 1 || n > models.MaxReleasesPage {
			fe = append(fe, models.Field("per_page", "invalid", ""))
		}
		q.Limit = n
	}
	if len(fe) > 0 {
		return q, models.Invalid(fe...)
	}
	return q, nil
}

// apiOCDSReleases answers one page of the feed: the releases in the order
// they were made, with links.next while more follow.
func (s *Server) apiOCDSReleases(c *gin.Context) {
	q, err := releaseQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	rels, more, err := s.store.OCDSReleases(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	prefix := s.store.Settings.OCDSPrefix
	var latest time.Time
	raw := make([]json.RawMessage, len(rels))
	for i := range rels {
		raw[i] = rels[i].JSON(prefix)
		if rels[i].Date.After(latest) {
			latest = rels[i].Date
		}
	}
	pkg := s.packageHead(c, portalURL(c)+c.Request.URL.RequestURI(), latest)
	pkg.Releases = raw
	if more {
		next := url.Values{}
		for k, v := range c.Request.URL.Query() {
			next[k] = v
		}
		next.Set("page", strconv.FormatInt(rels[len(rels)-1].ID, 10))
		pkg.Links = &ocdsLinks{Next: portalURL(c) + "/api/v1/ocds/releases?" + next.Encode()}
	}
	c.JSON(http.StatusOK, pkg)
}

// apiOCDSBulk streams every release made up to the request as one release
// package: the newest sequence number is read first, then the releases up
// to it in batches, each its own short read, none while writing to the
// client. Each batch gives the client another minute to take it.
func (s *Server) apiOCDSBulk(gz bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		upto, latest, err := s.store.LastRelease(ctx)
		if err != nil {
			fail(c, err)
			return
		}
		name := "ocds-releases.json"
		var out io.Writer = c.Writer
		if gz {
			name += ".gz"
			c.Header("Content-Type", "application/gzip")
			zw := gzip.NewWriter(c.Writer)
			defer zw.Close()
			out = zw
		} else {
			c.Header("Content-Type", "application/json; charset=utf-8")
		}
		c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
		c.Status(http.StatusOK)
		bw := bufio.NewWriterSize(out, 64<<10)
		defer bw.Flush()
		head := s.packageHead(c, portalURL(c)+c.Request.URL.Path, latest)
		head.Releases = nil
		b, err := json.Marshal(head)
		if err != nil {
			s.log.Error("ocds bulk", "err", err)
			return
		}
		// The head's fields, then "releases" last: {"uri":…,"license":…,"releases":[ … ]}
		b = b[:len(b)-1]
		b = append(b, `,"releases":[`...)
		if _, err := bw.Write(b); err != nil {
			return
		}
		prefix := s.store.Settings.OCDSPrefix
		rc := http.NewResponseController(c.Writer)
		var after int64
		first := true
		for after < upto {
			batch, err := s.store.OCDSBatch(ctx, after, upto, ocdsBatch)
			if err != nil {
				s.log.Error("ocds bulk", "err", err)
				return // the package stays unclosed: the client sees it broken
			}
			if len(batch) == 0 {
				break
			}
			if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil && !errors.Is(err, http.ErrNotSupported) {
				s.log.Warn("write deadline", "err", err)
			}
			for i := range batch {
				if !first {
					if err := bw.WriteByte(','); err != nil {
						return
					}
				}
				first = false
				if _, err := bw.Write(batch[i].JSON(prefix)); err != nil {
					return
				}
			}
			after = batch[len(batch)-1].ID
		}
		_, _ = bw.WriteString("]}")
	}
}

// openDataData is the page explaining the feed.
type openDataData struct {
	View    *models.OpenDataView
	Prefix  string
	Example string // an ocid
	Methods []openDataMethod
	Base    string
}

type openDataMethod struct {
	Key, Name, NameEn, OCDS string
}

func (s *Server) pageOpenData(c *gin.Context) {
	lang := langOf(c)
	v, err := s.store.OpenDataPage(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	d := &openDataData{View: v, Prefix: s.store.Settings.OCDSPrefix, Base: portalURL(c),
		Example: models.OCID(s.store.Settings.OCDSPrefix, "450102-2026-0001")}
	for _, k := range models.MethodKeys {
		m := models.Methods[k]
		d.Methods = append(d.Methods, openDataMethod{Key: k, Name: m.Name, NameEn: m.NameEn, OCDS: models.OCDSMethods[k]})
	}
	s.html(c, http.StatusOK, "open_data", &page{Title: s.msgs.T(lang, "ocds.title"), Data: d})
}
