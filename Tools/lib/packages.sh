# Sourced by Tools/test and Tools/quickstart: installs the Debian packages Loom needs.
# ensure_packages PKG... : installs the missing ones with apt-get when root, else explains and fails.
ensure_packages() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing system packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}
# The packages every build needs (the C libraries Loom links).
LOOM_BUILD_PACKAGES=(libprotobuf-c-dev libssl-dev openssl)
