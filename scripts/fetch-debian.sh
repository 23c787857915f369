#!/bin/bash
# Fetch Debian's Linux 7.3 packages from trixie-backports WITHOUT touching
# the system's apt sources: a scratch sources.list, lists and cache under
# $RKLP_CACHE/debian/apt, `apt-get download`, and `dpkg-deb -x` into
# $RKLP_CACHE/debian/<package>/ (nothing is installed).
#   fetch-debian.sh source   linux-source-7.3 (make check KERNEL=7.3)
#   fetch-debian.sh stock    + Debian's binary kernel, its headers, kbuild
#                            and config (make check KERNEL=debian-7.3)
# Idempotent: a package already unpacked is kept (its version in
# $RKLP_CACHE/debian/<package>.version).
set -euo pipefail
. "$(dirname "$0")/env.sh"
what=${1:-source}
DEB=$RKLP_CACHE/debian
APT=$DEB/apt
kabi=$RKLP_DEBIAN_KABI
case "$what" in
source) pkgs="linux-source-7.3" ;;
stock) pkgs="linux-source-7.3 linux-config-7.3 linux-binary-$kabi-amd64 linux-base-$kabi-amd64
	linux-headers-$kabi-amd64 linux-headers-$kabi-common linux-kbuild-$kabi" ;;
*) echo "usage: fetch-debian.sh source|stock" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	[ -f "$DEB/$p.version" ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/debs"
uri=$(sed -n 's/^URIs: *\(.*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
uri=${uri:-http://deb.debian.org/debian}
key=/usr/share/keyrings/debian-archive-keyring.gpg
printf 'deb [signed-by=%s] %s trixie-backports main\n' "$key" "$uri" >"$APT/sources.list"
aptopts=(-o "Dir::Etc::sourcelist=$APT/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
	-o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
start=$SECONDS
echo "rklp: fetching$missing from trixie-backports ($uri)"
apt-get "${aptopts[@]}" -qq update
# shellcheck disable=SC2086
(cd "$APT/debs" && apt-get "${aptopts[@]}" -qq download $missing)
for p in $missing; do
	deb=$(ls -t "$APT/debs/${p}_"*.deb | head -1)
	rm -rf "${DEB:?}/$p" && mkdir -p "$DEB/$p"
	dpkg-deb -x "$deb" "$DEB/$p"
	dpkg-deb -f "$deb" Version >"$DEB/$p.version"
	echo "rklp:   $p $(cat "$DEB/$p.version")"
done
echo "rklp: fetched in $(( SECONDS - start )) s"
