#!/usr/bin/env bash
# Software WebGPU for Linux machines without a GPU.
#
# Dawn (the `webgpu` npm package) rejects Debian 12's own Mesa 22 lavapipe, so this fetches Mesa 25's
# lavapipe from bookworm-backports into .cache/webgpu (ignored by git) without touching the system's
# apt sources, writes a Vulkan ICD file that points at it, and prints the line that selects it:
#
#   eval "$(pnpm -s setup:webgpu)"      # exports VK_DRIVER_FILES
#
# The tests find .cache/webgpu/icd.json on their own. Idempotent: a second run only prints.
# Needs the system's Vulkan loader and lavapipe's shared libraries (installed by `.ci/run`):
#   apt-get install -y libvulkan1 libllvm15 libdrm-amdgpu1 libwayland-client0 libx11-xcb1 \
#     libxcb-dri3-0 libxcb-present0 libxcb-randr0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxshmfence1
set -euo pipefail

MESA_VERSION="${HOLOMIND_MESA_VERSION:-25.0.7-2~bpo12+1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${HOLOMIND_WEBGPU_CACHE:-$root/.cache/webgpu}"
icd="$cache/icd.json"
lib="$cache/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so"

if [[ "$(uname -s)" != "Linux" ]]; then
  echo "setup:webgpu is for Linux without a GPU; on macOS WebGPU runs on Metal natively." >&2
  exit 0
fi
if [[ "$(uname -m)" != "x86_64" ]]; then
  echo "setup:webgpu fetches the amd64 lavapipe; on $(uname -m) install mesa-vulkan-drivers >= 24 yourself." >&2
  exit 1
fi

if [[ ! -f "$icd" || ! -f "$lib" || "$(cat "$cache/version" 2>/dev/null)" != "$MESA_VERSION" ]]; then
  # grep without -q reads ldconfig's whole list: with pipefail, -q's early exit can SIGPIPE ldconfig
  # and make an installed loader look missing.
  if ! ldconfig -p | grep 'libvulkan.so.1' >/dev/null; then
    echo "setup:webgpu: the Vulkan loader is missing; run: apt-get install -y libvulkan1" >&2
    exit 1
  fi
  work="$cache/apt"
  rm -rf "$cache/root" "$work"
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$cache/root"
  echo "deb http://deb.debian.org/debian bookworm-backports main" >"$work/sources.list"
  apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work" -o "APT::Sandbox::User=root"
    -o "Debug::NoLocking=1")
  echo "setup:webgpu: fetching mesa-vulkan-drivers=$MESA_VERSION from bookworm-backports" >&2
  apt-get "${apt_private[@]}" -qq update >&2
  (cd "$work" && apt-get "${apt_private[@]}" -qq download "mesa-vulkan-drivers=$MESA_VERSION" >&2)
  dpkg-deb -x "$work"/mesa-vulkan-drivers_*.deb "$cache/root"
  rm -rf "$work"
  if missing=$(ldd "$lib" | grep 'not found'); then
    echo "setup:webgpu: lavapipe needs libraries that are not installed:" >&2
    echo "$missing" >&2
    exit 1
  fi
  cat >"$icd" <<JSON
{
  "file_format_version": "1.0.0",
  "ICD": { "library_path": "$lib", "api_version": "1.4.305" }
}
JSON
  echo "$MESA_VERSION" >"$cache/version"
fi

echo "export VK_DRIVER_FILES=$icd"
