#!/usr/bin/env bash
# Renders every variant of deploy/k8s (each folder of overlays/) with kubectl's
# kustomize and validates it (validate_manifests.mjs); production together with
# the Secrets create_secrets.sh makes from a freshly signed CA, certificate and
# tokens. Then shows that the checks can fail: create_secrets.sh refuses bad
# files, and each fixture of fixtures/ (one defect each, named in its
# `# expect:` line) is rejected with that message.
set -euo pipefail
validator=$(pwd)/tests/deploy/validate_manifests.mjs
work="${TEST_TMPDIR:-$(mktemp -d)}/manifests"
rm -rf "$work" && mkdir -p "$work/deploy" "$work/tests/deploy"
# Plain copies: kustomize refuses files whose symlinks lead out of its root.
cp -rL deploy/k8s "$work/deploy/k8s"
cp -rL tests/deploy/fixtures "$work/tests/deploy/fixtures"
cd "$work"
failed=0
fail() { echo "FAIL: $1" >&2; failed=1; }

# The files an operator holds: a CA, the controller's certificate it signs for
# nas-controller and localhost, tokens, the external database's DSN.
secrets=$work/secrets
mkdir -p "$secrets"
(
  cd "$secrets"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=nas-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj /CN=nas-controller 2>/dev/null
  printf 'subjectAltName=DNS:nas-controller,DNS:nas-controller.nas.svc,DNS:localhost\n' >san.ext
  openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext \
    -out tls.crt 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 \
    -subj /CN=nas-controller -addext subjectAltName=DNS:elsewhere 2>/dev/null
  echo "host=db.example.com port=5432 user=nas dbname=nas sslmode=verify-full" >database_dsn
  echo "a-database-password" >database_password
  printf '# rotated monthly\nworker-token-0123456789abcdef\nworker-token-for-the-next-rotation\n' \
    >worker_tokens
  echo "client-token-0123456789abcdef" >client_tokens
  echo "worker-token-0123456789abcdef" >worker_token
)
create_secrets=deploy/k8s/overlays/production/create_secrets.sh
bash "$create_secrets" "$secrets" >"$work/secrets.yaml"

# create_secrets.sh refuses each bad input with a message naming the file.
refuses() {  # refuses EXPECTED_MESSAGE FILE CONTENT_FROM
  local bad=$work/bad-secrets
  rm -rf "$bad" && cp -r "$secrets" "$bad" && cp "$3" "$bad/$2"
  if out=$(bash "$create_secrets" "$bad" 2>&1); then
    fail "create_secrets.sh accepted a bad $2"
  elif [[ "$out" != *"$1"* ]]; then
    fail "create_secrets.sh on a bad $2 said '$out', not '$1'"
  fi
}
echo "host=db port=5432 password=secret" >"$work/dsn-with-password"
echo "short" >"$work/short-token"
echo "worker-token-not-in-the-list-0000" >"$work/unlisted-token"
refuses "database_dsn: must not hold the password" database_dsn "$work/dsn-with-password"
refuses "at least 16 characters" client_tokens "$work/short-token"
refuses "worker_token: not a line of worker_tokens" worker_token "$work/unlisted-token"
refuses "ca.crt: must be the CA" ca.crt "$secrets/tls.crt"
refuses "tls.crt: not signed by ca.crt" tls.crt "$secrets/other.crt"
refuses "tls.crt: not signed by ca.crt" ca.crt "$secrets/other.crt"

variants=0
for dir in deploy/k8s/overlays/*/; do
  dir=${dir%/}
  extra=()
  [ "$(basename "$dir")" = production ] && extra=("$work/secrets.yaml")
  kubectl kustomize "$dir" >"$work/rendered.yaml"
  node "$validator" "$dir" "$work/rendered.yaml" "${extra[@]}" || fail "$dir does not validate"
  variants=$((variants + 1))
done
[ "$variants" -ge 2 ] || fail "found $variants variants, expected trial and production"

fixtures=0
rejected=0
for dir in tests/deploy/fixtures/*/; do
  dir=${dir%/}
  expect=$(sed -n 's/^# expect: //p' "$dir/kustomization.yaml")
  [ -n "$expect" ] || { fail "$dir: no '# expect:' line"; continue; }
  kubectl kustomize "$dir" >"$work/rendered.yaml" || { fail "$dir does not render"; continue; }
  if out=$(node "$validator" "$dir" "$work/rendered.yaml" "$work/secrets.yaml" 2>&1); then
    fail "$dir: the defect passed validation"
  elif [[ "$out" != *"$expect"* ]]; then
    fail "$dir: rejected, but not with '$expect':"$'\n'"$out"
  else
    rejected=$((rejected + 1))
  fi
  fixtures=$((fixtures + 1))
done
[ "$fixtures" -gt 0 ] || fail "no fixtures found"
echo "$variants variants checked, $rejected of $fixtures broken fixtures rejected as expected"
exit "$failed"
