# proc-labs: twenty C labs on Unix processes, and their autograder.
#
#   make                 build the helper library, the grader and every lab's programs
#   make LAB=03          ... and only that lab's programs
#   make grade [LAB=03]  grade your work in labs/ (all labs, or one by number or slug)
#   make test            the kit's self-test (what CI runs)
#   make setup           install the packages the kit needs (Debian, as root)
#   make handout [LAB=03] dist/: the student handout (its Classroom workflow grades those labs)
#   make gradescope [LAB="03 05"]  dist/gradescope.zip: the Gradescope autograder (of those labs)
#   make batch SUBMISSIONS=DIR   grade a folder of submissions into a CSV
#   make stress [RUNS=20] [LOAD=1] [PIN=CPU]  grade solutions and mutants again and again: any difference?
#                        (LOAD=N: N busy processes per core; JOBS=N: N grades at once;
#                        PIN=CPU: every busy process on that one CPU)
#   make batch-proof     a batch of twelve submissions, three times on a loaded machine: one CSV?
#   make mutate [LAB=03] mechanical mutants of the solutions: which ones score full marks?
#   make bench           the labs' primitives against Python's multiprocessing and the syscalls
#   make clean           remove everything built
#   V=1                  show every compiler command (the build is quiet otherwise:
#                        one line per step, the compiler's output only on failure)
#
# `make grade` stops with the grader's status in make's own words: make exits 0
# at full marks, else 2 with "make: *** [grade] Error N" where N is the
# grader's status (1 a check failed, 2 could not grade). grader/grade exits N.

CC      ?= gcc
CFLAGS   = -std=gnu11 -O2 -g -Wall -Wextra -Werror
JOBS    ?= $(shell nproc)
V       ?= 0
# Q hides a command (V=1 shows it); say prints the one line of a step.
Q        = $(if $(filter 1,$(V)),,@)
say      = $(if $(filter 1,$(V)),@true,@printf '  %-8s %s\n')

COMMON_SRC  := $(wildcard common/*.c)
COMMON_OBJ  := $(COMMON_SRC:common/%.c=grader/build/common/%.o)
GRADER_SRC  := $(wildcard grader/src/*.c)
GRADER_OBJ  := $(GRADER_SRC:grader/src/%.c=grader/build/src/%.o)
GRADER_HDR  := $(wildcard grader/src/*.h)

.PHONY: all kit deps setup grade test clean format handout gradescope batch stress bench mutate pot explain-docs batch-proof

# The messages in other languages (po/LANG.po), compiled where the grader
# and, read-only in the box, the checks find them.
CATALOGUES := $(patsubst po/%.po,grader/build/locale/%/LC_MESSAGES/proclabs.mo,$(wildcard po/*.po))

all: deps kit
	@grader/grade build $(LAB)

# Each lab's Criterion checks, compiled once against its pristine headers
# (the grader links them; it compiles a source itself when this is stale).
CHECK_SRC   := $(wildcard grader/checks/[0-9]*/*.c)
CHECK_OBJ   := $(CHECK_SRC:grader/checks/%.c=grader/build/checks/%.o)
CHECK_FLAGS  = -std=gnu11 -g -O1 -Wall -Wextra -Werror -pthread

kit: common/libproclabs.a grader/grade grader/build/check.o grader/build/jail.o grader/build/as-student grader/build/checks.stamp grader/build/nogit/stamp $(CATALOGUES)

# One line for all the labs' checks, however many were compiled.
grader/build/checks.stamp: $(CHECK_OBJ)
	$(say) CHECKS "the labs' checks ($(words $(CHECK_OBJ)) objects)"
	@touch $@

deps:
	@grader/setup.sh --check 2>/dev/null || grader/setup.sh

setup:
	@grader/setup.sh

common/libproclabs.a: $(COMMON_OBJ)
	$(say) LIB "$@ (the labs' helper library)"
	$(Q)ar rcs $@ $^

grader/build/common/%.o: common/%.c common/proclabs.h | deps
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Icommon -c $< -o $@

grader/build/src/%.o: grader/src/%.c $(GRADER_HDR) grader/checks/lib/jail.h | deps
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

grader/grade: $(GRADER_OBJ) grader/build/jail.o
	$(say) GRADER "$@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -ljansson -lseccomp

grader/build/check.o: grader/checks/lib/check.c grader/checks/lib/check.h grader/checks/lib/jail.h common/proclabs.h | deps
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Icommon -c $< -o $@

# Who a process of a run is (judge or student) and its system-call filter:
# one piece for the grader, the checks and the bats checks' as-student.
grader/build/jail.o: grader/checks/lib/jail.c grader/checks/lib/jail.h | deps
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# libgit2 as Criterion built without it (grader/checks/lib/nogit.c), under
# the name libcriterion asks for; the check binaries' RPATH finds it first.
# No libgit2 among libcriterion's needs: nothing to stand in for.
grader/build/nogit/stamp: grader/checks/lib/nogit.c | deps
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(Q)lib=$$(readlink -f "$$($(CC) -print-file-name=libcriterion.so)"); \
	name=$$(objdump -p "$$lib" 2>/dev/null | awk '$$1 == "NEEDED" && $$2 ~ /^libgit2\./ { print $$2 }'); \
	if [ -n "$$name" ]; then $(CC) $(CFLAGS) -shared -fPIC -Wl,-soname,$$name -o $(dir $@)$$name $<; fi
	@touch $@

grader/build/as-student: grader/checks/lib/as_student.c grader/build/jail.o | deps
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lseccomp

grader/build/locale/%/LC_MESSAGES/proclabs.mo: po/%.po | deps
	@mkdir -p $(dir $@)
	$(Q)msgfmt --check -o $@ $<

# po/proclabs.pot from the sources and the manifest, and every po/LANG.po
# brought up to date with it (new messages untranslated, for a translator).
pot:
	@po/extract.sh po/proclabs.pot
	@for po in po/*.po; do msgmerge --quiet --update --backup=none --no-wrap $$po po/proclabs.pot; done

.SECONDEXPANSION:
grader/build/checks/%.o: grader/checks/%.c grader/checks/lib/check.h common/proclabs.h \
		$$(wildcard labs/$$(firstword $$(subst /, ,$$*))/*.h) | deps
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CHECK_FLAGS) -Ilabs/$(firstword $(subst /, ,$*)) -Icommon -Igrader/checks/lib -c $< -o $@

# Grade the student's workspace: all labs, or LAB=03 / LAB=join.
grade: deps kit
	@grader/grade $(LAB)

# The kit's self-test: the grader's own unit and CLI tests, then the proof
# that solutions pass, starters fail and every mutant is caught.
test: deps kit
	@if [ -x grader/tests/run-all ]; then grader/tests/run-all; \
	else echo "The self-test is not part of the handout: 'make grade' grades your work."; fi

handout: deps kit
	@grader/dist/handout.sh

gradescope: deps kit
	@grader/dist/gradescope.sh

RUNS ?= 20
LOAD ?= 0
PIN ?=
# stress, mutate and bench need the solutions: not in the handout.
NOT_IN_HANDOUT = echo "make $@ is for the kit's authors and is not part of the handout: 'make grade' grades your work."; \
	echo "make $@ 供套件作者使用，不在分发包中：'make grade' 为你的作业评分。"

# The slow proofs, outside make test: a batch of twelve hostile and ordinary
# submissions graded three times on a loaded machine gives one CSV.
batch-proof: deps kit
	@if [ -f grader/tests/slow/batch-load.bats ]; then bats grader/tests/slow/batch-load.bats; \
	else $(NOT_IN_HANDOUT); fi

stress: deps kit
	@if [ -x grader/stress.sh ]; then JOBS=$(JOBS) PIN=$(PIN) grader/stress.sh $(RUNS) $(LOAD) $(LAB); \
	else $(NOT_IN_HANDOUT); fi

# Mechanical mutants of the reference solutions, graded two at a time; the
# survivors (full marks) are shown unless survivors.txt calls them harmless.
mutate: deps kit
	@if [ -f grader/mutate.py ]; then python3 grader/mutate.py --jobs 2 $(LAB); \
	else $(NOT_IN_HANDOUT); fi

# The labs' reference primitives against Python's multiprocessing and the
# syscall floor, then the grader's own speed (grader/bench/run.sh).
bench: deps kit
	@if [ -x grader/bench/run.sh ]; then grader/bench/run.sh; else $(NOT_IN_HANDOUT); fi

batch: deps kit
	@test -n "$(SUBMISSIONS)" || { echo "usage: make batch SUBMISSIONS=folder-of-submissions"; exit 2; }
	@grader/grade batch "$(SUBMISSIONS)"

# The "See it" section of some labs' READMEs: a shipped mutant run under
# grader/grade explain and drawn (grader/explain-docs.sh; --check compares).
explain-docs: deps kit
	@grader/explain-docs.sh

format:
	clang-format -i common/*.[ch] grader/src/*.[ch] grader/checks/lib/*.[ch]

clean:
	rm -rf grader/build grader/grade common/libproclabs.a labs/*/bin solutions/*/bin dist
