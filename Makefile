# bpcheck - a flat Makefile. `make verify` and `make check` are the two commands of the README.
CC      ?= cc
CFLAGS  ?= -std=c11 -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
CPPFLAGS += -Ilib -Ichecks -MMD -MP
# The CBLAS behind gsl_blas: OpenBLAS when it links (make deps installs libopenblas-dev), else GSL's reference
# CBLAS, 6-10 times slower on large networks (docs/performance.md). Any other: make CBLAS=-lblis
ifeq ($(origin CBLAS),undefined)
  CBLAS := $(shell printf 'int main(void){return 0;}\n' | $(CC) -x c - -o /dev/null -lopenblas 2>/dev/null && echo -lopenblas)
  ifeq ($(CBLAS),)
    CBLAS := -lgslcblas
    $(info bpcheck: OpenBLAS not found, linking GSL's reference CBLAS (slower); `make deps` installs libopenblas-dev)
  endif
endif
LDLIBS  := -lgsl $(CBLAS) -lm -pthread
B       := build

LIB_SRC    := $(wildcard lib/*.c)
CHECKS_SRC := $(wildcard checks/*.c)
CLI_SRC    := $(wildcard cli/*.c)
TEST_SRC   := $(wildcard tests/*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o)
CHECKS_OBJ := $(CHECKS_SRC:%.c=$(B)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(B)/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(B)/%.o)

# Debian packages, each with the header or program that shows it is there (tools/deps.sh).
DEPS       := header:gsl/gsl_blas.h:libgsl-dev header:CUnit/Basic.h:libcunit1-dev program:gnuplot:gnuplot-nox \
              lib:openblas:libopenblas-dev program:g++:g++ program:pkg-config:pkg-config
DEPS_CHECK := program:valgrind:valgrind program:gcovr:gcovr

.PHONY: all verify check deps clean sanitize valgrind coverage format
all: deps $(B)/bpcheck

verify: all
	$(B)/bpcheck all
	sh plots/build.sh $(B)/bpcheck plots/out
	@echo "report: plots/out/index.html"

# Every figure of plots/ as PNG and SVG, and the report plots/out/index.html (plots/README.md).
.PHONY: plots
plots: deps $(B)/bpcheck
	sh plots/build.sh $(B)/bpcheck plots/out
	@echo "report: plots/out/index.html"

# Then every documented command (tests/test_docs.sh, HACKING.md "Runnable docs"), after a self-test showing that
# a wrong command and a wrong expected line are caught. The docs run build/bpcheck as written.
# NumPy is wanted, not needed: without it the NumPy suite says it is skipped (as root, deps.sh installs it).
check: deps $(B)/bpcheck $(B)/test_bpcheck examples
	@sh tools/deps.sh pymod:numpy:python3-numpy || echo "check: the NumPy suite (tests/test_numpy.c) will be skipped"
	BPCHECK=$(B)/bpcheck $(B)/test_bpcheck
	CC="$(CC)" CXX="$(CXX)" CFLAGS="$(CFLAGS) $(WARN)" LDLIBS="$(LDLIBS)" MAKE="$(MAKE)" sh tests/test_examples.sh $(B)
	sh tests/test_docs.sh --self-test
	sh tests/test_docs.sh
	sh tests/test_coursework.sh $(B)

$(B)/libbpcheck.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/libbpchecks.a: $(CHECKS_OBJ)
	$(AR) rcs $@ $^

# Programs relink when the CBLAS changes: $(B)/cblas.flags holds the one they were linked with.
.PHONY: FORCE
$(B)/cblas.flags: FORCE
	@mkdir -p $(B); echo '$(CBLAS)' | cmp -s - $@ || echo '$(CBLAS)' >$@
LINKED = $(filter %.o %.a,$^)

$(B)/bpcheck: $(CLI_OBJ) $(B)/libbpchecks.a $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -o $@ $(LINKED) $(LDLIBS)

$(B)/test_bpcheck: $(TEST_OBJ) $(B)/libbpchecks.a $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -o $@ $(LINKED) -lcunit $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

# Installs what is missing when run as root; otherwise names the one command to run.
deps:
	@CC="$(CC)" sh tools/deps.sh $(DEPS)

# ---- reliability: the whole suite and `bpcheck all` under sanitizers, valgrind, and with coverage -------------
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
sanitize: deps
	$(MAKE) --no-print-directory B=build/sanitize CFLAGS="-std=c11 -O1 -g $(SAN)" build/sanitize/bpcheck build/sanitize/test_bpcheck
	BPCHECK=build/sanitize/bpcheck build/sanitize/test_bpcheck
	build/sanitize/bpcheck all >/dev/null
	@echo "sanitize: no findings"

# valgrind runs the suite linked with GSL's reference CBLAS: it cannot execute every kernel OpenBLAS picks for the
# CPU (AVX-512), and so the suite runs with both BLAS (check with OpenBLAS, valgrind with GSL's).
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
VG       := build/valgrind
valgrind: deps
	@sh tools/deps.sh program:valgrind:valgrind
	$(MAKE) --no-print-directory B=$(VG) CBLAS=-lgslcblas $(VG)/bpcheck $(VG)/test_bpcheck
	BPCHECK=$(VG)/bpcheck $(VALGRIND) $(VG)/test_bpcheck
	$(VALGRIND) $(VG)/bpcheck all >/dev/null
	@echo "valgrind: no errors, no bytes definitely or indirectly lost"

coverage: deps
	@sh tools/deps.sh program:gcovr:gcovr
	rm -rf build/coverage
	$(MAKE) --no-print-directory B=build/coverage CFLAGS="-std=c11 -O0 -g --coverage" build/coverage/bpcheck build/coverage/test_bpcheck
	BPCHECK=build/coverage/bpcheck build/coverage/test_bpcheck >/dev/null
	build/coverage/bpcheck all >/dev/null
	gcovr --root . --filter 'lib/' --object-directory build/coverage --print-summary \
	  --html-details build/coverage/index.html
	@echo "coverage report: build/coverage/index.html"

# ---- fuzzing: libFuzzer targets for the readers, built with clang into build/fuzz/ --------------------------------
# Each runs FUZZ_SECONDS on its own corpus, build/fuzz/corpus-<target>, starting from tests/fuzz/seeds/<target>
# (read, never written), and prints seconds, executions and crashes. `make -j3 fuzz` runs the three at once.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz_csv fuzz_params fuzz_layers
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
.PHONY: fuzz fuzz-build $(FUZZ_TARGETS:%=fuzz-run-%)
fuzz: fuzz-build
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-build: deps
	@sh tools/deps.sh program:clang:clang
	@sh tools/deps.sh fuzzer:clang:libclang-rt-14-dev
	$(MAKE) --no-print-directory B=build/fuzz CC=clang CFLAGS="-std=c11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	  $(FUZZ_TARGETS:%=build/fuzz/%)

$(FUZZ_TARGETS:%=fuzz-run-%): fuzz-run-%:
	@sh tools/fuzz.sh $* $(FUZZ_SECONDS)

# Only built by fuzz-build, with clang (B=build/fuzz).
$(B)/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $(LINKED) $(LDLIBS)

.SECONDARY: $(FUZZ_TARGETS:%=$(B)/tests/fuzz/%.o)
-include $(FUZZ_TARGETS:%=$(B)/tests/fuzz/%.d)

# ---- property: bpcheck's own backprop never FAILs on random networks (tests/property.h); make check runs a few
# hundred cases, this runs PROPERTY_CASES per method from PROPERTY_SEED and prints every false verdict.
PROPERTY_CASES ?= 10000
PROPERTY_SEED  ?= 1
.PHONY: property
property: deps $(B)/property
	$(B)/property $(PROPERTY_CASES) $(PROPERTY_SEED)

$(B)/property: $(B)/tests/property/main.o $(B)/tests/property.o $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -o $@ $(LINKED) $(LDLIBS)

-include $(B)/tests/property/main.d

# ---- bench: bp_dataset_read_csv on a ~100 MB CSV: MB/s and peak RSS against the size of the final matrices -------
.PHONY: bench
bench: deps $(B)/bench_csv $(B)/bench_train $(B)/bench_check
	$(B)/bench_csv file $(B)/bench/bench.csv
	$(B)/bench_csv pipe $(B)/bench/bench.csv
	sh bench/bench_train.sh $(B)/bench_train $(B)/bench
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(B)/bench_check $(B)/bench
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 sh bench/peer.sh $(B)/bench $(B)/bench_check

$(B)/bench_csv: $(B)/bench/bench_csv.o $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -o $@ $(LINKED) $(LDLIBS)

-include $(B)/bench/bench_csv.d

# An epoch of digits with a 64-100-10 network, batch 32, in C and in NumPy (bench/bench_train.sh prints the ratio).
$(B)/bench_train: $(B)/bench/bench_train.o $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -o $@ $(LINKED) $(LDLIBS)

-include $(B)/bench/bench_train.d

# The network against dgemm, GSL's CBLAS against the linked one, the full check by method and threads, and its time
# against the number of parameters (bench/bench_check.c); NumPy and PyTorch beside it (bench/peer.sh, peer.py).
$(B)/bench_check: $(B)/bench/bench_check.o $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -o $@ $(LINKED) $(LDLIBS) -ldl

-include $(B)/bench/bench_check.d

# ---- the library for programs outside: examples/, make install (docs/library.md) -----------------------------
# Outside code includes <bpcheck/mlp.h>: in the tree $(B)/include/bpcheck is a link to lib/, once installed it is
# $(PREFIX)/include/bpcheck. Each example is a complete program; tests/test_examples.sh runs them (make check).
EXAMPLES := $(basename $(notdir $(wildcard examples/*.c)))
CXX      ?= g++
.PHONY: examples install uninstall
examples: $(EXAMPLES:%=$(B)/examples/%) $(B)/examples/derivation_cxx

$(B)/include/bpcheck:
	@mkdir -p $(B)/include
	ln -sfn $(CURDIR)/lib $@

$(B)/examples/%: examples/%.c $(B)/libbpcheck.a $(B)/cblas.flags | $(B)/include/bpcheck
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -I$(B)/include -o $@ $< $(B)/libbpcheck.a $(LDLIBS)

# The same source as C++: the headers' extern "C" guards at work.
$(B)/examples/derivation_cxx: examples/derivation.c $(B)/libbpcheck.a $(B)/cblas.flags | $(B)/include/bpcheck
	@mkdir -p $(dir $@)
	$(CXX) -x c++ -std=c++11 -O2 -g -Wall -Wextra -Wpedantic -Werror -I$(B)/include -o $@ $< -x none \
	  $(B)/libbpcheck.a $(LDLIBS)

PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
LIBDIR  := $(PREFIX)/lib
INCDIR  := $(PREFIX)/include/bpcheck
PCDIR   := $(LIBDIR)/pkgconfig
MAN1DIR := $(PREFIX)/share/man/man1
# Every header of lib/ but the two internal ones (C99 complex helpers, the softmax row), which no public one includes.
HEADERS := $(filter-out lib/cmplx.h lib/softmax_row.h,$(wildcard lib/*.h))
VERSION := $(shell sed -n 's/^\#define BP_VERSION "\(.*\)"/\1/p' lib/core.h)

# Rewritten when PREFIX or the CBLAS changes, like cblas.flags. The library is static, so Libs names what it needs.
PC_LINES = 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' 'Name: bpcheck' \
  'Description: gradient checks of backpropagation: finite differences, verdicts, diagnoses' \
  'Version: $(VERSION)' 'Libs: -L$${libdir} -lbpcheck $(LDLIBS)' 'Cflags: -I$${includedir}'
$(B)/bpcheck.pc: FORCE
	@mkdir -p $(B); printf '%s\n' $(PC_LINES) | cmp -s - $@ || printf '%s\n' $(PC_LINES) >$@

install: $(B)/bpcheck $(B)/libbpcheck.a $(B)/bpcheck.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR) $(DESTDIR)$(MAN1DIR)
	install -m 755 $(B)/bpcheck $(DESTDIR)$(BINDIR)/bpcheck
	install -m 644 $(B)/libbpcheck.a $(DESTDIR)$(LIBDIR)/libbpcheck.a
	install -m 644 $(HEADERS) $(DESTDIR)$(INCDIR)/
	install -m 644 $(B)/bpcheck.pc $(DESTDIR)$(PCDIR)/bpcheck.pc
	install -m 644 man/bpcheck.1 $(DESTDIR)$(MAN1DIR)/bpcheck.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bpcheck $(DESTDIR)$(LIBDIR)/libbpcheck.a $(DESTDIR)$(PCDIR)/bpcheck.pc \
	  $(DESTDIR)$(MAN1DIR)/bpcheck.1 $(HEADERS:lib/%=$(DESTDIR)$(INCDIR)/%)
	rmdir $(DESTDIR)$(INCDIR) 2>/dev/null || true

# ---- coursework: the student handout and the Gradescope autograder (docs/coursework.md) ---------------------------
# Both carry a copy of the library's sources (lib/, checks/, cli/) and the course directory with every solution
# stripped (bpcheck handout), so that they build with make and GSL alone and hold no solution.
HANDOUT := $(B)/handout/bpcheck-handout
.PHONY: handout gradescope gradescope-dir
handout: all
	rm -rf $(B)/handout
	mkdir -p $(HANDOUT)/grader
	$(B)/bpcheck handout $(HANDOUT)/grader/course --course course
	cp $(HANDOUT)/grader/course/exercises.h $(HANDOUT)/grader/course/ex0*.c $(HANDOUT)/
	cp -R lib checks cli $(HANDOUT)/grader/
	cp -R tutorials $(HANDOUT)/
	cp course/handout/Makefile course/handout/README.md course/train_mine.c $(HANDOUT)/
	tar -C $(B)/handout -czf $(B)/handout/bpcheck-handout.tar.gz bpcheck-handout
	@echo "handout: $(HANDOUT)/ and $(B)/handout/bpcheck-handout.tar.gz"

gradescope: gradescope-dir
	@sh tools/deps.sh program:zip:zip
	rm -f $(B)/autograder.zip
	cd $(B)/autograder && zip -qr ../autograder.zip setup.sh run_autograder Makefile grader
	@echo "gradescope: $(B)/autograder.zip (upload it as the autograder; docs/coursework.md)"

# The autograder's contents, unzipped (tests/test_coursework.sh runs it as Gradescope would).
gradescope-dir: all
	rm -rf $(B)/autograder
	mkdir -p $(B)/autograder/grader
	$(B)/bpcheck handout $(B)/autograder/grader/course --course course
	cp -R lib checks cli $(B)/autograder/grader/
	cp course/handout/Makefile course/gradescope/setup.sh course/gradescope/run_autograder $(B)/autograder/

# ---- tutorial 06's exercise: the spiral trained with a coursework backward pass (course/train_mine.c) ----------------
# MINE is the directory of the exercise files linked in: the instructor's course/ by default, or a student's copy.
# The handout's `make train` does the same with the student's files (course/handout/Makefile).
MINE ?= course
.PHONY: train-mine
train-mine: $(B)/libbpcheck.a $(B)/cblas.flags
	$(CC) $(CFLAGS) -Ilib -Icourse -o $(B)/train_mine course/train_mine.c $(wildcard $(MINE)/ex0*.c) $(B)/libbpcheck.a $(LDLIBS)
	$(B)/train_mine

clean:
	rm -rf $(B)

-include $(LIB_OBJ:.o=.d) $(CHECKS_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)

# ---- format: apply .clang-format to every tracked C source and header ------------------------------------------
format:
	clang-format -i $$(git ls-files '*.c' '*.h')
