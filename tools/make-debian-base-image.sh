#!/usr/bin/env bash
# Makes the image `debian:trixie-slim` from Debian's own packages, the way Debian's official
# images are made (debootstrap --variant=minbase, then docker import), for machines that reach
# Debian's package mirrors but no image registry. Used by the container test and CI only when
# the tag is missing; it never replaces an image that is there.
#
#   tools/make-debian-base-image.sh [TAG]     (default debian:trixie-slim; needs root, debootstrap)
set -euo pipefail
tag="${1:-debian:trixie-slim}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag is already there"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase trixie "$root" "$mirror" >&2
# What Debian's slim images leave out: documentation, manuals, package lists and caches.
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/log/*.log
tar -C "$root" -c . | docker import - "$tag" >/dev/null
echo "made $tag from $mirror"
