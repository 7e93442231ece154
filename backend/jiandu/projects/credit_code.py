"""Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters, the last a check.

Characters: digits and capitals without I, O, Z, S, V (31 of them). The check character makes
the weighted sum (weights 3**(i-1) mod 31 for the first 17 positions) a multiple of 31.
Positions 9–17 are the organisation code (GB 11714) with its own check character.
"""
from __future__ import annotations

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
# Registration authority (first character) and the kinds it registers (second character).
AUTHORITIES = set("123456789AGNY")


def check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("need the first 17 characters")
    total = sum(CHARS.index(c) * w for c, w in zip(first17.upper(), WEIGHTS))
    return CHARS[(31 - total % 31) % 31]


def org_check_char(body: str) -> str:
    if len(body) != 8:
        raise ValueError("organisation code body must have 8 characters")
    total = 0
    for char, weight in zip(body.upper(), ORG_WEIGHTS):
        total += (int(char) if char.isdigit() else ord(char) - ord("A") + 10) * weight
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def normalise(code: str | None) -> str:
    return (code or "").strip().upper().replace(" ", "").replace("-", "")


def problem(code: str | None) -> str | None:
    """Why a code is not a valid unified social credit code (Chinese), or None when it is."""
    code = normalise(code)
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位（现为 {len(code)} 位）"
    bad = [c for c in code if c not in CHARS]
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(dict.fromkeys(bad))}（不使用 I、O、S、V、Z）"
    if code[0] not in AUTHORITIES:
        return "统一社会信用代码第 1 位（登记管理部门代码）无效"
    if check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


def is_valid(code: str | None) -> bool:
    return problem(code) is None


def make(division_code: str, org_body: str, authority: str = "9", kind: str = "1") -> str:
    """A valid code from its parts (demo data, tests)."""
    first17 = f"{authority}{kind}{division_code}{org_body}{org_check_char(org_body)}"
    return first17 + check_char(first17)
