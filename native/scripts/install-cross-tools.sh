#!/bin/sh
# Installs the Debian tools that `npm run build:native -- --all` and the
# emulated tests (npm run test:arm64, npm run test:windows) use, and Chromium, which
# e2e/test/api-docs.test.ts drives headless over the API reference. Run as root.
# Measured here: ~25 s for the cross compilers from Debian's mirror, ~1.2 GB.
set -eu
dpkg --add-architecture arm64
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross musl-tools musl-dev:arm64 \
  clang lld llvm gcc-mingw-w64-x86-64 qemu-user-static binutils
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
if [ "${1:-}" = "--wine" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 wine
fi
