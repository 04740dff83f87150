#!/bin/bash
# Make sure a Docker engine answers, and (as root on Debian) that the host
# tools the tests use are installed. Quick when everything is present.
# Exit 0 = ready; exit 1 with ONE line saying what to do.
set -uo pipefail

say() { echo "ensure-docker: $*"; }
fail() { echo "ensure-docker: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -r /etc/debian_version ] && command -v apt-get >/dev/null; }

# --- host packages (mmdebstrap, or debootstrap, builds the lab base offline; clang/llvm/libbpf
# and bpftool build and load the data plane in the core tests; chromium (with a CJK font for the Chinese UI) drives
# the e2e tests; openssh-server and openssl the remote-engine test). Checked with dpkg first so a ready machine spends no time here.
PKGS=(mmdebstrap debootstrap clang llvm libbpf-dev bpftool iproute2 tcpdump tshark chromium fonts-wqy-microhei make openssh-server openssl)
missing=()
if is_debian; then
  installed=" $(dpkg-query -W -f='${Package}=${Status}\n' "${PKGS[@]}" 2>/dev/null | awk -F= '$2=="install ok installed"{printf "%s ", $1}')"
  for p in "${PKGS[@]}"; do [[ "$installed" == *" $p "* ]] || missing+=("$p"); done
fi
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then apt-get update -qq >/dev/null || return 1; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ ${#missing[@]} -gt 0 ]; then
  if is_root; then
    say "installing ${missing[*]}"
    apt_install "${missing[@]}" || fail "apt-get install ${missing[*]} failed: run it by hand to see why"
  else
    say "missing host packages (some tests will fail): sudo apt-get install -y ${missing[*]}"
  fi
fi

# --- the engine
if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! is_root || ! is_debian; then
  fail "no Docker engine answers: start it (Linux: sudo systemctl start docker, or sudo dockerd &; macOS/Windows: start Docker Desktop), then run again"
fi
if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null; then
  fail "dockerd is running but \`docker info\` fails: see its log (/var/log/dockerd.log or journalctl -u docker)"
fi

if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
  say "installing docker.io"
  apt_install docker.io || fail "apt-get install docker.io failed: run it by hand to see why"
fi

log=/var/log/dockerd.log
say "starting dockerd (log: $log)"
# containerd is started by dockerd itself when no system containerd runs.
nohup dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; then
    say "docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) ready"
    exit 0
  fi
  sleep 1
done
fail "dockerd did not answer within 60 s: see $log"
