#!/usr/bin/env bash
# The pincheck gate as CI runs it: build the release binary, check every scenario against every
# proposal and kernel, and leave beside the verdict certificate the JUnit XML and the SARIF log of
# the run. Arguments pass through to `pincheck gate` (scenario paths, --shard I/N,
# --baseline PATH, --strict, --proposal, ...).
#
#   ci/gate.sh                                  # the whole matrix
#   ci/gate.sh --shard 2/3                      # one CI shard
#   ci/gate.sh --baseline old-certificate.json --strict
#
# Exit status, and nothing else: 0 the gate passed, 1 it failed (a verdict differs, a search was
# cut, ...), 2 it could not judge (the build failed, bad arguments, a scenario file with errors,
# nothing to check).
#
# The binary is the one this script just built, wherever cargo put it: CARGO_TARGET_DIR and
# build.target-dir are honoured (cargo reports the path of the executable it built).
# PINCHECK_OUT (default: target, under the repository root, wherever cargo builds) is where the certificate, JUnit and SARIF go;
# with --shard I/N their names carry the shard (pincheck-certificate-2of3.json). Each path is
# printed only when this run wrote it.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

suffix=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --shard) suffix="-${args[$((i + 1))]:-}" ;;
    --shard=*) suffix="-${args[$i]#--shard=}" ;;
  esac
done
suffix="${suffix//\//of}"

work="$(mktemp -d)" || exit 2
trap 'rm -rf "$work"' EXIT

# Build, and learn from cargo itself where the binary landed.
if ! cargo build --release --locked -p pincheck --message-format=json-render-diagnostics \
  >"$work/build.json"; then
  echo "ci/gate.sh: the build failed (see above); nothing was checked" >&2
  exit 2
fi
exe="$(grep '"reason":"compiler-artifact"' "$work/build.json" |
  grep '"kind":\["bin"\]' |
  grep '"name":"pincheck"' |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
if [ -z "$exe" ] || [ ! -x "$exe" ]; then
  echo "ci/gate.sh: cargo built pincheck but did not report its executable (got '$exe')" >&2
  exit 2
fi
out="${PINCHECK_OUT:-target}"
mkdir -p "$out" || exit 2

certificate="$out/pincheck-certificate$suffix.json"
junit="$out/pincheck-junit$suffix.xml"
sarif="$out/pincheck$suffix.sarif"
# Outputs of an earlier run must not pass for this run's.
rm -f "$certificate" "$junit" "$sarif"

"$exe" gate --certificate "$certificate" --junit "$junit" --sarif "$sarif" "$@" |
  tee "$work/gate.txt"
status=${PIPESTATUS[0]}

echo
for pair in "certificate:$certificate" "junit:$junit" "sarif:$sarif"; do
  if [ -f "${pair#*:}" ]; then
    printf '%-12s %s\n' "${pair%%:*}:" "${pair#*:}"
  fi
done
case "$status" in
  0) ;;
  1)
    if grep -q "pincheck replay" "$work/gate.txt"; then
      echo "pincheck gate failed (exit 1): the gate's errors above name each cell; replay a" \
        "counterexample with its 'pincheck replay' line" >&2
    else
      echo "pincheck gate failed (exit 1): the gate's errors above name each cell and rule" >&2
    fi
    ;;
  2) echo "pincheck gate could not judge (exit 2): see the error above; nothing was certified" >&2 ;;
  *)
    echo "pincheck gate ended abnormally (exit $status); nothing was certified" >&2
    status=2
    ;;
esac
exit "$status"
