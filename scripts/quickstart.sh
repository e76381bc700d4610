#!/usr/bin/env bash
# The README's first command: a real search end to end on this machine.
exec bash "$(dirname "$0")/../deploy/local/run_local.sh" "$@"
