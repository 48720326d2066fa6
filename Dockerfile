# Multi-stage build: a static CGO_ENABLED=0 binary (SQLite is pure Go) in a
# minimal image, running as a non-root user with its data on a volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/creatorscout ./cmd/creatorscout \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/creatorscout /usr/local/bin/creatorscout
COPY --from=build /src/creatorscout.example.yaml /etc/creatorscout/creatorscout.yaml
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV CREATORSCOUT_DATA_DIR=/data CREATORSCOUT_API_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/creatorscout"]
CMD ["serve", "--config", "/etc/creatorscout/creatorscout.yaml"]
