# Build a static binary, then run it as a non-root user on a minimal image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/inpsbot ./cmd/inpsbot \
 && mkdir -p /out/data /out/config

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/inpsbot /usr/local/bin/inpsbot
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/config /config
USER 65532:65532
ENV INPSBOT_DATA_DIR=/data \
    INPSBOT_ADMIN_ADDR=0.0.0.0:8080 \
    INPSBOT_LOG_LEVEL=info
VOLUME ["/data", "/config"]
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/inpsbot"]
# Mount a configuration file and point INPSBOT_CONFIG at it, or configure
# one account through the INPSBOT_* variables alone.
CMD ["run"]
