#!/usr/bin/env bash
# Installs what Tide needs beyond the Swift toolchain, skipping what is there:
# Debian's RabbitMQ server and the C libraries Tide links (rabbitmq-c,
# libmongoc/libbson, libcurl), and the SecantusDB server from PyPI.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "Tide needs the Swift toolchain (6.1 or later) on PATH" >&2
  exit 1
fi
packages=(rabbitmq-server librabbitmq-dev libmongoc-dev libbson-dev libcurl4-openssl-dev pkg-config openssl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run this script as root)" >&2
    exit 1
  fi
  echo "installing ${missing[*]}" >&2
  apt-get update -qq
  # The package's own service start fails without systemd; Tide runs its own nodes.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The Debian package starts a node on the default ports where it can; Tide's
# nodes use their own ports, so a default node is harmless but unneeded.
if ! python3 -c 'import secantus, pymongo' >/dev/null 2>&1; then
  echo "installing secantusdb from PyPI" >&2
  python3 -m pip install -q secantusdb
fi
# Offline schema validation of the Pod bodies the Kubernetes backend sends.
if ! python3 -c 'import kubernetes_validate' >/dev/null 2>&1; then
  echo "installing kubernetes-validate from PyPI" >&2
  python3 -m pip install -q kubernetes-validate
fi
swift --version 2>&1 | head -1
