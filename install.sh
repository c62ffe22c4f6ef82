#!/bin/sh
# Installs the echoprobe binary for this machine from a GitHub release, after checking
# it against the release's SHA256SUMS.
#
#   curl -fsSL https://github.com/echoprobe/echoprobe/releases/latest/download/install.sh | sh
#   sh install.sh [--version vX.Y.Z] [--dir DIR]
#
# Environment (each flag wins over it):
#   ECHOPROBE_VERSION      release tag to install (default: the latest release)
#   ECHOPROBE_INSTALL_DIR  where to put the binary (default: ~/.local/bin)
#   ECHOPROBE_BASE_URL     the releases URL (default: https://github.com/echoprobe/echoprobe/releases)
set -eu

base=${ECHOPROBE_BASE_URL:-https://github.com/echoprobe/echoprobe/releases}
version=${ECHOPROBE_VERSION:-latest}
dir=${ECHOPROBE_INSTALL_DIR:-${HOME:-.}/.local/bin}

say() { printf 'echoprobe install: %s\n' "$*"; }
die() {
  printf 'echoprobe install: %s\n' "$*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --version)
      [ $# -ge 2 ] || die "--version needs a value, such as v0.1.0"
      version=$2
      shift 2
      ;;
    --dir)
      [ $# -ge 2 ] || die "--dir needs a value"
      dir=$2
      shift 2
      ;;
    -h | --help)
      sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument \"$1\" (expected --version TAG or --dir DIR)" ;;
  esac
done

os=$(uname -s)
arch=$(uname -m)
case $os in
  Linux) platform=unknown-linux-gnu ;;
  Darwin) platform=apple-darwin ;;
  *) die "no release for the OS \"$os\": there are Linux and macOS builds here; on Windows, download echoprobe-x86_64-pc-windows-msvc.exe from the releases page" ;;
esac
case $arch in
  x86_64 | amd64) cpu=x86_64 ;;
  aarch64 | arm64) cpu=aarch64 ;;
  *) die "no release for the architecture \"$arch\": there are x86_64 and aarch64 builds" ;;
esac
asset="echoprobe-$cpu-$platform"

if [ "$version" = latest ]; then
  url="$base/latest/download"
else
  url="$base/download/$version"
fi

fetch() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "needs curl or wget to download"
  fi
}

sha256() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "needs sha256sum or shasum to check the download"
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

say "downloading $asset ($version) from $url"
fetch "$url/$asset" "$tmp/$asset" || die "could not download $url/$asset"
fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS" || die "could not download $url/SHA256SUMS"
expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS of $version lists no $asset"
actual=$(sha256 "$tmp/$asset")
[ "$actual" = "$expected" ] ||
  die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing was installed"

mkdir -p "$dir"
chmod 755 "$tmp/$asset"
mv -f "$tmp/$asset" "$dir/echoprobe"
say "installed $dir/echoprobe ($asset $version, sha256 $actual)"
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) say "$dir is not on your PATH; add it with: export PATH=\"$dir:\$PATH\"" ;;
esac
