#!/usr/bin/env bash
# Builds a service's JVM image on a machine with no registry and no Docker (Debian's podman and
# debootstrap; root), then runs the image's entrypoint and asks its health check. Base: a minimal
# Debian rootfs made with debootstrap plus the host's Java 17 (the Dockerfile's BASE_IMAGE argument),
# since no base image can be pulled. Where the sandbox lets no OCI runtime set rlimits (crun and runc
# both refuse here), the image's root file system is run with chroot instead: read-only, as uid 185,
# with the image's entrypoint, working directory and environment, and a tmpfs on /tmp.
# Usage (after ./mvnw -B -DskipTests package -pl SERVICE -am): k8s/images/prove-jvm-image.sh metrics-service
set -euo pipefail
service="${1:-metrics-service}"
port="${PORT:-18580}"
root="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
work="${WORK:-/tmp/distillab-image}"
podman=(podman --storage-driver vfs)
jdk="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"

if ! "${podman[@]}" image exists localhost/debian-jre:17; then
  [ -d "$work/rootfs/usr" ] || debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian
  mkdir -p "$work/rootfs$jdk"
  for d in bin conf lib release; do cp -rL "$jdk/$d" "$work/rootfs$jdk/"; done
  printf '#!/bin/sh\nexec %s/bin/java "$@"\n' "$jdk" > "$work/rootfs/usr/local/bin/java"
  chmod 755 "$work/rootfs/usr/local/bin/java"
  tar -C "$work/rootfs" -c . | "${podman[@]}" import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - localhost/debian-jre:17
fi

image="ghcr.io/distillab/$service:0.1.0"
"${podman[@]}" build --isolation chroot -f "$root/k8s/images/$service/Dockerfile.jvm" \
  --build-arg BASE_IMAGE=localhost/debian-jre:17 -t "$image" "$root"

# A PostgreSQL for the service, as in Kubernetes (the image's embedded default needs a passwd entry for
# its uid, which the image deliberately lacks): Debian's server on a throwaway cluster.
pgbin="$(ls -d /usr/lib/postgresql/*/bin | tail -1)"
pgport="${PGPORT_PROOF:-15432}"
rm -rf "$work/pg"; mkdir -p "$work/pg"; chown postgres "$work/pg"
runuser -u postgres -- "$pgbin/initdb" -A trust -U postgres -D "$work/pg/data" >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -o "-p $pgport -k $work/pg" -l "$work/pg/log" -w start >/dev/null
db_env=(QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://localhost:$pgport/postgres" QUARKUS_DATASOURCE_USERNAME=postgres
  DISTILLAB_EMBEDDED_POSTGRES_ENABLED=false)
stop_pg() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true; }

user="$("${podman[@]}" image inspect "$image" --format '{{.Config.User}}')"
workdir="$("${podman[@]}" image inspect "$image" --format '{{.Config.WorkingDir}}')"
entrypoint="$("${podman[@]}" image inspect "$image" --format '{{range .Config.Entrypoint}}{{.}} {{end}}')"
mapfile -t env < <("${podman[@]}" image inspect "$image" --format '{{range .Config.Env}}{{println .}}{{end}}' | grep .)
echo "image $image: user $user, workdir $workdir, entrypoint $entrypoint"

if "${podman[@]}" run --rm --network host --read-only --tmpfs /tmp:rw,exec -e QUARKUS_HTTP_PORT="$port" "${db_env[@]/#/-e}" -d --name "dl-$service" "$image" 2>"$work/run.err"; then
  cleanup() { "${podman[@]}" stop "dl-$service" >/dev/null 2>&1 || true; stop_pg; }
else
  echo "podman run refused ($(tail -1 "$work/run.err")); running the image's root file system with chroot"
  mnt="$("${podman[@]}" image mount "$image")"
  ro="$work/ro-$service"; mkdir -p "$ro"
  mount --bind "$mnt" "$ro"; mount -o remount,ro,bind "$ro"
  mount -t proc proc "$ro/proc"; mount -t tmpfs -o size=2g tmpfs "$ro/tmp"; mount --bind /dev "$ro/dev"
  chroot --userspec="$user:0" "$ro" /usr/bin/env -i "${env[@]}" QUARKUS_HTTP_PORT="$port" "${db_env[@]}" \
    /bin/sh -c "cd $workdir && exec $entrypoint" > "$work/$service.log" 2>&1 &
  pid=$!
  cleanup() {
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    umount "$ro/dev" "$ro/tmp" "$ro/proc" "$ro" 2>/dev/null || true
    "${podman[@]}" image unmount "$image" >/dev/null || true
    stop_pg
  }
fi
trap cleanup EXIT
for _ in $(seq 1 180); do
  if curl -sf "http://localhost:$port/q/health/ready" >/dev/null; then break; fi
  sleep 1
done
curl -sf "http://localhost:$port/q/health/ready"; echo
curl -sf "http://localhost:$port/q/health/started" >/dev/null && curl -sf "http://localhost:$port/q/health/live" >/dev/null
echo "image $image: healthy"
