#!/usr/bin/env bash
# Checks what `make test` needs. The allocation core needs only the Swift
# toolchain; later parts add RabbitMQ and SecantusDB here.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "make test needs the Swift toolchain (6.1 or later) on PATH" >&2
  exit 1
fi
swift --version 2>&1 | head -1
