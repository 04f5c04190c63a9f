// Package static embeds the stylesheet and scripts; nothing comes from a CDN.
package static

import "embed"

// FS holds every static asset.
//
//go:embed *.css *.js *.svg
var FS embed.FS
