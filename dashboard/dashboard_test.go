package dashboard

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

// maxAssetBytes is the budget of the embedded page (issue 15: aim < 100 KB).
const maxAssetBytes = 100 << 10

func TestEmbeddedAssetsAreSmall(t *testing.T) {
	var total int64
	var names []string
	err := fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		names = append(names, d.Name())
		return nil
	})
	assert.NilError(t, err)
	assert.DeepEqual(t, names, []string{"app.css", "app.js", "index.html"})
	t.Logf("embedded dashboard: %d bytes", total)
	assert.Assert(t, total < maxAssetBytes, "the embedded page is %d bytes, want < %d", total, maxAssetBytes)
}

// get serves one request and returns status, headers and body.
func get(t *testing.T, h http.Handler, method, path string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body, err := io.ReadAll(w.Result().Body)
	assert.NilError(t, err)
	return w.Code, w.Result().Header, string(body)
}

func TestHandlerServesThePage(t *testing.T) {
	h := Handler()
	tests := []struct {
		path, contentType, contains string
	}{
		{"/", "text/html; charset=utf-8", `<script src="dashboard/app.js" defer></script>`},
		{"/dashboard/app.js", "text/javascript; charset=utf-8", "'use strict';"},
		{"/dashboard/app.css", "text/css; charset=utf-8", ":root"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, hdr, body := get(t, h, "GET", tt.path, nil)
			assert.Equal(t, status, 200)
			assert.Assert(t, strings.Contains(body, tt.contains), "%s lacks %q", tt.path, tt.contains)
			got := map[string]string{}
			for _, k := range []string{"Content-Type", "Cache-Control", "X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} {
				got[k] = hdr.Get(k)
			}
			want := map[string]string{
				"Content-Type": tt.contentType, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
				"Content-Security-Policy": securityPolicy, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			}
			assert.DeepEqual(t, got, want)
			etag := hdr.Get("ETag")
			assert.Assert(t, regexp.MustCompile(`^"[0-9a-f]{16}"$`).MatchString(etag), "ETag %q", etag)

			// Revalidation: the same file answers 304 without a body.
			status, _, body = get(t, h, "GET", tt.path, map[string]string{"If-None-Match": etag})
			assert.Equal(t, status, http.StatusNotModified)
			assert.Equal(t, body, "")
			status, _, body = get(t, h, "HEAD", tt.path, nil)
			assert.Equal(t, status, 200)
			assert.Equal(t, body, "")
		})
	}
}

func TestHandlerRefusesTheRest(t *testing.T) {
	h := Handler()
	tests := []struct {
		method, path string
		status       int
		header       map[string]string
	}{
		{"GET", "/dashboard/nothing.js", 404, nil},
		{"GET", "/index.html", 404, nil},
		{"GET", "/dashboard/assets/app.js", 404, nil},
		{"POST", "/", 405, map[string]string{"Allow": "GET, HEAD"}},
		{"DELETE", "/dashboard/app.js", 405, map[string]string{"Allow": "GET, HEAD"}},
		// The page lives at /: its relative URLs count from there.
		{"GET", "/dashboard/", 302, map[string]string{"Location": "../"}},
		{"GET", "/dashboard/index.html", 302, map[string]string{"Location": "../"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			status, hdr, _ := get(t, h, tt.method, tt.path, nil)
			assert.Equal(t, status, tt.status)
			got := map[string]string{}
			for k := range tt.header {
				got[k] = hdr.Get(k)
			}
			if diff := cmp.Diff(tt.header, got); tt.header != nil && diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// The page reaches the API only through relative URLs, so that it works
// under a mount prefix, and loads nothing from elsewhere.
func TestPageUsesRelativeURLsOnly(t *testing.T) {
	for _, name := range []string{"index.html", "app.js"} {
		data, err := assets.ReadFile("assets/" + name)
		assert.NilError(t, err)
		text := string(data)
		for _, bad := range []string{`'/v1/`, `"/v1/`, "`/v1/", `"/dashboard/`, `'/dashboard/`, "http://", "https://", "new EventSource"} {
			assert.Assert(t, !strings.Contains(text, bad), "%s contains %q", name, bad)
		}
	}
}
