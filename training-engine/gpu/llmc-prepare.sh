#!/usr/bin/env bash
# Puts karpathy/llm.c's CUDA GPT-2 trainer (train_gpt2.cu and the llmc/ headers it includes, with
# llm.c's MIT LICENSE) and the synthetic token files it reads into the ignored folder .device/llmc/,
# so that one device run can build and time it beside our trainer with nothing fetched there.
# llm.c's code is never committed here: it is copied from a local mirror of the repository (the
# search tool's `fetch github:karpathy/llm.c` leaves one under /work/.mirror/).
#
#   bash training-engine/gpu/llmc-prepare.sh [LLMC_GIT_DIR]
#
# LLMC_GIT_DIR defaults to $LLMC_MIRROR or /work/.mirror/karpathy+llm.c/repo (a bare git dir).
# LLMC_CUBLAS_HEADERS=dir also copies that toolkit's cublas*.h as a fallback (see below).
# Then carry `.device/llmc` in the device run and call training-engine/gpu/llmc-bench.sh there.
# Needs git and a python3 with NumPy (Debian's /usr/bin/python3 is used when it is there).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mirror="${1:-${LLMC_MIRROR:-/work/.mirror/karpathy+llm.c/repo}}"
if ! git --git-dir="$mirror" rev-parse --verify -q HEAD^{commit} > /dev/null; then
    echo "llmc-prepare: no llm.c git repository at $mirror (fetch github:karpathy/llm.c first)" >&2
    exit 2
fi
commit="$(git --git-dir="$mirror" rev-parse HEAD)"
dest=.device/llmc
rm -rf "$dest"
mkdir -p "$dest/src" "$dest/data"

# Only what `train_gpt2.cu` compiles with, single GPU and without cuDNN: llmc/cudnn_att.cpp (the
# cuDNN attention) and everything under dev/ (kernel playground, data scripts) stay behind.
git --git-dir="$mirror" archive --format=tar "$commit" LICENSE train_gpt2.cu llmc \
    | tar -x -C "$dest/src" --exclude='llmc/cudnn_att.cpp'
echo "karpathy/llm.c $commit ($(git --git-dir="$mirror" log -1 --format=%cs "$commit"))" > "$dest/SOURCE"

# Last resort for the build, used only when the device has no cuBLAS headers of its own: the
# cublas*.h of another CUDA toolkit (LLMC_CUBLAS_HEADERS=dir). llm.c's cuBLASLt calls and enums are
# the same in CUDA 12 and 13; llmc-bench.sh says so in its log when it falls back to them.
if [[ -n "${LLMC_CUBLAS_HEADERS:-}" ]]; then
    mkdir -p "$dest/include-fallback"
    cp "$LLMC_CUBLAS_HEADERS"/cublas*.h "$dest/include-fallback/"
fi

py=python3
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import numpy' 2> /dev/null && py=/usr/bin/python3
"$py" training-engine/gpu/llmc_data.py "$dest/data"

cat "$dest/SOURCE"
du -sh "$dest"
