#!/usr/bin/env bash
# Stop Slipway's simulated cluster and delete its state: the Argo Rollouts controller, the kwok
# cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller), the
# kubeconfig and the kwok workdir under $SLIPWAY_STATE_DIR. Verifies that no process started for
# this state dir is left. Safe to run when nothing is running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
START=$SECONDS

stop_pid() { # stop_pid PID NAME: TERM, wait up to 10s, then KILL
  local pid="$1" name="$2" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  cl_say "$name (pid $pid) did not stop on TERM, killing"
  kill -9 "$pid" 2>/dev/null || true
}

if [[ -f "$ROLLOUTS_PID" ]]; then
  stop_pid "$(cat "$ROLLOUTS_PID")" rollouts-controller
  rm -f "$ROLLOUTS_PID"
fi

if [[ -d "$CLUSTER_DIR" ]]; then
  KWOKCTL=""
  if bindir="$("$TOOLCHAIN" --bin-dir kwok 2>/dev/null)" && [[ -x "$bindir/kwokctl" ]]; then KWOKCTL="$bindir/kwokctl"; fi
  if [[ -n "$KWOKCTL" ]]; then
    "$KWOKCTL" delete cluster --name "$CLUSTER_NAME" >>"$STATE_DIR/kwokctl.log" 2>&1 \
      || cl_say "kwokctl delete cluster failed (log: $STATE_DIR/kwokctl.log); stopping processes directly"
  fi
  # Whatever kwokctl left: its pid files.
  if [[ -d "$CLUSTER_DIR/pids" ]]; then
    for f in "$CLUSTER_DIR"/pids/*.pid; do
      [[ -f "$f" ]] && stop_pid "$(cat "$f")" "$(basename "$f" .pid)"
    done
  fi
fi

# Anything else started for this state dir (every component has it in its command line).
for pid in $(state_pids); do
  [[ "$pid" == "$$" ]] && continue
  stop_pid "$pid" "$(ps -o comm= -p "$pid" 2>/dev/null || echo process)"
done
left="$(state_pids | grep -vx "$$" || true)"
if [[ -n "$left" ]]; then
  ps -o pid=,args= -p "$(echo $left | tr ' ' ',')" >&2 || true
  cl_die "processes still running for $STATE_DIR: $left"
fi

rm -rf "$KWOK_DIR" "$KUBECONFIG_FILE" "$KUBECONFIG_FILE.tmp" "$ROLLOUTS_LOG" "$STATE_DIR/kwokctl.log" "$STATE_DIR/kwokctl-config.yaml" "$KUBE_CACHE_DIR"
rmdir "$STATE_DIR" 2>/dev/null || true
cl_say "cluster '$CLUSTER_NAME' stopped and its state deleted; no process left ($((SECONDS - START))s)"
