#!/usr/bin/env bash
# Writes a C++ source that embeds the numbered migration files, so the
# controller binary carries its schema with it. Usage: OUT.cc FILE.sql...
set -euo pipefail
out=$1; shift
{
  echo '// Generated from controller/store/migrations/*.sql. Do not edit.'
  echo '#include "controller/store/migrations.h"'
  echo 'namespace nas {'
  echo 'const std::vector<Migration>& EmbeddedMigrations() {'
  echo '  static const auto* const kMigrations = new std::vector<Migration>{'
  for f in $(printf '%s\n' "$@" | sort); do
    name=$(basename "$f" .sql)
    version=$((10#${name%%_*}))
    echo "    {${version}, \"${name}\", R\"nas_sql($(cat "$f"))nas_sql\"},"
  done
  echo '  };'
  echo '  return *kMigrations;'
  echo '}'
  echo '}  // namespace nas'
} > "$out"
