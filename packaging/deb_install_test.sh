#!/bin/sh
# The .deb as an administrator installs it (`make package-test-deb`, as root, on a Debian or Ubuntu machine that may
# be changed): `apt-get install ./crossroads_…deb` pulls the system libraries Qt needs, then an unprivileged user
# (nobody, with a fresh HOME and no network) runs the `crossroads` command from PATH — index a sample document,
# ask, get a grounded answer — and opens the window offscreen for a screenshot; `apt-get purge` must then leave
# nothing behind: no /opt/crossroads, no command, no desktop entry, no icon. The libraries apt pulled in for the
# package are removed again, so the machine is left as it was found.
#
#     sudo sh packaging/deb_install_test.sh [dist/crossroads_VERSION_amd64.deb]
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
DEB=${1:-$(ls "$REPO"/dist/crossroads_*[0-9]_amd64.deb | tail -n 1)}
[ "$(id -u)" -eq 0 ] || { echo "run as root: this installs and removes a system package"; exit 2; }
command -v apt-get > /dev/null || { echo "apt-get not found: a Debian or Ubuntu machine is needed"; exit 2; }
if dpkg -s crossroads > /dev/null 2>&1; then echo "crossroads is already installed here; remove it first"; exit 2; fi
WORK=$(mktemp -d)
chmod 755 "$WORK"
before="$WORK/packages-before"
dpkg-query -W -f '${Package}\n' | sort > "$before"
cleanup() {
    apt-get purge -y crossroads > /dev/null 2>&1 || true
    dpkg-query -W -f '${Package}\n' | sort | comm -13 "$before" - > "$WORK/pulled"
    if [ -s "$WORK/pulled" ]; then apt-get purge -y $(cat "$WORK/pulled") > /dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

cp "$DEB" "$WORK/"  # apt reads a local .deb as the _apt user; a copy in a world-readable folder it can reach
start=$(date +%s)
apt-get install -y "$WORK/$(basename "$DEB")" > "$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; exit 1; }
echo "ok: installed in $(( $(date +%s) - start )) s; pulled in: $(dpkg-query -W -f '${Package}\n' | sort | comm -13 "$before" - | grep -v '^crossroads$' | tr '\n' ' ')"
test "$(readlink -f "$(command -v crossroads)")" = /opt/crossroads/crossroads
grep -q '^Exec=/opt/crossroads/crossroads gui' /usr/share/applications/crossroads.desktop
ls /usr/share/icons/hicolor/*/apps/crossroads.* > /dev/null
echo "ok: /usr/bin/crossroads, the desktop entry and the icon"

mkdir "$WORK/home" && chown nobody "$WORK/home"
cp "$REPO/assets/demo/documents/Employee-Handbook.pdf" "$WORK/handbook.pdf" && chmod 644 "$WORK/handbook.pdf"
NET=""
if unshare -n true 2>/dev/null; then NET="unshare -n"; else echo "note: unshare -n is not available; network left on"; fi
as_user() {
    $NET runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME="$WORK/home" LC_ALL=C.UTF-8 QT_QPA_PLATFORM=offscreen "$@"
}
as_user crossroads --version
as_user crossroads index --kb handbook "$WORK/handbook.pdf"
as_user crossroads ask --kb handbook --modes rag --max-tokens 32 --json \
    "How many days of paid annual leave do full-time employees get?" > "$WORK/answer.json"
grep -q '"text": "[^"]*27 days' "$WORK/answer.json" || { echo "FAIL: no grounded answer:"; cat "$WORK/answer.json"; exit 1; }
echo "ok: as an unprivileged user, offline: $(grep -o '"text": "[^"]*27 days[^"]*"' "$WORK/answer.json" | head -n 1)"
as_user crossroads gui --screenshot "$WORK/home/window.png"
test -s "$WORK/home/window.png"
echo "ok: window screenshot $(wc -c < "$WORK/home/window.png") bytes"

apt-get purge -y crossroads > "$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; exit 1; }
left=""
for path in /opt/crossroads /usr/bin/crossroads /usr/share/applications/crossroads.desktop; do
    if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done
left="$left $(find /usr/share/icons -name 'crossroads.*' | tr '\n' ' ')"
[ -z "$(echo "$left" | tr -d ' ')" ] || { echo "FAIL: left behind after purge:$left"; exit 1; }
test -d "$WORK/home/.local/share/Crossroads/knowledge-bases/handbook"  # the user's own data stays theirs
echo "ok: purged, nothing left in /opt, /usr/bin or the desktop menu; the user's data stays in their home folder"
echo "deb install test passed"
