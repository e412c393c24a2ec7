#!/usr/bin/env bash
# licscope serve, side by side: a baseline build (the tiny_http exporter, the last commit
# before licscope-web) and this build over plain HTTP and over TLS with basic auth, each
# answering /probe from the cache to many keep-alive clients (wrk). Interleaved rounds, one run,
# one machine. A benchmark, not a test: prints requests per second, latency percentiles, the
# exporter's threads and resident memory. Results go to benches/RESULTS.md.
# Usage: benches/serve/compare.sh BASELINE_LICSCOPE [SECONDS] [CONNECTIONS] [ROUNDS]
#   (needs wrk, openssl and htpasswd: apt-get install wrk openssl apache2-utils)
#   Build the baseline with: git worktree add /tmp/baseline f191d4e &&
#   (cd /tmp/baseline && cargo build --release --locked -p licscope-cli)
set -euo pipefail
cd "$(dirname "$0")/../.."
baseline=$(realpath "$1")
seconds=${2:-10}
connections=${3:-64}
rounds=${4:-2}
SIM_SECONDS=600 . benches/serve/common.sh
current=target/release/licscope
# A CA and a certificate for 127.0.0.1, and a cost-10 hash as htpasswd -nBC 10 writes it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -out "$work/ca.pem" -days 2 -subj "/CN=bench CA" 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tls.key" \
    -out "$work/tls.csr" -subj "/CN=bench" 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$work/san.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
    -CAcreateserial -out "$work/tls.crt" -days 2 -extfile "$work/san.ext" 2> /dev/null
hash=$(htpasswd -nbBC 10 prometheus bench-password | cut -d: -f2-)
cat > "$work/web.yml" << YAML
tls_server_config:
  cert_file: tls.crt
  key_file: tls.key
basic_auth_users:
  prometheus: $hash
YAML
auth="Authorization: Basic $(printf 'prometheus:bench-password' | base64)"

# One exporter per configuration, all started before the rounds.
start() { # NAME BINARY [ARGS...]
    local name=$1 binary=$2
    shift 2
    "$binary" serve --config "$work/licscope.toml" --listen 127.0.0.1:0 "$@" 2> "$work/$name.log" &
    local pid=$!
    pids+=("$pid")
    echo "$pid" > "$work/$name.pid"
    for _ in $(seq 100); do grep -q 'msg=listening' "$work/$name.log" && break; sleep 0.1; done
    sed -n 's/.*msg=listening address=\([^ ]*\).*/\1/p' "$work/$name.log" > "$work/$name.address"
}
start tiny_http "$baseline"
start hyper "$current"
start hyper_tls_auth "$current" --web.config.file "$work/web.yml"
url() { # NAME
    local scheme=http
    [ "$1" = hyper_tls_auth ] && scheme=https
    echo "$scheme://$(cat "$work/$1.address")/probe?target=prime-campus"
}
for name in tiny_http hyper hyper_tls_auth; do
    # Fills the cache (and, with auth, the bcrypt cache).
    curl -sf --cacert "$work/ca.pem" -H "$auth" "$(url "$name")" > /dev/null
done
status() { # NAME FIELD
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$(cat "$work/$1.pid")/status"
}
echo "exporter | round | requests/s | p50 | p90 | p99 | threads | RSS KiB | peak RSS KiB"
for round in $(seq "$rounds"); do
    for name in tiny_http hyper hyper_tls_auth; do
        out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "$auth" "$(url "$name")")
        rps=$(awk '/^Requests\/sec/ { print $2 }' <<< "$out")
        p() { awk -v q="$1%" '$1 == q { print $2 }' <<< "$out"; }
        echo "$name | $round | $rps | $(p 50) | $(p 90) | $(p 99) | $(status "$name" Threads) | $(status "$name" VmRSS) | $(status "$name" VmHWM)"
    done
done
for name in tiny_http hyper hyper_tls_auth; do
    echo "$name: $(curl -s --cacert "$work/ca.pem" -H "$auth" "$(url "$name" | sed 's|/probe.*|/metrics|')" \
        | grep -E '^licscope_exporter_vendor_requests_total' | tr '\n' ' ')"
done
