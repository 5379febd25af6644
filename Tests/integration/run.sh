#!/bin/sh
# make test-integration: Tessera against programs nobody here wrote.
#   run.sh PREFIX MODULE   (the staged install: PREFIX/bin/tessera; the built
#                           ngx_http_tessera_module.so)
# Runs every suite even when one fails; exits 1 if any did. Logs and
# screenshots stay under build/integration/.
set -u
prefix=$1
module=$2
here=$(dirname "$0")
failed=""
for suite in test_coturn.py test_nginx.py "test_nginx_module.py $module" test_browser.py "test_cli.py $prefix/bin/tessera" "test_janus.py $prefix/bin/tessera"; do
  echo "== $suite"
  # shellcheck disable=SC2086
  python3 "$here"/$suite || failed="$failed ${suite%%.py*}"
done
if [ -n "$failed" ]; then
  echo "integration: FAILED:$failed" >&2
  exit 1
fi
echo "integration: every suite passed (artifacts in build/integration/)"
