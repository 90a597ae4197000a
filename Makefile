# tspipe — see README.md.
#
#   make                build lib/ and every tool into build/bin
#   make check          install missing packages, build, run all tests
#   make check-sanitize the same tests on an ASan+UBSan build (build-san/)
#   make check-valgrind the same tests under valgrind
#   make demo           install missing packages, build, run the demo
#   make install        PREFIX=/usr/local DESTDIR=
#
# ./configure is run automatically (config.mk) the first time.

TOOLS = tsinterp tsmodel tsscale tsdeseason tsforecast tsscore tsfetch pdclassify tsdecide
LIB_SRCS = $(sort $(wildcard lib/*.c))
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))

BUILD ?= build
SAN ?=
WERROR ?= -Werror

WARN = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wformat=2 -Wvla -Wwrite-strings -Wundef
ifeq ($(SAN),1)
OPT = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
      -fno-sanitize-recover=undefined
else
OPT = $(CONF_CFLAGS)
endif

ifeq ($(filter clean distclean deps,$(MAKECMDGOALS)),)
include config.mk
endif

PREFIX ?= $(if $(CONF_PREFIX),$(CONF_PREFIX),/usr/local)
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man

ALL_CFLAGS = $(WARN) $(WERROR) $(OPT) $(CFLAGS) -pthread -D_POSIX_C_SOURCE=200809L \
	-DPACKAGE_VERSION='"$(VERSION)"' -Ilib -Itools \
	$(GSL_CFLAGS) $(ZLIB_CFLAGS) $(CURL_CFLAGS) $(CONF_CPPFLAGS) $(CPPFLAGS)
ALL_LDFLAGS = $(OPT) $(CONF_LDFLAGS) $(LDFLAGS)
LIBS = $(GSL_LIBS) $(ZLIB_LIBS) $(CSV_LIBS) $(CURL_LIBS) -lm -pthread

LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBA = $(BUILD)/libtspipe.a
CLI_OBJ = $(BUILD)/tools/cli.o $(BUILD)/tools/tool_io.o
BINS = $(TOOLS:%=$(BUILD)/bin/%)
UNIT_BINS = $(UNIT_SRCS:%.c=$(BUILD)/%) $(BUILD)/tests/numcmp $(BUILD)/tests/mkstore \
	$(BUILD)/tests/mstlbench

.PHONY: all deps check check-sanitize check-valgrind demo bench install \
	clean distclean lint-man
.SUFFIXES:
# Objects are kept (not deleted as intermediates); unlike .SECONDARY
# with no names, a missing library object is still rebuilt.
.PRECIOUS: $(BUILD)/%.o

all: $(BINS) $(UNIT_BINS)

config.mk: configure.ac config.mk.in
	scripts/install-deps
	autoconf
	./configure --quiet

$(BUILD)/%.o: %.c $(wildcard lib/*.h tools/*.h tests/unit/*.h) config.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

# rnn_cell*.c pass AVX-sized vectors between (inlined) helpers: GCC's
# note on their ABI cannot be silenced by a pragma in the file.
$(BUILD)/lib/rnn_cell.o $(BUILD)/lib/rnn_cell_f.o $(BUILD)/lib/rnn_cell_favx.o: CFLAGS += -Wno-psabi

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

# A tool is tools/TOOL.c and, when it has grown past one file, the files
# of its own folder tools/TOOL/ (e.g. tsforecast/opts.c), linked before
# the library.
tool_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/$(1)/*.c))
.SECONDEXPANSION:
$(BUILD)/bin/%: $(BUILD)/tools/%.o $$(call tool_objs,$$*) $(CLI_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LIBS)

# pdclassify: its subcommands are in tools/pdclassify_*.c.
$(BUILD)/bin/pdclassify: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/pdclassify_*.c))

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBA)
	@echo "  LINK    $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

deps:
	@scripts/install-deps --check

check: deps all
	@tests/run $(BUILD)

check-sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 tests/run build-san

check-valgrind: deps all
	@TSP_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	 tests/run $(BUILD)

demo: deps all
	@scripts/demo $(BUILD)/bin

bench: all
	scripts/bench-tsinterp $(BUILD)/bin

lint-man:
	@for m in man/*.[1-9]; do mandoc -Tlint -W warning $$m || exit 1; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7

clean:
	rm -rf build build-san

distclean: clean
	rm -rf config.mk config.log config.status configure autom4te.cache
