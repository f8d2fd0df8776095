#!/usr/bin/env bash
# Compiles and lints infra/ with the Bicep CLI that NuGet brings (eng/bicep/Bicep.props): main.bicep and every module
# build, the sample parameters build, and the linter finds nothing (every rule is an error: infra/bicepconfig.json).
# bicep build and lint exit 0 on warnings, so any diagnostic they print fails this script too.
set -euo pipefail
cd "$(dirname "$0")/.."
# Restore first, on its own: NuGetPackageRoot comes from the restore's nuget.g.props, which an evaluation that restores
# in the same call (-restore -getProperty) does not see on a fresh clone.
dotnet restore eng/bicep/Bicep.csproj -nologo -verbosity:quiet >/dev/null || { echo "eng/bicep.sh: restoring eng/bicep/Bicep.csproj (the Bicep CLI package) failed; run 'dotnet restore eng/bicep/Bicep.csproj' to see why." >&2; exit 1; }
bicep=$(dotnet msbuild eng/bicep/Bicep.csproj -nologo -verbosity:quiet -getProperty:BicepCliPath)
[ -x "$bicep" ] || { echo "eng/bicep.sh: the Bicep CLI was not found at '$bicep' after restoring eng/bicep/Bicep.csproj." >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0
run() { # run DESCRIPTION COMMAND...: fails on a non-zero exit or on any diagnostic printed
  local what=$1 text
  shift
  if ! text=$("$@" 2>&1) || [ -n "$text" ]; then
    echo "FAILED: $what"; echo "$text"; failed=1
  fi
}
echo "Bicep CLI: $("$bicep" --version)"
for file in infra/*.bicep infra/modules/*.bicep; do
  run "bicep build $file" "$bicep" build "$file" --outdir "$out"
  run "bicep lint $file" "$bicep" lint "$file"
done
run "bicep build-params infra/main.bicepparam" "$bicep" build-params infra/main.bicepparam --outfile "$out/main.parameters.json"
run "bicep lint infra/main.bicepparam" "$bicep" lint infra/main.bicepparam
[ "$failed" -eq 0 ] && echo "infra/: every Bicep file builds and lints clean; the sample parameters build."
exit "$failed"
