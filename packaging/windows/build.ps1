# Build the Crossroads installer on Windows (x64). UNTESTED HERE: written for a Windows CI runner (e.g. a
# windows-2022 image with Python 3.11, Visual Studio Build Tools + CMake for llama-cpp-python, and Inno Setup 6).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-NoDefaultModel] [-NoFinetune]
#
# Output: dist\crossroads\ (the one-folder bundle: crossroads.exe = the CLI, crossroads-gui.exe = the window) and
# dist\crossroads-VERSION-windows-x64-setup.exe (Inno Setup). The steps are the Linux ones (build_bundle.py venv,
# freeze); only the wrapping differs.
param([switch]$NoDefaultModel, [switch]$NoFinetune)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$flags = @()
if ($NoDefaultModel) { $flags += "--no-default-model" }
if ($NoFinetune) { $flags += "--no-finetune" }

# llama.cpp for a baseline x86-64 CPU with the faster kernels picked at run time (ggml's dynamic CPU backends).
$env:CMAKE_ARGS = "-DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_NATIVE=OFF"
py -3.11 packaging\build_bundle.py venv @flags
if ($LASTEXITCODE) { throw "venv failed" }
$py = ".build-venv\Scripts\python.exe"

# The default models, fetched and checked once on the runner (the catalog's wheels), unless already in models\.
$env:PYTHONPATH = "desktop"
& $py -m crossroads models pull --all
if ($LASTEXITCODE) { throw "models pull failed" }

& $py packaging\bundle\render_icon.py build\crossroads-icon.png
$env:CROSSROADS_BUNDLE_ICON = (Resolve-Path build\crossroads-icon.png).Path
$version = & $py -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
$env:CROSSROADS_VERSION = $version
& $py packaging\build_bundle.py freeze --models-from models @flags
if ($LASTEXITCODE) { throw "freeze failed" }

# Smoke test of the frozen CLI before wrapping it (no network needed).
& dist\crossroads\crossroads.exe --version
& dist\crossroads\crossroads.exe models list
if ($LASTEXITCODE) { throw "the bundle does not start" }

$iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
& $iscc "/DAppVersion=$version" packaging\windows\crossroads.iss
if ($LASTEXITCODE) { throw "Inno Setup failed" }
Get-ChildItem dist\*.exe
