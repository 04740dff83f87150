#!/bin/bash
# Builds the lblab base image from Debian packages when no debian:bookworm-slim
# image exists locally and no registry can be reached (air-gapped machines).
# Usage: build-base.sh TAG [LABEL=VALUE...]   (root; needs debootstrap + docker CLI)
# The result is close to debian:bookworm-slim: minbase, no docs/man/locales,
# apt lists cleaned, so the lab Dockerfiles work unchanged on either base.
set -euo pipefail
tag=${1:?usage: build-base.sh TAG [LABEL=VALUE...]}
shift
[ "$(id -u)" = 0 ] || { echo "building the base image needs root (debootstrap): run as root, or load a debian:bookworm-slim image" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap (or load a debian:bookworm-slim image)" >&2; exit 1; }

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
trap 'rm -rf "$dir"' EXIT
echo "debootstrap --variant=minbase bookworm $mirror"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || { tail -n 5 "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
rm -f "$dir.log"

# Same trims as the official slim image: no docs/man/locales from later installs,
# no package cache kept after apt-get install.
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
echo "deb $mirror bookworm main" >"$dir/etc/apt/sources.list"
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/*

changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]')
for l in "$@"; do changes+=(--change "LABEL $l"); done
echo "docker import -> $tag"
tar -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
