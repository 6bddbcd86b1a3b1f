#!/usr/bin/env bash
# irsakit's main job (`npm run demo`): `irsa up` with its demo on a scratch data folder, then
# what the banner suggests — a program run as the pod of production/s3-app (`irsa exec`), the
# untrusted production/web-app refused, the audit trail and `irsa why` explaining the refusal,
# `irsa doctor` naming the broken step — and the offline tools (`irsa lint`, `irsa simulate`).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
irsa() { node "$root/dist/src/cli/main.js" "$@"; }
status=0

export IRSA_DATA
IRSA_DATA=$(mktemp -d)
trap 'kill "$up" 2>/dev/null; wait "$up" 2>/dev/null; rm -rf "$IRSA_DATA" "$IRSA_DATA.log"' EXIT
echo "== irsa up (the demo, data folder $IRSA_DATA, free ports) =="
# node itself in the background (not the irsa function's subshell), so that the trap's kill
# stops the server rather than orphaning it
node "$root/dist/src/cli/main.js" up --port 0 --issuer-port 0 --log-format none > "$IRSA_DATA.log" 2>&1 &
up=$!
for _ in $(seq 1 100); do grep -q "irsakit is up" "$IRSA_DATA.log" 2>/dev/null && break; sleep 0.1; done
cat "$IRSA_DATA.log"
echo
cd "$(mktemp -d)" || exit 1
echo "== 1. irsa exec -n production -s s3-app -- aws sts get-caller-identity =="
irsa exec -n production -s s3-app -- aws sts get-caller-identity || status=1
echo
echo "== 2. irsa exec -n production -s s3-app -- aws s3 cp s3://my-bucket/hello.txt - =="
irsa exec -n production -s s3-app -- aws s3 cp s3://my-bucket/hello.txt - || status=1
echo
echo "== 3. irsa exec -n production -s web-app -- aws s3 ls   (refused: the role does not trust web-app) =="
irsa exec -n production -s web-app -- aws s3 ls && status=1
echo
echo "== irsa trail --errors, and irsa why on the refusal =="
irsa trail --errors
id=$(irsa trail --errors --json | tail -n 1 | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).requestID))')
irsa why "$id" || status=1
echo
echo "== irsa doctor -n production web-app   (exit 1: a step fails) =="
irsa doctor -n production web-app && status=1
echo
cd "$root" || exit 1
echo "== irsa lint: the seed's trust policy, then a too-broad one =="
irsa lint examples/trust-policy.json examples/trust-policy-too-broad.json
echo "(exit code $? — 1 because the second policy has high findings)"
echo
echo "== irsa simulate: the trust policy and AmazonS3ReadOnlyAccess =="
irsa simulate --no-explain examples/cases.json || status=1
exit $status
