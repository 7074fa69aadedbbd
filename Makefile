# The two commands: `make test` (this machine's PHP) and `make demo` (the workflow example).
# `make test-matrix` (PHP 8.4 and 8.5 in Debian roots), `make test-pie` (the phpize route) and
# `make dist` + `make test-dist` (release archives, make install) complete what the CI runs (.ci/run).
# All install what they need on a Debian machine when it is missing.

CARGO     ?= cargo
PHP       ?= php
PHPUNIT   ?= /usr/bin/phpunit
PYTHON    ?= python3
PROFILE   ?= debug
TARGET    := target/$(PROFILE)
EXT       := $(CURDIR)/$(TARGET)/libdingtalk.so
EMULATOR  := $(CURDIR)/$(TARGET)/dingtalk-emulator
CARGO_PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,)

export DINGTALK_EXTENSION := $(EXT)
export DINGTALK_EMULATOR_BIN := $(EMULATOR)
# DingTalk's official SDKs (Python: Stream and v1.0; Node.js: Stream), which the emulator's witness tests run.
export DINGTALK_SDKS := $(CURDIR)/.cache/sdk

.PHONY: all deps sdks build test test-rust test-php test-fpm test-witness test-matrix test-pie dist test-dist lint demo bench clean

all: build

deps:
	@scripts/install-deps.sh test

build: deps
	$(CARGO) build $(CARGO_PROFILE_FLAG) -p dingtalk-php -p dingtalk-emulator

test: build test-rust test-php test-fpm test-witness

# Pinned in crates/dingtalk-emulator/tests/sdk/, installed into .cache/sdk/ (quick when there).
sdks:
	@scripts/install-sdks.sh $(DINGTALK_SDKS)

# The binding's own unit tests cover its pure functions only: a test binary has no PHP engine.
test-rust: sdks
	$(CARGO) test --workspace --exclude dingtalk-php
	$(CARGO) test -p dingtalk-php --lib

# php-tests/phpunit.sh: phpunit.xml for PHPUnit 9.6, phpunit10.xml for PHPUnit 10 and later.
test-php: build
	PHP=$(PHP) PHPUNIT=$(PHPUNIT) php-tests/phpunit.sh

test-fpm: build
	php-tests/fpm/smoke.sh

# The messages witness: DingTalk's official Python SDK (robot_1_0; plain HTTP for the webhook and
# the work notices, as DingTalk's examples do) against the emulator's message channels. The SDKs
# are pinned in crates/dingtalk-emulator/tests/sdk/ and installed into .cache/sdk by `make sdks`.
test-witness: build sdks
	PYTHONPATH=$(DINGTALK_SDKS)/python scripts/with-emulator.sh $(PYTHON) crates/dingtalk-emulator/tests/sdk/messages_witness.py

# PHP 8.4 (Debian 13) and 8.5 (unstable + experimental), each in a Debian root cached under .cache/roots/.
test-matrix:
	@scripts/install-deps.sh test matrix
	scripts/test-matrix.sh

# PIE's sequence (phpize, configure, make, make install) on a clean copy of the tree. Composer
# installs the example app's dependencies (the testing package, from testing/).
test-pie: build
	@scripts/install-deps.sh lint
	scripts/test-pie.sh

# dist/: a PIE binary archive per tested PHP version, and the sources with the crates vendored.
dist:
	@scripts/install-deps.sh test matrix
	scripts/dist.sh

# The archives' own emulator serves their tests: no build of this tree's is needed.
test-dist: deps
	@scripts/install-deps.sh lint
	scripts/test-dist.sh

lint:
	@scripts/install-deps.sh test lint
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@for f in stubs/*.php examples/*.php php-tests/*.php php-tests/*/*.php bench/*/*.php scripts/*.php \
	  testing/src/*.php testing/example/*/*.php; do \
	  [ -f "$$f" ] && { $(PHP) -l "$$f" >/dev/null || exit 1; }; done; echo "php -l: ok"
	@for f in scripts/*.sh php-tests/*.sh php-tests/*/*.sh .ci/run; do bash -n "$$f" || exit 1; done; echo "bash -n: ok"
	@$(PYTHON) -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' \
	  crates/dingtalk-emulator/tests/sdk/*.py bench/stream/*.py bench/dtbench/*.py bench/dtbench/scenarios/*.py; \
	  echo "python syntax: ok"
	@for f in crates/dingtalk-emulator/tests/sdk/*.cjs bench/stream/*.cjs; do node --check "$$f" || exit 1; done; \
	  echo "node --check: ok"
	@# Debian 12's Composer (2.5) knows no php-ext key, and calls the section a publish error:
	@# check-php-ext.php checks it instead (make test-matrix runs Composer 2.11's full validate).
	composer validate --no-check-publish --no-interaction
	composer validate --strict --no-interaction stubs/composer.json
	composer validate --strict --no-interaction testing/composer.json
	$(PHP) scripts/check-php-ext.php

demo:
	@scripts/install-deps.sh demo
	$(CARGO) build -p dingtalk-php -p dingtalk-emulator
	scripts/demo.sh

bench:
	bench/run.sh

clean:
	$(CARGO) clean

# Debian-style install for the PHP of PHP_CONFIG: the release build into its extension dir, an .ini
# enabled for every SAPI, and the emulator (a program, for the apps' tests) into BINDIR, on the PATH
# where the testing package looks. The build is the one `make dist` and the PIE route make for this
# PHP, in target/php<version>/ with the same settings, so that none of them builds it twice.
PHP_CONFIG ?= php-config
PHP_CONFIG_PATH = $(shell command -v $(PHP_CONFIG))
PHP_BINARY = $(shell $(PHP_CONFIG) --php-binary)
PHP_EXT_DIR = $(shell $(PHP_CONFIG) --extension-dir)
PHP_VERSION_MM = $(shell $(PHP_CONFIG) --version | cut -d. -f1,2)
PHP_MODS_DIR ?= /etc/php/$(PHP_VERSION_MM)/mods-available
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
INSTALL_TARGET = target/php$(PHP_VERSION_MM)

.PHONY: install uninstall
install: deps
	PHP='$(PHP_BINARY)' PHP_CONFIG='$(PHP_CONFIG_PATH)' \
	  $(CARGO) build --release --locked -p dingtalk-php --target-dir $(INSTALL_TARGET)
	$(CARGO) build --release --locked -p dingtalk-emulator --target-dir $(INSTALL_TARGET)
	install -D -m 0755 $(INSTALL_TARGET)/release/libdingtalk.so $(DESTDIR)$(PHP_EXT_DIR)/dingtalk.so
	install -D -m 0644 dingtalk.ini $(DESTDIR)$(PHP_MODS_DIR)/dingtalk.ini
	install -D -m 0755 $(INSTALL_TARGET)/release/dingtalk-emulator $(DESTDIR)$(BINDIR)/dingtalk-emulator
	@if [ -z "$(DESTDIR)" ] && command -v phpenmod >/dev/null; then phpenmod -v $(PHP_VERSION_MM) dingtalk; fi
	@$(PHP_BINARY) -m | grep -qx dingtalk && echo "dingtalk $$($(PHP_BINARY) -r 'echo phpversion("dingtalk");') installed" || true

uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v phpdismod >/dev/null; then phpdismod -v $(PHP_VERSION_MM) dingtalk || true; fi
	rm -f $(DESTDIR)$(PHP_EXT_DIR)/dingtalk.so $(DESTDIR)$(PHP_MODS_DIR)/dingtalk.ini $(DESTDIR)$(BINDIR)/dingtalk-emulator
