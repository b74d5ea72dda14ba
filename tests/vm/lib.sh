# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154
# Sourced by tests/vm/run and tests/vm/systemd-check: where Debian's packages
# come from. The caller sets $cache (the download cache) and $keyring (the
# archive keyring apt checks them with).

# The Debian mirror the machine's apt already uses.
mirror()
{
	local m
	m=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$m" ] || m=$(awk '/^deb / && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# fetch SUITE: the path of that suite's linux-image-amd64 vmlinuz, downloaded
# through a private apt configuration (the system's is left alone).
fetch()
{
	local suite=$1 dir=$cache/$1 real deb
	local apt=(-o Acquire::Retries=3 -o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		   -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives"
		   -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)

	if [ -f "$dir/vmlinuz" ]; then
		echo "$dir/vmlinuz"
		return 0
	fi
	mkdir -p "$dir/lists/partial" "$dir/archives/partial" || return 1
	echo "deb [signed-by=$keyring] $(mirror) $suite main" >"$dir/sources.list"
	apt-get "${apt[@]}" -q update >"$dir/apt.log" 2>&1 || return 1
	real=$(apt-cache "${apt[@]}" depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$real" ] || return 1
	(cd "$dir" && apt-get "${apt[@]}" -q download "$real" >>"$dir/apt.log" 2>&1) || return 1
	deb=$(ls "$dir/${real}"_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || return 1
	mkdir -p "$dir/x" &&
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/x" --wildcards './boot/vmlinuz-*' &&
		mv "$dir"/x/boot/vmlinuz-* "$dir/vmlinuz" && rm -rf "$dir/x" "$dir/lists" "$dir/archives" "$deb" ||
		return 1
	echo "$dir/vmlinuz"
}
