#!/usr/bin/env bash
# Build the ladder's peers from their public sources into one folder (not committed):
#   PEERS/pachi (+ its pattern and joseki files beside it), PEERS/katago, PEERS/b6c96.bin.gz
#
#   bash benchmarks/strength/build_peers.sh ../peers
#
# Needs git, make, a C/C++ compiler, cmake, and from Debian: libeigen3-dev libzip-dev
# zlib1g-dev (KataGo's Eigen CPU backend). Sources are cloned from GitHub into PEERS/src
# unless PACHI_GIT / KATAGO_GIT name another repository (a local mirror), or PACHI_SRC /
# KATAGO_SRC an unpacked source tree to build in place (a release tarball); KATAGO_NET
# names the b6c96 net where that tree lacks it. Rerunning rebuilds only what changed.
# JOBS sets make's parallelism (default: nproc).
set -euo pipefail

PEERS=${1:?usage: build_peers.sh PEERS_DIR}
PACHI_GIT=${PACHI_GIT:-https://github.com/pasky/pachi}
PACHI_TAG=pachi-12.90
KATAGO_GIT=${KATAGO_GIT:-https://github.com/lightvector/KataGo}
KATAGO_TAG=v1.17.2
# KataGo's own repository commits this small net as a test model; the ladder's rungs use it
NET=cpp/tests/models/g170-b6c96-s175395328-d26788732.bin.gz
JOBS=${JOBS:-$(nproc 2> /dev/null || echo 2)}

missing=()
for tool in git make cc c++ cmake; do
    command -v "$tool" > /dev/null || missing+=("$tool")
done
[ -f /usr/include/eigen3/Eigen/Core ] || missing+=("libeigen3-dev")
[ -f /usr/include/zip.h ] || missing+=("libzip-dev")
[ -f /usr/include/zlib.h ] || missing+=("zlib1g-dev")
if [ ${#missing[@]} -gt 0 ]; then
    echo "build_peers: missing ${missing[*]} (Debian: apt-get install cmake g++ make git" \
         "libeigen3-dev libzip-dev zlib1g-dev)" >&2
    exit 2
fi

mkdir -p "$PEERS/src"
PEERS=$(cd "$PEERS" && pwd)

checkout() {  # checkout URL TAG DIR: a clone at the tag, made once
    if [ ! -d "$3/.git" ]; then
        git clone -q "$1" "$3"
    fi
    git -C "$3" checkout -q "$2"
}

echo "build_peers: Pachi $PACHI_TAG (no DCNN) ..."
if [ -z "${PACHI_SRC:-}" ]; then  # no tree given: our own clone
    PACHI_SRC=$PEERS/src/pachi
    checkout "$PACHI_GIT" "$PACHI_TAG" "$PACHI_SRC"
fi
make -C "$PACHI_SRC" -j"$JOBS" DCNN=0 JOSEKIFIX=0 > "$PEERS/pachi-build.log" 2>&1 \
    || { echo "build_peers: Pachi failed, see $PEERS/pachi-build.log" >&2; exit 1; }
# Pachi reads its data files from the folder its command names (a symlink would not do)
for f in pachi joseki19.gtp patterns_mm.gamma patterns_mm.spat; do
    cp "$PACHI_SRC/$f" "$PEERS/$f"
done

echo "build_peers: KataGo $KATAGO_TAG (Eigen CPU backend) ..."
if [ -z "${KATAGO_SRC:-}" ]; then
    KATAGO_SRC=$PEERS/src/katago
    # only cpp/ and the one test net: the repository's other test models are large, and a
    # mirror may lack them (a full checkout then fails)
    if [ ! -d "$KATAGO_SRC/.git" ]; then
        git clone -q --no-checkout "$KATAGO_GIT" "$KATAGO_SRC"
        git -C "$KATAGO_SRC" sparse-checkout set --no-cone /cpp/ '!/cpp/tests/models/' "/$NET"
    fi
    git -C "$KATAGO_SRC" checkout -q "$KATAGO_TAG"
fi
avx2=0
grep -q avx2 /proc/cpuinfo 2> /dev/null && avx2=1
build="$KATAGO_SRC/cpp/build"
mkdir -p "$build"
(cd "$build" && cmake .. -DUSE_BACKEND=EIGEN -DUSE_AVX2=$avx2 -DCMAKE_BUILD_TYPE=Release \
    -DNO_GIT_REVISION=1 > "$PEERS/katago-cmake.log" 2>&1 \
    && make -j"$JOBS" katago > "$PEERS/katago-build.log" 2>&1) \
    || { echo "build_peers: KataGo failed, see $PEERS/katago-*.log" >&2; exit 1; }
cp "$build/katago" "$PEERS/katago"
cp "${KATAGO_NET:-$KATAGO_SRC/$NET}" "$PEERS/b6c96.bin.gz"

# each peer answers GTP before the folder is called ready
answer=$(printf 'name\nversion\nquit\n' | (cd / && "$PEERS/pachi" -t =1000 2> /dev/null)) || true
[[ "$answer" == *"= 12.90"* ]] \
    || { echo "build_peers: the built pachi does not answer GTP from another folder" >&2; exit 1; }
"$PEERS/katago" version > /dev/null \
    || { echo "build_peers: the built katago does not run" >&2; exit 1; }
echo "build_peers: ready in $PEERS (pachi, katago, b6c96.bin.gz)"
