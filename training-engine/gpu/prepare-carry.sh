#!/usr/bin/env bash
# Prepares what the GPU machine needs and does not have, in the ignored folder .device/ at the
# repository root: a small JRE (jlink) and the CLI's jars, with JCuda's natives cut down to the
# driver-API library (the full natives jar also carries NVRTC and the PTX compiler, 24 MB we do
# not use). Run after `./mvnw -q -DskipTests install` (or the training-engine and cli modules).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
jdk="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
rm -rf .device/jre .device/lib
mkdir -p .device/lib
"$jdk/bin/jlink" --add-modules java.base,java.logging,jdk.unsupported,java.management \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output .device/jre
cp cli/target/distillab-cli.jar .device/lib/
for jar in cli/target/lib/*.jar; do
    case "$(basename "$jar")" in
        jcuda-natives-*) ;;
        *) cp "$jar" .device/lib/ ;;
    esac
done
natives="$root/$(ls cli/target/lib/jcuda-natives-*-linux-x86_64.jar)"
tmp="$(mktemp -d)"
(cd "$tmp" && unzip -q "$natives" 'lib/libJCudaDriver-*' && "$jdk/bin/jar" cf "$root/.device/lib/$(basename "$natives")" lib)
rm -rf "$tmp"
du -sh .device/jre .device/lib
