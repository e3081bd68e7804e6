"""The words around a date that tell the date reader what it is looking at: the words a date starts with, month
and season names, the parts of a year or decade, the bounds ("sau", "trước"), and the words after a number that
make it a count rather than a year ("năm người", "năm hai mươi tuổi")."""

from __future__ import annotations

DAY_WORDS = {"ngày", "hôm", "mồng", "mùng"}
FIRST_WORDS = DAY_WORDS | {"năm", "tháng", "mùa", "tết", "đầu", "giữa", "cuối", "những", "thập"}
"""The words a date said with "sau" or "trước" before it starts with."""
MONTH_WORDS = {"giêng": 1, "tư": 4, "chạp": 12}
SEASONS = {"xuân": (1, 3), "hè": (4, 6), "hạ": (4, 6), "thu": (7, 9), "đông": (10, 12)}
PARTS_OF_YEAR = {"đầu": (1, 4), "giữa": (5, 8), "cuối": (9, 12)}
PARTS_OF_DECADE = {"đầu": (0, 3), "giữa": (4, 6), "cuối": (7, 9)}
DECADE_WORDS = {("những", "năm"), ("các", "năm"), ("mấy", "năm"), ("thập", "niên"), ("thập", "kỷ"), ("thập", "kỉ")}
RELATIONS = {"sau": "after", "trước": "before", "từ": "since"}
"""A word before a date or period that makes it a bound: "sau năm 1954", "trước Cách mạng tháng Tám"; "từ" (since)
only before a named period, as "từ năm 45 đến năm 54" is two years."""
CAN_CHI_CONTEXT = {"năm", "hồi", "thời", "tết", "dịp", "vụ", "nạn", "đói", "mùa", "xuân"}
COUNTED = {"tuổi", "người", "lần", "cái", "chiếc", "đồng", "hộ", "km", "mét", "ký", "kg", "cân", "tạ", "tấn", "phút"}
COUNTED |= {"giờ", "tiếng", "đứa", "khẩu", "quả", "viên", "sào", "mẫu", "ha", "đôi", "bao", "gánh", "lít", "bữa"}
COUNTED |= {"buổi", "chuyến", "triệu", "nghìn", "ngàn", "vạn", "chục", "lượt", "phần"}
"""Words after a number that make it a count: "năm hai mươi tuổi" is an age, not the year 1920."""
COUNTED_AFTER_DIGITS = COUNTED | {"năm", "tháng", "ngày", "tuần", "đêm"}
"""After a bare four-digit number more words count: "1000 năm" is a thousand years."""
COUNTED_PAIRS = {("đảng", "viên"), ("gia", "đình"), ("cán", "bộ"), ("du", "kích"), ("chiến", "sĩ"), ("héc", "ta")}
NOT_COUNTED = {("người", "ta")}
""""năm bốn lăm người ta khởi nghĩa": "người ta" is "people, they", not a count of people."""
