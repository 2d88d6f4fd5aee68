package dashboard_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/rocketmock/rocketmock/controlapi"
	"github.com/rocketmock/rocketmock/dashboard"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// Mount the control API, and with it the dashboard, under a prefix of a
// program's own server: the page is at /rocketmock/ (open it with
// #token=... after the URL) and reads the API relative to itself.
func Example() {
	b, err := mockbroker.New()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	mux := http.NewServeMux()
	mux.Handle("/rocketmock/", http.StripPrefix("/rocketmock", controlapi.NewHandler(b, controlapi.Token("s3cret"))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/rocketmock/", "/rocketmock/dashboard/app.js", "/rocketmock/v1/groups"} {
		resp, err := http.Get(srv.URL + path) // no token: the page is static, the data is not
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// The page alone, without the API (it then shows what it cannot load).
	page := httptest.NewServer(dashboard.Handler())
	defer page.Close()
	resp, err := http.Get(page.URL + "/dashboard/app.css")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output:
	// /rocketmock/ 200 text/html; charset=utf-8
	// /rocketmock/dashboard/app.js 200 text/javascript; charset=utf-8
	// /rocketmock/v1/groups 401 application/json
	// 200 text/css; charset=utf-8
}
