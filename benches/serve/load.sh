#!/usr/bin/env bash
# licscope serve under load: /probe answered from the cache, many concurrent clients on
# loopback (wrk). A benchmark, not a test: prints requests per second, latency percentiles and
# the exporter's resident memory before and after the requests. Results go to
# benches/RESULTS.md.
# Usage: benches/serve/load.sh [SECONDS] [CONNECTIONS]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
connections=${2:-64}
. benches/serve/common.sh
target/release/licscope serve --config "$work/licscope.toml" --listen 127.0.0.1:0 2> "$work/log" &
exporter=$!
pids+=("$exporter")
for _ in $(seq 100); do grep -q 'msg=listening' "$work/log" && break; sleep 0.1; done
address=$(sed -n 's/.*msg=listening address=\([^ ]*\).*/\1/p' "$work/log")
url="http://$address/probe?target=prime-campus"
curl -sf "$url" > "$work/first"   # fills the cache
rss() { awk '/^VmRSS/ { print $2 " KiB" }' "/proc/$exporter/status"; }
echo "exporter $address; body $(wc -c < "$work/first") bytes; RSS before: $(rss)"
# The exporter logs a line per probe (to a file here, as a journal would take them).
# A first short run passes 100,000 requests; then the measured runs.
wrk -t2 -c"$connections" -d3s "$url" | grep -E 'requests in'
echo "RSS after the first run: $(rss)"
wrk -t2 -c"$connections" -d"${seconds}s" --latency "$url"
echo "RSS after: $(rss)"
wrk -t2 -c"$connections" -d"${seconds}s" --latency "$url" | grep -E 'Requests/sec|requests in'
echo "RSS after the second run: $(rss)"
curl -s "http://$address/metrics" | grep -E '^licscope_exporter_(probes_total\{outcome="success"\}|cache_hits_total|vendor_requests_total)'
