#!/usr/bin/env bash
# The pincheck gate as CI runs it: build the release binary, check every scenario against every
# proposal and kernel, and leave beside the verdict certificate in target/ the JUnit XML and the
# SARIF log of the run. Arguments pass through to `pincheck gate` (scenario paths, --shard I/N,
# --baseline PATH, --strict, --proposal, ...). Exit status: 0 the gate passed, 1 it failed,
# 2 usage or input error (as `pincheck check`).
#
#   ci/gate.sh                                  # the whole matrix
#   ci/gate.sh --shard 2/3                      # one CI shard
#   ci/gate.sh --baseline old-certificate.json --strict
#
# PINCHECK_OUT (default: target) is where the certificate, JUnit and SARIF go; with --shard I/N
# their names carry the shard (pincheck-certificate-2of3.json).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

out="${PINCHECK_OUT:-target}"
suffix=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --shard) suffix="-${args[$((i + 1))]:-}" ;;
    --shard=*) suffix="-${args[$i]#--shard=}" ;;
  esac
done
suffix="${suffix//\//of}"
mkdir -p "$out"

cargo build --release --locked -p pincheck

status=0
./target/release/pincheck gate \
  --certificate "$out/pincheck-certificate$suffix.json" \
  --junit "$out/pincheck-junit$suffix.xml" \
  --sarif "$out/pincheck$suffix.sarif" \
  "$@" || status=$?

echo
echo "certificate: $out/pincheck-certificate$suffix.json"
echo "junit:       $out/pincheck-junit$suffix.xml"
echo "sarif:       $out/pincheck$suffix.sarif"
if [ "$status" -ne 0 ]; then
  echo "pincheck gate failed (exit $status); replay a counterexample with the 'pincheck replay' line printed above" >&2
fi
exit "$status"
