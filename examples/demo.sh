#!/usr/bin/env bash
# The seed scenario, offline: lint the IRSA trust policies, then simulate who may assume the
# role and what the role may do. Run with `npm run demo`.
set -uo pipefail
cd "$(dirname "$0")/.."
irsa() { node dist/src/cli/main.js "$@"; }

echo "== irsa lint: the seed's trust policy, then a too-broad one =="
irsa lint examples/trust-policy.json examples/trust-policy-too-broad.json
echo "(exit code $? — 1 because the second policy has high findings)"
echo
echo "== irsa simulate: the trust policy and AmazonS3ReadOnlyAccess =="
irsa simulate --no-explain examples/cases.json
status=$?
echo
echo "== why the near-miss namespace is refused =="
node -e '
const cases = require("./examples/cases.json");
process.stdout.write(JSON.stringify(cases[2]));' | irsa simulate - | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).explain.summary));'
exit $status
