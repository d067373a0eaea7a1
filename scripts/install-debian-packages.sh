#!/usr/bin/env bash
# Installs every system package the unit, its tests and `make run` need, from Debian only.
# Idempotent: packages already present are skipped, and apt is not touched when none is missing.
set -euo pipefail

PACKAGES=(
  # build toolchain for native npm addons (gstreamer-superficial, better-sqlite3)
  build-essential python3 pkg-config
  # GStreamer runtime, plugins and headers for the binding
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-alsa libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  # SIP peers used by the tests and by the demo room
  kamailio kamailio-tls-modules kamailio-websocket-modules baresip sip-tester
  # audio tools for test signals and measurements
  sox libsox-fmt-all espeak-ng
  # certificates for the test PKI
  openssl ca-certificates
  # bedside I/O board firmware: AVR toolchain and the simulator that runs the real image
  gcc-avr binutils-avr avr-libc simavr libsimavr-dev libsimavrparts1 libelf-dev
  # GPIO start button and LED on a unit (libgpiod command-line tools)
  gpiod
  # the touch panel's browser tests (driven by playwright-core; never a downloaded browser)
  chromium fonts-dejavu-core
  # TV wake/standby over HDMI-CEC (cec-ctl), ALSA tools for the speaker and loop outputs
  v4l-utils alsa-utils
  # fleet server's PostgreSQL backend (the tests start their own cluster on loopback)
  postgresql
  # installing a unit: the Ansible playbook, exercised against a debootstrap root in the tests
  ansible debootstrap
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-debian-packages: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-debian-packages: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts kamailio as a service on install where an init exists; the tests run their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet kamailio 2>/dev/null; then
  $SUDO systemctl disable --now kamailio || true
fi
# Likewise PostgreSQL: the fleet tests run a private cluster as an unprivileged user.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet postgresql 2>/dev/null; then
  $SUDO systemctl disable --now postgresql || true
fi
