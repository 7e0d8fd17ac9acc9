# Sourced by the device scripts (train-check.sh, check-and-time.sh) from the repository root: the
# JRE and jars that prepare-carry.sh packed (unpacked on first use), or the local build; the
# driver's library folders on LD_LIBRARY_PATH; `distillab` running the CLI in-process.
if [[ ! -x .device/jre/bin/java && -f .device-pack/device.tar.xz ]]; then
    mkdir -p .device
    python3 -c 'import tarfile; tarfile.open(".device-pack/device.tar.xz").extractall(".device")'
fi
if [[ -x .device/jre/bin/java ]]; then java=.device/jre/bin/java; cp=".device/lib/*"
else java="${JAVA:-java}"; cp="cli/target/distillab-cli.jar:cli/target/lib/*"; fi
[[ -n "${DISTILLAB_LIB:-}" ]] && cp="$DISTILLAB_LIB/*"
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/local/cuda/lib64 /usr/local/cuda/compat; do
    [[ -d "$d" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
distillab() { "$java" ${DISTILLAB_HEAP:--Xmx64g} -cp "$cp" io.distillab.cli.Distillab "$@"; }
