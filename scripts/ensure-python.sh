#!/bin/sh
# Installs the PyPI packages named as arguments that python3 cannot import
# yet (pip, as root or --user). Does nothing when all import.
set -eu
missing=""
for pkg in "$@"; do
  python3 -c "import $pkg" 2>/dev/null || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "ensure-python: installing$missing" >&2
# shellcheck disable=SC2086
python3 -m pip install --quiet --disable-pip-version-check $missing 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages $missing
