#!/bin/sh
# Installs the PyPI packages named as arguments that python3 cannot import
# yet (pip, as root or --user). Does nothing when all import. An argument is
# a package whose module has its name, or REQUIREMENT@MODULE when they
# differ (livekit-api==1.2.2@livekit.api).
set -eu
missing=""
for arg in "$@"; do
  pkg=${arg%@*}
  module=${arg#*@}
  python3 -c "import $module" 2>/dev/null || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "ensure-python: installing$missing" >&2
# shellcheck disable=SC2086
python3 -m pip install --quiet --disable-pip-version-check $missing 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages $missing
