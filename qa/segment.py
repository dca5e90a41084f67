"""Words of a text, for search and for the linter, in Chinese as in English.

Neither PostgreSQL's parsers nor SQLite's tokenizers know where a Chinese word ends, so
text is segmented here, in the application, and the database only sees tokens separated
by spaces. The same functions serve documents and queries, so both sides always agree.

- `normalize`: NFKC (full-width letters, digits and punctuation become their usual
  forms), then traditional characters folded to simplified, with the Taiwan phrasing
  (軟體 → 软件, 資料庫 → 数据库), so a reader of either script finds the other's threads.
- `words`: the segmented words, lower case, without spaces and punctuation.
- `search_tokens`: what search indexes and looks up: the words, plus every character
  bigram and unigram of each run of Chinese characters, so a one- or two-character query
  (迁移, 表) matches whatever way the segmenter cut the document.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
import rjieba

# Han ideographs (with the extension blocks and compatibility ideographs) and kana: the
# scripts written without spaces between words.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\U00020000-\U0002ffff"
CJK_RUN = re.compile(f"[{_CJK}]+")
HAS_CJK = re.compile(f"[{_CJK}]")
# A word has at least one letter or digit; punctuation around it is not part of it, but
# the joiners of identifiers inside it are (SECRET_KEY, psycopg2-binary, v1.2.3, c++).
LETTER = re.compile(r"[^\W_]")
EDGE_PUNCTUATION = ".,;:!?()[]{}<>\"'`…，。、；：！？（）【】《》「」『』“”\u2018\u2019"

# Character-level folding, safe on simplified text (it leaves it unchanged).
_T2S = opencc.OpenCC("t2s")
# Phrase-level folding with the Taiwan vocabulary. Only applied to a run that really
# contains traditional characters: on simplified text it would rewrite mainland words
# (程序 → 进程, 文件 → 文档).
_TW2SP = opencc.OpenCC("tw2sp")


def _fold_run(match: re.Match[str]) -> str:
    run = match.group()
    return _TW2SP.convert(run) if _T2S.convert(run) != run else run


def normalize(text: str) -> str:
    """NFKC, then traditional Chinese folded to simplified; case is kept."""
    text = unicodedata.normalize("NFKC", text)
    return CJK_RUN.sub(_fold_run, text) if HAS_CJK.search(text) else text


@lru_cache(maxsize=4096)
def _cut(run: str) -> tuple[str, ...]:
    # Short runs repeat a lot (titles, queries); the cache saves the segmenter the work.
    return tuple(rjieba.cut(run))


def _segment(text: str) -> list[str]:
    """Segmented words of already normalised text, lower case, punctuation dropped."""
    out: list[str] = []
    for piece in text.split():
        for word in _cut(piece) if HAS_CJK.search(piece) else (piece,):
            word = word.strip().strip(EDGE_PUNCTUATION).lower()
            if LETTER.search(word):
                out.append(word)
    return out


def words(text: str) -> list[str]:
    """The words of a text, in order, normalised (NFKC, simplified) and in lower case.

    Chinese is segmented by a dictionary (数据库迁移失败 → 数据库, 迁移, 失败); other
    text is split on spaces and the segmenter's boundaries (punctuation), identifiers
    such as SECRET_KEY, psycopg2-binary or v1.2.3 staying whole.
    """
    return _segment(normalize(text))


def cjk_grams(run: str) -> list[str]:
    """The character bigrams of a run of Chinese characters, then its unigrams."""
    return [run[i : i + 2] for i in range(len(run) - 1)] + list(run)


def search_tokens(text: str) -> str:
    """The tokens search indexes and queries with, space separated.

    Every word (as `words` gives them), then for each run of Chinese characters its
    bigrams and unigrams. Latin words stay whole here: PostgreSQL's english
    configuration stems them from the original text, and SQLite's tokenizer splits
    identifiers on punctuation the same way on both sides.
    """
    normalized = normalize(text)
    tokens = _segment(normalized)
    for run in CJK_RUN.findall(normalized):
        if len(run) > 1:
            tokens += cjk_grams(run)
        # A single character is already one of the words.
    return " ".join(tokens)


def chinese_tokens(text: str) -> str:
    """The tokens of `search_tokens` that hold Chinese, space separated: what PostgreSQL
    keeps in its 'simple' vector, where the Latin words would only repeat its english
    vectors (they stay in SQLite's table, which has no other index)."""
    if not HAS_CJK.search(normalize(text)):
        # Most of a site's threads: nothing to segment.
        return ""
    return " ".join(t for t in search_tokens(text).split() if HAS_CJK.search(t))
