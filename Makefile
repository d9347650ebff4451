# Tide: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
SHARED ?= ../shared
TRACES ?= $(SHARED)/traces
CMD_RELEASE = .build/release/cmd

.PHONY: deps build release test test-workloads test-chart manifests gen-scheduler demo fuzz-api bench bench-timing bench-quality bench-infra bench-stack bench-kube bench-outbox-clear fit-accuracy clean

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product cmd
	$(SWIFT) build -c release --product training-service
	$(SWIFT) build -c release --product resource-allocator
	$(SWIFT) build -c release --product scheduler
	$(SWIFT) build -c release --product metrics-collector
	$(SWIFT) build -c release --product tide-worker-shim

# Installs what is missing (Debian packages, SecantusDB), then runs every test
# against a private RabbitMQ node and SecantusDB server started for the run.
# At most TEST_WIDTH tests at once: all 400 at once on a 2-core machine queue for tens of seconds
# behind the shared servers, and the total time is no shorter.
TEST_WIDTH ?= 8
# The CPU-bound suites (properties, simulations) run first, on their own: beside the
# timing-sensitive ones they hold both threads of the cooperative pool for seconds at a
# time, and a lease holder whose renewal waits that long rightly gives the lease up.
CPU_BOUND_TESTS = TideAllocationTests|TideSimulationTests|TideMetricsTests
# The Kubernetes end-to-end suites hold real-time leases and gang-start deadlines over a
# fake API server and several scheduler processes: beside the other 60 suites on 2 cores,
# renewals and binds went unanswered past their deadlines. They run last, on their own.
KUBE_E2E_TESTS = EndToEndTests.Kubernetes

test: deps test-workloads test-chart
	$(SWIFT) build --build-tests
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) $(SWIFT) test --skip-build --filter '$(CPU_BOUND_TESTS)'
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) bash scripts/with-servers.sh $(SWIFT) test --skip-build --skip '$(CPU_BOUND_TESTS)|$(KUBE_E2E_TESTS)'
	bash scripts/with-servers.sh $(SWIFT) test --skip-build --filter '$(KUBE_E2E_TESTS)'

# The example training program against the worker contract (Python standard library only).
test-workloads:
	python3 -m unittest examples/workloads/test_train.py -v

# The Helm chart without helm, Docker or a cluster (seconds): make manifests, every document
# validated against the Kubernetes 1.30 schemas, then scripts/test_chart.py (probes, requests,
# Recreate schedulers, the exact RBAC rules, the CronJob, gen-scheduler, the renderer's refusals,
# the Dockerfiles' stages, products and users). docs/kubernetes.md says what is not checked.
test-chart: manifests
	python3 -m kubernetes_validate --strict -k 1.30 --quiet $(MANIFESTS)/*.yaml
	python3 -m unittest scripts/test_chart.py

CHART ?= helm/tide
MANIFESTS ?= build/manifests

# One scheduler template per GPU type, from $(CHART)/scheduler.yaml.tmpl:
#   make gen-scheduler GPU_TYPES="nvidia-tesla-v100 nvidia-a100"
# replaces the templates generated before; without GPU_TYPES, regenerates those after a stub edit.
gen-scheduler:
	python3 scripts/gen-scheduler.py --chart $(CHART) -- $(GPU_TYPES)

# The manifests of each install in $(CHART)/ci/<name>-values.yaml, as helm template would write
# them, rendered by scripts/render-chart.py: $(MANIFESTS)/<name>.yaml and <name>-NOTES.txt.
manifests:
	@mkdir -p $(MANIFESTS)
	@for values in $(CHART)/ci/*-values.yaml; do \
	  name=$$(basename $$values -values.yaml); \
	  python3 scripts/render-chart.py $(CHART) -f $$values --release-name tide --namespace tide \
	    --output $(MANIFESTS)/$$name.yaml --notes $(MANIFESTS)/$$name-NOTES.txt || exit 1; \
	  echo "wrote $(MANIFESTS)/$$name.yaml"; \
	done

deps:
	bash scripts/install-deps.sh

# The allocation core on a bundled trace, then the local servers and the training
# service: the example jobs submitted, listed and described, everything stopped.
demo: deps release
	bash scripts/demo.sh

# Schemathesis against the training service's OpenAPI document, on private
# servers: fails on any 5xx or any response the document does not allow.
fuzz-api: deps
	$(SWIFT) build --product training-service
	bash scripts/fuzz-api.sh

# Round timing (Benchmarks/ package) and schedule quality on the shared traces.
bench: bench-timing bench-quality bench-infra bench-submit bench-outbox-clear bench-stack bench-kube

bench-timing:
	bash Benchmarks/run-timing.sh

# Raw broker and store costs on a private RabbitMQ node and SecantusDB server.
bench-infra: deps
	cd Benchmarks && $(SWIFT) build -c release --product infra-bench
	bash scripts/with-servers.sh Benchmarks/.build/release/infra-bench

# Job submission through the API against the raw writes and publish, on fresh private servers.
bench-submit: deps
	cd Benchmarks && $(SWIFT) build -c release --product submit-bench
	bash Benchmarks/submit-rounds.sh

# What the outbox clear costs SecantusDB per job, beside the inserts and two kinds of receipt.
bench-outbox-clear: deps
	bash scripts/with-servers.sh python3 Benchmarks/outbox-clear-cost.py

# How close the metrics collector's speedup fit comes, on synthetic jobs and the Pollux curves.
fit-accuracy:
	$(SWIFT) build --build-tests
	TIDE_TRACES=$(TRACES) $(SWIFT) test --skip-build --filter FitAccuracyReport

# Issue 5's numbers on a private `cmd up` stack: submission to exec, resize latency,
# scheduler rounds with 1,000 and 10,000 waiting jobs, the scheduler's memory.
bench-stack: deps release
	python3 scripts/bench-stack.py .build/release/cmd

# Issue 6's numbers against the fake Kubernetes API server: pods created and bound,
# a label change seen by a watch, a watch of 100,000 events and the client's memory.
bench-kube: deps
	cd Benchmarks && $(SWIFT) build -c release --product kube-bench
	Benchmarks/.build/release/kube-bench Tests/TideKubeTests/fake-apiserver.py

bench-quality: release
	bash scripts/bench-quality.sh $(TRACES)

clean:
	rm -rf .build Benchmarks/.build demo-jct.svg build
