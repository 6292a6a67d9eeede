#!/usr/bin/env bash
# The demo: a fresh workspace, the bundled datasets imported, and its status.
set -euo pipefail
tally="$1"
workspace="$2"

step() { printf '\n==> %s\n' "$*"; }

step "Creating a fresh workspace in $workspace/"
rm -rf "$workspace"
"$tally" init "$workspace"

for file in datasets/*.jsonl; do
  [ -e "$file" ] || continue
  case "$(basename "$file")" in
    prompts*) kind=prompts ;;
    prefs*) kind=prefs ;;
    responses*) kind=responses ;;
    *) continue ;;
  esac
  step "Importing $file ($kind)"
  "$tally" import "$kind" "$file" --workspace "$workspace"
done

step "Status"
"$tally" status --workspace "$workspace"
