#!/usr/bin/env bash
# Runs every test of rocketmock: the main module, then the real-client
# interop module (rocketmq-client-go v2.1.2 and ali-ons 3.12.0).
# Dependencies come only from the project's own files (go.sum, package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"

echo "== main module"
go mod download
test -z "$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './testsuite/interop/*'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
go vet ./...
go test -race -count=1 ./...

echo "== interop module (real clients)"
cd testsuite/interop
chromium="${ROCKETMOCK_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
	banner=$(printf '!%.0s' {1..72})
	printf '%s\n%s\n%s\n' "$banner" \
		"NO CHROMIUM at $chromium: the dashboard's browser test (TestDashboardInBrowser) WILL BE SKIPPED." \
		"Install Debian's chromium (apt-get install chromium; .ci/run does) or set ROCKETMOCK_CHROMIUM." >&2
	if [[ "${CI:-}" == true ]]; then
		printf '%s\n%s\n' "CI=true: failing instead." "$banner" >&2
		exit 1
	fi
	printf '%s\n' "$banner" >&2
fi
go mod download
(cd node && npm ci --no-audit --no-fund --loglevel=error)
go vet ./...
go test -race -count=1 ./...
# rocketmq-client-go v2.1.2's push consumer races with itself, so the tests
# that start one skip under -race (above); the whole module runs again here
# without -race, so they run too.
go test -count=1 ./...

echo "== container fixture (rocketmocktc)"
cd ../..
if [[ "${ROCKETMOCK_CONTAINER_TESTS:-}" == 1 ]] || command -v podman >/dev/null || [[ -S /var/run/docker.sock ]]; then
	./test-container.sh
else
	echo "skipped: no container engine (install podman or Docker, then ./test-container.sh)"
fi
