#!/usr/bin/env bash
# Start Slipway's simulated Kubernetes cluster on 127.0.0.1:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler as plain processes (kwokctl,
#   binary runtime), kwok faking $SLIPWAY_NODES nodes (pods on them become Ready), the Argo
#   Rollouts CRDs, and the Argo Rollouts controller as a background process.
# Idempotent: if the cluster is already running and healthy it says so and exits 0.
# Kubeconfig: $SLIPWAY_STATE_DIR/kubeconfig (default <repo>/.slipway/kubeconfig).
# Settings: see scripts/cluster/lib.sh. Tools come from scripts/toolchain/build.sh (built if missing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

START=$SECONDS
elapsed() { echo "$((SECONDS - START))s"; }

# --- tools ------------------------------------------------------------------------------------
TOOL_PATH="$("$TOOLCHAIN" --print-path etcd kubernetes kwok argo-rollouts)" || cl_die "toolchain not available"
export PATH="$TOOL_PATH:$PATH"
K8S_BIN="$("$TOOLCHAIN" --bin-dir kubernetes)"
KUBECTL="$K8S_BIN/kubectl"
ETCD_BIN="$("$TOOLCHAIN" --bin-dir etcd)"
KWOK_BIN="$("$TOOLCHAIN" --bin-dir kwok)"
ROLLOUTS_BIN="$("$TOOLCHAIN" --bin-dir argo-rollouts)"
CRD_DIR="$ROLLOUTS_BIN/../crds"
KUBE_VERSION="$("$K8S_BIN/kube-apiserver" --version | awk '{print $2}')"
ETCD_VERSION="$("$ETCD_BIN/etcd" --version | awk '/etcd Version/{print $3}')"

# kwokctl must use our binaries and never download anything.
export KWOK_RUNTIME=binary
export KWOK_KUBE_VERSION="$KUBE_VERSION"
export KWOK_ETCD_VERSION="$ETCD_VERSION"
export KWOK_KUBE_APISERVER_BINARY="$K8S_BIN/kube-apiserver"
export KWOK_KUBE_CONTROLLER_MANAGER_BINARY="$K8S_BIN/kube-controller-manager"
export KWOK_KUBE_SCHEDULER_BINARY="$K8S_BIN/kube-scheduler"
export KWOK_ETCD_BINARY="$ETCD_BIN/etcd"
export KWOK_CONTROLLER_BINARY="$KWOK_BIN/kwok"
export KWOK_KUBECTL_BINARY="$K8S_BIN/kubectl"

wait_until() { # wait_until DESCRIPTION COMMAND...
  local what="$1"; shift
  local deadline=$((SECONDS + UP_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    [[ $SECONDS -lt $deadline ]] || cl_die "timed out after ${UP_TIMEOUT}s waiting for $what"
    sleep 1
  done
}

# --- already up? ------------------------------------------------------------------------------
if cluster_healthy; then
  cl_say "cluster '$CLUSTER_NAME' is already running and healthy ($(elapsed)); kubeconfig: $KUBECONFIG_FILE"
  exit 0
fi

mkdir -p "$STATE_DIR"

# --- control plane ----------------------------------------------------------------------------
apiserver_ready() { [[ -f "$KUBECONFIG_FILE" ]] && kc get --raw /readyz >/dev/null 2>&1; }

write_kubeconfig() {
  kwokctl get kubeconfig --name "$CLUSTER_NAME" >"$KUBECONFIG_FILE.tmp"
  chmod 600 "$KUBECONFIG_FILE.tmp"
  mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
}

if [[ -d "$CLUSTER_DIR" ]] && ! apiserver_ready; then
  # State from an earlier run whose processes are gone (reboot, killed): try to resume it.
  cl_say "found stopped cluster '$CLUSTER_NAME' in $KWOK_DIR, starting it"
  if kwokctl start cluster --name "$CLUSTER_NAME" >>"$STATE_DIR/kwokctl.log" 2>&1 && { write_kubeconfig; apiserver_ready || { sleep 5; apiserver_ready; }; }; then
    :
  else
    cl_say "could not resume it, recreating"
    "$CLUSTER_SCRIPT_DIR/down.sh"
    mkdir -p "$STATE_DIR"
  fi
fi

# kwokctl binds every component to 0.0.0.0 unless told otherwise (no flag for it, only config).
# Passing -c also keeps kwokctl from reading ~/.kwok/kwok.yaml.
KWOKCTL_CONFIG="$STATE_DIR/kwokctl-config.yaml"
cat >"$KWOKCTL_CONFIG" <<'YAML'
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
YAML

if [[ ! -d "$CLUSTER_DIR" ]]; then
  cl_say "creating cluster '$CLUSTER_NAME' (kube $KUBE_VERSION, etcd $ETCD_VERSION, runtime binary) in $KWOK_DIR"
  create_args=(create cluster --name "$CLUSTER_NAME" -c "$KWOKCTL_CONFIG" --runtime binary --wait "${UP_TIMEOUT}s"
    --kube-apiserver-binary "$KWOK_KUBE_APISERVER_BINARY"
    --kube-controller-manager-binary "$KWOK_KUBE_CONTROLLER_MANAGER_BINARY"
    --kube-scheduler-binary "$KWOK_KUBE_SCHEDULER_BINARY"
    --etcd-binary "$KWOK_ETCD_BINARY"
    --kwok-controller-binary "$KWOK_CONTROLLER_BINARY"
    --kubeconfig "$KUBECONFIG_FILE")
  [[ -n "$APISERVER_PORT" ]] && create_args+=(--kube-apiserver-port "$APISERVER_PORT")
  if ! kwokctl "${create_args[@]}" >>"$STATE_DIR/kwokctl.log" 2>&1; then
    tail -n 30 "$STATE_DIR/kwokctl.log" | sed 's/^/    | /' >&2
    cl_die "kwokctl create cluster failed (log: $STATE_DIR/kwokctl.log; component logs: $CLUSTER_DIR/logs/)"
  fi
  write_kubeconfig
fi
wait_until "the kube-apiserver to be ready" apiserver_ready
cl_say "apiserver ready at $(kc config view --minify -o jsonpath='{.clusters[0].cluster.server}') ($(elapsed))"

# --- nodes ------------------------------------------------------------------------------------
have_nodes="$(kc get nodes --no-headers 2>/dev/null | wc -l)"
if [[ "$have_nodes" -lt "$NODES" ]]; then
  kwokctl scale node --name "$CLUSTER_NAME" --replicas "$NODES" >>"$STATE_DIR/kwokctl.log" 2>&1 \
    || cl_die "kwokctl scale node failed (log: $STATE_DIR/kwokctl.log)"
fi
nodes_ready() {
  local n
  n="$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)"
  [[ "$n" -ge "$NODES" ]]
}
wait_until "$NODES nodes to be Ready" nodes_ready
cl_say "$NODES kwok nodes Ready ($(elapsed))"

# --- Argo Rollouts CRDs ------------------------------------------------------------------------
kc apply --server-side --force-conflicts -f "$CRD_DIR" >>"$STATE_DIR/kwokctl.log" 2>&1 \
  || cl_die "applying Argo Rollouts CRDs from $CRD_DIR failed (log: $STATE_DIR/kwokctl.log)"
crds=()
for f in "$CRD_DIR"/*.yaml; do crds+=("crd/$(awk '/^  name:/{print $2; exit}' "$f")"); done
kc wait --for condition=established --timeout="${UP_TIMEOUT}s" "${crds[@]}" >/dev/null \
  || cl_die "Argo Rollouts CRDs not established"
cl_say "Argo Rollouts CRDs established: ${crds[*]#crd/} ($(elapsed))"

# --- Argo Rollouts controller -------------------------------------------------------------------
kc get namespace "$ROLLOUTS_NAMESPACE" >/dev/null 2>&1 || kc create namespace "$ROLLOUTS_NAMESPACE" >/dev/null
if rollouts_running && ! rollouts_healthy; then
  # e.g. alive but without its healthz port: restart it.
  kill "$(cat "$ROLLOUTS_PID")" 2>/dev/null || true
  sleep 1
fi
if ! rollouts_running; then
  rm -f "$ROLLOUTS_PID"
  # The controller only logs a port it cannot bind and runs on: check the ports are free first.
  for port in "$ROLLOUTS_HEALTHZ_PORT" "$ROLLOUTS_METRICS_PORT"; do
    owner="$(port_owner "$port")"
    if [[ -n "$owner" ]]; then
      cl_die "port $port is in use (pid $owner: $(ps -o args= -p "$owner" | cut -c1-80)); set SLIPWAY_ROLLOUTS_HEALTHZ_PORT / SLIPWAY_ROLLOUTS_METRICS_PORT"
    fi
  done
  # The controller listens on 0.0.0.0 for metrics/healthz (its listen address is not configurable);
  # only the ports are.
  (
    cd "$STATE_DIR"
    POD_NAMESPACE="$ROLLOUTS_NAMESPACE" nohup "$ROLLOUTS_BIN/rollouts-controller" \
      --kubeconfig "$KUBECONFIG_FILE" \
      --namespaced=false \
      --leader-elect=false \
      --metricsport "$ROLLOUTS_METRICS_PORT" \
      --healthzPort "$ROLLOUTS_HEALTHZ_PORT" \
      --loglevel info \
      >>"$ROLLOUTS_LOG" 2>&1 </dev/null &
    echo $! >"$ROLLOUTS_PID"
  )
fi
deadline=$((SECONDS + UP_TIMEOUT))
until rollouts_healthy; do
  if ! rollouts_running; then
    tail -n 20 "$ROLLOUTS_LOG" | sed 's/^/    | /' >&2
    cl_die "rollouts-controller exited (log: $ROLLOUTS_LOG); is port $ROLLOUTS_HEALTHZ_PORT or $ROLLOUTS_METRICS_PORT in use?"
  fi
  [[ $SECONDS -lt $deadline ]] || cl_die "timed out waiting for the Argo Rollouts controller healthz on port $ROLLOUTS_HEALTHZ_PORT"
  sleep 1
done
cl_say "Argo Rollouts controller running (pid $(cat "$ROLLOUTS_PID"), log $ROLLOUTS_LOG) ($(elapsed))"

cl_say "cluster '$CLUSTER_NAME' up in $(elapsed); use: export KUBECONFIG=$KUBECONFIG_FILE"
