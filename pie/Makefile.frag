# Rules for phpize's Makefile (config.m4 adds them): `make` runs the cargo release build and puts
# the extension in modules/, `make install` copies modules/ into the extension dir (phpize's own
# install-modules rule, INSTALL_ROOT honoured) and never runs cargo.

all: dingtalk-build

# `+`: cargo takes its jobs from make's jobserver (`make -jN`, as PIE runs it).
# cargo runs in the workspace so that its .cargo/config.toml (the vendored crates of a source
# archive) applies.
dingtalk-build:
	+cd '$(DINGTALK_SRC)' && PHP='$(DINGTALK_PHP)' PHP_CONFIG='$(DINGTALK_PHP_CONFIG)' \
	  '$(CARGO)' build --release --locked -p dingtalk-php --target-dir '$(DINGTALK_TARGET_DIR)'
	@mkdir -p '$(phplibdir)'
	cp '$(DINGTALK_TARGET_DIR)/release/libdingtalk.so' '$(phplibdir)/dingtalk.so'

install-modules: dingtalk-built

dingtalk-built:
	@test -f '$(phplibdir)/dingtalk.so' || { echo "$(phplibdir)/dingtalk.so is missing: run make (which runs cargo) before make install" >&2; exit 1; }

.PHONY: dingtalk-build dingtalk-built
