#!/usr/bin/env bash
# Build Slipway's toolchain (Pulumi CLI, Node.js language host, Kubernetes provider, a Kubernetes
# control plane, etcd, kwok and the Argo Rollouts controller) from pinned Go modules.
#
# Binaries land in a cache outside the repository:
#   ${SLIPWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway}/tools/<name>-<version>/bin/<binary>
# A tool whose directory is complete is reused (a warm run takes seconds). Build logs go to
#   <cache>/logs/<name>-<version>.log   and generated wrapper modules to <cache>/work/.
#
# Usage:
#   scripts/toolchain/build.sh [TOOL...]            build what is missing (all tools by default)
#   scripts/toolchain/build.sh --print-path [TOOL...]
#                                                   same, then print a PATH fragment on stdout:
#                                                   export PATH="$(scripts/toolchain/build.sh --print-path):$PATH"
#   scripts/toolchain/build.sh --no-build --print-path   only print; fail if a tool is missing
#   scripts/toolchain/build.sh --list               list tools, versions and cache state
#   scripts/toolchain/build.sh --bin-dir TOOL       print the bin directory of one tool
#   scripts/toolchain/build.sh --rebuild [TOOL...]  rebuild even if cached
#   scripts/toolchain/build.sh --install-plugins    also install the Kubernetes provider into Pulumi's
#                                                   plugin cache (${PULUMI_HOME:-~/.pulumi}/plugins) as
#                                                   kubernetes $K8S_PROVIDER_VERSION. The CLI finds it
#                                                   there or on PATH; from the cache it does not warn
#                                                   "using pulumi-resource-kubernetes from $PATH" (leave
#                                                   kubernetes-provider out of --print-path then).
#
# Progress goes to stderr, one line per tool; stdout carries only what --print-path/--bin-dir print.
# Pins: scripts/toolchain/pins.env (overridable through the environment).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PINS_FILE="${SLIPWAY_PINS_FILE:-$SCRIPT_DIR/pins.env}"

# Pins: values already in the environment win over the file (lets CI try another version).
while IFS= read -r line || [[ -n "$line" ]]; do
  [[ "$line" =~ ^[[:space:]]*([A-Z0-9_]+)=(.*)$ ]] || continue
  key="${BASH_REMATCH[1]}" val="${BASH_REMATCH[2]}"
  if [[ -z "${!key:-}" ]]; then printf -v "$key" '%s' "$val"; fi
done <"$PINS_FILE"

CACHE_ROOT="${SLIPWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway}"
TOOLS_DIR="$CACHE_ROOT/tools"
LOG_DIR="$CACHE_ROOT/logs"
WORK_DIR="$CACHE_ROOT/work"

ALL_TOOLS=(pulumi pulumi-language-nodejs kubernetes-provider etcd kubernetes kwok argo-rollouts)

say() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

tool_version() {
  case "$1" in
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "$PULUMI_NODEJS_HOST_VERSION-shim.$(shim_hash)" ;;
    kubernetes-provider) echo "$K8S_PROVIDER_VERSION+${K8S_PROVIDER_MODULE_VERSION##*-}" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kubernetes) echo "$KUBERNETES_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    argo-rollouts) echo "$ARGO_ROLLOUTS_VERSION" ;;
    *) return 1 ;;
  esac
}

# Required binaries of each tool (all must exist for the tool to count as cached).
tool_bins() {
  case "$1" in
    pulumi) echo "pulumi" ;;
    pulumi-language-nodejs) echo "pulumi-language-nodejs pulumi-language-nodejs-upstream" ;;
    kubernetes-provider) echo "pulumi-resource-kubernetes" ;;
    etcd) echo "etcd" ;;
    kubernetes) echo "kube-apiserver kube-controller-manager kube-scheduler kubectl" ;;
    kwok) echo "kwok kwokctl" ;;
    argo-rollouts) echo "rollouts-controller" ;;
  esac
}

# The language host shim is Slipway's own code: its hash is part of the tool version.
SHIM_DIR="$SCRIPT_DIR/langhost-shim"
shim_hash() { cat "$SHIM_DIR/main.go" | sha256sum | cut -c1-8; }

tool_dir() { echo "$TOOLS_DIR/$1-$(tool_version "$1")"; }

# ---------------------------------------------------------------------------------------------
# Go environment
# ---------------------------------------------------------------------------------------------
setup_go() {
  if ! command -v go >/dev/null 2>&1; then
    if [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; else die "go not found (need Go >= 1.25 on PATH or in /usr/local/go)"; fi
  fi
  export GOFLAGS="-mod=mod -buildvcs=false"
  export GOTOOLCHAIN=local
  export CGO_ENABLED=0
  export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"
  # Keep the Go caches at their usual (per-user, outside the repo) defaults unless set.
}

# mod_field MODULE@VERSION FIELD -> value of "FIELD" in `go mod download -json` output.
mod_download() { go mod download -json "$1"; }
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}$/\\1/p" | sed -n 1p; }

# gen_wrapper DIR MODULE VERSION LOCAL_REPLACE_VERSION
# Writes DIR/go.mod requiring MODULE@VERSION, carrying over MODULE's non-local replace directives
# and turning its local ones (X => ../x) into X => X LOCAL_REPLACE_VERSION.
gen_wrapper() {
  local dir="$1" mod="$2" ver="$3" localver="$4" out gomod gover
  out="$(mod_download "$mod@$ver")" || { printf '%s\n' "$out"; return 1; }
  gomod="$(printf '%s\n' "$out" | json_field GoMod)"
  [[ -f "$gomod" ]] || { printf '%s\n' "$out"; echo "no go.mod for $mod@$ver"; return 1; }
  gover="$(awk '$1=="go"{print $2; exit}' "$gomod")"
  rm -rf "$dir"; mkdir -p "$dir"
  {
    echo "// Generated by scripts/toolchain/build.sh: wrapper to build $mod@$ver."
    echo "module slipway.local/toolchain/wrapper"
    echo
    echo "go ${gover:-1.22}"
    echo
    echo "require $mod $ver"
    echo
    awk -v lv="$localver" '
      function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
      function emit(line,   n, parts, l, r, lhs, rhs) {
        sub(/\/\/.*/, "", line)
        n = split(line, parts, "=>"); if (n != 2) return
        lhs = trim(parts[1]); rhs = trim(parts[2])
        split(lhs, l, /[ \t]+/); split(rhs, r, /[ \t]+/)
        if (r[1] ~ /^\.\.?\//) {
          if (r[1] ~ /FORBIDDEN/ || lv == "") return
          print "replace " l[1] " => " l[1] " " lv
        } else {
          print "replace " lhs " => " rhs
        }
      }
      /^replace[ \t]*\(/ { inb = 1; next }
      inb && /^[ \t]*\)/ { inb = 0; next }
      inb { emit($0); next }
      /^replace[ \t]/ { sub(/^replace[ \t]+/, ""); emit($0) }
    ' "$gomod"
  } >"$dir/go.mod"
}

# mod_origin_hash MODULE@VERSION -> the git commit the proxy reports for it (or 40 zeros).
mod_origin_hash() {
  local h
  h="$(go list -m -f '{{with .Origin}}{{.Hash}}{{end}}' "$1" 2>/dev/null || true)"
  [[ "$h" =~ ^[0-9a-f]{40}$ ]] && echo "$h" || echo 0000000000000000000000000000000000000000
}

# build_in_wrapper DIR OUT_BIN PKG VERSION [LDFLAGS]
# (`go get PKG@VERSION` records the requirements PKG needs; a bare `go get PKG` would upgrade.)
build_in_wrapper() {
  local dir="$1" out="$2" pkg="$3" ver="$4" ldflags="${5:-}"
  (cd "$dir" && go get "$pkg@$ver" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out" "$pkg")
}

# ---------------------------------------------------------------------------------------------
# Per-tool builds. Each receives STAGE (a bin dir to fill) and WORK (a scratch dir).
# ---------------------------------------------------------------------------------------------
build_pulumi() {
  local stage="$1" work="$2"
  gen_wrapper "$work/mod" "$PULUMI_PKG_MODULE" "$PULUMI_VERSION" "$PULUMI_VERSION"
  cat "$work/mod/go.mod"
  build_in_wrapper "$work/mod" "$stage/pulumi" "$PULUMI_PKG_MODULE/cmd/pulumi" "$PULUMI_VERSION" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

build_pulumi-language-nodejs() {
  local stage="$1" work="$2"
  gen_wrapper "$work/mod" "$PULUMI_NODEJS_HOST_MODULE" "$PULUMI_NODEJS_HOST_VERSION" "$PULUMI_NODEJS_HOST_VERSION"
  cat "$work/mod/go.mod"
  build_in_wrapper "$work/mod" "$stage/pulumi-language-nodejs-upstream" "$PULUMI_NODEJS_HOST_PKG" "$PULUMI_NODEJS_HOST_VERSION" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_NODEJS_HOST_VERSION"
  # The shim (scripts/toolchain/langhost-shim) fronts the upstream host and adds RunPlugin (policy
  # packs); it uses the gRPC protocol definitions of the CLI's own SDK version.
  mkdir -p "$work/shim"
  cp "$SHIM_DIR/main.go" "$work/shim/"
  printf 'module slipway.local/toolchain/langhost-shim\n\ngo 1.25\n\nrequire %s %s\n' \
    "$PULUMI_SDK_MODULE" "$PULUMI_VERSION" >"$work/shim/go.mod"
  (cd "$work/shim" && go build -trimpath -ldflags "-s -w" -o "$stage/pulumi-language-nodejs" .)
}

build_kubernetes-provider() {
  local stage="$1" work="$2" out dir sum
  # The pinned provider commit is not in the checksum database: fetch it without the sumdb,
  # then check its module hash against the pin.
  out="$(GONOSUMDB="$K8S_PROVIDER_MODULE" GONOSUMCHECK=1 mod_download "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_MODULE_VERSION")" \
    || { printf '%s\n' "$out"; return 1; }
  dir="$(printf '%s\n' "$out" | json_field Dir)"
  sum="$(printf '%s\n' "$out" | json_field Sum)"
  if [[ -n "${K8S_PROVIDER_MODULE_SUM:-}" && "$sum" != "$K8S_PROVIDER_MODULE_SUM" ]]; then
    echo "module hash mismatch for $K8S_PROVIDER_MODULE@$K8S_PROVIDER_MODULE_VERSION: got $sum, pinned $K8S_PROVIDER_MODULE_SUM"
    return 1
  fi
  echo "module $K8S_PROVIDER_MODULE@$K8S_PROVIDER_MODULE_VERSION $sum (matches pin)"
  # Writable copy: the cmd embeds schema-embed.json produced by its generate step.
  rm -rf "$work/src"; cp -r "$dir" "$work/src"; chmod -R u+w "$work/src"
  (
    cd "$work/src"
    go mod edit -replace "$K8S_PROVIDER_SDK_MODULE=$K8S_PROVIDER_SDK_MODULE@$K8S_PROVIDER_SDK_VERSION"
    cd cmd/pulumi-resource-kubernetes
    VERSION="$K8S_PROVIDER_VERSION" go run generate.go
    ls -l schema-embed.json terraform-mapping-embed.json
    cd ../..
    go build -trimpath \
      -ldflags "-s -w -X $K8S_PROVIDER_MODULE/pkg/version.Version=$K8S_PROVIDER_VERSION" \
      -o "$stage/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  )
}

build_etcd() {
  local stage="$1" work="$2"
  gen_wrapper "$work/mod" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION"
  cat "$work/mod/go.mod"
  build_in_wrapper "$work/mod" "$stage/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
}

build_kubernetes() {
  local stage="$1" work="$2" v="${KUBERNETES_VERSION#v}" major minor ld
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  gen_wrapper "$work/mod" k8s.io/kubernetes "$KUBERNETES_VERSION" "$KUBERNETES_STAGING_VERSION"
  cat "$work/mod/go.mod"
  ld=""
  local commit b
  commit="$(cd "$work/mod" && mod_origin_hash "k8s.io/kubernetes@$KUBERNETES_VERSION")"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    ld+=" -X $p.gitCommit=$commit -X $p.gitTreeState=clean"
  done
  # kubectl too: the cluster scripts use it, so the client matches the server version.
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    echo "--- building $b"
    build_in_wrapper "$work/mod" "$stage/$b" "k8s.io/kubernetes/cmd/$b" "$KUBERNETES_VERSION" "$ld" || return 1
  done
}

build_kwok() {
  local stage="$1" work="$2"
  (
    cd "$work"
    GOBIN="$stage" go install -trimpath \
      -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBERNETES_VERSION#v}" \
      "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
  )
}

build_argo-rollouts() {
  local stage="$1" work="$2" ld p=github.com/argoproj/argo-rollouts
  gen_wrapper "$work/mod" "$p" "$ARGO_ROLLOUTS_VERSION" "$ARGO_ROLLOUTS_VERSION"
  cat "$work/mod/go.mod"
  local commit
  commit="$(cd "$work/mod" && mod_origin_hash "$p@$ARGO_ROLLOUTS_VERSION")"
  ld="-X $p/utils/version.version=${ARGO_ROLLOUTS_VERSION#v} -X $p/utils/version.gitTag=$ARGO_ROLLOUTS_VERSION"
  ld+=" -X $p/utils/version.gitCommit=$commit -X $p/utils/version.gitTreeState=clean"
  build_in_wrapper "$work/mod" "$stage/rollouts-controller" "$p/cmd/rollouts-controller" "$ARGO_ROLLOUTS_VERSION" "$ld"
  # The cluster scripts apply the CRDs of exactly this version: keep them next to the binaries.
  mkdir -p "$stage/../crds"
  cp "$(cd "$work/mod" && go list -m -f '{{.Dir}}' "$p")"/manifests/crds/*-crd.yaml "$stage/../crds/"
  chmod 0644 "$stage"/../crds/*.yaml
  # The kubectl plugin is a nice-to-have: a failure here does not fail the tool.
  if ! build_in_wrapper "$work/mod" "$stage/kubectl-argo-rollouts" "$p/cmd/kubectl-argo-rollouts" "$ARGO_ROLLOUTS_VERSION" "$ld"; then
    echo "WARNING: kubectl-argo-rollouts did not build (optional)"
    rm -f "$stage/kubectl-argo-rollouts"
  fi
}

# ---------------------------------------------------------------------------------------------
# Verification: every binary must run.
# ---------------------------------------------------------------------------------------------
# A plugin speaking Pulumi's handshake prints its gRPC port on stdout when started.
check_plugin_port() {
  local bin="$1" out pid port="" i
  out="$(mktemp)"
  "$bin" >"$out" 2>/dev/null </dev/null &
  pid=$!
  for i in $(seq 1 100); do
    port="$(head -n1 "$out" 2>/dev/null)"
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out"
  [[ "$port" =~ ^[0-9]+$ ]] || { echo "$(basename "$bin"): expected a port number on stdout, got '${port}'"; return 1; }
  echo "$(basename "$bin"): serves on port $port"
}

verify_bin() {
  local bin="$1" name out
  name="$(basename "$bin")"
  [[ -x "$bin" ]] || { echo "$bin: missing or not executable"; return 1; }
  case "$name" in
    pulumi) out="$("$bin" version 2>&1)" ;;
    pulumi-language-nodejs* | pulumi-resource-kubernetes) check_plugin_port "$bin"; return ;;
    etcd) out="$("$bin" --version 2>&1)" ;;
    kube-apiserver | kube-controller-manager | kube-scheduler) out="$("$bin" --version 2>&1)" ;;
    kubectl) out="$("$bin" version --client 2>&1)" ;;
    kwok | kwokctl) out="$("$bin" --version 2>&1)" ;;
    rollouts-controller) out="$("$bin" --version 2>&1)" ;;
    kubectl-argo-rollouts) out="$("$bin" version --short 2>&1 || "$bin" version 2>&1)" ;;
    *) out="$("$bin" --version 2>&1)" ;;
  esac || { echo "$name: failed to run: $out"; return 1; }
  # First line only (never `| head -n1` on the command itself: with pipefail, the SIGPIPE the
  # command may get when head exits early fails the check at random).
  echo "$name: ${out%%$'\n'*}"
}

verify_tool() {
  local t="$1" dir b
  dir="$(tool_dir "$t")/bin"
  for b in $(tool_bins "$t"); do verify_bin "$dir/$b" || return 1; done
  if [[ "$t" == kubernetes ]]; then
    # The Pulumi Kubernetes provider refuses a server reporting version 0.0: check the stamp.
    local v
    v="$("$dir/kube-apiserver" --version)"
    [[ "$v" == "Kubernetes $KUBERNETES_VERSION" ]] || { echo "kube-apiserver reports '$v', not $KUBERNETES_VERSION"; return 1; }
  fi
  if [[ "$t" == argo-rollouts ]]; then
    [[ -s "$dir/../crds/rollout-crd.yaml" ]] || { echo "missing $dir/../crds/rollout-crd.yaml"; return 1; }
    if [[ -x "$dir/kubectl-argo-rollouts" ]]; then verify_bin "$dir/kubectl-argo-rollouts" || return 1; fi
  fi
  return 0
}

# A tool's recipe: its build function and version. A cached build made by another recipe is stale.
recipe_hash() { { declare -f "build_$1"; tool_version "$1"; } | sha256sum | cut -c1-16; }

is_cached() {
  local t="$1" dir b
  dir="$(tool_dir "$t")"
  [[ -f "$dir/.complete" ]] || return 1
  [[ "$(sed -n 's/^recipe //p' "$dir/.complete")" == "$(recipe_hash "$t")" ]] || return 1
  for b in $(tool_bins "$t"); do [[ -x "$dir/bin/$b" ]] || return 1; done
}

# ---------------------------------------------------------------------------------------------
ensure_tool() {
  local t="$1" rebuild="$2" ver dir log work stage start lockfd status=0
  ver="$(tool_version "$t")"; dir="$(tool_dir "$t")"
  log="$LOG_DIR/$t-$ver.log"
  start=$SECONDS
  mkdir -p "$TOOLS_DIR" "$LOG_DIR" "$WORK_DIR"
  # One builder per tool at a time (two concurrent runs wait for each other).
  exec {lockfd}>"$TOOLS_DIR/.$t-$ver.lock"
  flock "$lockfd"
  if [[ "$rebuild" == 0 ]] && is_cached "$t"; then
    if ! verify_tool "$t" >"$LOG_DIR/$t-$ver.check.log" 2>&1; then
      exec {lockfd}>&-
      sed 's/^/    | /' "$LOG_DIR/$t-$ver.check.log" >&2
      die "$t $ver: cached binaries in $dir failed to run; rerun with --rebuild $t"
    fi
    say "$(printf '%-24s %-40s cached (%ds)' "$t" "$ver" $((SECONDS - start)))"
    exec {lockfd}>&-
    return 0
  fi
  say "$(printf '%-24s %-40s building... (log: %s)' "$t" "$ver" "$log")"
  work="$WORK_DIR/$t-$ver"; stage="$dir.partial/bin"
  rm -rf "$work" "$dir.partial"; mkdir -p "$work" "$stage"
  {
    echo "=== $(date -u +%FT%TZ) building $t $ver"
    go version
  } >"$log" 2>&1
  setup_go
  # Not in an `||` list: that would switch off `set -e` inside the build function.
  set +e
  ( set -euo pipefail; "build_$t" "$stage" "$work" ) >>"$log" 2>&1
  status=$?
  set -e
  if [[ $status -ne 0 ]]; then
    exec {lockfd}>&-
    tail -n 25 "$log" | sed 's/^/    | /' >&2
    die "$t $ver: build failed after $((SECONDS - start))s (full log: $log)"
  fi
  rm -rf "$dir"; mv "$dir.partial" "$dir"
  if ! verify_tool "$t" >>"$log" 2>&1; then
    exec {lockfd}>&-
    tail -n 10 "$log" | sed 's/^/    | /' >&2
    die "$t $ver: built binaries do not run (see $log)"
  fi
  printf 'built %s\nrecipe %s\n' "$(date -u +%FT%TZ)" "$(recipe_hash "$t")" >"$dir/.complete"
  rm -rf "$work"
  say "$(printf '%-24s %-40s built in %ds' "$t" "$ver" $((SECONDS - start)))"
  exec {lockfd}>&-
}

# Pulumi looks for its language hosts next to its own executable first; a host found only on
# PATH works too but makes every command warn "using pulumi-language-nodejs from $PATH".
# Put a hard link (same file, no copy) of the host next to the CLI once both are built.
link_language_host() {
  local cli host b
  is_cached pulumi && is_cached pulumi-language-nodejs || return 0
  cli="$(tool_dir pulumi)/bin"; host="$(tool_dir pulumi-language-nodejs)/bin"
  for b in pulumi-language-nodejs pulumi-language-nodejs-upstream; do
    [[ "$cli/$b" -ef "$host/$b" ]] && continue
    ln -f "$host/$b" "$cli/$b" 2>/dev/null || cp -f "$host/$b" "$cli/$b"
  done
}

# In ALL_TOOLS order whatever the order asked: pulumi's bin dir (which also holds the language
# host links) must come before the language host's own dir.
install_plugins() {
  local bin home dest
  is_cached pulumi && is_cached kubernetes-provider || die "--install-plugins needs the pulumi and kubernetes-provider tools"
  bin="$(tool_dir kubernetes-provider)/bin/pulumi-resource-kubernetes"
  home="${PULUMI_HOME:-$HOME/.pulumi}"
  dest="$home/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes"
  if [[ -f "$dest" ]] && cmp -s "$bin" "$dest"; then
    say "$(printf '%-24s %-40s installed in %s' "kubernetes plugin" "$K8S_PROVIDER_VERSION" "$home/plugins")"
    return 0
  fi
  "$(tool_dir pulumi)/bin/pulumi" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" --file "$bin" --reinstall >&2 \
    || die "pulumi plugin install resource kubernetes $K8S_PROVIDER_VERSION --file $bin failed"
  say "$(printf '%-24s %-40s installed in %s' "kubernetes plugin" "$K8S_PROVIDER_VERSION" "$home/plugins")"
}

print_path() {
  local t u parts=()
  for t in "${ALL_TOOLS[@]}"; do
    for u in "$@"; do [[ "$u" == "$t" ]] && { parts+=("$(tool_dir "$t")/bin"); break; }; done
  done
  (IFS=:; echo "${parts[*]}")
}

main() {
  local mode=build print=0 rebuild=0 plugins=0 tools=() t
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --print-path) print=1 ;;
      --no-build) mode=nobuild ;;
      --rebuild) rebuild=1 ;;
      --install-plugins) plugins=1 ;;
      --list) mode=list ;;
      --bin-dir) shift; [[ $# -gt 0 ]] || die "--bin-dir needs a tool name"; tool_version "$1" >/dev/null || die "unknown tool '$1'"; echo "$(tool_dir "$1")/bin"; return 0 ;;
      -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
      -*) die "unknown option '$1' (see --help)" ;;
      *) tool_version "$1" >/dev/null || die "unknown tool '$1' (known: ${ALL_TOOLS[*]})"; tools+=("$1") ;;
    esac
    shift
  done
  [[ ${#tools[@]} -gt 0 ]] || tools=("${ALL_TOOLS[@]}")

  case "$mode" in
    list)
      for t in "${tools[@]}"; do
        printf '%-24s %-40s %s\n' "$t" "$(tool_version "$t")" "$(is_cached "$t" && echo cached || echo missing)"
      done
      return 0 ;;
    nobuild)
      for t in "${tools[@]}"; do is_cached "$t" || die "$t $(tool_version "$t") is not built (run scripts/toolchain/build.sh $t)"; done ;;
    build)
      local start=$SECONDS
      say "cache: $CACHE_ROOT"
      for t in "${tools[@]}"; do ensure_tool "$t" "$rebuild"; done
      link_language_host
      if [[ $plugins == 1 ]]; then
        for t in pulumi kubernetes-provider; do [[ " ${tools[*]} " == *" $t "* ]] || ensure_tool "$t" 0; done
        install_plugins
      fi
      say "all ${#tools[@]} tool(s) ready in $((SECONDS - start))s"
      [[ $print == 1 ]] || say "PATH fragment: $(print_path "${tools[@]}")" ;;
  esac
  if [[ $print == 1 ]]; then print_path "${tools[@]}"; fi
}

main "$@"
