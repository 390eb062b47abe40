# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
CHROMIUM := /usr/bin/chromium

.PHONY: run test test-sqlite install install-dev browser migrate seed bench clean messages translations

# The app starts in production unless told otherwise; these targets are for a developer's machine.
run migrate seed: export APP_ENV ?= development

run: $(VENV)/.runtime translations ## install, migrate, load the demo directory if empty, serve on 127.0.0.1:5000
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.dev browser translations ## install what tests need and run them all (on every core)
	$(BIN)/python -m pytest -n auto --dist loadgroup

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

$(VENV)/.runtime: requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

# Browser tests use Debian's Chromium; they skip (with the reason) where it cannot be installed.
browser:
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "chromium could not be installed: browser tests will be skipped"; \
	fi

# Translations: `make messages` gathers every marked string into the catalogues (then translate the new
# entries in translations/<lang>/LC_MESSAGES/messages.po); `make translations` compiles them for the app.
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)

messages: $(VENV)/.runtime
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
		--project "Open Therapy Directory" --no-wrap -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --no-wrap

translations: $(VENV)/.runtime $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d translations -l $*

migrate: $(VENV)/.runtime ## apply database migrations
	$(FLASK) db upgrade

seed: $(VENV)/.runtime ## load reference lists and the demo directory (idempotent)
	$(FLASK) seed

bench: $(VENV)/.dev ## search benchmark (prints figures)
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
