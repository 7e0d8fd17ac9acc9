#!/usr/bin/env bash
# Prepares what the GPU machine needs and does not have, in the ignored folder .device/ at the
# repository root: a small JRE (jlink) and the CLI's jars, with JCuda's natives cut down to the
# driver-API library (the full natives jar also carries NVRTC and the PTX compiler, 24 MB we do
# not use) and JCublas's to the JCublas2 library (not the legacy JCublas one). cuBLAS itself is
# the device's own (CublasLibrary finds it and adapts JCublas2 to cuBLAS 13).
# Run after `./mvnw -q -DskipTests install` (or the training-engine and cli modules).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
jdk="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
rm -rf .device/jre .device/lib
mkdir -p .device/lib
"$jdk/bin/jlink" --add-modules java.base,java.logging,jdk.unsupported,java.management,java.net.http \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output .device/jre
cp cli/target/distillab-cli.jar .device/lib/
for jar in cli/target/lib/*.jar; do
    case "$(basename "$jar")" in
        jcuda-natives-*|jcublas-natives-*) ;;
        # Not used by the GPU checks, and too large for the 64 MiB the device call carries: the
        # offline judge's ONNX runtime and embedding model, DJL's tokenizers (the checks use token
        # files), OpenBLAS (the CPU reference models are tiny; Matmul falls back to plain Java).
        onnxruntime-*|langchain4j-embeddings-*|tokenizers-*|openblas-*) ;;
        *) cp "$jar" .device/lib/ ;;
    esac
done
# A natives jar cut down to the libraries matching a pattern, under the jar's own name.
cut_natives() {
    local natives="$root/$(ls cli/target/lib/$1-*-linux-x86_64.jar)" tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && unzip -q "$natives" "$2" && "$jdk/bin/jar" cf "$root/.device/lib/$(basename "$natives")" lib)
    rm -rf "$tmp"
}
cut_natives jcuda-natives 'lib/libJCudaDriver-*'
cut_natives jcublas-natives 'lib/libJCublas2-*'
du -sh .device/jre .device/lib
# The device call carries at most 64 MiB with the working tree: the JRE and jars travel packed
# (xz), in the ignored folder .device-pack/ (carry it; the check scripts unpack it into .device/).
mkdir -p .device-pack
tar -C .device -cf - jre lib | xz -T0 -6 > .device-pack/device.tar.xz.tmp
mv .device-pack/device.tar.xz.tmp .device-pack/device.tar.xz
du -sh .device-pack/device.tar.xz
