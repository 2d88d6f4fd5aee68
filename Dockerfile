# rocketmock: the mock broker + name server as a container image.
#
#   docker build -t rocketmock .
#   (add --build-arg VERSION=$(git describe --tags --always) to name the
#   version: .git stays out of the build context, so the build info alone
#   says "devel")
#   docker run --rm -p 9876:9876 -p 9877:9877 \
#     -e ROCKETMOCK_ADVERTISE=127.0.0.1:9876 -e ROCKETMOCK_CONTROL_TOKEN=secret rocketmock
#
# Inside the container the mock listens on all interfaces, so the control
# API demands a bearer token: serve refuses to start without
# ROCKETMOCK_CONTROL_TOKEN (or set ROCKETMOCK_CONTROL= to turn the API off).
# ROCKETMOCK_ADVERTISE is the ip:port clients reach the broker at (routes
# point there). Every `rocketmock serve` flag has a ROCKETMOCK_<FLAG> variable.

ARG GO_VERSION=1.26

FROM docker.io/library/golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Empty: the version comes from the build info (buildinfo.Version).
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rocketmock ./cmd/rocketmock

# Nothing but the static binary.
FROM scratch
COPY --from=build /out/rocketmock /rocketmock
USER 65532:65532
ENV ROCKETMOCK_ADDR=0.0.0.0:9876 \
    ROCKETMOCK_CONTROL=0.0.0.0:9877
EXPOSE 9876 9877
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 CMD ["/rocketmock", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/rocketmock"]
CMD ["serve"]
