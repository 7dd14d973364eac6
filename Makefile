# The two commands: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=1 STATIC_MANIFEST=0
TEST_ENV := SECRET_KEY=test-only-secret-key SECURE_COOKIES=0 STATIC_MANIFEST=0 DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: install run test lint messages worker system-packages

# The Debian packages in system-packages.txt, by what they are needed for:
# `make run` checks those to run and render certificates, `make test` all.
SYSTEM_PACKAGES := system-packages.txt
PACKAGE_GROUPS ?= run render test
run: PACKAGE_GROUPS = run render
test: PACKAGE_GROUPS = run render test

# Each package must be installed (dpkg-query). The missing ones are installed
# with apt-get when running as root on Debian; otherwise make stops with the
# exact command to run.
system-packages:
	@packages=$$(awk -v groups=" $(PACKAGE_GROUPS) " '$$1 !~ /^#/ && NF && index(groups, " " $$2 " ") { print $$1 }' $(SYSTEM_PACKAGES)); \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "Not a Debian system (no dpkg-query): make sure the equivalents of these Debian packages are installed:" $$packages; \
		exit 0; \
	fi; \
	missing=""; \
	for package in $$packages; do \
		dpkg-query -W -f='$${db:Status-Status}' "$$package" 2>/dev/null | grep -qx installed || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing the missing system packages:$$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends$$missing; \
	else \
		echo "Missing system packages:$$missing"; \
		echo "Install them, then run make again:"; \
		echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing"; \
		exit 1; \
	fi

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "Python 3.11 or newer is required" && exit 1)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	touch $@

install: $(VENV)/.installed

messages: install
	$(DEV_ENV) $(PY) manage.py compiletranslations

run: system-packages install messages
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

test: system-packages install messages lint
	mkdir -p var/staticfiles
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)
