.PHONY: test race lint bench demo build
test:
	go test ./...
race:
	go test -race ./crawler/... ./ingest/... ./api/... ./store/... ./index/...
lint:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	@command -v staticcheck >/dev/null && staticcheck ./... || echo "staticcheck not installed: go install honnef.co/go/tools/cmd/staticcheck@latest"
bench:
	go test -run '^$$' -bench . -benchmem ./index/ ./crawler/... ./store/
demo:
	go run ./cmd/creatorscout demo
build:
	CGO_ENABLED=0 go build -trimpath -o creatorscout ./cmd/creatorscout
