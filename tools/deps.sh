#!/bin/sh
# deps.sh KIND:WHAT:PACKAGE ... - install the Debian packages whose header or program is missing.
#   header:gsl/gsl_blas.h:libgsl-dev    the C compiler must find the header
#   program:valgrind:valgrind           the program must be on PATH
#   fuzzer:clang:libclang-rt-14-dev     the compiler must link a libFuzzer program (-fsanitize=fuzzer)
#   lib:openblas:libopenblas-dev        the C compiler must link a program with -lopenblas
#   pymod:numpy:python3-numpy           Debian's /usr/bin/python3 must import the module
# As root with apt-get, installs what is missing; otherwise prints the one command to run and fails.
missing=""
for dep in "$@"; do
  kind=${dep%%:*}; rest=${dep#*:}; what=${rest%%:*}; pkg=${rest#*:}
  case $kind in
    header) printf '#include <%s>\n' "$what" | ${CC:-cc} -E -x c - >/dev/null 2>&1 || missing="$missing $pkg" ;;
    lib) printf 'int main(void) { return 0; }\n' | ${CC:-cc} -x c - -o /dev/null -l"$what" >/dev/null 2>&1 ||
           missing="$missing $pkg" ;;
    program) command -v "$what" >/dev/null 2>&1 || missing="$missing $pkg" ;;
    pymod) /usr/bin/python3 -c "import $what" >/dev/null 2>&1 || missing="$missing $pkg" ;;
    fuzzer)
      probe=$(mktemp -d)
      printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
        >"$probe/f.c"
      "$what" -fsanitize=fuzzer -o "$probe/f" "$probe/f.c" >/dev/null 2>&1 || missing="$missing $pkg"
      rm -rf "$probe" ;;
    *) echo "deps.sh: unknown kind '$kind' in '$dep'" >&2; exit 2 ;;
  esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null && exit 0
  echo "deps.sh: apt-get could not install:$missing" >&2
  exit 1
fi
echo "bpcheck needs the Debian packages$missing. Install them with:  sudo apt-get install -y$missing" >&2
exit 1
