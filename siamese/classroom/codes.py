"""Class codes students type from a projector, and teacher keys that are never stored as themselves.

A class code is six characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B),
shown as ``ABC-DEF``; anything the student types is normalised (case, spaces, dashes). A teacher
key is 128 random bits from ``secrets``. Only its SHA-256 is stored, and a key is checked with
``hmac.compare_digest``, in constant time. A salt or a slow hash would add nothing for a key this
random: there is no dictionary to guess from.

A student is known only by a random token, made by the browser session that first joins and kept
in the page's address, so a reload or a restarted server knows the same student again.
"""

import hashlib
import hmac
import re
import secrets

CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXYZ234679"
CODE_LENGTH = 6
TYPED_CODE_LENGTH = 2 * CODE_LENGTH  # room for the dash, spaces and slips a student types around a code
_STUDENT_TOKEN = re.compile(r"[0-9a-f]{32}")


def new_class_code() -> str:
    """``ABCDEF``: six random characters from ``CODE_ALPHABET`` (27**6, about 387 million codes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """A code as shown on the projector: ``ABC-DEF``."""
    return f"{code[:3]}-{code[3:]}"


def normalise_code(text: str) -> str:
    """What a student typed, as a code: upper case, without spaces or dashes; ``ValueError`` if it can't be one."""
    if not isinstance(text, str):
        raise ValueError("type the class code shown by your teacher")
    code = re.sub(r"[\s\-_.]", "", text).upper()
    if len(code) != CODE_LENGTH or any(character not in CODE_ALPHABET for character in code):
        raise ValueError(f"a class code is {CODE_LENGTH} letters and digits, like {display_code('ACD234')}")
    return code


def new_teacher_key() -> str:
    """A random key for the teacher (shown once): 22 URL-safe characters, 128 bits."""
    return secrets.token_urlsafe(16)


def key_hash(key: str) -> str:
    """What is stored of a teacher key."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


def key_matches(key: str, stored_hash: str) -> bool:
    """Whether ``key`` is the key whose hash is ``stored_hash``, compared in constant time."""
    if not isinstance(key, str) or not isinstance(stored_hash, str):
        return False
    return hmac.compare_digest(key_hash(key), stored_hash)


def new_student_token() -> str:
    """A student's anonymous name: 32 hexadecimal characters (128 random bits)."""
    return secrets.token_hex(16)


def student_token(text: object) -> str | None:
    """``text`` if it is a student token as ``new_student_token`` makes them, else ``None``."""
    return text if isinstance(text, str) and _STUDENT_TOKEN.fullmatch(text) else None
