#!/bin/sh
# Smoke test of the built bundle (`make package-test`), as a consultant's laptop would see it: the portable tarball
# unpacked into a fresh folder, a clean HOME, no virtualenv or Python of ours on PATH, and no network at all
# (`unshare -n` when the kernel lets us). It indexes a sample document, asks a question and checks that a grounded
# (RAG) answer with its sources comes back, takes a screenshot of the window offscreen, checks that nothing was
# written to HOME (portable mode), and looks inside the .deb.
#
#     sh packaging/package_test.sh [dist/crossroads-VERSION-linux-x86_64.tar.gz]
#
# Prints "BENCH bundle_start_s ours=…" (command start to window screenshot saved); with BASELINE="cmd" (e.g. the
# venv's `crossroads`) the same is measured for it as baseline=….
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
TARBALL=${1:-$(ls "$REPO"/dist/crossroads-*-linux-x86_64.tar.gz | tail -n 1)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "unpacking $TARBALL into $WORK"
tar -xzf "$TARBALL" -C "$WORK"
APP=$(ls -d "$WORK"/crossroads-*)
mkdir "$WORK/home"
NET=""
if unshare -n true 2>/dev/null; then NET="unshare -n"; else echo "note: unshare -n is not available; network left on"; fi
# A clean environment: only the system's PATH, a fresh HOME, no PYTHONPATH or virtualenv.
run() { env -i PATH=/usr/bin:/bin HOME="$WORK/home" LC_ALL=C.UTF-8 QT_QPA_PLATFORM=offscreen $NET "$APP/crossroads" --portable "$@"; }

run --version
run models list
run index --kb smoke "$APP/assets/demo/documents/Product-Manual.docx"
QUESTION="What does error code E27 mean on a Brellvik Corvus 5 coffee machine?"
run ask --kb smoke --modes rag --max-tokens 24 --json "$QUESTION" > "$WORK/answer.json"
grep -q '"mode": "rag"' "$WORK/answer.json"
grep -q '"document": "Brellvik Corvus 5 Operator and Service Manual"' "$WORK/answer.json"
grep -i '"text": ".*overheat' "$WORK/answer.json" | head -n 1
grep -qi '"text": ".*overheat' "$WORK/answer.json" || { echo "FAIL: the RAG answer does not say the boiler overheated"; cat "$WORK/answer.json"; exit 1; }
echo "ok: a RAG answer with its source, offline"

start=$(date +%s.%N)
run gui --screenshot "$WORK/window.png"
ours=$(echo "$(date +%s.%N) - $start" | bc)
test -s "$WORK/window.png"
echo "ok: window screenshot $(wc -c < "$WORK/window.png") bytes"
baseline=""
if [ -n "${BASELINE:-}" ]; then
    start=$(date +%s.%N)
    env QT_QPA_PLATFORM=offscreen CROSSROADS_HOME="$WORK/baseline-home" $BASELINE gui --screenshot "$WORK/baseline.png"
    baseline=" baseline=$(echo "$(date +%s.%N) - $start" | bc)"
fi
echo "BENCH bundle_start_s ours=$ours$baseline"

# Portable: everything stayed beside the app.
if [ -n "$(find "$WORK/home" -mindepth 1 | head -n 1)" ]; then echo "FAIL: files written to HOME:"; find "$WORK/home"; exit 1; fi
test -d "$APP/data/knowledge-bases/smoke"
echo "ok: portable, nothing written to HOME"

DEB=$(ls "$REPO"/dist/crossroads_*_amd64.deb 2>/dev/null | tail -n 1 || true)
if [ -n "$DEB" ]; then
    dpkg-deb --info "$DEB" | grep -E "Package|Version|Depends"
    dpkg-deb -x "$DEB" "$WORK/deb"
    test -L "$WORK/deb/usr/bin/crossroads" && test -f "$WORK/deb/usr/share/applications/crossroads.desktop"
    env -i PATH=/usr/bin:/bin HOME="$WORK/home" $NET "$WORK/deb/opt/crossroads/crossroads" --version
    echo "ok: the .deb holds /opt/crossroads, the command and the desktop entry"
fi
echo "package test passed"
