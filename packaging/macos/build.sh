#!/bin/sh
# Build Crossroads.app and a .dmg on macOS. UNTESTED HERE: written for a macOS CI runner (macOS 13+, Python 3.11,
# Xcode command line tools + CMake for llama-cpp-python). Apple silicon (arm64) runners: the pinned torch publishes
# no Intel macOS wheels.
#
#     sh packaging/macos/build.sh [--no-default-model] [--no-finetune]
#
# Output: dist/Crossroads.app (windowed; `Crossroads.app/Contents/MacOS/crossroads` is the CLI) and
# dist/crossroads-VERSION-macos-ARCH.dmg. Not signed or notarised: Gatekeeper asks the user to confirm the first
# start (right-click > Open); signing needs a Developer ID (codesign --deep, xcrun notarytool) on the runner.
set -eu
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3.11}

# llama.cpp: llama-cpp-python's default macOS build (Metal on Apple silicon; every arm64 Mac has the same NEON base).
"$PY" packaging/build_bundle.py venv "$@"
VENV_PY=.build-venv/bin/python

# The default models, fetched and checked once on the runner (the catalog's wheels), unless already in models/.
PYTHONPATH=desktop "$VENV_PY" -m crossroads models pull --all

"$VENV_PY" packaging/bundle/render_icon.py build/crossroads-icon.png
CROSSROADS_BUNDLE_ICON="$(pwd)/build/crossroads-icon.png"
CROSSROADS_VERSION=$("$VENV_PY" -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
export CROSSROADS_BUNDLE_ICON CROSSROADS_VERSION
"$VENV_PY" packaging/build_bundle.py freeze --models-from models "$@"

# freeze copied the models, demo documents, licences and notices beside dist/crossroads/crossroads; the app finds
# them beside its executable (crossroads.config.app_root), i.e. in Contents/MacOS of the .app.
# (Signing wants data in Contents/Resources; a symlink from MacOS/ would be the next step.)
APP=dist/Crossroads.app
for item in models assets licenses THIRD_PARTY_NOTICES.txt VERSION VARIANT; do
    rm -rf "$APP/Contents/MacOS/$item"
    cp -R "dist/crossroads/$item" "$APP/Contents/MacOS/$item"
done
"$APP/Contents/MacOS/crossroads" --version
"$APP/Contents/MacOS/crossroads" models list

DMG="dist/crossroads-$CROSSROADS_VERSION-macos-$(uname -m).dmg"
STAGE=build/dmg
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"   # drag Crossroads onto Applications to install; drag to Trash to remove
hdiutil create -volname "Crossroads $CROSSROADS_VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
rm -rf "$STAGE"
ls -l "$DMG"
