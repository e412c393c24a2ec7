#!/bin/bash -eu
# Builds every cargo-fuzz target of licscope into $OUT, with its seed corpus (built by
# fuzz/build-corpus from fixtures/ and the committed minimized corpus) and dictionary, following OSS-Fuzz's conventions
# for Rust. Runs in ClusterFuzzLite's base-builder-rust image, or by hand:
#   OUT=$(mktemp -d) RUSTC_BOOTSTRAP=1 bash .clusterfuzzlite/build.sh
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)/..}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo fuzz build -O --debug-assertions
release="fuzz/target/x86_64-unknown-linux-gnu/release"
for target in $(cargo fuzz list); do
    cp "$release/$target" "$OUT/"
    case "$target" in
        prime_xml*) cp fuzz/dict/xml.dict "$OUT/$target.dict" ;;
        *) cp fuzz/dict/json.dict "$OUT/$target.dict" ;;
    esac
    seeds=$(mktemp -d)
    bash fuzz/build-corpus "$target" "$seeds" > /dev/null
    if [ -n "$(ls -A "$seeds")" ]; then
        (cd "$seeds" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
    rm -rf "$seeds"
done
