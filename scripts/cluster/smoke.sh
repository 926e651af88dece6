#!/usr/bin/env bash
# Smoke test of a running Slipway cluster (scripts/cluster/up.sh):
#   1. a Deployment with 2 replicas becomes available (pods Ready on kwok nodes);
#   2. an Argo Rollout (canary: setWeight/pause steps) becomes Healthy;
#   3. a new pod template makes the controller step the canary through to Healthy on the new revision.
# Uses its own namespace (default slipway-smoke) and deletes it afterwards.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NS="${SLIPWAY_SMOKE_NAMESPACE:-slipway-smoke}"
START=$SECONDS
[[ -f "$KUBECONFIG_FILE" ]] || cl_die "no kubeconfig at $KUBECONFIG_FILE: run scripts/cluster/up.sh first"

cleanup() { kc delete namespace "$NS" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local t="$1" what="$2"; shift 2
  local deadline=$((SECONDS + t))
  until "$@"; do
    [[ $SECONDS -lt $deadline ]] || { cl_say "timed out waiting for $what"; return 1; }
    sleep 1
  done
}

kc create namespace "$NS" --dry-run=client -o yaml | kc apply -f - >/dev/null

kc apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: smoke-deploy}
spec:
  replicas: 2
  selector: {matchLabels: {app: smoke-deploy}}
  template:
    metadata: {labels: {app: smoke-deploy}}
    spec:
      containers:
        - {name: app, image: "registry.example/smoke:1"}
EOF
kc rollout status -n "$NS" deployment/smoke-deploy --timeout=120s >/dev/null
ready="$(kc get -n "$NS" deployment smoke-deploy -o jsonpath='{.status.readyReplicas}')"
[[ "$ready" == 2 ]] || cl_die "Deployment has $ready ready replicas, expected 2"
cl_say "Deployment smoke-deploy: 2/2 ready on $(kc get pods -n "$NS" -l app=smoke-deploy -o jsonpath='{.items[*].spec.nodeName}') ($((SECONDS - START))s)"

rollout() { # rollout IMAGE
  kc apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: smoke-rollout}
spec:
  replicas: 2
  revisionHistoryLimit: 2
  selector: {matchLabels: {app: smoke-rollout}}
  template:
    metadata: {labels: {app: smoke-rollout}}
    spec:
      containers:
        - {name: app, image: "$1"}
  strategy:
    canary:
      steps:
        - setWeight: 50
        - pause: {duration: 3s}
        - setWeight: 100
EOF
}
phase() { kc get rollout -n "$NS" smoke-rollout -o jsonpath='{.status.phase}' 2>/dev/null; }
healthy_on() { # healthy_on IMAGE: Healthy, and the stable pods run IMAGE
  [[ "$(phase)" == Healthy ]] || return 1
  local stable
  stable="$(kc get rollout -n "$NS" smoke-rollout -o jsonpath='{.status.stableRS}')"
  [[ -n "$stable" ]] || return 1
  [[ "$(kc get rs -n "$NS" -l "rollouts-pod-template-hash=$stable" \
    -o jsonpath='{.items[0].spec.template.spec.containers[0].image}' 2>/dev/null)" == "$1" ]]
}

rollout "registry.example/smoke:1"
wait_for 120 "Rollout to become Healthy" healthy_on "registry.example/smoke:1" \
  || { kc get rollout -n "$NS" smoke-rollout -o yaml >&2; exit 1; }
cl_say "Rollout smoke-rollout: Healthy on revision 1 ($((SECONDS - START))s)"

rollout "registry.example/smoke:2"
seen=""
deadline=$((SECONDS + 120))
until healthy_on "registry.example/smoke:2"; do
  p="$(phase)"; [[ "$seen" == *"$p"* ]] || seen+="$p "
  [[ $SECONDS -lt $deadline ]] || { kc get rollout -n "$NS" smoke-rollout -o yaml >&2; cl_die "canary did not complete (phases seen: $seen)"; }
  sleep 1
done
cl_say "Rollout smoke-rollout: canary stepped to revision 2 and is Healthy (phases seen: ${seen:-none}) ($((SECONDS - START))s)"
cl_say "smoke test passed in $((SECONDS - START))s"
