// Package dashboard is the heartbeat dashboard of rocketmock: one static
// page (index.html, app.js, app.css; plain JavaScript, no framework, no
// CDN, embedded in the binary) that shows a broker's producer and consumer
// groups, each client's last heartbeat and its age (ticking; close to
// expiry, expired or closed, with why), per producer the messages sent to
// each queue, per consumer group the lag of each queue, and a live
// timeline of the broker's events.
//
// The page holds no data: it reads everything from the control API
// (package controlapi) with relative URLs (v1/groups, v1/events, ...), so
// it works wherever the API is mounted, also under a prefix with
// http.StripPrefix. controlapi.NewHandler serves it at GET / without the
// token; the page sends the token with every API request, taking it once
// from the URL fragment (#token=...) or asking for it when the API
// answers 401. The event stream (GET v1/events) is read with fetch, not
// EventSource, so that the token travels in the Authorization header and
// never in a URL.
//
// Handler serves the page by itself:
//
//	GET /                  index.html
//	GET /dashboard/{file}  app.js, app.css
//
// Every answer carries an ETag and "Cache-Control: no-cache" (a browser
// revalidates and gets 304 while the binary is the same), a
// Content-Security-Policy that allows nothing but the page's own files
// and connections to its own origin, and X-Content-Type-Options: nosniff.
package dashboard
