/*-------------------------------------------------------------------------
 *
 * aggstate.h
 *	  Aggregate states (aggstate.c), the glue's side of them.
 *
 * Every pgdl aggregate keeps its transition state in one concrete varlena
 * type, pgdl.aggstate (the public pgdl.sketch shares its binary form): a
 * fixed header plus float8 slots, allocated on the first row and then
 * updated in place.  The one exception is classification_metrics, whose
 * state counts string labels: pgdl.confusion_state (metrics.c), a
 * dl_confusion table behind an 8-byte varlena header, with the same text
 * form and the same discipline.  A concrete type, rather than "internal", is
 * what lets both parallel query and Citus ship partial states between
 * processes or nodes without serialize/deserialize functions; the price is
 * that every state arriving from outside (input, receive, the second
 * argument of a combine function) is validated before use.
 *
 * The layout of a state and its validation are the core's: see the
 * aggregate-states section of pgdl_core.h and src/core/aggstate.c.
 *
 * src/pg/aggstate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_AGGSTATE_H
#define PGDL_PG_AGGSTATE_H

#include "fmgr.h"

#include "pgdl_core.h"

/*
 * The state block, its sections and its validation are the core's
 * (pgdl_core.h, src/core/aggstate.c); these are the glue's names for them.
 */
typedef dl_aggstate PgdlAggState;
typedef dl_state_layout PgdlLayout;
typedef dl_state_purpose PgdlPurpose;

#define PGDL_STATE_MAGIC	DL_STATE_MAGIC
#define PGDL_STATE_VERSION	DL_STATE_VERSION
#define PGDL_LAYOUT_COLUMNS		DL_LAYOUT_COLUMNS
#define PGDL_LAYOUT_COMOMENTS	DL_LAYOUT_COMOMENTS
#define PGDL_LAYOUT_HISTOGRAM	DL_LAYOUT_HISTOGRAM
#define PGDL_LAYOUT_COUNTS		DL_LAYOUT_COUNTS
#define PGDL_PURPOSE_STATS		DL_PURPOSE_STATS
#define PGDL_PURPOSE_QUANTILES	DL_PURPOSE_QUANTILES
#define PGDL_PURPOSE_SKETCH		DL_PURPOSE_SKETCH
#define PGDL_PURPOSE_DESCRIBE	DL_PURPOSE_DESCRIBE
#define PGDL_PURPOSE_COMOMENTS	DL_PURPOSE_COMOMENTS
#define PGDL_PURPOSE_HISTOGRAM	DL_PURPOSE_HISTOGRAM
#define PGDL_PURPOSE_SCALER		DL_PURPOSE_SCALER
#define PGDL_PURPOSE_REGRESSION DL_PURPOSE_REGRESSION
#define PGDL_PURPOSE_ROC_AUC	DL_PURPOSE_ROC_AUC
#define PGDL_REGRESSION_DIM DL_REGRESSION_DIM
#define PGDL_ROC_AUC_DIM	DL_ROC_AUC_DIM
#define PGDL_HAS_MOMENTS	DL_HAS_MOMENTS
#define PGDL_HAS_Q			DL_HAS_Q
#define PGDL_HAS_SKETCHES	DL_HAS_SKETCHES
#define PGDL_HAS_PAIRS		DL_HAS_PAIRS
#define PGDL_MAX_DIM		DL_STATE_MAX_DIM
#define PGDL_MAX_Q			DL_STATE_MAX_Q
#define PGDL_MAX_BINS		DL_STATE_MAX_BINS
#define PGDL_STATE_HDRSZ	DL_STATE_HDRSZ
#define PGDL_STATE_SLOTS(s) DL_STATE_SLOTS(s)

StaticAssertDecl(offsetof(dl_aggstate, magic) == VARHDRSZ,
				 "the state header starts with room for the varlena header");

#define DatumGetPgdlAggState(d)	((PgdlAggState *) PG_DETOAST_DATUM(d))
#define PG_GETARG_PGDL_AGGSTATE(n) DatumGetPgdlAggState(PG_GETARG_DATUM(n))

/* allocates a zeroed state with the given header and room for nslots */
extern PgdlAggState *pgdl_state_alloc(PgdlLayout layout, PgdlPurpose purpose,
									  int flags, int dim, size_t nslots);

/* COLUMNS sections; sketches start at the first, sketch i+1 follows sketch i */
#define pgdl_state_moments(s, v)	dl_aggstate_moments((s), (v))
#define pgdl_state_q(s)				dl_aggstate_q(s)
#define pgdl_state_sketch(s, i)		dl_aggstate_sketch((s), (i))
#define pgdl_state_first_sketch(s)	dl_aggstate_first_sketch(s)
#define pgdl_state_next_sketch(sk)	dl_aggstate_next_sketch(sk)
/* adds a row to the sketches (see aggstate.c); returns s or a grown copy */
extern PgdlAggState *pgdl_state_sketches_add(PgdlAggState *s, const double *x, const bool *isnull);
/* size of a COLUMNS state of d variables with fresh sketches */
#define pgdl_columns_nslots(flags, dim, nq) dl_aggstate_columns_nslots((flags), (dim), (nq))
/* initializes the sections of a fresh COLUMNS state */
extern void pgdl_columns_init(PgdlAggState *s);

/* COUNTS: the confusion table in the slots */
#define PGDL_STATE_COUNTS(s)	((dl_confusion *) PGDL_STATE_SLOTS(s))
/*
 * A COUNTS state of the same header as s with a table of these capacities,
 * s's table moved into it
 */
extern PgdlAggState *pgdl_state_counts_grow(const PgdlAggState *s, const dl_confusion_caps *caps);

/* COMOMENTS */
#define pgdl_state_comoments(s, c)	dl_aggstate_comoments((s), (c))

/*
 * Checks a state of nbytes that arrived from outside (dl_aggstate_check):
 * raises 22P03 (or 0A000 for a newer version) naming what is wrong.
 */
extern void pgdl_state_validate(const PgdlAggState *s, size_t nbytes);

/*
 * Merges state b (validated) into a, which the caller owns (aggregate
 * context); returns a or a larger copy of it.
 */
extern PgdlAggState *pgdl_state_merge(PgdlAggState *a, const PgdlAggState *b);

/*
 * 22P03 unless s was built for this purpose (and, dim >= 0, has dim
 * variables): transition and final functions call it on every state they
 * did not create themselves (an INITCOND, a direct call from SQL).
 */
extern void pgdl_state_expect(const PgdlAggState *s, PgdlPurpose purpose, int dim);
/*
 * The state argument of a final function: detoasted, validated when called
 * outside an aggregate, and of the expected kind.
 */
extern PgdlAggState *pgdl_final_state(FunctionCallInfo fcinfo, PgdlPurpose purpose, int dim);
/* variable i of v; 22003 if its accumulators overflowed */
extern void pgdl_moments_get_checked(const dl_moments_soa *v, int i, dl_moments *out);

/*
 * The text form of every pgdl state type, "pgdl:<hex>": decode gives the
 * bytes (22P02 if the text is malformed; the caller validates them).
 */
extern char *pgdl_state_text_decode(const char *str, size_t *nbytes);
extern char *pgdl_state_text_encode(const char *data, size_t len);

/* the aggregate context, or an error if not called as an aggregate */
extern MemoryContext pgdl_agg_context(FunctionCallInfo fcinfo, const char *fname);

#endif							/* PGDL_PG_AGGSTATE_H */
