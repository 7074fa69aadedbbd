# The two commands: `make test` (everything the CI runs) and `make demo` (the workflow example).
# Both install what they need on a Debian machine when it is missing.

CARGO     ?= cargo
PHP       ?= php
PHPUNIT   ?= /usr/bin/phpunit
PROFILE   ?= debug
TARGET    := target/$(PROFILE)
EXT       := $(CURDIR)/$(TARGET)/libdingtalk.so
EMULATOR  := $(CURDIR)/$(TARGET)/dingtalk-emulator
CARGO_PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,)

export DINGTALK_EXTENSION := $(EXT)
export DINGTALK_EMULATOR_BIN := $(EMULATOR)

.PHONY: all deps build test test-rust test-php test-fpm lint demo bench clean

all: build

deps:
	@scripts/install-deps.sh test

build: deps
	$(CARGO) build $(CARGO_PROFILE_FLAG) -p dingtalk-php -p dingtalk-emulator

test: build test-rust test-php test-fpm

# The binding's own unit tests cover its pure functions only: a test binary has no PHP engine.
test-rust:
	$(CARGO) test --workspace --exclude dingtalk-php
	$(CARGO) test -p dingtalk-php --lib

test-php: build
	$(PHP) -d extension=$(EXT) $(PHPUNIT) -c php-tests/phpunit.xml

test-fpm: build
	php-tests/fpm/smoke.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@for f in stubs/*.php examples/*.php php-tests/*.php php-tests/*/*.php bench/*/*.php; do \
	  [ -f "$$f" ] && { $(PHP) -l "$$f" >/dev/null || exit 1; }; done; echo "php -l: ok"
	@# Composer before 2.7 does not know the php-ext section yet: only a publish warning then.
	@if command -v composer >/dev/null; then composer validate --no-check-publish --no-interaction; fi

demo:
	@scripts/install-deps.sh demo
	$(CARGO) build -p dingtalk-php -p dingtalk-emulator
	scripts/demo.sh

bench:
	bench/run.sh

clean:
	$(CARGO) clean

# Debian-style install: the release build into PHP's extension dir, and an .ini enabled for every SAPI.
PHP_CONFIG ?= php-config
PHP_EXT_DIR = $(shell $(PHP_CONFIG) --extension-dir)
PHP_VERSION_MM = $(shell $(PHP) -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')
PHP_MODS_DIR ?= /etc/php/$(PHP_VERSION_MM)/mods-available

.PHONY: install uninstall
install: deps
	$(CARGO) build --release -p dingtalk-php
	install -D -m 0755 target/release/libdingtalk.so $(DESTDIR)$(PHP_EXT_DIR)/dingtalk.so
	install -D -m 0644 dingtalk.ini $(DESTDIR)$(PHP_MODS_DIR)/dingtalk.ini
	@if [ -z "$(DESTDIR)" ] && command -v phpenmod >/dev/null; then phpenmod dingtalk; fi
	@$(PHP) -m | grep -qx dingtalk && echo "dingtalk $$($(PHP) -r 'echo phpversion("dingtalk");') installed" || true

uninstall:
	@if command -v phpdismod >/dev/null; then phpdismod dingtalk || true; fi
	rm -f $(DESTDIR)$(PHP_EXT_DIR)/dingtalk.so $(DESTDIR)$(PHP_MODS_DIR)/dingtalk.ini
