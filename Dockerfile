# Build:
#   docker build \
#     --build-arg VERSION=1.2.3 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) \
#     -t ghcr.io/releasebot/releasebot:1.2.3 .
# `docker run … releasebot -version` then names the build, and so does the
# releasebot_build_info metric.

# Build a static binary (the SQLite driver is pure Go, so no cgo) ...
FROM golang:1.26-bookworm AS build
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X github.com/releasebot/releasebot/buildinfo.version=${VERSION} -X github.com/releasebot/releasebot/buildinfo.commit=${COMMIT} -X github.com/releasebot/releasebot/buildinfo.date=${DATE}" \
      -o /out/releasebot ./cmd/releasebot \
 && mkdir -p /out/data

# ... and run it in a minimal image as a non-root user. The image carries CA
# certificates; time zones are embedded in the binary (time/tzdata).
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
LABEL org.opencontainers.image.title="releasebot" \
      org.opencontainers.image.description="Slack bot for release management: calendar, change approvals, reminders, audit trail." \
      org.opencontainers.image.source="https://github.com/releasebot/releasebot" \
      org.opencontainers.image.url="https://github.com/releasebot/releasebot" \
      org.opencontainers.image.documentation="https://github.com/releasebot/releasebot#readme" \
      org.opencontainers.image.vendor="releasebot" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${DATE}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/releasebot /usr/local/bin/releasebot
# The working directory is where the default SQLite file releasebot.db goes;
# mount a volume here, or set DATABASE_URL to PostgreSQL.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/releasebot"]
