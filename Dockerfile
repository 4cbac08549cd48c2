# syntax=docker/dockerfile:1
# Roost's server image: the roost binary (cmd/roost, with the browser runtime
# built in) on distroless, as a non-root user, its database on the /data volume.
#
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t roost .
#   docker run --stop-timeout 40 -p 127.0.0.1:8080:8080 -v roost-data:/data \
#     --env-file roost.env roost       # ROOST_SITE, ROOST_API_KEY, ROOST_SITE_SECRET
#
# /metrics, /healthz and /readyz are also on :9090 (ROOST_METRICS_ADDR), which
# has no connection cap: scrape and probe there, and do not publish it.
#
# deploy/compose.yaml runs it with its secrets in files. NOTE: written where
# no registry is reachable, so this file has never been built: it is kept
# minimal and standard; check it on its first build.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY third_party/ third_party/
RUN go mod download
COPY . .
# A static binary (the SQLite driver is pure Go), for the distroless image.
# VERSION is what `roost version` says (.git is not in the build context):
# docker build --build-arg VERSION=$(git describe --always) .
ARG VERSION=devel
ENV CGO_ENABLED=0
RUN make roost VERSION=$VERSION
RUN mkdir /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/roost /roost
COPY --from=build --chown=65532:65532 /data /data
ENV ROOST_ADDR=:8080 \
    ROOST_METRICS_ADDR=:9090 \
    ROOST_DB=/data/roost.db
VOLUME /data
EXPOSE 8080 9090
USER 65532:65532
# distroless has no curl: roost asks itself (GET /healthz on ROOST_METRICS_ADDR).
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/roost", "healthcheck"]
ENTRYPOINT ["/roost"]
CMD ["serve"]
