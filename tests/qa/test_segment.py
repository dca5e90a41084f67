"""qa.segment: the words of a text and the tokens search indexes, the same on both sides."""

from __future__ import annotations

from qa.segment import normalize, search_tokens, words


def test_chinese_is_cut_into_words_and_punctuation_dropped():
    assert words("数据库迁移失败，提示表已存在") == [
        "数据库",
        "迁移",
        "失败",
        "提示",
        "表已",
        "存在",
    ]


def test_identifiers_and_latin_words_stay_whole_in_lower_case():
    assert words("SECRET_KEY 泄露了! pip install psycopg2-binary (v1.2.3)") == [
        "secret_key", "泄露", "了", "pip", "install", "psycopg2-binary", "v1.2.3",
    ]  # fmt: skip


def test_full_width_forms_become_ordinary_ones():
    assert words("ｐｉｐ　ｉｎｓｔａｌｌ ＳＳＬ") == ["pip", "install", "ssl"]  # noqa: RUF001


def test_traditional_text_is_folded_to_simplified_with_the_mainland_words():
    assert normalize("軟體資料庫遷移失敗") == "软件数据库迁移失败"
    assert words("亂碼") == words("乱码") == ["乱码"]


def test_simplified_text_is_left_as_it_is():
    # Phrase-level folding on simplified text would rewrite 程序 (program) to 进程 and
    # 文件 (file) to 文档.
    assert normalize("程序 文件 软体 网络") == "程序 文件 软体 网络"


def test_tokens_add_the_bigrams_and_unigrams_of_each_chinese_run():
    tokens = search_tokens("端口被占用 port").split()

    assert {"端口", "占用", "口被", "被占", "端", "口", "被", "占", "用", "port"} <= set(tokens)
    assert search_tokens("端口被占用") == search_tokens("端口被佔用")


def test_empty_or_symbol_only_text_has_no_words():
    assert words("") == []
    assert words("!!! ... ，。") == []
    assert search_tokens("   ") == ""
