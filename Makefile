# The two commands that matter: `make run` starts the platform, `make test`
# runs every check and test (.ci/run calls exactly `make test`).

GO        ?= go
STATICCHECK_VERSION := v0.8.2
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(HOME)/go/bin/staticcheck)
ADDR      ?= localhost:8080
DATA      ?= data

.PHONY: run test check fmt-check vet staticcheck unit bench loadtest fuzz fuzz-ci assets geodata tools

FUZZTIME ?= 20s

run:
	$(GO) run ./cmd/sozialplattform serve --addr $(ADDR) --data $(DATA)

# Everything CI runs. Tests that need a missing tool skip loudly here and fail
# when CI=1 or SOZ_REQUIRE_ALL=1 is set.
SKIP_LOG := $(CURDIR)/.skipped-tests.log

test: check unit fuzz-ci

# Every fuzzer also runs in CI, a few seconds each (issue 16): new inputs,
# not only the seeds that every `go test` replays.
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=3s

check: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path '*/node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	@if [ -x "$(STATICCHECK)" ]; then $(STATICCHECK) ./...; \
	elif [ -n "$$CI$$SOZ_REQUIRE_ALL" ]; then echo "staticcheck missing (scripts/ci-setup.sh installs it)"; exit 1; \
	else echo "*** SKIPPED staticcheck: not installed (go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)) ***"; fi

# go test hides the output of passing packages, so skipped tests also write
# to a log that is printed at the end: a missing tool never goes unnoticed.
unit:
	@rm -f $(SKIP_LOG)
	@SOZ_SKIP_LOG=$(SKIP_LOG) $(GO) test -count=1 -timeout 25m ./...; rc=$$?; \
	if [ -s $(SKIP_LOG) ]; then echo; echo "*** SKIPPED TESTS (tools missing; CI fails these) ***"; sort -u $(SKIP_LOG); fi; \
	rm -f $(SKIP_LOG); exit $$rc

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Load generator: start page versus a bare net/http handler in the same run.
loadtest:
	$(GO) build -o bin/sozialplattform ./cmd/sozialplattform
	$(GO) run ./cmd/loadgen -binary bin/sozialplattform

# Each parser of outside input, 20 s each (seeds also run in every `go test`).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzNegotiate -fuzztime $(FUZZTIME) ./internal/i18n/
	$(GO) test -run '^$$' -fuzz FuzzParsePage -fuzztime $(FUZZTIME) ./content/
	$(GO) test -run '^$$' -fuzz FuzzSafeReturn -fuzztime $(FUZZTIME) ./internal/web/
	$(GO) test -run '^$$' -fuzz FuzzNegotiateEncoding -fuzztime $(FUZZTIME) ./internal/web/
	$(GO) test -run '^$$' -fuzz FuzzParseService -fuzztime $(FUZZTIME) ./content/
	$(GO) test -run '^$$' -fuzz FuzzLookup -fuzztime $(FUZZTIME) ./internal/geo/
	$(GO) test -run '^$$' -fuzz FuzzParseGV100AD -fuzztime $(FUZZTIME) ./internal/geo/
	$(GO) test -run '^$$' -fuzz FuzzSearch -fuzztime $(FUZZTIME) ./internal/search/
	$(GO) test -run '^$$' -fuzz FuzzExpr -fuzztime $(FUZZTIME) ./internal/form/
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME) ./internal/form/
	$(GO) test -run '^$$' -fuzz FuzzAddTexts -fuzztime $(FUZZTIME) ./internal/form/
	$(GO) test -run '^$$' -fuzz FuzzKinds -fuzztime $(FUZZTIME) ./internal/form/
	$(GO) test -run '^$$' -fuzz FuzzRenderHTML -fuzztime $(FUZZTIME) ./internal/form/
	$(GO) test -run '^$$' -fuzz FuzzRender -fuzztime $(FUZZTIME) ./internal/pdf/
	$(GO) test -run '^$$' -fuzz FuzzText -fuzztime $(FUZZTIME) ./internal/pdf/
	$(GO) test -run '^$$' -fuzz FuzzSniff -fuzztime $(FUZZTIME) ./internal/upload/
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime $(FUZZTIME) ./internal/upload/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./internal/application/
	$(GO) test -run '^$$' -fuzz FuzzEncode -fuzztime $(FUZZTIME) ./internal/xsozial/
	$(GO) test -run '^$$' -fuzz FuzzCentreText -fuzztime $(FUZZTIME) ./internal/counselling/
	$(GO) test -run '^$$' -fuzz FuzzRead -fuzztime $(FUZZTIME) ./internal/csvio/
	$(GO) test -run '^$$' -fuzz FuzzWriterRoundTrip -fuzztime $(FUZZTIME) ./internal/csvio/
	$(GO) test -run '^$$' -fuzz FuzzRequest -fuzztime $(FUZZTIME) ./internal/ics/

assets:
	bash scripts/build-assets.sh

# Rebuilds the place directory from its open-data sources (needs npm).
geodata:
	bash scripts/build-geodata.sh

tools:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
