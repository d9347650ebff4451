# syntax=docker/dockerfile:1
# The command-line client (cmd create, get, describe, logs...); it serves no port.
# Build from the repository root:
#   docker build -f docker/cmd.Dockerfile -t REGISTRY/tide-cmd:TAG .

# The build stage: the Swift toolchain and the C libraries' headers.
FROM swift:6.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends librabbitmq-dev libmongoc-dev libbson-dev libcurl4-openssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The Swift runtime linked in; .build is a cache between builds, so the binary is copied out of it.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product cmd --static-swift-stdlib \
 && mkdir -p /out \
 && cp "$(swift build -c release --show-bin-path)/cmd" /out/

# The runtime stage: only the shared C libraries the binary loads, and CA certificates.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends librabbitmq4 libmongoc-1.0-0 libbson-1.0-0 libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tide \
 && useradd --system --uid 10001 --gid tide --home-dir /var/lib/tide --create-home --shell /usr/sbin/nologin tide
COPY --from=build /out/ /usr/local/bin/
WORKDIR /var/lib/tide
# Numeric, so that Kubernetes' runAsNonRoot can verify it (the chart runs as 10001 too).
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/cmd"]
