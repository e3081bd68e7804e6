"""The made-up Vietnamese passages of bench/search_bench.py: common real syllables, set phrases, and syllables
composed from Vietnamese onsets, rhymes and tones (so that, as in real text, many spellings fold alike), drawn
with Zipf–Mandelbrot frequencies."""

from __future__ import annotations

import random
import unicodedata

import numpy as np

from pipeline.text import fold


def _words(text: str) -> list[str]:
    return text.split()


COMMON = _words(
    """
và của là có không những người một được trong cho đã các với này tôi thì ở để khi ra năm nhà đi làm lại cũng
nhưng mà như về đó từ rồi thế lên anh chị ông bà con cái gì nói biết hồi đấy ạ vào sau trước nhiều lúc ngày đến
hai ba chúng họ ta mình mới còn nào đang bị sẽ nước làng xã đảng bộ dân ruộng hợp tác đội chiến tranh giặc đói
cải cách đất huyện tỉnh bắc cường nam việt hà nội thái nguyên lúa gạo trâu bò đồng xóm thôn cụ bố mẹ em ấy kia
vậy chứ nhỉ nhé đâu sao bao giờ tháng mấy mười trăm nghìn cả hết phải muốn thấy nghe nhớ quên kể học trường lớp
thầy cô bác chú cậu mợ dì cháu vợ chồng sống chết đánh bom máy bay pháo súng đạn hầm đào chạy trốn giấu nuôi ăn
cơm cháo rau khoai sắn ngô mùa vụ cấy gặt phơi kho công điểm họp chi bí thư chủ tịch ủy ban
"""
)
PHRASES = """hợp tác xã|cải cách ruộng đất|Đảng bộ|Bắc Cường|kháng chiến chống Pháp|chống Mỹ cứu nước|nạn đói Ất Dậu|
bộ đội|du kích|dân quân tự vệ|chi bộ|bí thư chi bộ|chủ tịch xã|ủy ban hành chính|thanh niên xung phong|hội phụ nữ|
nông dân|địa chủ|phú nông|tem phiếu|thời bao cấp|đổi mới|Điện Biên Phủ|Hà Nội|Thái Nguyên|Đại Từ|Bác Hồ|mặt trận|
Việt Minh|tổng khởi nghĩa|Cách mạng tháng Tám|hợp tác hóa|lúa chiêm|lúa mùa|công điểm|đội sản xuất|
sân phơi|bình dân học vụ|máy bay Mỹ|hầm trú ẩn|đắp đê|thủy lợi|nhà văn hóa|trạm xá|lò gạch|chợ phiên"""
PHRASES = PHRASES.replace("\n", "").split("|")
ONSETS = _words(
    """
- b c ch d đ g gh gi h k kh l m n ng ngh nh ph qu r s t th tr v x
"""
)
RHYMES = _words(
    """
a ai ao au ay an ang anh am ăn ăng ăm âu ây ân âng âm e eo en eng em ê êu ên ênh êm i ia iu in inh im iêu iên
iêng iêm o oi on ong om ô ôi ôn ông ôm ơ ơi ơn ơm u ua ui un ung um uôi uôn uông uôm ư ưa ưi ưu ưng ươi ươn ương
ươu y oa oai oan oang oanh oe uê uy uyên at ac ach ap ăt ăc ăp ât âc âp et ep êt êch êp it ich ip iêt iêc iêp ot
oc op ôt ôc ôp ơt ơp ut uc up uôt uôc ưt ưc ươt ươc ươp oat oac oach uyêt
"""
)
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # ngang, huyền, sắc, hỏi, ngã, nặng
VOWELS, MARKED = "aăâeêioôơuưy", "ăâêôơư"


def syllable(onset: str, rhyme: str, tone: str) -> str:
    """Onset + rhyme with the tone on the vowel that carries it (modern placement, near enough)."""
    at = [i for i, ch in enumerate(rhyme) if ch in VOWELS]
    marked = [i for i in at if rhyme[i] in MARKED]
    if marked:
        where = marked[-1]
    elif rhyme[-1] not in VOWELS or rhyme[:2] in ("oa", "oe", "uy"):
        where = at[-1]
    else:
        where = at[1] if len(at) == 3 else at[0]
    text = (onset if onset != "-" else "") + rhyme[: where + 1] + tone + rhyme[where + 1 :]
    return unicodedata.normalize("NFC", text)


def vocabulary(size: int, rng: random.Random) -> list[str]:
    made = [
        syllable(o, r, t)
        for o in ONSETS
        for r in RHYMES
        for t in (TONES[2::3] if r[-1] in "ptc" or r.endswith("ch") else TONES)
    ]
    rng.shuffle(made)
    words = list(dict.fromkeys(COMMON + made))
    return words[:size]


class Corpus:
    """The generated passages (NFC) and their folded forms, built word by word so fold runs once per word."""

    def __init__(self, segments: int, words: int, seed: int):
        rng, np_rng = random.Random(seed), np.random.default_rng(seed)
        self.vocab = vocabulary(words, rng)
        folded = {w: fold(w) for w in self.vocab}
        ranks = np.arange(1, len(self.vocab) + 1)
        weights = 1.0 / (ranks + 2.7)
        self.p = weights / weights.sum()
        lengths = np_rng.integers(8, 23, segments)  # 8–22 words, 15 on average
        drawn = np_rng.choice(len(self.vocab), size=int(lengths.sum()), p=self.p)
        families, middles = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đỗ"], ["Văn", "Thị", "Đức", "Hữu", "Ngọc"]
        self.names = [
            f"{rng.choice(families)} {rng.choice(middles)} {rng.choice(self.vocab[200:1200]).capitalize()}"
            for _ in range(300)
        ]
        extras = PHRASES + self.names
        self.texts, self.folded, self.extra, at = [], [], {}, 0
        for n in lengths:
            words_here = [self.vocab[i] for i in drawn[at : at + n]]
            at += n
            if rng.random() < 0.3:
                self.extra[len(self.texts)] = rng.choice(extras)
                words_here.insert(rng.randrange(len(words_here)), self.extra[len(self.texts)])
            words_here[0] = words_here[0][:1].upper() + words_here[0][1:]
            text = " ".join(words_here) + rng.choice([".", ".", ",", "?", "…"])
            self.texts.append(text)
            self.folded.append(" ".join(folded.get(w) or fold(w) for w in words_here) + text[-1])
