#!/usr/bin/env bash
# Debian packages some tests drive, installed by `make test` when missing (as root, with apt-get):
#   chromium   the operator console's browser tests (services/admin/test/browser), through
#              playwright-core, which never downloads a browser
#   prometheus promtool, for `promtool check rules` / `promtool test rules` (test/alert-rules.test.ts)
# Without them (not root, no apt-get, no package mirror) those tests are reported as skipped, with
# the reason; nothing else depends on them. TEST_TOOLS_INSTALL=0 never installs.
set -uo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${TEST_TOOLS_INSTALL:-1}" = 0 ]; then
  echo "test-tools: ${missing[*]} missing (TEST_TOOLS_INSTALL=0): their tests will be skipped"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-tools: ${missing[*]} missing and cannot be installed here (needs root and apt-get): their tests will be skipped"
  echo "test-tools: to run them: sudo apt-get install -y ${missing[*]}"
  exit 0
fi
echo "test-tools: installing ${missing[*]} (apt-get)"
if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/test-tools-apt.log 2>&1; then
  echo "test-tools: installed ${missing[*]}"
else
  echo "test-tools: could not install ${missing[*]} (see /tmp/test-tools-apt.log): their tests will be skipped"
fi
exit 0
