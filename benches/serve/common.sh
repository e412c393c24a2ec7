# Sourced by the serve benchmarks: builds the release binaries, makes a work folder removed at
# exit (with every process listed in `pids` killed), starts the loopback vendor servers for
# SIM_SECONDS (default 120) and writes $work/licscope.toml with one Prime target answered from
# the cache for an hour.
cargo build --release --locked -q -p licscope-cli -p licscope-testservers
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
target/release/licscope-vendor-sim "${SIM_SECONDS:-120}" > "$work/urls" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/urls" ] && break; sleep 0.1; done
prime=$(sed 's/.*prime=\([^ ]*\).*/\1/' "$work/urls")
(umask 077 && printf 'pr1me-S3cret!\n' > "$work/secret")
cat > "$work/licscope.toml" << TOML
[serve]
min_interval = "1h"

[[target]]
name = "prime-campus"
url = "$prime"
user = "monitor"
password_file = "secret"
TOML
