#!/bin/sh
# Copies the repository's suites, profiles and sample pages into
# fuzz/corpus/<target>/ as starting inputs (libFuzzer adds what it finds
# there, so the originals are never written to).
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/suite corpus/profile corpus/forms
cp ../suites/*.yaml corpus/suite/
cp ../fixtures/targets/*.yaml corpus/profile/
cp seeds/forms/*.html ../templates/*.html corpus/forms/
