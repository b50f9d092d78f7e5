# Sourced by runners/setup.sh and runners/crosscheck.sh: Debian packages,
# installed when root, else named with the command that installs them.

# apt_ensure WHO PACKAGE...: returns when every package is installed;
# installs the missing ones as root (adding the arm64 architecture first
# where a package asks for it); otherwise prints them and exits 1. WHO
# prefixes the messages.
apt_ensure() {
  local who="$1" p
  shift
  local missing=()
  for p in "$@"; do
    # not "dpkg-query | grep -q" under pipefail: grep leaving early kills
    # the writer with SIGPIPE and the test fails although the text was there
    grep -q "install ok installed" <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    printf '%s: missing Debian packages: %s\n' "$who" "${missing[*]}" >&2
    printf '%s: install them, then run this again:\n  sudo apt-get install -y %s\n' "$who" "${missing[*]}" >&2
    exit 1
  fi
  if [[ " ${missing[*]} " == *":arm64 "* ]] && ! grep -qx arm64 <<<"$(dpkg --print-foreign-architectures)"; then
    dpkg --add-architecture arm64
  fi
  printf '%s: installing %s\n' "$who" "${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
