# Shared settings for scripts/cluster/*.sh (sourced, not executed).
# Everything is configurable through the environment:
#   SLIPWAY_STATE_DIR              state dir (default <repo>/.slipway): kubeconfig, kwok workdir, logs, pids
#   SLIPWAY_CLUSTER_NAME           kwok cluster name (default slipway)
#   SLIPWAY_NODES                  number of fake (kwok) nodes (default 2)
#   SLIPWAY_APISERVER_PORT         kube-apiserver port on 127.0.0.1 (default: a free port chosen by kwokctl)
#   SLIPWAY_ROLLOUTS_METRICS_PORT  Argo Rollouts controller metrics port (default 28090)
#   SLIPWAY_ROLLOUTS_HEALTHZ_PORT  Argo Rollouts controller healthz port (default 28080)
#   SLIPWAY_ROLLOUTS_NAMESPACE     namespace the controller treats as its own (default argo-rollouts)
#   SLIPWAY_UP_TIMEOUT             seconds to wait for each readiness step (default 180)

CLUSTER_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_SCRIPT_DIR/../.." && pwd)"
TOOLCHAIN="$REPO_ROOT/scripts/toolchain/build.sh"

STATE_DIR="${SLIPWAY_STATE_DIR:-$REPO_ROOT/.slipway}"
CLUSTER_NAME="${SLIPWAY_CLUSTER_NAME:-slipway}"
NODES="${SLIPWAY_NODES:-2}"
APISERVER_PORT="${SLIPWAY_APISERVER_PORT:-}"
ROLLOUTS_METRICS_PORT="${SLIPWAY_ROLLOUTS_METRICS_PORT:-28090}"
ROLLOUTS_HEALTHZ_PORT="${SLIPWAY_ROLLOUTS_HEALTHZ_PORT:-28080}"
ROLLOUTS_NAMESPACE="${SLIPWAY_ROLLOUTS_NAMESPACE:-argo-rollouts}"
UP_TIMEOUT="${SLIPWAY_UP_TIMEOUT:-180}"

KUBECONFIG_FILE="$STATE_DIR/kubeconfig"
KWOK_DIR="$STATE_DIR/kwok"
CLUSTER_DIR="$KWOK_DIR/clusters/$CLUSTER_NAME"
ROLLOUTS_PID="$STATE_DIR/rollouts-controller.pid"
ROLLOUTS_LOG="$STATE_DIR/rollouts-controller.log"

# kwokctl keeps everything (config, pki, pids, logs, etcd data) under its workdir: keep it in the
# state dir so nothing goes to $HOME, and never let it touch ~/.kube/config.
export KWOK_WORKDIR="$KWOK_DIR"

cl_say() { printf '[cluster] %s\n' "$*" >&2; }
cl_die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# kubectl's discovery cache too stays in the state dir (default would be ~/.kube/cache).
KUBE_CACHE_DIR="$STATE_DIR/kube-cache"
# Prefer the kubectl built with the control plane (same version as the server).
KUBECTL="$("$TOOLCHAIN" --bin-dir kubernetes)/kubectl"
[[ -x "$KUBECTL" ]] || KUBECTL="$(command -v kubectl || echo kubectl)"
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --cache-dir "$KUBE_CACHE_DIR" "$@"; }

# Processes of this cluster: one of our binaries with the state dir in its command line.
# (ps' comm is cut to 15 characters: compare the executable's name from the command line instead.)
CLUSTER_BINARIES='etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|kwok-controller|rollouts-controller'
state_pids() {
  local pid exe
  for pid in $(pgrep -f -- "$STATE_DIR/" || true); do
    exe="$(ps -o args= -p "$pid" 2>/dev/null | awk '{print $1}')"
    [[ "${exe##*/}" =~ ^($CLUSTER_BINARIES)$ ]] && echo "$pid"
  done
  return 0
}

rollouts_running() {
  [[ -f "$ROLLOUTS_PID" ]] && kill -0 "$(cat "$ROLLOUTS_PID")" 2>/dev/null
}

# port_owner PORT -> pid of the process listening on TCP PORT (empty when free).
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | sed -n 1p
}

# 0 when our controller (pid file) is the one serving healthz on ROLLOUTS_HEALTHZ_PORT.
rollouts_healthy() {
  rollouts_running || return 1
  [[ "$(port_owner "$ROLLOUTS_HEALTHZ_PORT")" == "$(cat "$ROLLOUTS_PID")" ]] || return 1
  curl -fsS -m 3 "http://127.0.0.1:$ROLLOUTS_HEALTHZ_PORT/healthz" >/dev/null 2>&1
}

# 0 when the cluster answers, nodes are Ready, CRDs are established and the controller is healthy.
cluster_healthy() {
  [[ -f "$KUBECONFIG_FILE" ]] || return 1
  kc get --raw /readyz >/dev/null 2>&1 || return 1
  local ready
  ready="$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c '^True$' || true)"
  [[ "$ready" -ge "$NODES" ]] || return 1
  kc get crd rollouts.argoproj.io -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null | grep -q True || return 1
  rollouts_healthy
}
