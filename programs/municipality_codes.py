"""全国地方公共団体コード (JIS X 0402): the six-digit code of a municipality and its check digit.

A code is two digits of prefecture (JIS X 0401), three of municipality and a check digit
computed from the first five: multiply them by 6, 5, 4, 3, 2, add, take the remainder of 11,
subtract it from 11 and keep the last digit. 千代田区 13101: 1×6 + 3×5 + 1×4 + 0×3 + 1×2 = 27,
27 mod 11 = 5, 11 − 5 = 6, so 131016. 新宿区 13104: 33 mod 11 = 0, 11 − 0 = 11 → 1, so 131041.

The published sheets and older data name municipalities by the first five digits (13101); the
application stores six and reads either (``full_code``).
"""

import re

WEIGHTS = (6, 5, 4, 3, 2)

ERROR_CODE_FORMAT = "団体コードは5桁または6桁の数字で入力してください（例: 131016）。"
ERROR_CHECK_DIGIT = "団体コード{code}の検査数字が正しくありません（{expected}のはずです）。"

_DIGITS = re.compile(r"^[0-9]{5,6}$")


class InvalidCode(ValueError):
    pass


def check_digit(first_five: str) -> str:
    """Return the JIS X 0402 check digit of a five-digit code (「13101」 → 「6」)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_five, WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def full_code(code: str) -> str:
    """Return the six-digit code of a five- or six-digit one; refuse a wrong check digit.

    Raise ``InvalidCode`` with the Japanese message to show.
    """
    code = str(code).strip()
    if not _DIGITS.match(code):
        raise InvalidCode(ERROR_CODE_FORMAT)
    expected = code[:5] + check_digit(code[:5])
    if len(code) == 6 and code != expected:
        raise InvalidCode(ERROR_CHECK_DIGIT.format(code=code, expected=expected))
    return expected


def is_valid_code(code: str) -> bool:
    """Tell whether a six-digit code carries the right check digit."""
    return len(code) == 6 and code.isascii() and code.isdigit() and code[5] == check_digit(code[:5])
