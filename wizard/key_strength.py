"""How guessable a ``SECRET_KEY`` is. It signs every session cookie and CSRF token: an
attacker holding one cookie can test candidate keys offline, as fast as they can
compute HMACs, so a key must be one a generator made, not one a person thought of.

The rule has two parts, both needed:

- **Alphabet bound.** A key of ``n`` characters drawn from ``k`` distinct symbols
  holds at most ``n * log2(k)`` bits, however random it looks; that must reach 100
  bits. It refuses repeated characters and short alphabets (``abab...``, binary),
  while a 32-character ``secrets.token_hex(16)`` (128 bits) passes.
- **Pattern estimate.** zxcvbn (Dropbox's estimator) finds dictionary words, names,
  repeats, sequences, keyboard rows and dates, and estimates the guesses they need;
  separators are taken out first so ``correct-horse-battery-staple`` is seen as words.
  That must reach 2**80 guesses. Random keys score far above it (a 32-character hex
  key scored at least 2**90 over thousands of samples), phrases of a few common
  words below it.
"""

import math
import re

MIN_ALPHABET_BITS = 100
MIN_GUESS_BITS = 80
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the start of a key is judged
SEPARATORS = re.compile(r"[\s\-_.]+")
# Words a person naming this app's key would reach for; zxcvbn ranks them first.
OWN_WORDS = ["okta", "connector", "secret", "key", "flask", "production", "prod", "session"]


def secret_key_weakness(key: str) -> str | None:
    """Why ``key`` is too easy to guess, or None when it is fine. Never echoes the key."""
    distinct = len(set(key))
    if len(key) * math.log2(max(distinct, 1)) < MIN_ALPHABET_BITS:
        return f"it uses only {distinct} different characters"
    if guess_bits(key) < MIN_GUESS_BITS:
        return "it is made of words, repeats, sequences or keyboard patterns"
    return None


def guess_bits(key: str) -> float:
    # Imported here: only production checks the key, and zxcvbn loads its word lists.
    from zxcvbn import zxcvbn

    words = SEPARATORS.sub("", key)[:ZXCVBN_MAX_LENGTH]
    if not words:
        return 0.0
    return math.log2(zxcvbn(words, user_inputs=OWN_WORDS)["guesses"])
