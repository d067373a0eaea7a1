#!/bin/bash
# Prints the path of a cached Debian minbase root tarball for the install test, building it
# with debootstrap when absent. The cache is keyed by suite + package list, so reruns reuse it.
#   usage: debian-root.sh [suite] [comma,separated,packages]
set -euo pipefail
SUITE=${1:-bookworm}
PACKAGES=${2:-python3,python3-apt,systemd,nodejs}
MIRROR=${BEDSIDE_TEST_MIRROR:-http://deb.debian.org/debian}
CACHE=${BEDSIDE_TEST_CACHE:-/var/cache/bedside-test}
KEY=$(printf '%s|%s|%s' "$SUITE" "$PACKAGES" "$MIRROR" | sha256sum | cut -c1-16)
TARBALL="$CACHE/debian-$SUITE-minbase-$KEY.tar"
if [ ! -s "$TARBALL" ]; then
  mkdir -p "$CACHE"
  WORK=$(mktemp -d "$CACHE/build.XXXXXX")
  cleanup() {
    # debootstrap mounts proc/sys in the target; a failed run can leave them mounted.
    grep -o " $WORK/root/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$WORK"
  }
  trap cleanup EXIT
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$WORK/root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }
  # The downloaded .debs are not needed again (the apt lists are: the playbook's apt task reads them).
  rm -f "$WORK/root/var/cache/apt/archives/"*.deb
  tar -C "$WORK/root" -cf "$WORK/root.tar" .
  mv "$WORK/root.tar" "$TARBALL"
fi
echo "$TARBALL"
