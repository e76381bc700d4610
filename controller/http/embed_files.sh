#!/usr/bin/env bash
# Writes a C++ source that embeds the dashboard's files, so the controller
# binary serves them with no files beside it. Usage: OUT.cc PREFIX FILE...
# where PREFIX is stripped from each FILE to give the path it is served at.
set -euo pipefail
out=$1; prefix=$2; shift 2
content_type() {
  case "$1" in
    *.html) echo "text/html; charset=utf-8" ;;
    *.js | *.mjs) echo "text/javascript; charset=utf-8" ;;
    *.css) echo "text/css; charset=utf-8" ;;
    *.svg) echo "image/svg+xml" ;;
    *.json) echo "application/json" ;;
    *.png) echo "image/png" ;;
    *) echo "text/plain; charset=utf-8" ;;
  esac
}
{
  echo '// Generated from controller/dashboard/. Do not edit.'
  echo '#include "controller/http/static_files.h"'
  echo 'namespace nas {'
  echo 'const std::vector<StaticFile>& DashboardFiles() {'
  echo '  static const auto* const kFiles = new std::vector<StaticFile>{'
  for f in "$@"; do
    path=/${f#"$prefix"}
    # Bytes as a hex escape list: any content (binary included) is safe.
    hex=$(od -An -v -tx1 "$f" | tr -s ' \n' ' ' | sed -e 's/^ //' -e 's/ $//' -e 's/ /\\x/g')
    [ -n "$hex" ] && hex="\\x$hex"
    echo "    {\"$path\", \"$(content_type "$f")\", std::string(\"$hex\", $(wc -c <"$f"))},"
  done
  echo '  };'
  echo '  return *kFiles;'
  echo '}'
  echo '}  // namespace nas'
} > "$out"
