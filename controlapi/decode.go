package controlapi

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/rocketmock/rocketmock/internal/strictjson"
)

// decodeBody reads the request body as one JSON value into v. An empty
// body leaves v alone unless required; example goes in error messages.
func decodeBody(r *http.Request, v any, required bool, example string) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return requestErr(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", mbe.Limit)
		}
		return requestErr(http.StatusBadRequest, "reading the request body: %v", err)
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
