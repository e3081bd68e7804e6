#!/usr/bin/env bash
# Makes recordings/demo/phong-van-mau.mp3: a short made-up interview in Vietnamese with two voices
# (an interviewer and a witness), spoken by espeak-ng. Needs espeak-ng and ffmpeg (apt-get install
# espeak-ng ffmpeg); the pipeline itself needs neither. The result is committed, so this is run
# only to change the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { # voice, speed, text
  local n; n=$(ls "$work" | wc -l)
  espeak-ng -v "$1" -s "$2" -w "$work/$(printf %02d "$n").wav" "$3"
  sox -n -r 22050 -c 1 "$work/$(printf %02d "$n")-pause.wav" trim 0 0.8
}

Q=vi      # the interviewer
A=vi+f3   # the witness
say $Q 150 "Thưa bác, bác có thể kể về ngày thành lập chi bộ xã Bắc Cường không ạ?"
say $A 135 "Năm một nghìn chín trăm bốn mươi lăm, sau Cách mạng tháng Tám, chi bộ xã Bắc Cường được thành lập. Lúc đó chỉ có năm đảng viên. Tôi làm liên lạc cho chi bộ."
say $Q 150 "Thưa bác, những năm kháng chiến chống Pháp thì thế nào ạ?"
say $A 135 "Những năm kháng chiến rất gian khổ. Bà con trong xã góp gạo nuôi bộ đội, thanh niên đi dân công hỏa tuyến."

mkdir -p recordings/demo
sox $(ls "$work"/*.wav | sort) "$work/interview.wav"
ffmpeg -loglevel error -y -i "$work/interview.wav" -ac 1 -ar 22050 -c:a libmp3lame -b:a 48k \
  recordings/demo/phong-van-mau.mp3
ls -l recordings/demo/phong-van-mau.mp3
