#!/usr/bin/env bash
# Builds the local control plane's binaries from pinned versions through the Go module proxy:
# etcd, kube-apiserver, kube-controller-manager, kubectl and helm. Results are cached by version outside
# the repository, so only the first run on a machine pays for the build.
#
# Usage: tests/infra/build-binaries.sh        prints the directory holding the binaries
set -euo pipefail

K8S_VERSION="${PCM_OPS_K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${PCM_OPS_ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${PCM_OPS_HELM_VERSION:-v3.22.0}"
CACHE_ROOT="${PCM_OPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pcm-ops}"
BIN_DIR="$CACHE_ROOT/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"
K8S_CMDS=(kube-apiserver kube-controller-manager kubectl)

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

log() { printf '[build-binaries] %s\n' "$*" >&2; }

all_present() {
  for b in etcd helm "${K8S_CMDS[@]}"; do [ -x "$BIN_DIR/$b" ] || return 1; done
}

k8s_present() {
  for b in "${K8S_CMDS[@]}"; do [ -x "$BIN_DIR/$b" ] || return 1; done
}

# Helm's module needs no replacements, so `go install` builds it as published.
build_helm() {
  GOBIN="$1/helm-bin" go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  mv "$1/helm-bin/helm" "$BIN_DIR/helm"
}

build_etcd() {
  local work="$1/etcd"
  mkdir -p "$work"
  cat >"$work/main.go" <<'GO'
// etcd's own entry point, built from the server module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (
    cd "$work"
    go mod init pcm-ops.local/etcd >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
    go mod tidy >&2
    go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd.tmp" . >&2
  )
  mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
}

# k8s.io/kubernetes replaces its staging modules with local paths, so `go install` of it fails.
# A wrapper module that requires it and points every staging module at its published version
# builds the same commands.
build_kubernetes() {
  local work="$1/kubernetes"
  mkdir -p "$work"
  local gomod staging_version godebug
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  staging_version="v0.${K8S_VERSION#v1.}"
  godebug=$(grep -E '^godebug ' "$gomod" || true)
  {
    echo "module pcm-ops.local/kubernetes"
    echo
    grep -E '^go [0-9]' "$gomod"
    [ -n "$godebug" ] && echo "$godebug"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" |
      awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } >"$work/go.mod"
  local pkg="k8s.io/component-base/version" cgo="k8s.io/client-go/pkg/version"
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local ldflags="-s -w"
  for p in "$pkg" "$cgo"; do
    ldflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  (
    cd "$work"
    for cmd in "${K8S_CMDS[@]}"; do
      go get "k8s.io/kubernetes/cmd/$cmd@$K8S_VERSION" >&2
    done
    for cmd in "${K8S_CMDS[@]}"; do
      log "building $cmd $K8S_VERSION"
      go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd" >&2
      mv "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
    done
  )
}

main() {
  if all_present; then
    echo "$BIN_DIR"
    return
  fi
  command -v go >/dev/null || { log "go is required to build the control plane"; exit 1; }
  mkdir -p "$BIN_DIR"
  WORK_DIR=$(mktemp -d)
  trap 'rm -rf "$WORK_DIR"' EXIT
  [ -x "$BIN_DIR/etcd" ] || { log "building etcd $ETCD_VERSION"; build_etcd "$WORK_DIR"; }
  k8s_present || build_kubernetes "$WORK_DIR"
  [ -x "$BIN_DIR/helm" ] || { log "building helm $HELM_VERSION"; build_helm "$WORK_DIR"; }
  all_present || { log "a binary is missing after the build"; exit 1; }
  echo "$BIN_DIR"
}

main "$@"
