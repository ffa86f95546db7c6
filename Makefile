# proc-labs: twenty C labs on Unix processes, and their autograder.
#
#   make                 build the helper library, the grader and every lab's programs
#   make grade [LAB=03]  grade your work in labs/ (all labs, or one by number or slug)
#   make test            the kit's self-test (what CI runs)
#   make setup           install the packages the kit needs (Debian, as root)
#   make handout         dist/: the student handout (no solutions, mutants or hidden checks)
#   make gradescope      dist/gradescope.zip: the Gradescope autograder
#   make batch SUBMISSIONS=DIR   grade a folder of submissions into a CSV
#   make stress [RUNS=20] [LOAD=1]   grade solutions and mutants again and again: any difference?
#                        (LOAD=N: N busy processes per core; JOBS=N: N grades at once)
#   make mutate [LAB=03] mechanical mutants of the solutions: which ones score full marks?
#   make bench           the labs' primitives against Python's multiprocessing and the syscalls
#   make clean           remove everything built

CC      ?= gcc
CFLAGS   = -std=gnu11 -O2 -g -Wall -Wextra -Werror
JOBS    ?= $(shell nproc)

COMMON_SRC  := $(wildcard common/*.c)
COMMON_OBJ  := $(COMMON_SRC:common/%.c=grader/build/common/%.o)
GRADER_SRC  := $(wildcard grader/src/*.c)
GRADER_OBJ  := $(GRADER_SRC:grader/src/%.c=grader/build/src/%.o)
GRADER_HDR  := $(wildcard grader/src/*.h)

.PHONY: all kit deps setup grade test clean format handout gradescope batch stress bench mutate explain-docs

all: deps kit
	@grader/grade build || true

# Each lab's Criterion checks, compiled once against its pristine headers
# (the grader links them; it compiles a source itself when this is stale).
CHECK_SRC   := $(wildcard grader/checks/[0-9]*/*.c)
CHECK_OBJ   := $(CHECK_SRC:grader/checks/%.c=grader/build/checks/%.o)
CHECK_FLAGS  = -std=gnu11 -g -O1 -Wall -Wextra -Werror -pthread

kit: common/libproclabs.a grader/grade grader/build/check.o grader/build/jail.o grader/build/as-student $(CHECK_OBJ)

deps:
	@grader/setup.sh --check 2>/dev/null || grader/setup.sh

setup:
	@grader/setup.sh

common/libproclabs.a: $(COMMON_OBJ)
	ar rcs $@ $^

grader/build/common/%.o: common/%.c common/proclabs.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icommon -c $< -o $@

grader/build/src/%.o: grader/src/%.c $(GRADER_HDR) grader/checks/lib/jail.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

grader/grade: $(GRADER_OBJ) grader/build/jail.o
	$(CC) $(CFLAGS) -o $@ $^ -ljansson -lseccomp

grader/build/check.o: grader/checks/lib/check.c grader/checks/lib/check.h grader/checks/lib/jail.h common/proclabs.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icommon -c $< -o $@

# Who a process of a run is (judge or student) and its system-call filter:
# one piece for the grader, the checks and the bats checks' as-student.
grader/build/jail.o: grader/checks/lib/jail.c grader/checks/lib/jail.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

grader/build/as-student: grader/checks/lib/as_student.c grader/build/jail.o | deps
	$(CC) $(CFLAGS) -o $@ $^ -lseccomp

.SECONDEXPANSION:
grader/build/checks/%.o: grader/checks/%.c grader/checks/lib/check.h common/proclabs.h \
		$$(wildcard labs/$$(firstword $$(subst /, ,$$*))/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CHECK_FLAGS) -Ilabs/$(firstword $(subst /, ,$*)) -Icommon -Igrader/checks/lib -c $< -o $@

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
stress: deps kit
	@JOBS=$(JOBS) grader/stress.sh $(RUNS) $(LOAD) $(LAB)

# Mechanical mutants of the reference solutions, graded two at a time; the
# survivors (full marks) are shown unless survivors.txt calls them harmless.
mutate: deps kit
	@python3 grader/mutate.py --jobs 2 $(LAB)

# The labs' reference primitives against Python's multiprocessing and the
# syscall floor, then the grader's own speed (grader/bench/run.sh).
bench: deps kit
	@grader/bench/run.sh

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
