#!/usr/bin/env bash
# Which espeak-ng settings make the demo interview (scripts/make_demo_recording.sh) best heard by Whisper base:
# each line below is made into a folder of --work and scored by `loike eval` (WER against the script it was read
# from). Needs espeak-ng, sox, ffmpeg and Lời Kể installed; results go in docs/benchmarks.md, "The demo's voice".
#
#     bench/demo_voice.sh /tmp/demo-voices .venv/bin/python
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:?a work folder}; python=${2:-python3}
mkdir -p "$work"
while IFS='|' read -r name q a; do
  [ -z "$name" ] && continue
  DEMO_OUT="$work/$name" DEMO_Q="$q" DEMO_A="$a" scripts/make_demo_recording.sh >/dev/null </dev/null  # ffmpeg reads stdin
  wer=$("$python" -c "from pipeline.cli import main; main()" --lang en eval "$work/$name" </dev/null | tail -1)
  printf '| %s | `%s` | `%s` | %s |\n' "$name" "$q" "$a" "$wer"
done <<'SETTINGS'
now|-v vi -s 150 -p 50|-v vi+f3 -s 135 -p 50
slow|-v vi -s 120 -p 50|-v vi+f3 -s 110 -p 50
slow-gaps|-v vi -s 125 -g 6 -p 50|-v vi+f3 -s 115 -g 6 -p 50
central|-v vi-vn-x-central -s 130 -p 50|-v vi-vn-x-central+f3 -s 120 -p 50
south|-v vi-vn-x-south -s 130 -p 50|-v vi-vn-x-south+f3 -s 120 -p 50
male-both|-v vi -s 130 -p 40|-v vi+m3 -s 120 -p 60
SETTINGS
