# Build a static binary (the SQLite driver is pure Go, so no cgo) ...
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/releasebot ./cmd/releasebot \
 && mkdir -p /out/data

# ... and run it in a minimal image as a non-root user. The image carries CA
# certificates; time zones are embedded in the binary (time/tzdata).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/releasebot /usr/local/bin/releasebot
# The working directory is where the default SQLite file releasebot.db goes;
# mount a volume here, or set DATABASE_URL to PostgreSQL.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/releasebot"]
