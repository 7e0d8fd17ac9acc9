#!/usr/bin/env bash
# Puts karpathy/llm.c's CUDA GPT-2 trainer (train_gpt2.cu and the llmc/ sources it includes, with
# llm.c's MIT LICENSE) and the synthetic token files it reads into the ignored folder .device/llmc/,
# so that one device run can build and time it beside our trainer with nothing fetched there.
# llm.c's code is never committed here: it is copied from a local mirror of the repository (the
# search tool's `fetch github:karpathy/llm.c` leaves one under /work/.mirror/).
#
#   bash training-engine/gpu/llmc-prepare.sh [LLMC_GIT_DIR]
#
# LLMC_GIT_DIR defaults to $LLMC_MIRROR or /work/.mirror/karpathy+llm.c/repo (a bare git dir).
# For llm.c's cuDNN build (`llmc-bench.sh build cudnn`), NVIDIA's header-only cudnn-frontend is
# copied too, at tag $CUDNN_FRONTEND_TAG (default v1.12.0, 2.4 MB; the newest tags need nvrtc.h),
# from $CUDNN_FRONTEND_MIRROR (default /work/.mirror/NVIDIA+cudnn-frontend/repo) when it is there.
# LLMC_FALLBACK_HEADERS=dir also copies another toolkit's cublas*.h and cudnn*.h (see below).
# Then carry `.device/llmc` in the device run and call training-engine/gpu/llmc-bench.sh there.
# Needs git and a python3 with NumPy (Debian's /usr/bin/python3 is used when it is there).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mirror="${1:-${LLMC_MIRROR:-/work/.mirror/karpathy+llm.c/repo}}"
die() { echo "llmc-prepare: $*" >&2; exit 2; }
git --git-dir="$mirror" rev-parse --verify -q 'HEAD^{commit}' > /dev/null \
    || die "no llm.c git repository at $mirror (fetch github:karpathy/llm.c first)"
fallback="${LLMC_FALLBACK_HEADERS:-}"
[[ -z "$fallback" || -d "$fallback" ]] || die "LLMC_FALLBACK_HEADERS $fallback is not a folder"
commit="$(git --git-dir="$mirror" rev-parse HEAD)"
dest=.device/llmc
rm -rf "$dest"
mkdir -p "$dest/src" "$dest/data"

# Only what `train_gpt2.cu` compiles with (llmc/cudnn_att.cpp only for the cuDNN build):
# everything under dev/ (kernel playground, data scripts) and the other programs stay behind.
git --git-dir="$mirror" archive --format=tar "$commit" LICENSE train_gpt2.cu llmc | tar -x -C "$dest/src"
echo "karpathy/llm.c $commit ($(git --git-dir="$mirror" log -1 --format=%cs "$commit"))" > "$dest/SOURCE"

fe_mirror="${CUDNN_FRONTEND_MIRROR:-/work/.mirror/NVIDIA+cudnn-frontend/repo}"
fe_tag="${CUDNN_FRONTEND_TAG:-v1.12.0}"
if git --git-dir="$fe_mirror" rev-parse --verify -q "$fe_tag^{commit}" > /dev/null 2>&1; then
    mkdir -p "$dest/cudnn-frontend"
    git --git-dir="$fe_mirror" archive --format=tar "$fe_tag" LICENSE.txt include | tar -x -C "$dest/cudnn-frontend"
    echo "NVIDIA/cudnn-frontend $fe_tag $(git --git-dir="$fe_mirror" rev-parse "$fe_tag^{commit}")" >> "$dest/SOURCE"
else
    echo "llmc-prepare: no cudnn-frontend $fe_tag at $fe_mirror: only the default (no cuDNN) build is possible"
fi

# Last resort for the build, used only when the device has no cuBLAS (or cuDNN) headers of its
# own: those of another CUDA toolkit. LLMC_FALLBACK_HEADERS is a folder holding cublas*.h and
# cudnn*.h, or a bare git mirror of a toolkit with them under include/. llm.c's cuBLASLt calls and
# enums are the same in CUDA 12 and 13, and cuDNN 9's API is stable within the major version;
# llmc-bench.sh says in its log when it falls back to them.
if [[ -n "$fallback" ]]; then
    for lib in cublas cudnn; do
        mkdir -p "$dest/include-fallback/$lib"
        if git --git-dir="$fallback" rev-parse --verify -q HEAD > /dev/null 2>&1; then
            git --git-dir="$fallback" ls-tree --name-only HEAD include/ | grep -E "^include/$lib[A-Za-z0-9_]*\.h$" \
                | while read -r f; do git --git-dir="$fallback" show "HEAD:$f" > "$dest/include-fallback/$lib/${f#include/}"; done
        else
            cp "$fallback"/$lib*.h "$dest/include-fallback/$lib/" 2> /dev/null || true
        fi
    done
    ls "$dest/include-fallback/cublas/cublasLt.h" > /dev/null || die "no cublasLt.h in $fallback"
fi

py=python3
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import numpy' 2> /dev/null && py=/usr/bin/python3
"$py" training-engine/gpu/llmc_data.py "$dest/data"

cat "$dest/SOURCE"
du -sh "$dest"
