package controlapi

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/rocketmock/rocketmock/internal/strictjson"
)

// readBody reads the whole request body; what names it in the errors
// ("request body", "fixture"): 413 past the handler's MaxBody, 400 when
// the read fails.
func readBody(r *http.Request, what string) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, requestErr(http.StatusRequestEntityTooLarge, "%s larger than %d bytes", what, mbe.Limit)
		}
		return nil, requestErr(http.StatusBadRequest, "reading the %s: %v", what, err)
	}
	return data, nil
}

// decodeBody reads the request body as one JSON value into v. An empty
// body leaves v alone unless required; example goes in error messages.
func decodeBody(r *http.Request, v any, required bool, example string) error {
	data, err := readBody(r, "request body")
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		if required {
			return requestErr(http.StatusBadRequest, "request body missing: want JSON such as %s", example)
		}
		return nil
	}
	if err := strictjson.Decode(data, v); err != nil {
		return requestErr(http.StatusBadRequest, "request body: %s (want JSON such as %s)", strictjson.Describe(data, err), example)
	}
	return nil
}
