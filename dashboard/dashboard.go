package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/rocketmock/rocketmock/internal/logsink"
)

//go:embed assets
var assets embed.FS

// securityPolicy lets the page load only its own files and talk only to
// its own origin: no inline script, no third party, no framing.
const securityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// maxEchoed bounds a path or method echoed in an error, as the control
// API does.
const maxEchoed = 256

// asset is one embedded file, ready to serve.
type asset struct {
	name        string
	contentType string
	etag        string
	data        []byte
}

// page is the set of files Handler serves, by request path.
type page struct {
	files map[string]asset
}

// Handler returns the dashboard page as an http.Handler: index.html at /,
// the script and style sheet under /dashboard/. Unknown paths get 404,
// methods other than GET and HEAD 405.
func Handler() http.Handler {
	p := &page{files: map[string]asset{}}
	entries, err := fs.ReadDir(assets, "assets")
	if err != nil {
		panic(fmt.Sprintf("dashboard: reading the embedded assets: %v", err)) // the embed directive guarantees them
	}
	for _, e := range entries {
		data, err := assets.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("dashboard: reading the embedded %s: %v", e.Name(), err))
		}
		sum := sha256.Sum256(data)
		a := asset{name: e.Name(), contentType: contentType(e.Name()), etag: `"` + hex.EncodeToString(sum[:8]) + `"`, data: data}
		if e.Name() == "index.html" {
			p.files["/"] = a
			continue
		}
		p.files["/dashboard/"+e.Name()] = a
	}
	return p
}

// contentType is the Content-Type of an asset, by its extension.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/dashboard/" || r.URL.Path == "/dashboard/index.html" {
		// The page lives at / (its relative URLs count from there); a
		// relative Location keeps a mount prefix.
		w.Header().Set("Location", "../")
		w.WriteHeader(http.StatusFound)
		return
	}
	a, ok := p.files[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no dashboard file %s: the page is at / and its files under /dashboard/", logsink.Truncate(r.URL.Path, maxEchoed)))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s; allowed: GET, HEAD", logsink.Truncate(r.Method, maxEchoed), r.URL.Path))
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", securityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	// ServeContent answers If-None-Match with 304, ranges and HEAD.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.data))
}

// writeError answers as the control API does: {"error": "..."}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"error": msg}) // a string map always marshals
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
