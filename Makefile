# bpcheck - a flat Makefile. `make verify` and `make check` are the two commands of the README.
CC      ?= cc
CFLAGS  ?= -std=c11 -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
CPPFLAGS += -Ilib -Ichecks -MMD -MP
# Any CBLAS can stand in for GSL's reference one: make CBLAS=-lopenblas
CBLAS   ?= -lgslcblas
LDLIBS  := -lgsl $(CBLAS) -lm
B       := build

LIB_SRC    := $(wildcard lib/*.c)
CHECKS_SRC := $(wildcard checks/*.c)
CLI_SRC    := $(wildcard cli/*.c)
TEST_SRC   := $(wildcard tests/*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o)
CHECKS_OBJ := $(CHECKS_SRC:%.c=$(B)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(B)/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(B)/%.o)

# Debian packages, each with the header (or program) that shows it is there.
DEPS := gsl/gsl_blas.h:libgsl-dev CUnit/Basic.h:libcunit1-dev

.PHONY: all verify check deps clean
all: deps $(B)/bpcheck

verify: all
	$(B)/bpcheck all

check: deps $(B)/bpcheck $(B)/test_bpcheck
	BPCHECK=$(B)/bpcheck $(B)/test_bpcheck

$(B)/libbpcheck.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/libbpchecks.a: $(CHECKS_OBJ)
	$(AR) rcs $@ $^

$(B)/bpcheck: $(CLI_OBJ) $(B)/libbpchecks.a $(B)/libbpcheck.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/test_bpcheck: $(TEST_OBJ) $(B)/libbpchecks.a $(B)/libbpcheck.a
	$(CC) $(CFLAGS) -o $@ $^ -lcunit $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

# Installs what is missing when run as root; otherwise names the one command to run.
deps:
	@missing=""; \
	for d in $(DEPS); do \
	  printf '#include <%s>\n' "$${d%%:*}" | $(CC) -E -x c - >/dev/null 2>&1 || missing="$$missing $${d##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "bpcheck needs:$$missing. Install them with:  sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(B)

-include $(LIB_OBJ:.o=.d) $(CHECKS_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
