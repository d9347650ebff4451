#!/usr/bin/env bash
# Runs a command with a private RabbitMQ node and SecantusDB server, shared by
# everything the command runs: their URIs are in TIDE_TEST_AMQP_URI and
# TIDE_TEST_MONGO_URI. Both are stopped and their data removed afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root=$(mktemp -d /tmp/tide-servers.XXXXXX)
cleanup() {
  bash "$here/rabbitmq.sh" stop "$root/rabbitmq" || true
  bash "$here/secantusdb.sh" stop "$root/secantusdb" || true
  rm -rf "$root"
}
trap cleanup EXIT
# Started side by side: the broker takes about 7 s, the database about 2.
bash "$here/secantusdb.sh" start "$root/secantusdb" >"$root/mongo-uri" &
mongo=$!
TIDE_TEST_AMQP_URI=$(bash "$here/rabbitmq.sh" start "$root/rabbitmq")
wait "$mongo"
TIDE_TEST_MONGO_URI=$(cat "$root/mongo-uri")
export TIDE_TEST_AMQP_URI TIDE_TEST_MONGO_URI
echo "servers: $TIDE_TEST_AMQP_URI $TIDE_TEST_MONGO_URI" >&2
"$@"
