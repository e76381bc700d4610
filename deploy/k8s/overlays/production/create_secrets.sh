#!/usr/bin/env bash
# Prints the Secrets overlays/production reads, made from files in DIR, as
# YAML for `kubectl apply -f -`:
#   deploy/k8s/overlays/production/create_secrets.sh DIR | kubectl apply -n NAMESPACE -f -
# DIR holds:
#   database_dsn       libpq DSN of the external PostgreSQL, without a password
#   database_password  its password (the controller reads it as PGPASSWORD)
#   tls.crt, tls.key   the controller's certificate and key; the certificate
#                      names nas-controller (workers) and localhost (nasctl
#                      through kubectl port-forward)
#   ca.crt             the CA that signed tls.crt (what workers trust)
#   worker_tokens, client_tokens  bearer tokens, one a line, >= 16 characters
#   worker_token       the token workers send: one line of worker_tokens
# Checks each file first and prints nothing if one is wrong.
set -euo pipefail
dir=${1:?usage: create_secrets.sh DIR}

fail() { echo "create_secrets.sh: $1" >&2; exit 1; }
for f in database_dsn database_password tls.crt tls.key ca.crt worker_tokens client_tokens \
    worker_token; do
  [ -s "$dir/$f" ] || fail "$dir/$f: missing or empty"
done
grep -qiE '(^|[[:space:]])password[[:space:]]*=' "$dir/database_dsn" &&
  fail "database_dsn: must not hold the password (put it in database_password)"
for f in worker_tokens client_tokens worker_token; do
  while IFS= read -r token || [ -n "$token" ]; do
    # Blank lines and '#' comments are skipped, as the controller does.
    [ -z "$token" ] || [ "${token:0:1}" = "#" ] || [ ${#token} -ge 16 ] ||
      fail "$f: every token needs at least 16 characters"
  done <"$dir/$f"
done
token=$(head -n 1 "$dir/worker_token")
grep -qxF -- "$token" "$dir/worker_tokens" || fail "worker_token: not a line of worker_tokens"
cmp -s "$dir/ca.crt" "$dir/tls.crt" && fail "ca.crt: must be the CA, not the server's certificate"
openssl verify -CAfile "$dir/ca.crt" "$dir/tls.crt" >/dev/null 2>&1 ||
  fail "tls.crt: not signed by ca.crt"
for host in nas-controller localhost; do
  openssl x509 -in "$dir/tls.crt" -noout -checkhost "$host" | grep -q 'does match' ||
    fail "tls.crt: its subjectAltName must name $host"
done

create() { kubectl create secret "$@" --dry-run=client -o yaml; echo "---"; }
create generic nas-database --from-file=dsn="$dir/database_dsn" \
  --from-file=password="$dir/database_password"
create tls nas-tls --cert="$dir/tls.crt" --key="$dir/tls.key"
create generic nas-ca --from-file=ca.crt="$dir/ca.crt"
create generic nas-tokens --from-file=worker_tokens="$dir/worker_tokens" \
  --from-file=client_tokens="$dir/client_tokens"
create generic nas-worker-token --from-file=token="$dir/worker_token"
