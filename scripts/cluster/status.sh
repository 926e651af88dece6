#!/usr/bin/env bash
# Show the state of Slipway's simulated cluster. Exit 0 when healthy, 1 otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "state dir:   $STATE_DIR"
echo "kubeconfig:  $KUBECONFIG_FILE"
if [[ ! -f "$KUBECONFIG_FILE" ]]; then echo "cluster:     not created (run scripts/cluster/up.sh)"; exit 1; fi
if kc get --raw /readyz >/dev/null 2>&1; then
  echo "apiserver:   ready at $(kc config view --minify -o jsonpath='{.clusters[0].cluster.server}'), version $(kc version -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n1)"
  echo "nodes:"; kc get nodes --no-headers 2>/dev/null | sed 's/^/  /'
  echo "crds:";  kc get crd --no-headers 2>/dev/null | grep argoproj.io | awk '{print "  "$1}'
else
  echo "apiserver:   NOT answering"
fi
if rollouts_running; then
  echo "rollouts-controller: running (pid $(cat "$ROLLOUTS_PID"), healthz :$ROLLOUTS_HEALTHZ_PORT $(rollouts_healthy && echo ok || echo "NOT served by it"))"
else
  echo "rollouts-controller: NOT running"
fi
echo "processes:"
pids="$(state_pids | paste -sd, -)"
if [[ -n "$pids" ]]; then ps -o pid=,rss=,args= -p "$pids" | awk '{n=split($3,a,"/"); printf "  %-8s %-24s %6d MiB\n", $1, a[n], $2/1024}'; else echo "  none"; fi
if cluster_healthy; then echo "status:      healthy"; else echo "status:      NOT healthy"; exit 1; fi
