"""The password policy: long enough, not a well-known password, not the username.

NCSC and NIST SP 800-63B advice: length over composition rules, and refuse passwords that are
known to be common. The list here is short on purpose (the most used passwords and their
obvious variants); a length of 12 already rules out most of the rest.
"""

from __future__ import annotations

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "password_problems"]

MIN_LENGTH = 12
MAX_LENGTH = 200

_COMMON_WORDS = """
123456789012 1234567890123 12345678901234 111111111111 000000000000 123123123123
password1234 password12345 passwordpassword password123! password@123 p@ssw0rd1234
qwertyuiop12 qwertyuiop123 qwerty123456 1q2w3e4r5t6y 1qaz2wsx3edc qazwsxedcrfv
iloveyou1234 letmein12345 welcome12345 welcome123456 administrator admin1234567
changeme1234 trustno11234 football1234 baseball1234 sunshine1234 princess1234
monkey123456 dragon123456 superman1234 starwars1234 whatever1234 abc123456789
abcdefghijkl aaaaaaaaaaaa correcthorsebatterystaple passw0rdpassw0rd redress12345
redresspassword complaints123 complaint1234 caseworker12 caseworker123 operations12
"""
_COMMON = frozenset(_COMMON_WORDS.split())


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with ``password`` for ``username`` (empty when it is acceptable)."""
    problems = []
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        problems.append(f"password: at least {MIN_LENGTH} characters")
    elif len(password) > MAX_LENGTH:
        problems.append(f"password: at most {MAX_LENGTH} characters")
    if lowered in _COMMON or len(set(password)) <= 2:
        problems.append("password: this is a well-known password; choose another")
    if username and username.lower() in lowered:
        problems.append("password: must not contain the username")
    return problems
