; Quty Shop Floor: additions to electron-builder's NSIS installer (build/electron-builder.json, nsis.include).
; Which station this PC is: the installer copies a station.json into the install folder, beside the app, where the
; app looks for it first (electron/main/station-config.ts).
;   Interactive: a page after the folder choice asks for the file the office issued. It may be left empty: the app
;                then says at start where to put one.
;   Silent (IT roll-out): Setup.exe /S /STATIONCONFIG=C:\path\to\station.json
; An update uninstalls the old version, folder and all, before installing the new one: a copy kept in
; %ProgramData%\Quty Shop Floor puts the station's config back when the update names none.
!include nsDialogs.nsh
!include LogicLib.nsh
!include FileFunc.nsh

!define QSF_CONFIG_KEEP "$COMMONAPPDATA\Quty Shop Floor"

!ifndef BUILD_UNINSTALLER
Var StationConfigFile
Var StationConfigField

Function StationConfigPage
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 36u "Station config: the station.json the office issued for this PC (station, department, line, server). Leave empty to add it later beside the app."
  Pop $0
  ${NSD_CreateFileRequest} 0 40u 75% 12u "$StationConfigFile"
  Pop $StationConfigField
  ${NSD_CreateBrowseButton} 77% 40u 23% 12u "Browse..."
  Pop $0
  ${NSD_OnClick} $0 StationConfigBrowse
  nsDialogs::Show
FunctionEnd

Function StationConfigBrowse
  nsDialogs::SelectFileDialog open "$StationConfigFile" "Station config (*.json)|*.json"
  Pop $0
  ${If} $0 != ""
    StrCpy $StationConfigFile $0
    ${NSD_SetText} $StationConfigField $0
  ${EndIf}
FunctionEnd

Function StationConfigPageLeave
  ${NSD_GetText} $StationConfigField $StationConfigFile
  ${If} $StationConfigFile != ""
  ${AndIfNot} ${FileExists} "$StationConfigFile"
    MessageBox MB_ICONEXCLAMATION "No such file: $StationConfigFile"
    Abort
  ${EndIf}
FunctionEnd
!endif

!macro customPageAfterChangeDir
  Page custom StationConfigPage StationConfigPageLeave
!macroend

!macro customInstall
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/STATIONCONFIG=" $R1
  ${IfNot} ${Errors}
    StrCpy $StationConfigFile $R1
  ${EndIf}
  ${If} $StationConfigFile != ""
    CopyFiles /SILENT "$StationConfigFile" "$INSTDIR\station.json"
    CreateDirectory "${QSF_CONFIG_KEEP}"
    CopyFiles /SILENT "$StationConfigFile" "${QSF_CONFIG_KEEP}\station.json"
  ${ElseIf} ${FileExists} "${QSF_CONFIG_KEEP}\station.json"
    CopyFiles /SILENT "${QSF_CONFIG_KEEP}\station.json" "$INSTDIR\station.json"
  ${EndIf}
!macroend
