#!/bin/bash
# Builds the lblab base image from Debian packages when no debian:bookworm-slim
# image exists locally and no registry can be reached (air-gapped machines).
# Usage: build-base.sh TAG [LABEL=VALUE...]
# (root; needs mmdebstrap or debootstrap, and the docker CLI)
# The result is close to debian:bookworm-slim: minbase, no docs/man/locales,
# apt lists cleaned, so the lab Dockerfiles work unchanged on either base.
set -euo pipefail
tag=${1:?usage: build-base.sh TAG [LABEL=VALUE...]}
shift
[ "$(id -u)" = 0 ] || { echo "building the base image needs root (debootstrap): run as root, or load a debian:bookworm-slim image" >&2; exit 1; }
command -v mmdebstrap >/dev/null || command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y mmdebstrap debootstrap (or load a debian:bookworm-slim image)" >&2; exit 1; }

# The host's own Debian mirror (deb822 first, then the classic list), else the default.
mirror=""
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

dir=$(mktemp -d /tmp/lblab-base.XXXXXX)
# (mm)debootstrap mounts proc/sys (and may bind /dev) inside the target: unmount
# whatever is left there before removing it, and never cross into a mount.
cleanup() {
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$dir" "$dir.log"
}
trap cleanup EXIT
# mmdebstrap when the host has it: apt resolves and downloads in parallel, so
# it builds the same 88-package minbase system about three times faster than
# debootstrap, whose shell-script resolver and one-by-one wget dominate on a
# busy machine. debootstrap otherwise (or if mmdebstrap fails). Downloads
# honour http_proxy (apt / wget), which the engine points at its apt proxy.
via=${http_proxy:+ (via $http_proxy)}
built=""
if command -v mmdebstrap >/dev/null; then
  hooks=()
  [ -d /usr/share/mmdebstrap/hooks/merged-usr ] && hooks=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)
  echo "mmdebstrap --variant=minbase bookworm $mirror$via"
  if mmdebstrap --variant=minbase "${hooks[@]}" --dpkgopt=force-unsafe-io bookworm "$dir" "deb $mirror bookworm main" >"$dir.log" 2>&1; then
    built=mmdebstrap
    rm -f "$dir/etc/dpkg/dpkg.cfg.d/99mmdebstrap"
  else
    echo "mmdebstrap failed ($(tail -n 1 "$dir.log")): falling back to debootstrap"
    awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$dir" && mkdir -p "$dir"
  fi
fi
if [ -z "$built" ]; then
  echo "debootstrap --variant=minbase bookworm $mirror$via"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || { tail -n 5 "$dir.log" >&2; exit 1; }
fi
rm -f "$dir.log" "$dir/etc/hostname" "$dir/etc/resolv.conf"   # the engine provides both per container

# Same trims as the official slim image: no docs/man/locales from later installs,
# no package cache kept after apt-get install, dpkg without fsync.
cat >"$dir/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
CFG
cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
echo 'APT::Install-Recommends "false";' >"$dir/etc/apt/apt.conf.d/docker-no-recommends"
echo force-unsafe-io >"$dir/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
echo "deb $mirror bookworm main" >"$dir/etc/apt/sources.list"
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/*

changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]')
for l in "$@"; do changes+=(--change "LABEL $l"); done
echo "docker import -> $tag"
tar -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
