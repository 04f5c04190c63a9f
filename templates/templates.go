// Package templates embeds the page templates and the message catalogue.
package templates

import "embed"

// FS holds layout.html, views/*.html and i18n/<lang>/*.json (one file per area).
//
//go:embed layout.html views/*.html i18n/*/*.json
var FS embed.FS
