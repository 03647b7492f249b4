; Inno Setup script of the Crossroads installer for Windows (x64). UNTESTED HERE: written for a Windows CI runner,
; run by packaging/windows/build.ps1 after `build_bundle.py freeze` has made dist\crossroads\ (see README,
; "Windows and macOS"). Per-user install by default (no admin needed), per-machine when the user chooses it.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\crossroads.iss      ->  dist\crossroads-0.1.0-windows-x64-setup.exe

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define Bundle "..\..\dist\crossroads"

[Setup]
AppId={{DA55FCC4-F5C5-5194-8293-AD62C095C8E3}
AppName=Crossroads
AppVersion={#AppVersion}
AppPublisher=Crossroads
AppComments=Fine-tune or RAG? Decide with evidence, offline.
DefaultDirName={autopf}\Crossroads
DefaultGroupName=Crossroads
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=crossroads-{#AppVersion}-windows-x64-setup
; The bundle is ~2 GB (torch, Qt, the 0.5B model): lzma2 at a moderate level keeps the build within CI time.
Compression=lzma2/normal
SolidCompression=yes
LZMAUseSeparateProcess=yes
; One setup.exe up to 4 GB; larger bundles would need DiskSpanning=yes (setup.exe + .bin files).
DiskSpanning=no
UninstallDisplayIcon={app}\crossroads-gui.exe
WizardStyle=modern
LicenseFile={#Bundle}\THIRD_PARTY_NOTICES.txt
ChangesEnvironment=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the crossroads command to PATH"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs; Excludes: "data\*,portable.txt"

[Icons]
Name: "{group}\Crossroads"; Filename: "{app}\crossroads-gui.exe"
Name: "{group}\Uninstall Crossroads"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Crossroads"; Filename: "{app}\crossroads-gui.exe"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\crossroads-gui.exe"; Description: "Start Crossroads"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; What the app may have written inside its folder (portable data, caches). User data in %APPDATA% stays.
Type: filesandordirs; Name: "{app}\data"
Type: filesandordirs; Name: "{app}\models\cache"

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Current: string;
begin
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Current) then
    Result := True
  else
    Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Current) + ';') = 0;
end;
