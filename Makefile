# The two commands: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=1 STATIC_MANIFEST=0
TEST_ENV := SECRET_KEY=test-only-secret-key SECURE_COOKIES=0 STATIC_MANIFEST=0 DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: install run test lint messages worker

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "Python 3.11 or newer is required" && exit 1)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	touch $@

install: $(VENV)/.installed

messages: install
	$(DEV_ENV) $(PY) manage.py compiletranslations

run: install messages
	mkdir -p var/staticfiles
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py loaddemo
	@if [ -n "$$CELERY_BROKER_URL" ]; then \
		echo "Starting a Celery worker and beat (broker $$CELERY_BROKER_URL)"; \
		$(DEV_ENV) $(VENV)/bin/celery -A toa_portal worker -B --loglevel=INFO --concurrency=2 & \
		trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	fi; \
	echo "The portal runs on http://127.0.0.1:8000/"; \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	mkdir -p var
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

test: install messages lint
	mkdir -p var/staticfiles
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)
