dnl The dingtalk extension is written in Rust. This turns the build sequence of PIE and phpize,
dnl
dnl   phpize && ./configure --with-php-config=... && make && make install
dnl
dnl into cargo release builds of the workspace one directory up (packages dingtalk-php and
dnl dingtalk-emulator): `make` runs cargo and leaves modules/dingtalk.so and
dnl modules/dingtalk-emulator; `make install` only copies them into the extension dir (PIE may run
dnl it with sudo, where no Rust toolchain is). Makefile.frag has the rules; the workspace's own
dnl Makefile plays no part.

dnl --- the workspace -------------------------------------------------------------------------------
AC_MSG_CHECKING([for the dingtalk Cargo workspace])
DINGTALK_SRC=`cd "$srcdir/.." && pwd`
if test ! -f "$DINGTALK_SRC/Cargo.toml" || test ! -f "$DINGTALK_SRC/Cargo.lock"; then
  AC_MSG_ERROR([no Cargo.toml and Cargo.lock in $DINGTALK_SRC: run phpize in the pie/ folder of the dingtalk sources])
fi
AC_MSG_RESULT([$DINGTALK_SRC])

dnl --- the PHP chosen by --with-php-config, which ext-php-rs must build against --------------------
dnl ext-php-rs reads the PHP_CONFIG and PHP environment variables; both must be paths.
AC_MSG_CHECKING([for the php-config to build against])
case "$PHP_CONFIG" in
  */*) DINGTALK_PHP_CONFIG="$PHP_CONFIG" ;;
  *) DINGTALK_PHP_CONFIG=`command -v "$PHP_CONFIG" 2>/dev/null` ;;
esac
if test -z "$DINGTALK_PHP_CONFIG" || test ! -x "$DINGTALK_PHP_CONFIG"; then
  AC_MSG_ERROR([php-config not found: $PHP_CONFIG])
fi
DINGTALK_PHP_CONFIG="`cd "\`dirname "$DINGTALK_PHP_CONFIG"\`" && pwd`/`basename "$DINGTALK_PHP_CONFIG"`"
AC_MSG_RESULT([$DINGTALK_PHP_CONFIG])

AC_MSG_CHECKING([for the php binary of that php-config])
DINGTALK_PHP="$PHP_EXECUTABLE"
if test -z "$DINGTALK_PHP" || test ! -x "$DINGTALK_PHP"; then
  AC_MSG_ERROR([$DINGTALK_PHP_CONFIG --php-binary names "$DINGTALK_PHP", which is not an executable: install that PHP's command-line binary (Debian/Ubuntu: phpX.Y-cli)])
fi
DINGTALK_PHP_VERSION=`"$DINGTALK_PHP_CONFIG" --version 2>/dev/null`
AC_MSG_RESULT([$DINGTALK_PHP (PHP $DINGTALK_PHP_VERSION)])

if test "$PHP_THREAD_SAFETY" = "yes"; then
  AC_MSG_WARN([this PHP is thread-safe (ZTS): the extension is tested on NTS builds only])
fi

dnl --- cargo -------------------------------------------------------------------------------------
dnl The workspace's rust-version (Cargo.toml) is the oldest Rust that builds it: cargo would also
dnl refuse an older one, but only at make time.
dingtalk_rust_min=`sed -n 's/^rust-version *= *"\([[0-9.]]*\)".*/\1/p' "$DINGTALK_SRC/Cargo.toml" | head -n 1`
dnl rustup puts cargo in ~/.cargo/bin, which a non-login shell may not have on its PATH.
AC_ARG_VAR([CARGO], [the cargo command that builds the extension])
AC_PATH_PROG([CARGO], [cargo], [], [$PATH$PATH_SEPARATOR$HOME/.cargo/bin])
if test -z "$CARGO"; then
  AC_MSG_ERROR([cargo not found. The dingtalk extension is written in Rust: install a Rust toolchain, $dingtalk_rust_min or newer (rustup; or a distribution's package that new, such as Debian 13's cargo-web), then run ./configure again, or set CARGO=/path/to/cargo])
fi
AC_MSG_CHECKING([for the Rust version])
dingtalk_rust_version=`"$CARGO" --version 2>/dev/null | sed -n 's/^cargo \([[0-9]][[0-9]]*\.[[0-9]][[0-9]]*\)\..*/\1/p'`
if test -z "$dingtalk_rust_version"; then
  AC_MSG_ERROR([$CARGO --version failed: the Rust toolchain is not usable (with rustup: rustup default stable)])
fi
dingtalk_rust_major=`echo "$dingtalk_rust_version" | cut -d. -f1`
dingtalk_rust_minor=`echo "$dingtalk_rust_version" | cut -d. -f2`
dingtalk_min_major=`echo "$dingtalk_rust_min" | cut -d. -f1`
dingtalk_min_minor=`echo "$dingtalk_rust_min" | cut -d. -f2`
if test "$dingtalk_rust_major" -lt "$dingtalk_min_major" || { test "$dingtalk_rust_major" -eq "$dingtalk_min_major" && test "$dingtalk_rust_minor" -lt "$dingtalk_min_minor"; }; then
  AC_MSG_ERROR([Rust $dingtalk_rust_version is too old: the dingtalk extension needs Rust $dingtalk_rust_min or newer (rustup update)])
fi
AC_MSG_RESULT([$dingtalk_rust_version])

dnl --- libclang, which bindgen loads to read PHP's headers ----------------------------------------
dnl Looked for where bindgen (clang-sys) looks, only to stop here with a clear message: the build
dnl finds it by itself (or through the same LIBCLANG_PATH).
AC_MSG_CHECKING([for libclang])
dingtalk_libclang_dir=
dingtalk_clang_dirs="$LIBCLANG_PATH"
if test -z "$dingtalk_clang_dirs"; then
  if command -v llvm-config >/dev/null 2>&1; then
    dingtalk_clang_dirs=`llvm-config --libdir 2>/dev/null`
  fi
  dingtalk_clang_dirs="$dingtalk_clang_dirs `ls -d /usr/lib/llvm-*/lib /usr/lib64/llvm*/lib /usr/lib/*-linux-gnu /usr/lib64 /usr/lib /usr/local/lib 2>/dev/null`"
fi
for dingtalk_dir in $dingtalk_clang_dirs; do
  for dingtalk_lib in "$dingtalk_dir"/libclang.so "$dingtalk_dir"/libclang-*.so "$dingtalk_dir"/libclang.so.* "$dingtalk_dir"/libclang-*.so.*; do
    if test -f "$dingtalk_lib"; then
      dingtalk_libclang_dir="$dingtalk_dir"
      break 2
    fi
  done
done
if test -z "$dingtalk_libclang_dir"; then
  AC_MSG_ERROR([libclang not found. The build reads PHP's headers with bindgen, which needs libclang and clang's headers: install them (Debian/Ubuntu: apt-get install libclang-dev clang; Fedora/RHEL: dnf install clang-devel; Alpine: apk add clang-dev), then run ./configure again, or set LIBCLANG_PATH to the folder that holds libclang.so])
fi
AC_MSG_RESULT([$dingtalk_libclang_dir])

dnl --- where cargo builds -------------------------------------------------------------------------
DINGTALK_TARGET_DIR="${CARGO_TARGET_DIR:-$DINGTALK_SRC/target}"
case "$DINGTALK_TARGET_DIR" in
  /*) ;;
  *) DINGTALK_TARGET_DIR="`pwd`/$DINGTALK_TARGET_DIR" ;;
esac

PHP_SUBST(CARGO)
PHP_SUBST(DINGTALK_SRC)
PHP_SUBST(DINGTALK_PHP)
PHP_SUBST(DINGTALK_PHP_CONFIG)
PHP_SUBST(DINGTALK_TARGET_DIR)
dnl phpize creates no folder of its own without C sources; modules/ is where make puts the .so.
PHP_ADD_BUILD_DIR([modules])
PHP_ADD_MAKEFILE_FRAGMENT([`cd "$srcdir" && pwd`/Makefile.frag])
