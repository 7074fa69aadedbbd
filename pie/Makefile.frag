# Rules for phpize's Makefile (config.m4 adds them): `make` runs the cargo release builds and puts
# the extension and the emulator in modules/, `make install` copies modules/ into the extension
# dir (phpize's own install-modules rule, INSTALL_ROOT honoured) and never runs cargo. The emulator
# (dingtalk-emulator, a program) so lands beside dingtalk.so, where the testing package
# (dingtalk-php/dingtalk-testing) looks for it.

all: dingtalk-build

# `+`: cargo takes its jobs from make's jobserver (`make -jN`, as PIE runs it).
# cargo runs in the workspace so that its .cargo/config.toml (the vendored crates of a source
# archive) applies.
# Two cargo runs, not one: built together, the emulator's dependency features would be unified
# into the extension's build, which would then differ from the other routes' (make install, dist).
dingtalk-build:
	+cd '$(DINGTALK_SRC)' && PHP='$(DINGTALK_PHP)' PHP_CONFIG='$(DINGTALK_PHP_CONFIG)' \
	  '$(CARGO)' build --release --locked -p dingtalk-php --target-dir '$(DINGTALK_TARGET_DIR)'
	+cd '$(DINGTALK_SRC)' && \
	  '$(CARGO)' build --release --locked -p dingtalk-emulator --target-dir '$(DINGTALK_TARGET_DIR)'
	@mkdir -p '$(phplibdir)'
	cp '$(DINGTALK_TARGET_DIR)/release/libdingtalk.so' '$(phplibdir)/dingtalk.so'
	cp '$(DINGTALK_TARGET_DIR)/release/dingtalk-emulator' '$(phplibdir)/dingtalk-emulator'

install-modules: dingtalk-built

dingtalk-built:
	@for f in dingtalk.so dingtalk-emulator; do \
	  test -f '$(phplibdir)/'"$$f" || { echo "$(phplibdir)/$$f is missing: run make (which runs cargo) before make install" >&2; exit 1; }; \
	done

.PHONY: dingtalk-build dingtalk-built
