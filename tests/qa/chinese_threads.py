"""Chinese threads about real problems newcomers hit, as they are asked on Chinese forums,
with the short queries a reader types to find them and a reworded draft of the same
problem, as a second asker would write it. Shared by the search and similar-threads
tests (PostgreSQL and SQLite) and by scripts/bench_search_chinese.py.

Some are written in traditional characters, some with full-width letters, most mix in
the English identifiers and error messages of the tools.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChineseThread:
    title: str
    body: str
    tags: tuple[str, ...]
    # One to three words, as typed into the search box.
    queries: tuple[str, ...]
    # The same problem asked again in other words (for similar threads).
    draft: str


THREADS: list[ChineseThread] = [
    ChineseThread(
        "数据库迁移失败，提示表已存在",
        "运行 python manage.py migrate 的时候报错：django.db.utils.ProgrammingError: "
        'relation "shop_order" already exists。之前在数据库里手动建过这张表。',
        ("django", "migrations"),
        ("迁移", "表已存在", "数据库迁移"),
        "执行 migrate 时报错说表已经存在了",
    ),
    ChineseThread(
        "合并分支后 makemigrations 提示迁移冲突",
        "两个分支都加了迁移文件，合并以后运行 makemigrations 提示 Conflicting migrations "
        "detected; multiple leaf nodes in the migration graph。要用 --merge 吗？",
        ("django", "migrations", "git"),
        ("迁移冲突", "合并分支"),
        "两个 git 分支合并以后 django 迁移文件冲突怎么解决",
    ),
    ChineseThread(
        "pip 安装 psycopg2 失败：找不到 pg_config",
        "在 Ubuntu 22.04 上 pip install psycopg2 报错 Error: pg_config executable not found."
        " 已经升级过 pip 了，还是不行。",
        ("pip", "postgresql"),
        ("安装失败", "pip 安装"),
        "用pip装psycopg2的时候报错说没有pg_config",
    ),
    ChineseThread(
        "pip 下载太慢，怎么换国内镜像源",
        "pip install 的下载速度只有几 KB/s，经常 ReadTimeoutError 超时。想配置清华或者"
        "阿里云的镜像，pip.conf 应该怎么写？",
        ("pip", "packaging"),
        ("镜像源", "下载太慢"),
        "pip install 速度很慢，想改用清华的源",
    ),
    ChineseThread(
        "Git 合并时出现冲突，怎么解决",
        "git pull 之后提示 CONFLICT (content): Merge conflict in settings.py，文件里出现了 "
        "<<<<<<< HEAD 这样的标记，不知道该保留哪一边。",
        ("git",),
        ("合并冲突", "git 冲突"),
        "git pull 以后文件里全是 <<<<<<< HEAD 冲突标记",
    ),
    ChineseThread(
        "git push 被拒绝：rejected non-fast-forward",
        "推送到远程仓库时提示 ! [rejected] main -> main (non-fast-forward)，同事在我之前推送"
        "了代码。要先 pull 还是直接 --force？",
        ("git",),
        ("推送被拒绝", "git push 拒绝"),
        "往远程仓库推代码的时候被拒了 non-fast-forward",
    ),
    ChineseThread(
        "Docker 容器之间网络不通",
        "用 docker compose 启动了 web 和 db 两个服务，web 容器里连接 localhost:5432 一直 "
        "Connection refused，宿主机上却能连上。",
        ("docker",),
        ("容器网络", "网络不通"),
        "docker compose 里的 web 服务连不上数据库容器",
    ),
    ChineseThread(
        "Docker 端口映射以后外部无法访问",
        "docker run -p 8000:8000 启动 Django，浏览器访问服务器 IP:8000 打不开，容器里 "
        "runserver 监听的是 127.0.0.1:8000。",
        ("docker", "django"),
        ("端口映射", "端口"),
        "容器映射了8000端口但是浏览器打不开页面",
    ),
    ChineseThread(
        "启动 runserver 提示端口被占用",
        "报错 Error: That port is already in use. 用 lsof -i :8000 查到是之前的 python 进程"
        "还没有退出。",
        ("django",),
        ("端口被占用", "端口占用"),
        "runserver 说 8000 端口已经被别的进程用了",
    ),
    ChineseThread(
        "Celery 任务状态一直是 PENDING",
        "调用 delay() 之后 AsyncResult 的状态一直是 PENDING，worker 的日志里什么都没有。"
        "broker 用的是 Redis。",
        ("celery", "redis"),
        ("任务状态", "celery 任务"),
        "celery 提交的任务永远是 PENDING，worker 也没有反应",
    ),
    ChineseThread(
        "Celery beat 定时任务不执行",
        "配置了 CELERY_BEAT_SCHEDULE，每 5 分钟执行一次，但是 beat 启动以后任务从来没有运行"
        "过，日志里也看不到发送记录。",
        ("celery",),
        ("定时任务", "定时任务不执行"),
        "celery beat 里配置的周期任务到点了也没有跑",
    ),
    ChineseThread(
        "Redis 连接超时 TimeoutError",
        "Django 缓存用的是 django-redis，线上偶尔报 redis.exceptions.TimeoutError: Timeout "
        "reading from socket，重启以后会好一阵。",
        ("redis", "caching"),
        ("redis 超时", "连接超时"),
        "线上 redis 时不时报 Timeout reading from socket 错误",
    ),
    ChineseThread(
        "Redis 内存占满以后数据被清掉了",
        "maxmemory 设置了 2gb，满了以后一些 key 不见了，maxmemory-policy 配的是 "
        "allkeys-lru。怎么避免会话数据被淘汰？",
        ("redis",),
        ("内存占满", "redis 内存"),
        "redis 的内存用满了以后 key 自己消失了",
    ),
    ChineseThread(
        "PostgreSQL 远程连接被拒绝",
        "在另一台机器上用 psql 连接数据库提示 could not connect to server: Connection "
        "refused，已经改了 listen_addresses = '*'，pg_hba.conf 也加了网段。",
        ("postgresql",),
        ("远程连接", "连接被拒绝"),
        "从别的服务器连 postgres 总是 connection refused",
    ),
    ChineseThread(
        "PostgreSQL 查询很慢，怎么看执行计划",
        "一个 ORM 查询要 3 秒，听说可以用 EXPLAIN ANALYZE 看执行计划，但是看不懂输出里的 "
        "Seq Scan 和 cost。",
        ("postgresql", "performance"),
        ("执行计划", "查询很慢"),
        "一条 SQL 跑得特别慢，EXPLAIN 的结果应该怎么读",
    ),
    ChineseThread(
        "中文文件名上传后变成乱码",
        "用户上传的文件名是中文，保存到服务器以后文件名显示成 %E4%B8%AD 之类的乱码，"
        "下载的时候名字也不对。",
        ("django", "unicode"),
        ("乱码", "文件名乱码"),
        "上传中文名字的文件以后名字全变成乱码了",
    ),
    ChineseThread(
        "读取 CSV 文件报 UnicodeDecodeError 编码错误",
        "用 open() 读 Excel 导出的 CSV，报错 UnicodeDecodeError: 'utf-8' codec can't decode "
        "byte 0xb5 in position 0，这个文件应该是 GBK 编码。",
        ("python", "csv", "unicode"),
        ("编码错误", "csv 编码"),
        "打开 excel 导出的 csv 时提示 utf-8 codec can't decode",
    ),
    ChineseThread(
        "Windows 终端输出中文乱码",
        "在 cmd 里运行 python 脚本，print 出来的中文全是乱码，换成 PowerShell 也一样，"
        "chcp 65001 也试过了。",
        ("python", "windows", "unicode"),
        ("终端乱码", "中文乱码"),
        "在 cmd 下面 print 中文显示成一堆乱码",
    ),
    ChineseThread(
        "Nginx 反向代理返回 502 Bad Gateway",
        "nginx 把请求转发给 gunicorn 的 127.0.0.1:8000，访问时返回 502，error.log 里写着 "
        "connect() failed (111: Connection refused) while connecting to upstream。",
        ("nginx", "gunicorn"),
        ("反向代理", "nginx 502"),
        "nginx 转发请求到 gunicorn 的时候出现 502 错误",
    ),
    ChineseThread(
        "关闭 DEBUG 后静态文件 404",
        "DEBUG=False 以后 CSS 和 JS 都加载不出来，nginx 里配置了 location /static/，"
        "也执行了 collectstatic，还是 404。",
        ("django", "nginx", "deployment"),
        ("静态文件", "静态文件404"),
        "生产环境关掉 DEBUG 之后 css 样式全没了，static 返回 404",
    ),
    ChineseThread(
        "虚拟环境激活后还是用的系统 Python",
        "执行了 source venv/bin/activate，但是 which python 还是 /usr/bin/python，"
        "pip 装的包在项目里也找不到。",
        ("python", "virtualenv"),
        ("虚拟环境", "激活虚拟环境"),
        "venv 激活了可是 python 还是系统自带的那个",
    ),
    ChineseThread(
        "导入自己写的模块时报错找不到模块",
        "项目里明明有 utils 目录，运行 python app/main.py 却提示 ModuleNotFoundError: No "
        "module named 'utils'，加了 __init__.py 也没用。",
        ("python",),
        ("找不到模块", "导入模块"),
        "自己写的包 import 的时候提示 No module named utils",
    ),
    ChineseThread(
        "设置时区以后时间差了 8 小时",
        "settings 里 TIME_ZONE = 'Asia/Shanghai'，USE_TZ = True，可是数据库里存的时间比"
        "北京时间少 8 个小时，模板里显示的又是对的。",
        ("django",),
        ("时区", "差了8小时"),
        "数据库里保存的时间总是比北京时间慢八个小时",
    ),
    ChineseThread(
        "用 fetch 提交表单时 CSRF 验证失败",
        "用 fetch 发 POST 请求，返回 403 Forbidden：CSRF verification failed. Request "
        "aborted. 模板里已经有 {% csrf_token %} 了。",
        ("django", "javascript"),
        ("csrf 验证失败", "验证失败"),
        "用 ajax 提交 post 请求返回 403 CSRF 错误",
    ),
    ChineseThread(
        "项目中途改用自定义用户模型，迁移报错",
        "项目已经有数据了，后来才加 AUTH_USER_MODEL = 'accounts.User'，migrate 时报 "
        "ValueError: Related model 'accounts.user' cannot be resolved。",
        ("django", "migrations", "authentication"),
        ("自定义用户模型", "用户模型"),
        "中途换成自定义 User 模型以后 migrate 跑不通",
    ),
    ChineseThread(
        "Django 发送邮件成功但是收不到",
        "配置了 EMAIL_BACKEND 为 smtp，send_mail 返回 1，可是邮箱里一直收不到邮件，"
        "垃圾箱里也没有。",
        ("django", "email"),
        ("发送邮件", "收不到邮件"),
        "send_mail 执行成功了但是收件箱里什么都没有",
    ),
    ChineseThread(
        "gunicorn worker 超时被杀掉",
        "日志里不断出现 [CRITICAL] WORKER TIMEOUT (pid:1234)，请求导出报表的接口时最容易"
        "出现，页面直接 502。",
        ("gunicorn", "deployment"),
        ("worker 超时", "超时"),
        "gunicorn 日志里一直打印 WORKER TIMEOUT 然后进程重启",
    ),
    ChineseThread(
        "生产环境的密钥 SECRET_KEY 泄露了怎么办",
        "不小心把 settings.py 连同 SECRET_KEY 一起提交到了公开的 GitHub 仓库，"
        "删掉那次提交就够了吗？",
        ("django", "security"),
        ("密钥泄露", "secret_key 泄露"),
        "把 SECRET_KEY 推到 GitHub 公开仓库里了，要怎么补救",
    ),
    ChineseThread(
        "分页查询越往后翻越慢",
        "列表页用 Paginator，翻到几千页以后 OFFSET 很大，每次查询要好几秒，数据有两百万行。",
        ("django", "performance"),
        ("分页", "分页 慢"),
        "翻页翻到后面页码很大的时候特别慢，OFFSET 太大",
    ),
    ChineseThread(
        "cache_page 缓存不生效，每次都查数据库",
        "视图上用了 @cache_page(60 * 15)，但是 Debug Toolbar 显示每次请求还是执行了同样的 "
        "SQL，缓存后端是 Redis。",
        ("django", "caching"),
        ("缓存不生效", "缓存"),
        "cache_page 装饰器好像没起作用，每次还是查库",
    ),
    ChineseThread(
        "怎么定时清理旧的日志文件",
        "logs 目录越来越大，想每天自动删除 7 天以前的日志，用 crontab 还是 logrotate 比较好？",
        ("linux", "logging"),
        ("日志清理", "清理日志"),
        "日志文件太大了，怎么自动删除旧的",
    ),
    ChineseThread(
        "多对多字段保存后关联数据是空的",
        "在 form.save(commit=False) 之后调用了 obj.save()，但是 ManyToManyField 的数据"
        "没有保存进去。",
        ("django", "forms"),
        ("多对多", "多对多字段"),
        "ManyToMany 的数据保存不上去，用了 commit=False",
    ),
    ChineseThread(
        "上传大文件时 nginx 返回 413",
        "上传 50MB 的视频时 nginx 返回 413 Request Entity Too Large，应该改哪个配置？",
        ("nginx",),
        ("上传大文件", "nginx 413"),
        "上传几十兆的视频 nginx 报 Request Entity Too Large",
    ),
    ChineseThread(
        "軟體套件安裝後在 Jupyter 裡無法匯入",
        "用 pip 安裝了 requests，但是在 Jupyter 筆記本裡 import 時顯示 ModuleNotFoundError，"
        "終端機裡的 python 卻可以。",
        ("python", "pip"),
        ("软件安装", "jupyter 导入", "安裝"),
        "pip 装好的包在 jupyter notebook 里 import 不了",
    ),
    ChineseThread(
        "資料庫連線逾時，查詢一直卡住",
        "Django 連 MySQL 的時候偶爾出現 OperationalError: (2013, 'Lost connection to MySQL "
        "server during query')，資料庫在另一台伺服器上。",
        ("django", "mysql"),
        ("数据库连接", "資料庫連線"),
        "django 连 mysql 经常报 Lost connection to MySQL server",
    ),
    ChineseThread(
        "ｐｉｐ ｉｎｓｔａｌｌ 出现 ＳＳＬ 证书错误",  # noqa: RUF001 - full-width on purpose
        "公司网络下 pip install 提示 SSLError: certificate verify failed，"
        "浏览器访问 pypi.org 是正常的。",
        ("pip",),
        ("ssl 证书", "ＳＳＬ 错误"),  # noqa: RUF001 - full-width on purpose
        "公司内网里 pip 装包报 certificate verify failed",
    ),
    ChineseThread(
        "Docker 镜像构建太慢",
        "每次 docker build 都要重新 pip install 所有依赖，一次要十几分钟，Dockerfile 里 "
        "COPY . . 写在最前面。",
        ("docker",),
        ("镜像构建", "构建太慢"),
        "docker build 每次都重新装依赖，很慢",
    ),
    ChineseThread(
        "MySQL 存入表情符号报错 Incorrect string value",
        "保存用户昵称里的 emoji 表情时报 Incorrect string value: '\\xF0\\x9F\\x98\\x80'，"
        "表的字符集是 utf8。",
        ("mysql", "unicode"),
        ("表情", "表情符号"),
        "昵称里有 emoji 存进 mysql 就报错 Incorrect string value",
    ),
    ChineseThread(
        "git clone 提示 Permission denied (publickey)",
        "在新电脑上克隆仓库，报 git@github.com: Permission denied (publickey)，已经生成了 "
        "ssh 公钥并且添加到 GitHub 了。",
        ("git",),
        ("公钥", "克隆仓库"),
        "新机器上 git clone 报 publickey 权限错误",
    ),
    ChineseThread(
        "uWSGI 启动后 import 报错 No module named django",
        "用 uwsgi --ini uwsgi.ini 启动，日志里提示 ImportError: No module named django，"
        "可是虚拟环境里明明装了，home 参数也配了。",
        ("python", "deployment"),
        ("uwsgi 启动", "uwsgi 报错"),
        "uwsgi 跑起来以后找不到 django 这个模块",
    ),
]

# (query, title) pairs where the script of the query differs from the thread's.
TRADITIONAL_QUERIES = [
    ("數據庫遷移", "数据库迁移失败，提示表已存在"),
    ("軟體安裝", "軟體套件安裝後在 Jupyter 裡無法匯入"),
    ("軟件", "軟體套件安裝後在 Jupyter 裡無法匯入"),
    ("亂碼", "Windows 终端输出中文乱码"),
    ("連接超時", "Redis 连接超时 TimeoutError"),
]
FULL_WIDTH_QUERIES = [
    ("ｐｉｐ　安装", "pip 安装 psycopg2 失败：找不到 pg_config"),  # noqa: RUF001 - full-width on purpose
    ("ｎｇｉｎｘ　５０２", "Nginx 反向代理返回 502 Bad Gateway"),  # noqa: RUF001 - full-width on purpose
    ("ＳＳＬ", "ｐｉｐ ｉｎｓｔａｌｌ 出现 ＳＳＬ 证书错误"),  # noqa: RUF001 - full-width on purpose
    ("pip install ssl", "ｐｉｐ ｉｎｓｔａｌｌ 出现 ＳＳＬ 证书错误"),  # noqa: RUF001 - full-width on purpose
]


# English threads to hide the Chinese ones among: the words of real problems, drawn at
# random but reproducibly, as the benchmark community of ../shared/bench draws them.
_ENGLISH_TEXT = (
    "python django query model view template cache index database migration server "
    "request response session user login password form field widget queryset filter "
    "annotate aggregate join select prefetch related foreign key unique constraint "
    "transaction lock deadlock timeout worker thread process memory leak profile latency "
    "error exception traceback stack import module package install version upgrade "
    "deploy docker nginx gunicorn uwsgi celery redis postgres sqlite mysql json api rest "
    "endpoint serializer permission token header cookie csrf static media upload file "
    "image storage log debug setting environment variable test fixture mock pipeline "
    "build release branch merge commit rebase conflict schema column table row null "
    "default signal middleware router url pagination search email notification queue "
    "schedule cron async loop event socket stream encoding unicode port network"
)
ENGLISH_WORDS = _ENGLISH_TEXT.split()


def english_threads(count: int, *, seed: int = 13) -> list[tuple[str, str]]:
    """(title, body) of `count` English threads."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    threads = []
    for _ in range(count):
        title = " ".join(rng.sample(ENGLISH_WORDS, rng.randint(5, 10))).capitalize()
        body = "\n\n".join(
            " ".join(rng.choices(ENGLISH_WORDS, k=rng.randint(20, 50))).capitalize() + "."
            for _ in range(rng.randint(2, 3))
        )
        threads.append((title, body))
    return threads


def build_site(*, english: int) -> dict[str, Any]:
    """The Chinese threads posted through the service, among `english` English threads
    written in bulk and indexed by one search_vectors_refresh call, as the importer does.
    Returns the Chinese threads by title."""
    from django.utils import timezone

    from qa.markdown import render_markdown
    from qa.models import Question
    from qa.services import search_vectors_refresh
    from tests.factories import TagFactory, UserFactory, question

    asker = UserFactory()
    now = timezone.now()
    rows = [
        Question(
            author=asker, title=title, body=body, body_html=render_markdown(body),
            created_at=now, updated_at=now, last_activity_at=now,
        )
        for title, body in english_threads(english)
    ]  # fmt: skip
    created = Question.objects.bulk_create(rows)
    search_vectors_refresh(question_ids=[q.pk for q in created])
    return {
        t.title: question(title=t.title, body=t.body, tags=[TagFactory(name=n) for n in t.tags])
        for t in THREADS
    }


def top5_misses(viewer: object) -> list[str]:
    """The queries (of THREADS) whose thread is not among the first five results."""
    from qa.search import search_questions

    misses = []
    for thread in THREADS:
        for query in thread.queries:
            found = search_questions(viewer=viewer, query=query).questions[:5]
            if thread.title not in [q.title for q in found]:
                misses.append(f"{query} → {thread.title}: {[q.title for q in found]}")
    return misses
