#!/usr/bin/env bash
# Makes recordings/demo/phong-van-mau.mp3 and its reference transcript phong-van-mau.txt: a short made-up
# interview in Vietnamese, two voices (the interviewer, a man; the witness, a woman), spoken by espeak-ng. Needs
# espeak-ng, sox and ffmpeg (apt-get install espeak-ng sox ffmpeg); the pipeline itself needs none of them. The
# result is committed, so this is run only to change the demo; then regenerate the golden test's inputs
# (scripts/capture_golden_transcript.py, LOIKE_UPDATE_GOLDEN=1) and the WER in the README (loike eval
# recordings/demo).
#
# The voice is synthetic, and Whisper base hears it badly: espeak-ng's Vietnamese mixes up tones and some
# consonants ("bác" comes out as "bắt", "năm" as "lầm"). No Vietnamese neural voice whose weights come inside a
# PyPI or npm package under a licence that allows shipping its output could be found (docs/benchmarks.md, "The
# demo's voice"), so these are the espeak-ng settings that measured best of the eleven tried there; real speech
# does better or worse depending on the recording.
# bench/demo_voice.sh tries other settings through DEMO_Q, DEMO_A (espeak-ng options) and DEMO_OUT (a folder).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${DEMO_OUT:-recordings/demo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

Q=${DEMO_Q:-"-v vi -s 150 -p 50"}      # the interviewer
A=${DEMO_A:-"-v vi+f3 -s 135 -p 50"}   # the witness
n=0
say() { # who, text
  local voice; voice=$([ "$1" = Q ] && echo "$Q" || echo "$A")
  # shellcheck disable=SC2086
  espeak-ng $voice -w "$work/$(printf %02d $n).wav" "$2"
  sox -n -r 22050 -c 1 "$work/$(printf %02d $n)-pause.wav" trim 0 0.7
  printf '%s\n' "$2" >> "$work/reference.txt"
  n=$((n + 1))
}

say Q "Thưa bác, bác có thể kể về ngày thành lập chi bộ xã Bắc Cường không ạ?"
say A "Năm 1945, sau Cách mạng tháng Tám, chi bộ xã Bắc Cường được thành lập. Lúc đó chỉ có năm đảng viên."
say Q "Hồi đó bác làm gì ạ?"
say A "Tôi làm liên lạc cho chi bộ. Tôi mới mười ba tuổi, ngày nào cũng đi đưa thư."
say Q "Thưa bác, những năm kháng chiến chống Pháp thì thế nào ạ?"
say A "Những năm kháng chiến rất gian khổ. Bà con trong xã góp gạo nuôi bộ đội, thanh niên đi dân công hỏa tuyến."

mkdir -p "$out"
sox $(ls "$work"/*.wav | sort) "$work/interview.wav"
ffmpeg -loglevel error -y -i "$work/interview.wav" -ac 1 -ar 22050 -c:a libmp3lame -b:a 40k \
  "$out/phong-van-mau.mp3"
cp "$work/reference.txt" "$out/phong-van-mau.txt"
ls -l "$out/phong-van-mau.mp3" "$out/phong-van-mau.txt"
