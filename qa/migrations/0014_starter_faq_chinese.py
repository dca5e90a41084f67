"""The starter FAQ in Simplified Chinese, each entry a translation of its English original
(0004_starter_faq), so that a Chinese reader gets it in Chinese; admins edit it in the
Django admin like any entry."""

from django.db import migrations

# (slug of the English original, slug, title, body); the order is the original's.
ENTRIES = [
    (
        "how-to-ask",
        "how-to-ask-zh",
        "怎样在这里提一个好问题？",
        """\
提问之前，先**搜索**：输入标题，看看下面出现的相似帖子，很多问题已经有人解答过了。
然后读一读系统推荐给你的 FAQ 条目。

提问时：

- 写一个**具体的标题**：用的是什么工具、做了什么操作、出现了什么现象，例如
  “重命名模型之后 migrate 报错 ‘relation does not exist’”。
- 说明**你已经尝试过什么**，以及每次尝试的结果。
- 写清**预期结果和实际结果**，把**完整的报错信息**放在代码块里，并写上你所用软件的
  **版本**（Python、Django、数据库、操作系统）。
- 附上一个**最小可复现示例**（见相关条目）。

问题解决之后，请采纳对你有帮助的回答，并用一两句话写下**最终是怎么解决的**。
""",
    ),
    (
        "what-are-mentors",
        "what-are-mentors-zh",
        "什么是导师？",
        """\
导师是自愿帮助新人的资深成员。每位导师都会列出自己熟悉的标签、同时能接手多少个帖子、
使用的语言，以及通常在线的时间段。你提问之后，系统会把帖子推荐给最合适的几位导师，
并告诉他们为什么选中了他们。
""",
    ),
    (
        "how-claims-work",
        "how-claims-work-zh",
        "认领是怎么回事？",
        """\
导师接手你的帖子，就是**认领**了它：帖子上会显示“正在由谁帮助”以及开始的时间，
你也会收到通知。导师需要在几个小时内回复；如果一直没有回音，认领就会过期，帖子连同
之前的记录一起回到队列，推荐给其他导师。导师也可以把帖子转交给其他同伴。
""",
    ),
    (
        "minimal-reproduction",
        "minimal-reproduction-zh",
        "怎样写一个最小可复现示例？",
        """\
最小可复现示例，就是仍然能重现问题的最少代码。

1. 新建一个项目（`django-admin startproject repro`），或者复制一份你自己的项目。
2. 删掉所有与出错无关的东西：其他应用、视图、字段、配置。
3. 删到再删任何东西问题就消失为止。
4. 把剩下的文件和你运行的完整命令贴出来。

很多时候，你在这个过程中就自己找到了原因；如果是这样，也请在帖子里说一声。
""",
    ),
    (
        "formatting-code",
        "formatting-code-zh",
        "代码和报错信息怎么排版？",
        """\
把代码和报错输出放在两行三个反引号之间，并在开头的反引号后面写上语言：

````text
```python
def view(request):
    return render(request, "page.html")
```
````

请以文本形式贴出**完整的** traceback，不要用截图。句子中提到名称时用`单个反引号`。
发帖前请删掉密码、令牌和密钥：提问表单发现这类内容时会提醒你。
""",
    ),
    (
        "nobody-answers",
        "nobody-answers-zh",
        "没有人回答怎么办？",
        """\
你的帖子会立即推荐给最匹配的几位导师，两小时后再推荐给更多导师。如果十二小时后仍然
没有人认领，系统会通知版主。一周之后仍然没有回答，系统会提醒你编辑问题或者重新打标签：
更清楚的标题、完整的报错信息和版本号，往往就是关键。
""",
    ),
]


def create(apps, schema_editor):
    FaqEntry = apps.get_model("qa", "FaqEntry")
    from qa.markdown import render_markdown

    for original_slug, slug, title, body in ENTRIES:
        original = FaqEntry.objects.filter(slug=original_slug, language="en").first()
        FaqEntry.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "language": "zh-hans",
                "translation_of": original,
                "order": original.order if original else 100,
                "body": body,
                "body_html": render_markdown(body),
            },
        )


def remove(apps, schema_editor):
    apps.get_model("qa", "FaqEntry").objects.filter(slug__in=[e[1] for e in ENTRIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("qa", "0013_faq_language_and_verbose_names")]

    operations = [migrations.RunPython(create, remove)]
