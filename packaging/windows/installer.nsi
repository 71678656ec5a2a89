; Windows installer of the terminal (NSIS 3): per-user, no administrator rights.
;
;   makensis -DPAYLOAD=build\dist\trading-terminal -DVERSION=0.1.0 -DICON=build\icons\app.ico ^
;            -DOUTFILE=build\trading-terminal-0.1.0-setup.exe packaging\windows\installer.nsi
;
; - installs the PyInstaller folder into %LOCALAPPDATA%\Programs\Trading Terminal
; - a Start-menu shortcut to trading-terminal.exe (the windowed program)
; - an "Apps & features" / "Add or remove programs" entry under HKCU, with the uninstaller
; - the uninstaller removes the program's own files only: the trader's data, settings and logs
;   (%LOCALAPPDATA%\trading-terminal) stay
;
; makensis runs on Linux too (Debian's nsis package): packaging/windows/build-standin.sh compiles
; this script against a stand-in payload to prove it is valid; CI builds the real one on Windows.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef PAYLOAD
  !error "define PAYLOAD: the folder PyInstaller wrote (build\dist\trading-terminal)"
!endif
!ifndef VERSION
  !error "define VERSION, e.g. 0.1.0"
!endif
!ifndef OUTFILE
  !define OUTFILE "trading-terminal-${VERSION}-setup.exe"
!endif

!define APP_ID "io.github.tradingterminal.TradingTerminal"
!define APP_NAME "trading-terminal"
!define DISPLAY_NAME "Trading Terminal"
!define PUBLISHER "Trading Terminal developers"
!define HOMEPAGE "https://github.com/tradingterminal/trading-terminal"
!define EXE "${APP_NAME}.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
; Where platformdirs puts the per-user data (named here only to tell the trader it stays).
!define USER_DATA "$LOCALAPPDATA\${APP_NAME}"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"

Name "${DISPLAY_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${DISPLAY_NAME}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${DISPLAY_NAME} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${DISPLAY_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${DISPLAY_NAME} installer"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "MIT License"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${DISPLAY_NAME}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "Install"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the bundle as a whole: no library of the old version may linger.
  RMDir /r "$INSTDIR\_internal"
  File /r "${PAYLOAD}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${DISPLAY_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${DISPLAY_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "URLInfoAbout" "${HOMEPAGE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${DISPLAY_NAME}.lnk"
  ; Only what the installer put there: the folder may have been chosen by hand, so it is never
  ; removed recursively as a whole.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\${APP_NAME}-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DetailPrint "Your data, settings and logs stay in ${USER_DATA}."
SectionEnd
