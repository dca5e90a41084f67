"""The question linter's table: what it must flag, and look-alikes it must leave alone;
and its hints as the member reads them on the review step of the ask flow."""

from __future__ import annotations

import pytest
from django.utils import translation

from qa.linter import (
    FIELD_LABELS,
    Draft,
    Severity,
    blocking,
    lint_question,
    vague_terms,
    weighted_length,
)
from qa.models import AskDraft, Question
from tests.factories import TRIED, TagFactory, UserFactory, ready_to_ask

# Built by concatenation so that no real-looking credential sits in the source as one string.
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0" * 6
AWS_ID = "AKIA" + "Z7QW3RT9YU1IOP5A"
AWS_SECRET = "q8W/e7R6t5Y4u3I2o1P0a9S8d7F6g5H4j3K2l1Z0"
SLACK = "xoxb-" + "123456789012-abcdefABCDEF"
GOOGLE = "AIza" + "SyD4x9Q2w8E7r6T5y4U3i2O1p0A9s8D7f6G"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
JWT = "eyJhbGciOiJIUzI1NiJ9" + "." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0" + "." + "dozjgNryP4J3jVmNHl0w5N"
PRIVATE_KEY = "-----BEGIN " + "OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5v\n-----END"

GOOD_TITLE = "migrate fails with 'relation does not exist' after renaming a model"
GOOD_BODY = "I renamed `Order` to `Purchase`.\n\n```text\nProgrammingError: relation missing\n```"


def codes(draft: Draft) -> set[str]:
    return {hint.code for hint in lint_question(draft)}


SECRETS = [
    ("github token in body", Draft(title=GOOD_TITLE, body=f"My token is {GITHUB}")),
    ("github fine-grained pat", Draft(title=GOOD_TITLE, body=f"token: {GITHUB_PAT}")),
    ("github token in fence", Draft(title=GOOD_TITLE, body=f"```\nGH_TOKEN={GITHUB}\n```")),
    ("aws access key id", Draft(title=GOOD_TITLE, body=f"aws_access_key_id = {AWS_ID}")),
    ("aws secret", Draft(title=GOOD_TITLE, body=f"aws_secret_access_key = {AWS_SECRET}")),
    ("slack token", Draft(title=GOOD_TITLE, body=f"SLACK={SLACK}")),
    ("google api key", Draft(title=GOOD_TITLE, body=f"key={GOOGLE}")),
    ("stripe live key", Draft(title=GOOD_TITLE, body=f"stripe.api_key = '{STRIPE}'")),
    ("jwt", Draft(title=GOOD_TITLE, body=f"Cookie: session={JWT}")),
    ("private key", Draft(title=GOOD_TITLE, body=PRIVATE_KEY)),
    ("django secret key", Draft(title=GOOD_TITLE, body="SECRET_KEY = 'x9#k2!mq8zr@w4t6y1u3'")),
    (
        "secret key in env file",
        Draft(title=GOOD_TITLE, environment="DJANGO_SECRET_KEY=Zx81kQ02mmWp"),
    ),
    (
        "database url password",
        Draft(title=GOOD_TITLE, body="postgres://app:S3cr3tPa55@db:5432/app"),
    ),
    (
        "redis url password",
        Draft(title=GOOD_TITLE, error_output="redis://:hunter2hunter2@cache:6379"),
    ),
    ("bearer token", Draft(title=GOOD_TITLE, body="Authorization: Bearer abcDEF1234567890ghiJKL")),
    ("password assignment", Draft(title=GOOD_TITLE, what_i_tried="PASSWORD = 'Tr0ub4dor&3x'")),
    ("secret in title", Draft(title=f"Token {GITHUB} rejected by the API", body="x")),
]

LOOKALIKES = [
    ("github token placeholder", Draft(title=GOOD_TITLE, body="export GH_TOKEN=ghp_xxxxxxxx")),
    ("aws documentation key", Draft(title=GOOD_TITLE, body="AKIAIOSFODNN7EXAMPLE from the docs")),
    ("secret key from env", Draft(title=GOOD_TITLE, body="SECRET_KEY = os.environ['SECRET_KEY']")),
    ("secret key getenv", Draft(title=GOOD_TITLE, body="SECRET_KEY = os.getenv('KEY')")),
    ("secret key placeholder", Draft(title=GOOD_TITLE, body="SECRET_KEY = 'change-me'")),
    (
        "url with placeholder password",
        Draft(title=GOOD_TITLE, body="postgres://user:password@h/db"),
    ),
    ("url with starred password", Draft(title=GOOD_TITLE, body="postgres://app:********@db/app")),
    ("url without password", Draft(title=GOOD_TITLE, body="https://github.com/django/django")),
    ("bearer placeholder", Draft(title=GOOD_TITLE, body="Authorization: Bearer <token>")),
    (
        "a sha, not a token",
        Draft(title=GOOD_TITLE, body="commit 9fceb02d0ae598e95dc970b74767f19372d61af8"),
    ),
    ("password field name", Draft(title=GOOD_TITLE, body="the form has a PASSWORD field")),
    ("example email", Draft(title=GOOD_TITLE, body="send to user@example.org")),
]

TITLES = [
    ("help!!", {"title-short", "title-punctuation"}),
    ("URGENT DJANGO NOT WORKING", {"title-shouting", "title-vague"}),
    ("Please help, it doesn't work", {"title-vague"}),
    ("error", {"title-short"}),
    ("Need help with an issue", {"title-vague"}),
    ("why???", {"title-short", "title-punctuation"}),
    ("Problem with my code please help asap", {"title-vague"}),
]
# Chinese (and Japanese) titles, some with English terms and capitalised acronyms: CJK has
# no case, and a few of its characters say as much as a long Latin title.
CJK_TITLES = [
    "数据库迁移失败提示表已存在",
    "Django 迁移报错 table already exists",
    "Celery 定时任务每小时执行两次",
    "makemigrations 之后 migrate 提示 relation 不存在",
    "API 返回 HTTP 500 错误",
    "DRF 嵌套序列化器无法保存",
    "ORM 查询太慢",
    "マイグレーションでテーブルが既に存在する",
]
CJK_VAGUE_TITLES = [
    ("求助！！", {"title-short", "title-punctuation"}),
    ("迁移报错", {"title-short"}),
    ("Django 报错 求助", {"title-vague"}),
    ("大神求助，急急急", {"title-vague"}),
    ("URGENT DJANGO NOT WORKING 求助", {"title-shouting", "title-vague"}),
]
GOOD_TITLES = [
    GOOD_TITLE,
    "Celery task retried forever after a soft time limit",
    "QuerySet.update() ignores auto_now on DateTimeField",
    "Error 'CSRF token missing' when posting a form with htmx",
    "How do I test a Django view that sends email?",
]


@pytest.mark.parametrize(("name", "draft"), SECRETS, ids=[s[0] for s in SECRETS])
def test_secrets_block_posting_and_point_at_the_line(name, draft):
    hints = blocking(lint_question(draft))

    assert hints, name
    assert all(h.severity == Severity.BLOCK and h.line for h in hints)
    assert "Remove it" in hints[0].message


@pytest.mark.parametrize(("name", "draft"), LOOKALIKES, ids=[s[0] for s in LOOKALIKES])
def test_lookalikes_of_secrets_are_not_blocked(name, draft):
    assert blocking(lint_question(draft)) == [], name


def test_secret_hint_names_the_field_and_line():
    draft = Draft(title=GOOD_TITLE, body=f"line one\nline two\ntoken {GITHUB}")

    [hint] = blocking(lint_question(draft))

    assert (hint.field, hint.line) == ("body", 3)


@pytest.mark.parametrize(("title", "expected"), TITLES)
def test_vague_and_shouting_titles_get_advice(title, expected):
    hints = [h for h in lint_question(Draft(title=title, body=GOOD_BODY)) if h.field == "title"]

    assert {h.code for h in hints} == expected
    assert all(h.severity == Severity.ADVICE for h in hints)


@pytest.mark.parametrize("title", GOOD_TITLES)
def test_specific_titles_get_no_title_advice(title):
    assert not {c for c in codes(Draft(title=title, body=GOOD_BODY)) if c.startswith("title")}


def test_traceback_outside_a_code_block_is_pointed_at():
    body = 'It crashes:\nTraceback (most recent call last):\n  File "x.py", line 3, in <module>'

    [hint] = [
        h
        for h in lint_question(Draft(title=GOOD_TITLE, body=body))
        if h.code == "traceback-unfenced"
    ]

    assert hint.line == 2


def test_error_line_outside_a_code_block_is_pointed_at():
    body = 'When I migrate:\ndjango.db.utils.ProgrammingError: relation "shop_order" does not exist'

    assert "traceback-unfenced" in codes(Draft(title=GOOD_TITLE, body=body))


def test_traceback_inside_a_code_block_is_fine():
    body = '```\nTraceback (most recent call last):\n  File "x.py", line 3\nValueError: x\n```'

    assert "traceback-unfenced" not in codes(Draft(title=GOOD_TITLE, body=body))


def test_long_unfenced_code_gets_advice_and_fenced_code_does_not():
    code = (
        "def view(request):\n    qs = Order.objects.all()\n    for o in qs:\n"
        "        o.total = 1\n        o.save()\n    return render(request, 'x.html')"
    )

    assert "code-unfenced" in codes(Draft(title=GOOD_TITLE, body=code))
    assert "code-unfenced" not in codes(Draft(title=GOOD_TITLE, body=f"```python\n{code}\n```"))


def test_a_short_snippet_in_prose_is_fine():
    body = "I call `Order.objects.all()` and\nx = 1\nthen nothing happens."

    assert "code-unfenced" not in codes(Draft(title=GOOD_TITLE, body=body))


def test_tools_without_versions_get_advice():
    draft = Draft(title=GOOD_TITLE, body="Using Django and PostgreSQL on Ubuntu.")

    assert "no-versions" in codes(draft)


@pytest.mark.parametrize(
    "environment", ["Django 6.1, Python 3.13", "Ubuntu 24.04", "python3 with psycopg 3.2.1"]
)
def test_versions_anywhere_satisfy_the_check(environment):
    draft = Draft(title=GOOD_TITLE, body="Using Django.", environment=environment)

    assert "no-versions" not in codes(draft)


def test_what_i_tried_that_repeats_the_title_gets_advice():
    draft = Draft(title=GOOD_TITLE, what_i_tried=GOOD_TITLE.upper() + ".")

    assert "tried-repeats-title" in codes(draft)


def test_real_steps_in_what_i_tried_are_fine():
    draft = Draft(title=GOOD_TITLE, what_i_tried="Ran makemigrations, then migrate --fake-initial.")

    assert "tried-repeats-title" not in codes(draft)


def test_personal_email_is_advice_not_a_block():
    hints = lint_question(Draft(title=GOOD_TITLE, body="Mail me at jane.doe@gmail.com"))

    assert [h.code for h in hints] == ["email-address"]
    assert hints[0].severity == Severity.ADVICE


def test_a_good_draft_gets_no_hints():
    draft = Draft(
        title=GOOD_TITLE,
        body=GOOD_BODY,
        what_i_tried="I ran makemigrations and it asked whether I renamed the model; I said no.",
        environment="Django 6.1, Python 3.13, PostgreSQL 17",
    )

    assert lint_question(draft) == []


def test_blocking_hints_come_first():
    draft = Draft(title="help!!", body=f"token {GITHUB}")

    assert lint_question(draft)[0].severity == Severity.BLOCK


@pytest.mark.parametrize("title", CJK_TITLES)
def test_chinese_titles_are_neither_capitals_nor_short(title):
    assert not {c for c in codes(Draft(title=title, body=GOOD_BODY)) if c.startswith("title")}


@pytest.mark.parametrize(("title", "expected"), CJK_VAGUE_TITLES)
def test_vague_chinese_titles_get_advice(title, expected):
    hints = [h for h in lint_question(Draft(title=title, body=GOOD_BODY)) if h.field == "title"]

    assert {h.code for h in hints} == expected


# A plea such as 急 is a word of its own (also in traditional script, folded to simplified),
# never a character inside another word: 应急 ("emergency") and 紧急 ("urgent", as in a
# hotfix) say something. Each of these has too little else that, were 急 matched inside
# them, the title would be called vague.
PLEA_TITLES = [
    ("急！数据库连不上", ["急"]),
    ("急急急，数据库连不上", ["急急急"]),
    ("急急急 在线等 有人吗", ["急急急", "在线等", "有人吗"]),
    ("有人嗎？急！資料庫連不上", ["有人吗", "急"]),
    ("跪求大神帮忙看看这个", ["跪求", "大神", "帮忙"]),
    ("救命，Django 又挂了", ["救命"]),
]
NOT_PLEAS = [
    "应急预案怎么写",
    "紧急回滚怎么做",
    "紧急修复后 Celery worker 无法启动",
    "着急上线的配置",
]
# Generic words (报错, 问题, 错误) belong in a real title; with next to nothing else, the
# title says nothing.
GENERIC_TITLES = [
    ("代码报错了怎么办", {"title-vague"}),
    ("Redis 连接报错", set()),
    ("Django 迁移报错 table already exists", set()),
    ("模型迁移出问题，提示 relation 不存在", set()),
    ("Error in my code", {"title-vague"}),
    ("Redis connection error after failover", set()),
]


@pytest.mark.parametrize(("title", "pleas"), PLEA_TITLES)
def test_chinese_pleas_are_found_as_words_and_make_the_title_vague(title, pleas):
    assert vague_terms(title)[0] == pleas
    [hint] = [h for h in lint_question(Draft(title=title, body=GOOD_BODY)) if h.field == "title"]
    assert hint.code == "title-vague"
    assert all(f"“{plea}”" in hint.message for plea in pleas)


@pytest.mark.parametrize("title", NOT_PLEAS)
def test_ji_inside_a_longer_word_is_not_a_plea(title):
    assert vague_terms(title)[0] == []
    assert not {c for c in codes(Draft(title=title, body=GOOD_BODY)) if c.startswith("title")}


def test_ji_ji_ji_alone_is_one_plea_and_too_short_a_title():
    assert vague_terms("急急急")[0] == ["急急急"]
    assert codes(Draft(title="急急急", body=GOOD_BODY)) >= {"title-short"}


@pytest.mark.parametrize(("title", "expected"), GENERIC_TITLES)
def test_generic_words_are_vague_only_with_next_to_nothing_else(title, expected):
    hints = [h for h in lint_question(Draft(title=title, body=GOOD_BODY)) if h.field == "title"]

    assert {h.code for h in hints} == expected


def test_a_vague_chinese_title_gets_a_chinese_example():
    [hint] = [h for h in lint_question(Draft(title="大神求助，急急急")) if h.code == "title-vague"]

    assert "Celery 任务超时后被无限重试" in hint.message


def test_hints_are_worded_in_the_active_language():
    draft = Draft(
        title="大神求助，急急急", body=f"第一行\nGH_TOKEN={GITHUB}\n联系 jane.doe@gmail.com"
    )

    with translation.override("zh-hans"):
        messages = {h.code: h.message for h in lint_question(draft)}

    assert messages["title-vague"].startswith("标题只说了需要帮助")
    assert "（“大神”、“求助”、“急急急”）" in messages["title-vague"]
    assert messages["secret"].startswith("正文第 2 行似乎包含敏感信息：GitHub 令牌。")
    assert messages["email-address"].startswith("正文第 3 行包含一个电子邮件地址")


def test_a_short_chinese_title_gets_a_chinese_example():
    [hint] = [h for h in lint_question(Draft(title="迁移报错")) if h.code == "title-short"]

    assert "数据库迁移失败" in hint.message


def test_cjk_characters_weigh_more_than_latin_ones():
    assert weighted_length("Django") == 6
    assert weighted_length("迁移失败") == 12
    assert weighted_length("Django 迁移") == 13


@pytest.mark.parametrize("field", [f for f in FIELD_LABELS if f != "title"])
def test_a_secret_is_named_in_the_field_it_is_in_with_its_line(field):
    draft = Draft(title=GOOD_TITLE, **{field: f"first line\nGH_TOKEN={GITHUB}"})

    [hint] = blocking(lint_question(draft))

    assert (hint.field, hint.line) == (field, 2)
    assert hint.message.startswith(f"Line 2 of {FIELD_LABELS[field]} seems to contain")
    assert "a GitHub token" in hint.message


def test_a_secret_in_the_title_is_named_in_the_title():
    [hint] = blocking(lint_question(Draft(title=f"Token {GITHUB} rejected", body="x")))

    assert (hint.field, hint.line) == ("title", 1)
    assert hint.message.startswith("The title seems to contain a GitHub token")


def test_each_secret_is_one_hint():
    draft = Draft(title=GOOD_TITLE, body=f"token {GITHUB}", environment=f"SLACK={SLACK}")

    assert [(h.field, h.line) for h in blocking(lint_question(draft))] == [
        ("body", 1),
        ("environment", 1),
    ]


REVIEW = "/questions/ask/?step=4"
READY_DRAFT = {
    "title": "Celery beat sends the same task twice an hour",
    "body": "Every hour `cleanup` runs twice.",
    "tags": "celery",
    "what_i_tried": TRIED,
    "expected": "One run an hour",
    "actual": "Two runs an hour",
    "error_output": "",
    "environment": "Celery 5.7, Python 3.13",
}


def review_pages(client, **fields: str) -> list[str]:
    """The review step as a member ready to post sees it, before and after pressing Post."""
    member = UserFactory()
    TagFactory(name="celery")
    ready_to_ask(member)
    client.force_login(member)
    AskDraft.objects.create(author=member, reached=4, data={**READY_DRAFT, **fields})
    shown = client.get(REVIEW)
    refused = client.post("/questions/ask/", {"step": 4, "go": "post"})
    assert (shown.status_code, refused.status_code) == (200, 400)
    assert not Question.objects.exists()
    return [shown.content.decode(), refused.content.decode()]


@pytest.mark.django_db
def test_a_token_in_the_body_is_named_once_as_in_the_body_on_the_review_page(client):
    body = f"Every hour `cleanup` runs twice.\nexport GH_TOKEN={GITHUB}"

    for page in review_pages(client, body=body):
        assert page.count("GitHub token") == 1
        assert page.count("seems to contain") == 1
        assert "Must fix:</strong> Line 2 of the body seems to contain a GitHub token" in page
        assert "<strong>What I tried:</strong>" not in page
        assert "Still to do" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("field", [f for f in FIELD_LABELS if f != "body"])
def test_a_token_in_another_field_is_named_once_in_that_field_on_the_review_page(client, field):
    value = f"Token {GITHUB} rejected by the API" if field == "title" else f"GH_TOKEN={GITHUB}"
    where = "The title" if field == "title" else f"Line 1 of {FIELD_LABELS[field]}"

    for page in review_pages(client, **{field: value}):
        assert page.count("GitHub token") == 1
        assert f"{where} seems to contain a GitHub token" in page


@pytest.mark.django_db
def test_a_refused_post_names_a_missing_step_once(client):
    member = UserFactory()
    TagFactory(name="celery")
    client.force_login(member)
    AskDraft.objects.create(author=member, reached=4, data=READY_DRAFT)

    page = client.post("/questions/ask/", {"step": 4, "go": "post"}).content.decode()

    assert page.count("We have no search by you") == 1
