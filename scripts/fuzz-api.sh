#!/usr/bin/env bash
# `make fuzz-api`: schemathesis against the training service, driven by its
# checked-in OpenAPI document, on private RabbitMQ and SecantusDB servers.
# Fails on any 5xx and on any response that does not conform to the document.
# Options: FUZZ_EXAMPLES (per operation, default 50), FUZZ_SEED; extra arguments
# go to `st run`. Expects a debug build of training-service unless BIN is set.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="${BIN:-$root/.build/debug/training-service}"

if [ -z "${TIDE_TEST_AMQP_URI:-}" ] || [ -z "${TIDE_TEST_MONGO_URI:-}" ]; then
  exec bash "$here/with-servers.sh" bash "$0" "$@"
fi
command -v st >/dev/null 2>&1 || python3 -m pip install --quiet schemathesis
python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator
# The document itself first: schemathesis reads an invalid one without a word.
python3 -m openapi_spec_validator "$root/Sources/TideAPI/Resources/openapi.yaml"
[ -x "$bin" ] || (cd "$root" && swift build --product training-service)

work=$(mktemp -d /tmp/tide-fuzz.XXXXXX)
service_pid=""
cleanup() {
  if [ -n "$service_pid" ]; then kill -TERM "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

token=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
digest=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
TIDE_API_PASSWORD_SHA256=$digest "$bin" --host 127.0.0.1 --port 0 \
  --mongo-uri "$TIDE_TEST_MONGO_URI" --amqp-uri "$TIDE_TEST_AMQP_URI" \
  --database "fuzz-$$" --default-accelerator v100 >"$work/service.log" 2>&1 &
service_pid=$!
port=$(bash "$here/wait-listening.sh" "$work/service.log" "$service_pid")
base="http://127.0.0.1:$port"
echo "training-service: $base" >&2

# A watch without timeoutSeconds streams until the client leaves: every
# generated list request gets a short one, so a watch=true case ends.
cat >"$work/schemathesis.toml" <<'EOF'
[[operations]]
include-path = "/v1/jobs"
include-method = "GET"
parameters = { "query.timeoutSeconds" = 2 }
EOF

# positive_data_acceptance: schema-valid requests are accepted, but for the rules across
# fields that OpenAPI 3.0 cannot state (fuzz-hooks.py names each by its message).
# unsupported_method: a route's path with another method is a 405 with Allow.
# Left out: ignored_auth (the token comes in as a plain header, not a security scheme).
checks=not_a_server_error,status_code_conformance,content_type_conformance
checks+=,response_headers_conformance,response_schema_conformance,negative_data_rejection
checks+=,positive_data_acceptance,unsupported_method
checks+=,missing_required_header,use_after_free,ensure_resource_availability
export SCHEMATHESIS_HOOKS="$here/fuzz-hooks.py"
status=0
(cd "$work" && st --no-color --config-file "$work/schemathesis.toml" run "$base/v1/openapi.yaml" --url "$base" \
  -H "Authorization: Bearer $token" --checks "$checks" \
  --max-examples "${FUZZ_EXAMPLES:-50}" ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
  --request-timeout 10 --continue-on-failure "$@") || status=$?
if grep -q ' error ' "$work/service.log"; then
  echo "training-service logged errors:" >&2; grep ' error ' "$work/service.log" >&2 | head -20
  status=1
fi
exit "$status"
