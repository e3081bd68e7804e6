"""The made-up interviews of bench/suggest_bench.py: who and what each names, and the sentences espeak-ng says."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402

COMMUNES = [
    "Bắc Cường", "Đông Hưng", "Vũ Lạc", "Tân Phong", "Minh Khai", "Hồng Phong", "Quang Trung", "Thái Sơn",
    "Nam Hà", "Vũ Tiến", "Đông Kinh", "Trung An", "Hòa Bình", "Thanh Nê", "Quốc Tuấn", "An Ninh",
    "Bình Minh", "Tây Sơn", "Nghĩa Hưng", "Phúc Thành", "Hải Triều", "Kim Trung", "Đình Phùng", "Song Lãng",
]  # fmt: skip
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Quang"]
GIVEN = ["Cường", "Lan", "Hùng", "Mai", "Tuấn", "Hoa", "Dũng", "Thảo", "Sơn", "Hương", "Bình", "Nga"]
NAMING = [
    "Năm một nghìn chín trăm bốn mươi lăm, chi bộ xã {commune} được thành lập.",
    "Ông {person} là bí thư đầu tiên của chi bộ.",
    "Hồi đó tôi làm liên lạc cho đồng chí {person} ở xã {commune}.",
    "Đảng bộ xã {commune} lãnh đạo nhân dân chống càn.",
    "Bà {person} nuôi giấu cán bộ trong nhà suốt ba năm.",
]
NEIGHBOURING = [
    "Sau đó tôi chuyển sang công tác ở xã {other}.",
    "Giặc đóng đồn ở {other}, cách làng tôi năm cây số.",
]
"""Sentences naming another commune of the archive (--neighbours): a witness speaks of the communes around hers."""
PLAIN = [
    "Những năm kháng chiến rất gian khổ, bà con góp gạo nuôi bộ đội.",
    "Chúng tôi đi bộ suốt đêm để kịp họp.",
    "Thanh niên trong làng đi dân công hỏa tuyến.",
]


def speak(sentences: list[tuple[str, int]], target: Path, work: Path) -> list[tuple[float, float]]:
    """Say the sentences one after another, 0.8 s apart, into ``target``; return when each was said."""
    parts, spans, at = [], [], 0.0
    for n, (sentence, speed) in enumerate(sentences):
        part = work / f"{target.stem}-{n:02d}.wav"
        subprocess.run(["espeak-ng", "-v", "vi", "-s", str(speed), "-w", str(part), sentence], check=True)
        pause = work / f"{target.stem}-{n:02d}-pause.wav"
        subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(pause), "trim", "0", "0.8"], check=True)
        parts += [part, pause]
        spans.append((at, at + c.wav_seconds(part)))
        at = spans[-1][1] + 0.8
    subprocess.run(["sox", "-R", *map(str, parts), "-r", "16000", str(target)], check=True)  # -R: the same dither
    return spans


def made_up(n: int, communes: list[str], rng: random.Random, neighbours: bool = False) -> dict:
    commune = communes[n % len(communes)]
    people = [f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" for _ in range(2)]
    lines = []
    for template in rng.sample(NAMING, 3):
        lines.append(template.format(commune=commune, person=rng.choice(people)))
        lines.append(rng.choice(PLAIN))
    others = []
    if neighbours:  # drawn after the rest, so the sets made without them stay the same
        others = [rng.choice([other for other in communes if other != commune])]
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(NEIGHBOURING).format(other=others[0]))
    return {"commune": commune, "people": people, "others": others, "lines": lines}
