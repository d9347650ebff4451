# Tide: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
SHARED ?= ../shared
TRACES ?= $(SHARED)/traces
CMD_RELEASE = .build/release/cmd

.PHONY: build release test demo bench bench-timing bench-quality clean

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product cmd

test:
	bash scripts/check-toolchain.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test

# Until jobs can run on the local stack, the demo is the allocation core at
# work: the nine policies side by side on a bundled synthetic trace.
demo: release
	$(CMD_RELEASE) simulate --trace traces/synthetic-100.jsonl --policy all --plot demo-jct.svg
	@echo "JCT distribution of each policy: demo-jct.svg"

# Round timing (Benchmarks/ package) and schedule quality on the shared traces.
bench: bench-timing bench-quality

bench-timing:
	bash Benchmarks/run-timing.sh

bench-quality: release
	bash scripts/bench-quality.sh $(TRACES)

clean:
	rm -rf .build Benchmarks/.build demo-jct.svg
