"""Matching as a pure function: eligibility, an exact ranking with its tie-breaks,
reasons, and rotation between equal mentors."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import translation

from mentoring.matching import (
    Candidate,
    Thread,
    Window,
    base_language,
    rank_mentors,
    text_language,
    validate_availability,
)

NOW = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # a Monday
THREAD = Thread(question_id=1, asker_id=99, tags=("django", "orm"), asker_languages=("en", "de"))


def mentor(user_id: int, **changes) -> Candidate:
    base = Candidate(user_id=user_id, name=f"m{user_id}", expertise={"django": 2})
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    "breaks",
    [
        {"approved": False},
        {"accepting": False},
        {"away_until": NOW + dt.timedelta(days=1)},
        {"user_id": 99},
        {"blocked": True},
        {"excluded": True},
        {"languages": ("fr",)},
        {"expertise": {"orm": 3}},  # wave 1 needs the primary tag
        {"open_claims": 2, "capacity": 2},
        {"offers_today": 10},
    ],
)
def test_each_eligibility_rule_excludes_exactly_the_mentor_that_breaks_it(breaks):
    keeps = [mentor(1), mentor(2)]
    breaker = mentor(3, **breaks) if "user_id" not in breaks else mentor(**breaks)

    ranked = rank_mentors(THREAD, [*keeps, breaker], NOW, offer_cap=10)

    assert {m.user_id for m in ranked} == {1, 2}


def test_away_in_the_past_and_wave_two_related_tags_are_eligible():
    back = mentor(1, away_until=NOW - dt.timedelta(hours=1))
    related = mentor(2, expertise={"orm": 3})

    assert [m.user_id for m in rank_mentors(THREAD, [back, related], NOW)] == [1]
    wave_two = rank_mentors(THREAD, [back, related], NOW, wave=2)
    assert {m.user_id for m in wave_two} == {1, 2}


def test_an_exact_ranking_with_its_tie_breaks():
    evening = (Window(day=0, start="13:00", end="15:00"),)
    candidates = [
        mentor(10, expertise={"django": 3}),  # expert, never offered
        mentor(11, expertise={"django": 3}, availability=evening),  # the same, available now
        mentor(12, expertise={"django": 1}),
        # 13 and 14 tie on score (half their capacity free); 14 has fewer open claims.
        mentor(13, expertise={"django": 2}, capacity=4, open_claims=2),
        mentor(14, expertise={"django": 2}, capacity=2, open_claims=1),
        # 15 and 16 tie on everything but the last offer: the older offer goes first.
        mentor(15, last_offered_at=NOW - dt.timedelta(days=4)),
        mentor(16, last_offered_at=NOW - dt.timedelta(days=5)),
        # 17 and 18 are the same: the lower id goes first.
        mentor(18),
        mentor(17),
    ]

    ranked = [m.user_id for m in rank_mentors(THREAD, candidates, NOW)]

    assert ranked == [11, 10, 17, 18, 16, 15, 14, 13, 12]


def test_reasons_explain_the_match():
    candidate = mentor(
        1,
        expertise={"django": 3, "orm": 2},
        availability=(Window(day=0, start="09:00", end="17:00"),),
        open_claims=1,
        last_offered_at=NOW - dt.timedelta(days=3),
        replied=9,
        expired=1,
        helped_asker=True,
    )

    [match] = rank_mentors(THREAD, [candidate], NOW)

    assert match.reasons == (
        "expert in django (level 3)",
        "good at orm (level 2)",
        "reads English",
        "available now",
        "1 of 2 claims free",
        "not offered anything for 3 days",
        "replied in time on 9 of 10 claims",
        "helped you well before",
    )


def test_availability_follows_the_mentors_time_zone():
    # 14:00 UTC is 23:00 in Tokyo.
    tokyo = mentor(1, time_zone="Asia/Tokyo", availability=(Window(0, "22:00", "24:00"),))
    berlin = mentor(2, time_zone="Europe/Berlin", availability=(Window(0, "22:00", "24:00"),))

    reasons = {m.user_id: m.reasons for m in rank_mentors(THREAD, [tokyo, berlin], NOW)}

    assert "available now" in reasons[1]
    assert "available now" not in reasons[2]


def test_three_identical_mentors_are_offered_in_rotation():
    last_offer: dict[int, dt.datetime | None] = {1: None, 2: None, 3: None}
    picked = []
    for hour in range(6):
        now = NOW + dt.timedelta(hours=hour)
        candidates = [mentor(pk, last_offered_at=at) for pk, at in last_offer.items()]
        top = rank_mentors(THREAD, candidates, now)[0].user_id
        picked.append(top)
        last_offer[top] = now

    assert picked == [1, 2, 3, 1, 2, 3]


@pytest.mark.parametrize(
    "windows",
    [
        "evenings",
        [{"day": 7, "start": "18:00", "end": "20:00"}],
        [{"day": 1, "start": "20:00", "end": "18:00"}],
        [{"day": 1, "start": "8:00", "end": "18:00"}],
        [{"day": 1, "start": "08:00"}],
        [{"day": True, "start": "08:00", "end": "09:00"}],
        [{"day": 1, "start": "08:00", "end": "09:00", "extra": 1}],
    ],
)
def test_malformed_availability_is_refused(windows):
    with pytest.raises(ValueError, match=r"."):
        validate_availability(windows)


def test_well_formed_availability_passes():
    windows = [
        {"day": 0, "start": "18:00", "end": "21:00"},
        {"day": 6, "start": "10:00", "end": "24:00"},
    ]
    assert validate_availability(windows) == windows


# A Chinese thread by an asker whose profile still says ["en"], the profile's default.
CHINESE = Thread(
    question_id=2, asker_id=99, tags=("django",), asker_languages=("en",), language="zh"
)
ENGLISH = Thread(question_id=3, asker_id=99, tags=("django",), asker_languages=("en", "zh-Hans"))


def test_a_chinese_thread_is_offered_to_chinese_readers_first_with_the_reason():
    # The English reader is the better expert: without the language, they would be first.
    english = mentor(1, languages=("en",), expertise={"django": 3})
    chinese = mentor(2, languages=("zh-CN", "en"), expertise={"django": 3})
    simplified = mentor(3, languages=("zh-hans",), expertise={"django": 2})

    wave_one = rank_mentors(CHINESE, [english, chinese, simplified], NOW)
    wave_two = rank_mentors(CHINESE, [english, chinese, simplified], NOW, wave=2)

    assert [m.user_id for m in wave_one] == [2, 3]
    assert [m.user_id for m in wave_two] == [2, 3, 1]
    assert "reads Chinese" in wave_one[0].reasons
    assert not any(r.startswith("reads") for r in wave_two[2].reasons)


def test_an_english_thread_is_offered_to_english_readers_first_with_the_reason():
    english = mentor(1, languages=("en-GB",))
    chinese = mentor(2, languages=("zh",))

    ranked = rank_mentors(ENGLISH, [chinese, english], NOW)

    assert [m.user_id for m in ranked] == [1, 2]
    assert "reads English" in ranked[0].reasons
    assert not any(r.startswith("reads") for r in ranked[1].reasons)


def test_an_english_thread_by_an_asker_who_lists_only_chinese_finds_english_readers():
    thread = dataclasses.replace(ENGLISH, asker_languages=("zh",))

    assert [m.user_id for m in rank_mentors(thread, [mentor(1, languages=("en",))], NOW)] == [1]


def test_reasons_are_worded_in_the_active_language():
    candidate = mentor(1, languages=("zh",), expertise={"django": 3}, open_claims=1)

    with translation.override("zh-hans"):
        [match] = rank_mentors(CHINESE, [candidate], NOW)

    assert match.reasons[:3] == ("精通 django（3 级）", "能读中文", "2 个认领名额中还有 1 个空闲")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("数据库迁移失败，提示表已存在", "zh"),
        ("Django 迁移报错 table already exists", "zh"),
        ("資料庫遷移失敗", "zh"),
        # Code is left out: the asker's prose is what tells.
        ("makemigrations 之后报错\n```\nTraceback (most recent call last):\n"
         '  File "manage.py", line 22, in <module>\n'
         "django.db.utils.ProgrammingError: relation already exists\n```", "zh"),
        ("マイグレーションでテーブルが既に存在する", "ja"),
        ("마이그레이션 오류가 발생합니다", "ko"),
        ("migrate fails with 'relation does not exist' after renaming a model", None),
        ("How do I keep jieba from splitting 应急 when it segments long documents?", None),
        ("Sorting names\n```python\nnames = ['张三', '李四', '王五', '赵六']\n```", None),
        ("急", None),
        ("", None),
    ],
)  # fmt: skip
def test_the_language_of_a_text_is_told_by_its_script(text, language):
    assert text_language(text) == language


@pytest.mark.parametrize(
    ("asker", "language"),
    [(("en",), "en"), (("pt-BR", "en"), "pt"), (("zh", "de"), "de"), (("zh",), "en"), ((), "en")],
)
def test_a_latin_script_thread_is_read_in_the_askers_first_latin_script_language(asker, language):
    assert Thread(1, 99, ("django",), asker_languages=asker).reading_language == language


@pytest.mark.parametrize("code", ["zh", "zh-hans", "zh-Hans", "zh-CN", "zh_TW", "ZH"])
def test_every_spelling_of_chinese_is_one_language(code):
    assert base_language(code) == "zh"
