#!/usr/bin/env bash
# The seed scenario, on this machine (run with `npm run demo`):
#  1. offline: lint the IRSA trust policies, simulate who may assume the role and what it may do;
#  2. the Kubernetes side: start `irsa up` on a scratch data folder, apply the seed's
#     ServiceAccount and Pod verbatim, show what the webhook injected, request the pod's token,
#     and fetch the issuer's discovery document and JWKS over HTTPS with the local CA.
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
node -e 'process.stdout.write(JSON.stringify(require("./examples/cases.json")[2]))' | irsa simulate - |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).explain.summary));'
echo

export IRSA_DATA
IRSA_DATA=$(mktemp -d)
trap 'kill "$up" 2>/dev/null; wait "$up" 2>/dev/null; rm -rf "$IRSA_DATA"' EXIT
echo "== irsa up (data folder $IRSA_DATA, free ports) =="
irsa up --port 0 --issuer-port 0 > "$IRSA_DATA.log" 2>&1 &
up=$!
for _ in $(seq 1 50); do [ -s "$IRSA_DATA/server.json" ] && break; sleep 0.2; done
cat "$IRSA_DATA.log"; rm -f "$IRSA_DATA.log"
echo
echo "== irsa apply: the seed's Namespace, ServiceAccount and Pod =="
irsa apply -f examples/k8s/namespace.yaml -f examples/k8s/s3-app-serviceaccount.yaml -f examples/k8s/s3-reader-pod.yaml || status=1
irsa get pods -n production -o wide
echo
echo "== what the pod-identity webhook injected into s3-reader =="
irsa get pod s3-reader -n production -o json | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const c = JSON.parse(s).spec.containers[0];
  for (const e of c.env ?? []) console.log(`  ${e.name}=${e.value}`);
  for (const m of c.volumeMounts ?? []) console.log(`  mount ${m.name} at ${m.mountPath}`);
});'
echo
echo "== irsa token create: the pod's projected token (claims) =="
token=$(irsa token create -n production s3-app --audience sts.amazonaws.com --bound-pod s3-reader) || status=1
node -e 'console.log(JSON.stringify(JSON.parse(Buffer.from(process.argv[1].split(".")[1], "base64url")), null, 2))' "$token"
echo
issuer=$(irsa cluster list -o json | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].issuer));')
echo "== the issuer's discovery document, over HTTPS with the local CA =="
curl -s --cacert "$IRSA_DATA/ca/ca.crt" "$issuer/.well-known/openid-configuration" || status=1
echo
exit $status
