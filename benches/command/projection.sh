#!/usr/bin/env bash
# `licscope normalize --format ndjson` on Prime JSON against a plain jq projection of the same
# fields (the baseline of the pipeline-as-a-library issue): medians and spread of hyperfine runs.
# BEFORE=path/to/an/older/licscope adds that build to the same run, to compare two commits.
#
# Usage: bash benches/command/projection.sh [RECORDS]   (default 100000; RUNS=20)
# Needs jq and hyperfine (Debian: apt-get install jq hyperfine).
set -euo pipefail
cd "$(dirname "$0")/../.."
records=${1:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release --locked -q -p licscope-cli -p licscope-benches
target/release/payloads "$records" "$dir"
json=$dir/prime-$records.json
run() { echo "$1 normalize --format ndjson --as-of 2026-12-01T00:00:00Z $json"; }
projection='.mgmtResponse.licenseInfoDTO[] | {feature: .name, days_to_expiry: .daysToExpire, used: .deviceCountUsed, remaining: .deviceCountRemaining, status}'
commands=(-n "licscope JSON" "$(run target/release/licscope)")
if [ -n "${BEFORE:-}" ]; then
    commands+=(-n "licscope JSON, before" "$(run "$BEFORE")")
fi
commands+=(-n "jq projection" "jq -c '$projection' $json")
hyperfine -N --output null --warmup 3 --runs "${RUNS:-20}" --export-json "$dir/times.json" "${commands[@]}" > /dev/null
python3 - "$dir/times.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
medians = {r["command"]: statistics.median(r["times"]) for r in results}
print("| command | median | q1 | q3 | min | max | jq projection / command (medians) |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in results:
    t = sorted(r["times"])
    q = lambda f: t[int(f * (len(t) - 1))] * 1e3
    ratio = medians["jq projection"] / medians[r["command"]]
    print(f"| {r['command']} | {statistics.median(t) * 1e3:.1f} ms | {q(0.25):.1f} | {q(0.75):.1f} | "
          f"{t[0] * 1e3:.1f} | {t[-1] * 1e3:.1f} | {ratio:.2f}x |")
PY
