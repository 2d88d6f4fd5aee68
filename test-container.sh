#!/usr/bin/env bash
# The container fixture tests (rocketmocktc): a real container engine runs
# the image built from a static binary (Dockerfile.prebuilt), a real
# rocketmq-client-go producer sends through the mapped random port.
#
#   ./test-container.sh            # uses $DOCKER_HOST, else podman's socket (started here if needed)
#
# Needs Docker, or podman (Debian: apt-get install -y podman; as root with
# --runtime runc where crun is missing). Set ROCKETMOCK_TC_REQUIRED=0 to
# let the tests skip instead of failing without an engine.
set -euo pipefail
cd "$(dirname "$0")"

started=""
if [[ -z "${DOCKER_HOST:-}" && ! -S /var/run/docker.sock ]]; then
	sock=/run/podman/podman.sock
	if [[ ! -S $sock ]] || ! curl -sf --unix-socket "$sock" http://d/_ping >/dev/null; then
		command -v podman >/dev/null || { echo "no Docker socket and no podman: install one (apt-get install -y podman)" >&2; exit 2; }
		mkdir -p /run/podman
		podman --runtime runc system service --time=0 "unix://$sock" >/tmp/rocketmock-podman.log 2>&1 &
		started=$!
		trap 'kill "$started" 2>/dev/null; wait "$started" 2>/dev/null || true' EXIT
		for _ in $(seq 50); do curl -sf --unix-socket "$sock" http://d/_ping >/dev/null && break; sleep 0.1; done
	fi
	export DOCKER_HOST="unix://$sock"
fi
# Ryuk (the reaper container) is an image to pull: the tests terminate
# their containers themselves.
export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}
export ROCKETMOCK_TC_REQUIRED=${ROCKETMOCK_TC_REQUIRED:-1}

cd rocketmocktc
go vet ./...
go test -race -count=1 -v -timeout 5m ./... "$@"
