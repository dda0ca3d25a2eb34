# pgdl — in-database analytics and deep learning for PostgreSQL
#
# The two commands of the README:
#   make demo   install what is missing, build, install, show pgdl on real data
#   make test   install what is missing, build, install, run every test
# Everything else here is the ordinary PGXS build.

EXTENSION = pgdl
EXTVERSION = 0.2.0
PGFILEDESC = "pgdl - analytics and deep learning inside PostgreSQL"

MODULE_big = pgdl
CORE_OBJS = src/core/util.o src/core/aggstate.o src/core/rng.o src/core/blas.o src/core/linalg.o src/core/moments.o src/core/comoments.o \
	src/core/sketch.o src/core/sort.o src/core/scaler.o src/core/scaler_text.o src/core/histogram.o \
	src/core/confusion.o src/core/metrics.o src/core/json.o src/core/pca.o \
	src/core/nn/layers.o src/core/nn/spec_values.o src/core/nn/network.o src/core/nn/forward.o \
	src/core/nn/activations.o src/core/nn/dense.o src/core/nn/shape.o src/core/nn/norm.o \
	src/core/nn/window.o src/core/nn/conv.o src/core/nn/conv_direct.o src/core/nn/conv_sparse.o src/core/nn/pool.o \
	src/core/nn/embedding.o src/core/nn/rnn.o src/core/nn/attention.o src/core/nn/positional.o \
	src/core/nn/loss.o src/core/nn/optim.o src/core/nn/train.o src/core/nn/stream.o src/core/nn/train_state.o \
	src/core/nn/average.o src/core/nn/preprocess.o src/core/nn/labels.o src/core/nn/dates.o \
	src/core/options.o src/core/names.o src/core/nn/model_fields.o src/core/nn/model_io.o \
	src/core/specfun.o src/core/featsel.o src/core/rfe.o src/core/kmeans.o \
	src/core/tokenize.o src/core/vocab.o src/core/text_feature.o
PG_OBJS = src/pg/init.o src/pg/kmeans_agg.o src/pg/pgdl.o src/pg/budget.o src/pg/arrays.o src/pg/aggstate.o src/pg/source.o \
	src/pg/stats.o src/pg/quantiles.o src/pg/describe.o src/pg/scalers.o \
	src/pg/metrics.o src/pg/models.o src/pg/features.o src/pg/dataset.o src/pg/stream.o src/pg/train.o src/pg/predict.o \
	src/pg/progress.o src/pg/train_parallel.o src/pg/options.o src/pg/evaluate.o src/pg/featsel.o src/pg/pca.o src/pg/cluster.o \
	src/pg/citus_ship.o src/pg/citus_version.o src/pg/split.o src/pg/coerce.o src/pg/pushdown.o src/pg/text.o src/pg/text_columns.o src/pg/text_features.o
PG_OBJS += src/pg/text_join.o
OBJS = $(CORE_OBJS) $(PG_OBJS)

# The install script is the SQL fragments beside the glue, in this order.
SQL_FRAGMENTS = src/pg/pgdl.sql src/pg/stats.sql src/pg/quantiles.sql \
	src/pg/describe.sql src/pg/scalers.sql src/pg/array_aggregates.sql src/pg/metrics.sql src/pg/models.sql \
	src/pg/train.sql src/pg/predict.sql src/pg/evaluate.sql src/pg/featsel.sql src/pg/pca.sql \
	src/pg/cluster.sql src/pg/citus_ship.sql src/pg/split.sql src/pg/text.sql src/pg/grants.sql
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# upgrade steps, and the install scripts of earlier releases they start from
DATA = $(wildcard src/upgrade/$(EXTENSION)--*.sql)
EXTRA_CLEAN = $(EXTENSION)-*.zip test/unit/run_tests test/unit/run_tests_asan bench/engine_nn bench/engine_layers

REGRESS = $(patsubst sql/%.sql,%,$(sort $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# -march=native can be turned off with make OPTFLAGS=
OPTFLAGS ?= -march=native
# The engine's files are built with -O3 on top of PGXS's -O2 (the glue keeps
# PostgreSQL's own level): gcc vectorizes the engine's element-wise loops
# (activations, optimizer steps, im2col, pooling, normalization) only from
# -O3 on, and its benchmarks (docs/benchmarks.md) are measured so.  No
# -ffast-math: results stay those of IEEE arithmetic.  make ENGINE_OPTFLAGS=
# builds the engine at PGXS's level too.
ENGINE_OPTFLAGS ?= -O3
# OpenBLAS through pkg-config; where pkg-config does not know it, Debian's
# paths (libopenblas-dev)
BLAS_CFLAGS := $(or $(shell pkg-config --cflags openblas 2>/dev/null),-I/usr/include/x86_64-linux-gnu/openblas-pthread)
BLAS_LIBS := $(or $(shell pkg-config --libs openblas 2>/dev/null),-lopenblas)
# PostgreSQL's headers are not -Wextra clean: include them as system headers
PG_CPPFLAGS = -I$(srcdir)/src/core $(BLAS_CFLAGS) \
	-isystem $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)
PG_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	$(OPTFLAGS) -fno-math-errno
SHLIB_LINK = $(BLAS_LIBS) -lm

# The PostgreSQL majors pgdl builds against (scripts/deps.sh reads this line;
# the README's version table says which are tested).  Debian's pg_config picks
# the newest installed postgresql-server-dev-NN; make PG_CONFIG=... picks another.
PG_SUPPORTED = 15 16 17 18
comma := ,
empty :=
PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
PG_MAJOR := $(shell $(PG_CONFIG) --version 2>/dev/null | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p')
# goals that need no server headers: the version check does not apply to them
NO_SERVER_GOALS = deps unit layering fuzz bench-engine bench-cnn bench-seq dist clean
ifneq ($(PGXS),)
ifneq ($(filter-out $(NO_SERVER_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(filter $(PG_MAJOR),$(PG_SUPPORTED)),)
$(error pgdl builds against PostgreSQL $(subst $(empty) ,$(comma) ,$(PG_SUPPORTED)); $(PG_CONFIG) is PostgreSQL $(or $(PG_MAJOR),of an unknown version))
endif
endif
include $(PGXS)
else
all:
	@echo "PostgreSQL development files are missing: run 'make deps' (or make test / make demo)"; exit 1
endif

# PGXS does not track headers: every object depends on the shared ones.
$(CORE_OBJS): $(wildcard src/core/*.h src/core/nn/*.h)
$(CORE_OBJS): override CFLAGS += $(ENGINE_OPTFLAGS)
$(PG_OBJS): $(wildcard src/core/*.h src/pg/*.h)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_FRAGMENTS)
	cat $^ > $@

# --- the README's two commands -------------------------------------------

.PHONY: deps demo test test-versions test-citus dist unit layering fuzz bench-engine bench-cnn bench-seq

deps:
	@PG_CONFIG='$(PG_CONFIG)' bash scripts/deps.sh

# Installing into PostgreSQL's directories needs root: skip it when the
# installed files are already this build's, and otherwise say so plainly.
INSTALL_OR_EXPLAIN = lib=$$($(PG_CONFIG) --pkglibdir); share=$$($(PG_CONFIG) --sharedir)/extension; \
	if cmp -s $(MODULE_big).so $$lib/$(MODULE_big).so && cmp -s $(EXTENSION).control $$share/$(EXTENSION).control \
	   && cmp -s sql/$(EXTENSION)--$(EXTVERSION).sql $$share/$(EXTENSION)--$(EXTVERSION).sql \
	   $(foreach f,$(DATA),&& cmp -s $(f) $$share/$(notdir $(f))); then \
		echo "pgdl: the installed extension is this build"; \
	else $(MAKE) install || { echo; \
		echo "Installing pgdl into PostgreSQL's directories failed (they belong to root)."; \
		echo "Run this once, then the same make command again:  sudo make install"; exit 1; }; fi

demo: deps
	$(MAKE) all
	@$(INSTALL_OR_EXPLAIN)
	@PG_CONFIG='$(PG_CONFIG)' bash scripts/demo.sh

test: deps
	$(MAKE) layering
	$(MAKE) all
	@$(INSTALL_OR_EXPLAIN)
	@PG_CONFIG='$(PG_CONFIG)' BLAS_CFLAGS='$(BLAS_CFLAGS)' BLAS_LIBS='$(BLAS_LIBS)' bash scripts/run_tests.sh

# The suite on the other tested majors, each in a cached Debian root file
# system (scripts/test_versions.sh; root only): PostgreSQL 17 (Debian 13)
# and 18 (Debian testing), with a dump of this host's PostgreSQL restored
# into each.
test-versions: deps
	$(MAKE) all
	@$(INSTALL_OR_EXPLAIN)
	@PG_CONFIG='$(PG_CONFIG)' bash scripts/test_versions.sh

# pgdl on a Citus cluster (scripts/citus.sh; the README's "Citus"): Citus
# built once from its source tarball and cached under /var/cache/pgdl/citus,
# a coordinator and two workers on 127.0.0.1, the suites in test/citus.  Not
# part of `make test`, which needs no Citus.
test-citus: deps
	$(MAKE) all
	@$(INSTALL_OR_EXPLAIN)
	@PG_CONFIG='$(PG_CONFIG)' bash scripts/citus.sh

# --- PGXN -------------------------------------------------------------------

# The PGXN archive of the committed tree (git archive HEAD; .gitattributes
# leaves out what only CI needs), after checking that META.json,
# pgdl.control, src/upgrade and debian/ agree on EXTVERSION.
DIST = $(EXTENSION)-$(EXTVERSION).zip
dist:
	python3 scripts/check_release.py '$(EXTVERSION)' '$(PG_SUPPORTED)'
	git archive --format zip --prefix=$(EXTENSION)-$(EXTVERSION)/ --output $(DIST) HEAD
	@echo "dist: $(DIST) ($$(du -k $(DIST) | cut -f1) kB)"

# --- engine unit tests (no server), plain and with ASan + UBSan ----------

UNIT_SRCS = $(wildcard test/unit/*.c)
CORE_SRCS = $(CORE_OBJS:.o=.c)
UNIT_CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -fno-math-errno -Isrc/core -Itest/unit \
	$(BLAS_CFLAGS)

UNIT_DEPS = $(UNIT_SRCS) $(CORE_SRCS) $(wildcard test/unit/*.h test/fuzz/*.h src/core/*.h src/core/nn/*.h)

test/unit/run_tests: $(UNIT_DEPS)
	$(CC) $(UNIT_CFLAGS) $(OPTFLAGS) -o $@ $(UNIT_SRCS) $(CORE_SRCS) $(BLAS_LIBS) -lm

test/unit/run_tests_asan: $(UNIT_DEPS)
	$(CC) $(UNIT_CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer -DPGDL_SANITIZE -o $@ $(UNIT_SRCS) $(CORE_SRCS) $(BLAS_LIBS) -lm

unit: test/unit/run_tests test/unit/run_tests_asan
	./test/unit/run_tests
	./test/unit/run_tests_asan

# --- the engine's training speed, without SQL (bench/engine_nn.c) ----------

bench/engine_%: bench/engine_%.c bench/engine_hooks.h $(CORE_SRCS) $(wildcard src/core/*.h src/core/nn/*.h)
	$(CC) -std=gnu11 -O2 $(ENGINE_OPTFLAGS) -g $(OPTFLAGS) -fno-math-errno -Wall -Wextra -Wno-unused-parameter \
		-Isrc/core $(BLAS_CFLAGS) -o $@ $< $(CORE_SRCS) $(BLAS_LIBS) -lm

bench-engine: bench/engine_nn
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} ./bench/engine_nn

bench-cnn: bench/engine_layers
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} ./bench/engine_layers cnn

# the lstm and transformer of the issue; SEQ=lstm or SEQ=transformer for one
bench-seq: bench/engine_layers
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} ./bench/engine_layers $(or $(SEQ),lstm transformer)

# --- libFuzzer harnesses (clang), FUZZ_SECONDS each ------------------------
#
# scripts/fuzz.sh builds each test/fuzz/fuzz_<name>.c and runs it on
# test/fuzz/corpus/<name>/ (new inputs in a temporary directory, crashes in
# test/fuzz/bin/crashes/).

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core $(BLAS_CFLAGS)

fuzz:
	@PG_CONFIG='$(PG_CONFIG)' bash scripts/deps.sh --fuzz
	@FUZZ_CC='$(FUZZ_CC)' FUZZ_CFLAGS='$(FUZZ_CFLAGS)' FUZZ_SECONDS='$(FUZZ_SECONDS)' \
		CORE_SRCS='$(CORE_SRCS)' BLAS_LIBS='$(BLAS_LIBS)' bash scripts/fuzz.sh

# The engine must not know PostgreSQL: no server header, no palloc/ereport/elog
# call; and the glue's modules must not include each other in a cycle
# (scripts/check_glue_deps.sh; a made-up cycle shows that it can fail).  Comments are stripped first (gcc -fpreprocessed) so that only code
# counts, and only files that exist are read (a grep over a glob that matches
# nothing exits 2 and would hide every finding).
CORE_FILES = $(wildcard src/core/*.[ch] src/core/*/*.[ch])
LAYERING_PATTERN = \#include *[<"](postgres|fmgr|utils/|access/|catalog/|executor/|nodes/|funcapi|miscadmin)|\b(palloc0?|repalloc|pfree|ereport|elog)[[:space:]]*\(
layering:
	@bad=0; for f in $(CORE_FILES); do \
		if gcc -fpreprocessed -dD -E -P $$f | grep -nE '$(LAYERING_PATTERN)' | sed "s|^|$$f: |" | grep .; then bad=1; fi; \
	done; \
	if [ $$bad -ne 0 ]; then echo "layering violation: src/core must not use PostgreSQL headers or calls"; exit 1; fi; \
	echo "layering: src/core is free of PostgreSQL ($(words $(CORE_FILES)) files)"
	@bash scripts/check_glue_deps.sh
	@t=$$(mktemp -d); echo '#include "b.h"' >$$t/a.c; echo '#include "a.h"' >$$t/b.h; touch $$t/a.h; \
	if bash scripts/check_glue_deps.sh $$t >/dev/null; then rm -rf $$t; echo "check_glue_deps.sh missed a cycle"; exit 1; fi; \
	rm -rf $$t
