# The two commands: `make run` (embedded platform) and `make test` (whole suite).
.PHONY: install run test bench format messages clean

# Pass a specific interpreter with: make run PYTHON=/path/to/python3.13
export PYTHON

install:
	@scripts/install.sh

# Embedded default: SQLite, a file-system Celery broker, mail under var/mail/.
# ADDR chooses where the web server listens, e.g. make run ADDR=0.0.0.0:8000
ADDR ?= 127.0.0.1:8000
run: install
	@DJANGO_DEBUG=$${DJANGO_DEBUG:-1} .venv/bin/python manage.py run_embedded --addr $(ADDR)

# PYTEST_ARGS selects part of the suite, e.g. make test PYTEST_ARGS="tests/accounts -k login"
test: install
	@scripts/test.sh $(PYTEST_ARGS)

# The platform under load (not part of make test): the shared data set served by gunicorn
# on PostgreSQL and Redis, each scenario measured on loopback; writes bench/results.json
# and the table in README.md. BENCH_QUESTIONS=1000000 for the large run.
bench: install
	@eval "$$(scripts/test-services.sh)" && .venv/bin/python scripts/bench_web.py

# The translations: collect every marked string into locale/zh_Hans/LC_MESSAGES/django.po
# (new ones come with an empty msgstr to fill), then compile the catalogues.
messages: install
	DJANGO_DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans
	DJANGO_DEBUG=1 .venv/bin/python manage.py compilemessages

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

clean:
	rm -rf var/ staticfiles/ .mypy_cache .pytest_cache .ruff_cache
