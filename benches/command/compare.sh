#!/usr/bin/env bash
# The whole command against what a user would otherwise write: a Python script
# (xml.etree.ElementTree / json) and a jq program that print the same normalized records.
# Checks first that all three print the same bytes, then times them in one hyperfine run.
#
# Usage: bash benches/command/compare.sh [RECORDS]   (default 100000)
# Needs python3, jq and hyperfine (Debian: apt-get install jq hyperfine).
set -euo pipefail
cd "$(dirname "$0")/../.."
records=${1:-100000}
as_of=2026-12-01T00:00:00Z
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release --locked -q -p licscope-cli -p licscope-benches
target/release/payloads "$records" "$dir"
xml=$dir/prime-$records.xml
json=$dir/prime-$records.json
licscope=(target/release/licscope normalize --format ndjson --as-of "$as_of")
py=(python3 benches/command/normalize.py "$as_of" 30 7)
jq=(jq -c --arg as_of "$as_of" --argjson warn 30 --argjson crit 7 -f benches/command/normalize.jq)

"${licscope[@]}" "$xml" > "$dir/licscope-xml.ndjson"
"${licscope[@]}" "$json" > "$dir/licscope-json.ndjson"
"${py[@]}" "$xml" > "$dir/python-xml.ndjson"
"${py[@]}" "$json" > "$dir/python-json.ndjson"
"${jq[@]}" "$json" > "$dir/jq-json.ndjson"
for peer in python-xml python-json jq-json; do
    cmp "$dir/licscope-xml.ndjson" "$dir/$peer.ndjson" \
        || { echo "compare: $peer prints other records than licscope" >&2; exit 1; }
done
echo "compare: licscope, Python and jq print the same $(wc -l < "$dir/licscope-xml.ndjson") records"

hyperfine --warmup 2 --runs "${RUNS:-10}" --export-markdown "$dir/times.md" \
    -n "licscope XML" "${licscope[*]} $xml > /dev/null" \
    -n "licscope JSON" "${licscope[*]} $json > /dev/null" \
    -n "Python ElementTree XML" "${py[*]} $xml > /dev/null" \
    -n "Python json JSON" "${py[*]} $json > /dev/null" \
    -n "jq JSON" "${jq[*]} $json > /dev/null"
cat "$dir/times.md"
