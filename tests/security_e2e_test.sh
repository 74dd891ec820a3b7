#!/usr/bin/env bash
# Security end to end: the real gongkaid with TLS, client certificates and a bootstrapped
# admin, driven by the real gongkai CLI — refusals to start without protection off loopback,
# tokens, mutual TLS mapped to a principal, scope, the audit trail (gongkai history), and the
# in-process worker still rolling up with credentials enforced.
# usage: security_e2e_test.sh GONGKAID GONGKAI SOURCE_DIR
set -uo pipefail
gongkaid=$1 gongkai=$2 src=$3
# shellcheck source=tests/e2e_lib.sh
. "$src/tests/e2e_lib.sh"
cd "$work" || exit 1

# A CA, a server certificate for 127.0.0.1, and a client certificate for a county office.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Gongkai Test CA" \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr \
  2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/O=Ninghai County/CN=county-ninghai" \
  -keyout client.key -out client.csr 2>/dev/null
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -out client.pem 2>/dev/null
subject=$(openssl x509 -in client.pem -noout -subject -nameopt RFC2253 | sed 's/^subject=//')

# Off loopback, gongkaid refuses to start without TLS and credentials...
"$gongkaid" --listen=0.0.0.0:0 --data_dir "$work/refused" --registry_dir "$src/data/regions" \
  --metrics_listen= 2>refused.log
check "refuses 0.0.0.0 without TLS (exit 1)" test $? = 1
check "says why and what to do" grep -q 'refusing to serve 0.0.0.0:0 without TLS' refused.log
"$gongkaid" --listen=0.0.0.0:0 --data_dir "$work/refused" --registry_dir "$src/data/regions" \
  --metrics_listen= --tls_cert server.pem --tls_key server.key 2>refused2.log
check "refuses TLS without credentials (exit 1)" test $? = 1
check "says so" grep -q 'without credentials' refused2.log
"$gongkaid" --listen=127.0.0.1.example:0 --data_dir "$work/refused" \
  --registry_dir "$src/data/regions" --metrics_listen= 2>refused3.log
check "a name that merely starts with 127. is not loopback" grep -q 'refusing' refused3.log
# ... and with the override it starts (and says so).
"$gongkaid" --listen=0.0.0.0:0 --data_dir "$work/insecure" --registry_dir "$src/data/regions" \
  --metrics_listen= --allow_insecure --port_file insecure.port 2>insecure.log &
insecure_pid=$!
for _ in $(seq 300); do [ -s insecure.port ] && break; sleep 0.1; done
check "--allow_insecure starts off loopback" test -s insecure.port
check "and warns" grep -q 'allow_insecure' insecure.log
check "open mode is announced loudly" grep -q 'RUNNING OPEN' insecure.log
kill "$insecure_pid"; wait "$insecure_pid" 2>/dev/null

# The server's thread bounds: --waiting_threads below 1 is refused; a --max_threads below the
# default --waiting_threads (32) is not (at most --max_threads threads wait).
"$gongkaid" --listen=127.0.0.1:0 --data_dir "$work/refused" --registry_dir "$src/data/regions" \
  --metrics_listen= --waiting_threads=0 2>refused4.log
check "refuses --waiting_threads=0 (exit 1)" test $? = 1
check "says so" grep -q 'waiting_threads must be at least 1' refused4.log
"$gongkaid" --listen=127.0.0.1:0 --data_dir "$work/few_threads" --registry_dir "$src/data/regions" \
  --metrics_listen= --max_threads=16 --port_file few_threads.port 2>few_threads.log &
few_threads_pid=$!
for _ in $(seq 300); do [ -s few_threads.port ] && break; sleep 0.1; done
check "starts with --max_threads=16 (below the default --waiting_threads)" test -s few_threads.port
kill "$few_threads_pid"; wait "$few_threads_pid" 2>/dev/null

# Start-up errors say what is wrong (issue 15: "cannot listen on", "must not exist yet").
echo "not a certificate" > bogus.pem
"$gongkaid" --listen=127.0.0.1:0 --data_dir "$work/refused" --registry_dir "$src/data/regions" \
  --metrics_listen= --tls_cert bogus.pem --tls_key server.key 2>badcert.log
check "a file that is not a certificate is named as such" grep -q 'not a PEM certificate' badcert.log
"$gongkaid" --listen=127.0.0.1:0 --data_dir "$work/refused" --registry_dir "$src/data/regions" \
  --metrics_listen= --tls_cert server.pem --tls_key client.key 2>badkey.log
check "a key of another certificate is named as such" grep -q 'not the key of --tls_cert' badkey.log
"$gongkaid" --listen=127.0.0.1:0 --data_dir "$work/refused" --registry_dir "$src/data/regions" \
  --metrics_listen= --bootstrap_admin_token_file "$work/no-such-dir/admin.token" 2>nodir.log
check "a token file in a missing directory says the directory is missing" \
  grep -q 'its directory does not exist' nodir.log

# TLS with client certificates and a bootstrapped admin.
start_gongkaid --tls_cert server.pem --tls_key server.key --tls_client_ca ca.pem \
  --bootstrap_admin_token_file "$work/admin.token"
check "admin token file written" test -s admin.token
check "admin token file is private (0600)" test "$(stat -c %a admin.token)" = 600
check "not announced as open" bash -c "! grep -q 'RUNNING OPEN' server.log"
tls=(--tls_ca ca.pem)
"$gongkai" health "${tls[@]}" >/dev/null
check "health stays open (no credentials)" test $? = 0
"$gongkai" health >/dev/null 2>&1
check "plaintext to a TLS server fails" test $? != 0
"$gongkai" regions 330226000000 "${tls[@]}" 2>err.txt
check "no credentials: exit 1" test $? = 1
check "UNAUTHENTICATED" grep -q UNAUTHENTICATED err.txt

# The admin creates principals: one for the county's certificate, one token for a reader of
# another province.
"$gongkai" principal create county-ninghai --roles submitter,reader --regions 330226000000 \
  --subject "$subject" "${tls[@]}" --token_file admin.token >/dev/null 2>create.txt
check "principal for a certificate subject" test $? = 0
"$gongkai" principal create gd-reader --roles reader --regions 440000000000 --ttl 720h \
  "${tls[@]}" --token_file admin.token >gd.token 2>/dev/null
check "token printed alone" grep -q '^gk1\.gd-reader\.' gd.token
"$gongkai" principal list "${tls[@]}" --token_file admin.token >principals.txt
check "list shows them" grep -q 'county-ninghai .*submitter,reader' principals.txt
check "list shows the expiry" grep -q 'gd-reader .*expires' principals.txt

# Mutual TLS: the client certificate alone authenticates as county-ninghai.
mtls=(--tls_ca ca.pem --tls_cert client.pem --tls_key client.key)
"$gongkai" submit "$src/tests/testdata/2019_town_yishi.json" "${mtls[@]}" >/dev/null
check "submit in scope with a client certificate" test $? = 0
"$gongkai" list 440000000000 2019 "${mtls[@]}" 2>err.txt
check "out of scope: exit 1" test $? = 1
check "PERMISSION_DENIED" grep -q PERMISSION_DENIED err.txt
"$gongkai" get 330226104000 2019 "${tls[@]}" --token "$(cat gd.token)" 2>err.txt
check "another province's reader is refused" grep -q PERMISSION_DENIED err.txt

# The audit trail.
"$gongkai" history 330226104000 2019 "${tls[@]}" --token_file admin.token >history.txt
check "history names the principal" grep -q 'rev 1 .* county-ninghai  ipv4:127.0.0.1' history.txt

# The in-process worker rolls up with credentials enforced.
rolled=1
for _ in $(seq 100); do
  if "$gongkai" rollup 330226000000 2019 "${tls[@]}" --token_file admin.token \
      --output json >/dev/null 2>&1; then rolled=0; break; fi
  sleep 0.1
done
check "the in-process worker rolls up" test $rolled = 0

# Revocation takes effect at once.
"$gongkai" principal revoke gd-reader "${tls[@]}" --token_file admin.token >/dev/null
"$gongkai" regions 440000000000 "${tls[@]}" --token "$(cat gd.token)" 2>err.txt
check "revoked token refused" grep -q 'UNAUTHENTICATED.*revoked' err.txt

# A restart keeps the principals (and ignores the bootstrap flag now).
stop_gongkaid
start_gongkaid --tls_cert server.pem --tls_key server.key --tls_client_ca ca.pem \
  --bootstrap_admin_token_file "$work/admin2.token"
check "no second admin" test ! -e admin2.token
"$gongkai" get 330226104000 2019 "${mtls[@]}" --output cells >/dev/null
check "certificate still maps after restart" test $? = 0
stop_gongkaid

finish
