/*-------------------------------------------------------------------------
 *
 * pgdl_core.h
 *	  Public header of the pgdl engine: plain C11, no PostgreSQL headers.
 *
 * The engine allocates, reports errors and checks for interrupts only
 * through the hooks below, which the host installs once (the PostgreSQL
 * glue in _PG_init, the unit tests in their main).  Every function that can
 * fail returns a dl_status; an error is first reported through the error
 * hook (which may not return: the PostgreSQL glue raises an error there) and the function
 * then returns the status, so a host whose hook does return sees it.
 *
 * Usage:
 *
 *		dl_hooks h = {my_alloc, my_free, my_error, my_interrupt};
 *		dl_set_hooks(&h);
 *
 *		double		x[3] = {1, 2, 4};
 *		dl_moments	m;
 *		dl_moments_init(&m);
 *		for (int i = 0; i < 3; i++)
 *			dl_moments_add(&m, x[i]);
 *		double var = dl_moments_variance(&m);	-- 2.333...
 *
 * src/core/pgdl_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_CORE_H
#define PGDL_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Status codes.  The glue maps each one to a SQLSTATE (see src/pg/pgdl.c):
 * the comment gives the mapping.
 */
typedef enum dl_status
{
	DL_OK = 0,
	DL_EINVAL,					/* bad option or argument: 22023 */
	DL_EDIM,					/* dimension mismatch: 22000 */
	DL_ENULL,					/* NULL where a value is required: 22004 */
	DL_EFORMAT,					/* malformed serialized bytes: 22P03 */
	DL_EVERSION,				/* newer serialized format: 0A000 */
	DL_ELIMIT,					/* size limit exceeded: 54000 */
	DL_ERANGE,					/* numeric overflow: 22003 */
	DL_ETEXT,					/* malformed text representation: 22P02 */
	DL_EINTERNAL				/* cannot happen: an internal error */
} dl_status;

typedef struct dl_hooks
{
	void	   *(*alloc) (size_t size); /* never returns NULL */
	void		(*free) (void *ptr);
	/* reports an error; may longjmp (PostgreSQL) or return (unit tests) */
	void		(*error) (dl_status status, const char *message);
	/* checks for query cancel; may longjmp */
	void		(*check_interrupts) (void);
} dl_hooks;

extern void dl_set_hooks(const dl_hooks *hooks);
extern void *dl_alloc(size_t size);
extern void dl_free(void *ptr);
extern void dl_check_interrupts(void);

/* Reports an error through the hook and returns status, for "return dl_error(...)". */
extern dl_status dl_error(dl_status status, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/*
 * dl_error with a hint (a full sentence, e.g. "Did you mean \"dense\"?";
 * NULL: none), which the error hook reads with dl_error_hint_text while it
 * reports (the glue: errhint).
 */
extern dl_status dl_error_hint(dl_status status, const char *hint, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern const char *dl_error_hint_text(void);

/* a * b + c without overflow of size_t, or DL_ELIMIT reported */
extern dl_status dl_size_mul_add(size_t a, size_t b, size_t c, size_t *result);

/*
 * What a validator of bytes from outside found wrong, as a phrase in the
 * style of an error message ("the mean of variable 2 is outside its minimum
 * and maximum").  The validators of aggregate states report through one of
 * these instead of the error hook, so that the host can say what it was
 * reading first (the glue: "invalid pgdl aggregate state", then this as
 * the detail) and a fuzzer can call them without an error hook in the way.
 */
typedef struct dl_detail
{
	char		text[256];
} dl_detail;

/* formats into why and returns status, for "return dl_detail_set(...)" */
extern dl_status dl_detail_set(dl_detail *why, dl_status status, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------
 * Moments: count, mean, central moments 2..4, min, max of one variable.
 *
 * Finite values accumulate in a small block of power sums of their
 * deviations from the running mean (no division, no dependency between
 * values, so rows vectorize); every DL_MOMENTS_BLOCK values the block is
 * turned into central moments and merged with Chan et al.'s / Pebay's
 * formulas (see moments.c).  NaN and +-Infinity are only counted, so that
 * the finalizers reproduce PostgreSQL's built-in float8 aggregates exactly
 * (avg of {1, Inf} is Inf, its variance NaN; a NaN makes every moment NaN;
 * NaN sorts above every number for min/max).  All fields are doubles so a
 * state is plain float8 slots; the getters take the pending block into
 * account.
 * ------------------------------------------------------------------------
 */
#define DL_MOMENTS_BLOCK 64

typedef struct dl_moments
{
	double		n;				/* finite values merged into mean..m4 */
	double		shift;			/* the first finite value; see moments.c */
	double		mean;			/* of x - shift */
	double		m2;				/* sum of squared deviations */
	double		m3;
	double		m4;
	double		min;			/* over finite values */
	double		max;
	double		n_nan;
	double		n_posinf;
	double		n_neginf;
	double		bn;				/* values in the pending block */
	double		s1;				/* their sums of d, d^2, d^3, d^4, */
	double		s2;				/* d = (x - shift) - mean */
	double		s3;
	double		s4;
} dl_moments;

#define DL_MOMENTS_NFIELDS 16

extern void dl_moments_init(dl_moments *m);
extern void dl_moments_add(dl_moments *m, double x);
extern void dl_moments_merge(dl_moments *into, const dl_moments *from);
/*
 * Checks a moments record that arrived from outside: DL_OK, or DL_EFORMAT
 * with the broken rule in *why (see moments.c).
 */
extern dl_status dl_moments_check(const dl_moments *m, dl_detail *why);
/*
 * Checks that ax holds the moments of the absolute values of the values
 * whose moments x holds (both passed dl_moments_check): DL_OK, or
 * DL_EFORMAT and *why.
 */
extern dl_status dl_moments_check_abs(const dl_moments *x, const dl_moments *ax, dl_detail *why);
/*
 * The relative rounding slack the relation checks of dl_moments_check allow
 * for a variable of n finite values (see moments.c): 2^-43 (n + 64).
 */
extern double dl_moments_tolerance(double n);
/* true if the finite accumulators overflowed (the glue raises 22003) */
extern bool dl_moments_overflowed(const dl_moments *m);

extern double dl_moments_count(const dl_moments *m);	/* all non-NULL values */
extern double dl_moments_mean(const dl_moments *m);
/* NaN when count < 2: callers turn that into SQL NULL */
extern double dl_moments_variance(const dl_moments *m);		/* sample, n - 1 */
extern double dl_moments_pop_variance(const dl_moments *m);	/* n */
/* g1 = m3/m2^1.5 and g2 = m4/m2^2 - 3; *defined false when n < 2 or m2 = 0 */
extern double dl_moments_skewness(const dl_moments *m, bool *defined);
extern double dl_moments_kurtosis(const dl_moments *m, bool *defined);
extern double dl_moments_min(const dl_moments *m);
extern double dl_moments_max(const dl_moments *m);

/*
 * Moments of d variables in structure-of-arrays layout, the form aggregate
 * states keep: each field is an array of d doubles, so a row update is a
 * loop the compiler vectorizes.  The arrays live in one caller-owned buffer
 * of dl_moments_soa_nslots(d) doubles.
 */
typedef struct dl_moments_soa
{
	int			d;
	double	   *n,
			   *shift,
			   *mean,
			   *m2,
			   *m3,
			   *m4,
			   *min,
			   *max,
			   *n_nan,
			   *n_posinf,
			   *n_neginf,
			   *bn,
			   *s1,
			   *s2,
			   *s3,
			   *s4;
} dl_moments_soa;

extern size_t dl_moments_soa_nslots(int d);
/* points the view at buf; init also resets the values */
extern void dl_moments_soa_bind(dl_moments_soa *v, double *buf, int d);
extern void dl_moments_soa_init(dl_moments_soa *v, double *buf, int d);
/* isnull may be NULL (no NULL elements); NULL elements are skipped */
extern void dl_moments_soa_add(dl_moments_soa *v, const double *x, const bool *isnull);
extern void dl_moments_soa_merge(dl_moments_soa *into, const dl_moments_soa *from);
extern void dl_moments_soa_get(const dl_moments_soa *v, int i, dl_moments *out);
/* dl_moments_check of each variable; *why names the first that fails */
extern dl_status dl_moments_soa_check(const dl_moments_soa *v, dl_detail *why);

/* ------------------------------------------------------------------------
 * Co-moments of d variables, pairwise complete (a pair uses the rows where
 * both are non-NULL).
 *
 * Rows without NULL elements update one complete-case block (n, mean[d] and
 * the upper triangle of the co-moment matrix); rows with NULL elements
 * update per-pair accumulators.  The two are merged with Chan et al.'s
 * formula at the end, so the common case costs d(d+1)/2 multiply-adds a row.
 * Layout (doubles): n, mean[d], C[d(d+1)/2], then, when has_pairs, for each
 * pair i <= j: n, mean_i, mean_j, m2_i, m2_j, c_ij.
 * ------------------------------------------------------------------------
 */
typedef struct dl_comoments
{
	int			d;
	bool		has_pairs;
	double	   *buf;
} dl_comoments;

extern size_t dl_comoments_nslots(int d, bool has_pairs);
extern void dl_comoments_init(dl_comoments *c, double *buf, int d, bool has_pairs);
/* moves c into newbuf (nslots(d, true) doubles) with a zeroed pair block */
extern void dl_comoments_enable_pairs(dl_comoments *c, double *newbuf);
/*
 * The complete-case block: its rows, shift, mean of x - shift and packed
 * upper triangle C (pointers into c)
 */
extern void dl_comoments_complete(const dl_comoments *c, double *n, const double **shift,
								  const double **mean, const double **tri);
extern void dl_comoments_add(dl_comoments *c, const double *x);
/* the row has NULL elements: needs has_pairs */
extern void dl_comoments_add_nulls(dl_comoments *c, const double *x, const bool *isnull);
extern void dl_comoments_merge(dl_comoments *into, const dl_comoments *from);
/*
 * Checks co-moments that arrived from outside, made from `rows` rows that
 * were not NULL: DL_OK, or DL_EFORMAT and *why (see comoments.c).
 */
extern dl_status dl_comoments_check(const dl_comoments *c, double rows, dl_detail *why);
/* pairwise-complete statistics of pair (i, j); false if n_ij < 2 */
extern bool dl_comoments_pair(const dl_comoments *c, int i, int j,
							  double *n, double *cov, double *var_i, double *var_j);

/* ------------------------------------------------------------------------
 * Quantile sketch: exact up to DL_SKETCH_EXACT values, then a deterministic
 * mergeable compactor hierarchy (Manku-Rajagopalan-Lindsay style, the
 * deterministic relative of KLL) - see src/core/sketch.c for the bound.
 *
 * A sketch is one flat, position-independent block (so it can sit inside a
 * varlena): the header below followed by the items of each level, level 0
 * holding up to DL_SKETCH_EXACT items and each higher level up to
 * DL_SKETCH_K.  A fresh sketch is small (level 0 has room for 16 values,
 * doubled as needed; the higher levels get room once level 0 has all of
 * DL_SKETCH_EXACT).  An add never needs more room than the block has as
 * long as the top allocated level is empty; once an add has put items there
 * (or filled a small sketch), dl_sketch_needs_grow() says so, and the
 * caller moves the sketch into a block of dl_sketch_grow_bytes() bytes with
 * dl_sketch_move() (or of dl_sketch_size(nlevels + 1) with dl_sketch_grow())
 * before the next add; an add that would need the room is refused.
 * NaN values are only counted and rank above every number, as PostgreSQL
 * sorts them.
 * ------------------------------------------------------------------------
 */
#define DL_SKETCH_EXACT 10000
#define DL_SKETCH_K 4096
#define DL_SKETCH_MAX_LEVELS 48

typedef struct dl_sketch
{
	uint32_t	magic;
	uint32_t	nlevels;		/* levels allocated, >= 2 */
	uint64_t	parity;			/* bit h: offset of the next compaction at h */
	double		n;				/* total weight of non-NaN values */
	double		n_nan;
	double		min;			/* exact, over non-NaN values */
	double		max;
	uint32_t	count[DL_SKETCH_MAX_LEVELS];	/* items held at each level */
	uint32_t	cap0;			/* room of level 0: < DL_SKETCH_EXACT while small */
	uint32_t	reserved;		/* zero */
	/* double items[] follows */
} dl_sketch;

extern size_t dl_sketch_size(uint32_t nlevels);
/* s points to dl_sketch_init_bytes() bytes (dl_sketch_size(2) is more) */
extern void dl_sketch_init(dl_sketch *s);
/* DL_ELIMIT once the sketch holds 2^53 values (counts must stay exact) */
extern dl_status dl_sketch_add(dl_sketch *s, double x);
/*
 * into must occupy dl_sketch_merge_bytes(into, from) bytes (move it first):
 * a merge can promote more than one level's worth, so the room it needs
 * depends on both sketches' counts, not on from->nlevels.  DL_ELIMIT, with
 * into unchanged, when the merged counts would pass 2^53.
 */
extern dl_status dl_sketch_merge(dl_sketch *into, const dl_sketch *from);
extern bool dl_sketch_needs_grow(const dl_sketch *s);
/* copies s into dst, which has dl_sketch_size(nlevels) bytes, nlevels > s->nlevels */
extern void dl_sketch_grow(dl_sketch *dst, const dl_sketch *s, uint32_t nlevels);
/*
 * Checks a sketch of nbytes that arrived from outside (DL_EFORMAT, or
 * DL_EVERSION for a newer format): reported through the error hook, or,
 * by dl_sketch_check, in *why.
 */
extern dl_status dl_sketch_validate(const dl_sketch *s, size_t nbytes);
extern dl_status dl_sketch_check(const dl_sketch *s, size_t nbytes, dl_detail *why);
extern double dl_sketch_count(const dl_sketch *s); /* n + n_nan */
extern bool dl_sketch_is_exact(const dl_sketch *s);
/* the documented worst-case rank error for this sketch, in ranks */
extern double dl_sketch_rank_error_bound(const dl_sketch *s);
/*
 * Quantiles q[0..nq) in [0, 1] (checked by the caller) into out.  Exact
 * sketches interpolate as percentile_cont does; others return the value
 * whose rank interval holds q * (n - 1).  The sketch must be non-empty.
 */
extern dl_status dl_sketch_quantiles(const dl_sketch *s, const double *q, int nq, double *out);
/*
 * The items of a sketch in value order with their weights (1 at level 0,
 * 2^h at level h; NaN values are not items): vals and weights need room for
 * dl_sketch_nitems(s) each.  An exact sketch gives every value, weight 1.
 */
extern size_t dl_sketch_nitems(const dl_sketch *s);
extern void dl_sketch_sorted_items(const dl_sketch *s, double *vals, double *weights);

/*
 * Block sizes, for hosts that keep sketches inside growing buffers (the
 * aggregate states): a fresh sketch is small and grows as values arrive.
 * dl_sketch_grow_bytes() says how large the block must become before the
 * next add (0 if it fits); dl_sketch_merge_bytes() how large `into` must be
 * to absorb `from`; dl_sketch_move() copies a sketch into a larger block.
 * dl_sketch_validate_block() checks a sketch at the start of `avail` bytes
 * from outside and returns its size.
 */
extern size_t dl_sketch_init_bytes(void);
extern size_t dl_sketch_bytes(const dl_sketch *s);
extern size_t dl_sketch_grow_bytes(const dl_sketch *s);
extern size_t dl_sketch_merge_bytes(const dl_sketch *into, const dl_sketch *from);
extern void dl_sketch_move(dl_sketch *dst, const dl_sketch *s, size_t bytes);
extern dl_status dl_sketch_validate_block(const dl_sketch *s, size_t avail, size_t *bytes);
extern dl_status dl_sketch_check_block(const dl_sketch *s, size_t avail, size_t *bytes,
									   dl_detail *why);

/* ------------------------------------------------------------------------
 * Aggregate states (src/core/aggstate.c).
 *
 * Every pgdl aggregate but classification_metrics keeps its transition
 * state in one flat block (the SQL type pgdl.aggstate; pgdl.sketch shares
 * it): the header below followed by float8 slots.  Layouts:
 *	 COLUMNS	d variables; sections, in this order, as the flags say:
 *				moments (dl_moments_soa, d * DL_MOMENTS_NFIELDS slots), q
 *				(nq slots: the quantiles asked for), sketches (d consecutive
 *				dl_sketch blocks, each of its own size; they come last
 *				because they grow)
 *	 COMOMENTS	dl_comoments of d variables (flag: has pairs)
 *	 HISTOGRAM	bins counts; lo, hi and bins in params
 *	 COUNTS		a dl_confusion table (confusion.c) filling the slots exactly:
 *				the most_frequent imputer's count of each (feature, value)
 *				as the pair (key, key) (dl_scaler_count_key)
 * The purpose says which aggregate built the state, so that a combine
 * function never mixes, say, a histogram into a scaler fit, and so that
 * the validator knows which relations between the sections hold.
 *
 * A state that arrives from outside (text or binary input, the second
 * argument of a combine function, a direct call of a final function) is
 * checked by dl_aggstate_check before anything reads it: the layout, every
 * section, and the relations between the parts that the aggregates keep
 * (see aggstate.c), so that an accepted state gives only results some
 * real data could give.  The block is little-endian as the host writes it.
 * ------------------------------------------------------------------------
 */
#define DL_STATE_MAGIC		0x5047444Cu /* "PGDL" */
#define DL_STATE_VERSION	1

typedef enum dl_state_layout
{
	DL_LAYOUT_COLUMNS = 1,
	DL_LAYOUT_COMOMENTS = 2,
	DL_LAYOUT_HISTOGRAM = 3,
	DL_LAYOUT_COUNTS = 4
} dl_state_layout;

typedef enum dl_state_purpose
{
	DL_PURPOSE_STATS = 1,		/* stats(float8), stats(anyarray), stats_columns */
	DL_PURPOSE_QUANTILES,		/* quantiles(float8, float8[]) */
	DL_PURPOSE_SKETCH,			/* quantile_sketch; the pgdl.sketch type */
	DL_PURPOSE_DESCRIBE,		/* describe's internal aggregate */
	DL_PURPOSE_COMOMENTS,		/* covariance/correlation matrices */
	DL_PURPOSE_HISTOGRAM,
	DL_PURPOSE_SCALER,			/* scaler fits; params: kind, strategy, constant */
	DL_PURPOSE_REGRESSION,		/* regression_metrics: actual, error, |error| */
	DL_PURPOSE_ROC_AUC			/* roc_auc: scores of positives, of negatives */
} dl_state_purpose;

/* the fixed number of variables of the metrics states */
#define DL_REGRESSION_DIM	3
#define DL_ROC_AUC_DIM		2

#define DL_HAS_MOMENTS		0x01
#define DL_HAS_Q			0x02
#define DL_HAS_SKETCHES		0x04
#define DL_HAS_PAIRS		0x08
#define DL_STATE_KNOWN_FLAGS 0x0F

#define DL_STATE_MAX_DIM	100000	/* variables in one state */
#define DL_STATE_MAX_Q		10000	/* quantiles asked in one call */
#define DL_STATE_MAX_BINS	1000000

typedef struct dl_aggstate
{
	uint32_t	host_header;	/* the host's length word (PostgreSQL's varlena
								 * header): never read here */
	uint32_t	magic;
	uint16_t	version;
	uint16_t	layout;			/* dl_state_layout */
	uint16_t	purpose;		/* dl_state_purpose */
	uint16_t	flags;			/* DL_HAS_* */
	int32_t		dim;			/* d (0 until the first non-NULL row) */
	int32_t		nq;				/* quantiles in the q section */
	int32_t		pad;			/* zero */
	int32_t		pad2;			/* zero */
	double		rows;			/* rows seen, NULL inputs included */
	double		nulls;			/* NULL inputs skipped */
	double		params[4];		/* purpose-specific constants */
	/* double slots[] follow */
} dl_aggstate;

#define DL_STATE_HDRSZ		sizeof(dl_aggstate)
#define DL_STATE_SLOTS(s)	((double *) ((char *) (s) + DL_STATE_HDRSZ))

/* slots of a COLUMNS state of d variables with these sections and fresh sketches */
extern size_t dl_aggstate_columns_nslots(int flags, int dim, int nq);
/* the sections of a COLUMNS state (the flags say which exist) */
extern void dl_aggstate_moments(dl_aggstate *s, dl_moments_soa *v);
extern double *dl_aggstate_q(dl_aggstate *s);
extern dl_sketch *dl_aggstate_first_sketch(dl_aggstate *s);
/* sketch i + 1 follows sketch i */
extern dl_sketch *dl_aggstate_next_sketch(dl_sketch *sk);
extern dl_sketch *dl_aggstate_sketch(dl_aggstate *s, int i);
/* the co-moments of a COMOMENTS state */
extern void dl_aggstate_comoments(dl_aggstate *s, dl_comoments *c);

/*
 * Checks a state of nbytes (the host header included) that arrived from
 * outside: DL_OK, DL_EFORMAT, or DL_EVERSION for a newer format, with what
 * is wrong in *why.  Nothing is reported through the error hook.
 */
extern dl_status dl_aggstate_check(const dl_aggstate *s, size_t nbytes, dl_detail *why);

/* ------------------------------------------------------------------------
 * Scalers: per-feature affine maps fitted from moments or sketches.
 * ------------------------------------------------------------------------
 */
#define DL_SCALER_MAX_D 100000	/* features a scaler may have */

typedef enum dl_scaler_kind
{
	DL_SCALER_STANDARD = 1,
	DL_SCALER_MINMAX,
	DL_SCALER_MAXABS,
	DL_SCALER_ROBUST,
	DL_SCALER_IMPUTER
} dl_scaler_kind;

typedef enum dl_impute_strategy
{
	DL_IMPUTE_NONE = 0,
	DL_IMPUTE_MEAN,
	DL_IMPUTE_MEDIAN,
	DL_IMPUTE_CONSTANT,
	DL_IMPUTE_MOST_FREQUENT
} dl_impute_strategy;

/*
 * transform: y = (x - center) / scale; inverse: x = y * scale + center.
 * lo/hi are the outlier fences' bases: mean and stddev for standard
 * (mean +- k sd), Q1 and Q3 for robust (Q1 - k IQR, Q3 + k IQR); fill is the
 * imputer's value per feature.  n is the number of rows fitted.
 */
typedef struct dl_scaler
{
	dl_scaler_kind kind;
	dl_impute_strategy strategy;
	int			d;
	double		n;
	double		constant;		/* for DL_IMPUTE_CONSTANT */
	double	   *center;
	double	   *scale;
	double	   *lo;
	double	   *hi;
	double	   *fill;
} dl_scaler;

extern const char *dl_scaler_kind_name(dl_scaler_kind kind);
extern const char *dl_impute_strategy_name(dl_impute_strategy strategy);	/* "mean", "median", "constant" */
/*
 * allocates the arrays (through the hook) for d features as one block
 * starting at center, freed with dl_free(s->center); sets the identity map
 */
extern dl_status dl_scaler_alloc(dl_scaler *s, dl_scaler_kind kind, int d);
extern void dl_scaler_fit_moments(dl_scaler *s, const dl_moments_soa *m);
/* robust and median imputer: one sketch per feature */
extern dl_status dl_scaler_fit_sketches(dl_scaler *s, const dl_sketch *const *sk);
/*
 * The most_frequent imputer from a table that counts each value v of
 * feature j as the pair (key, key), key = dl_scaler_count_key(j, v): the
 * fill of each feature is its most frequent value, of equally frequent
 * ones the smallest (NaN last), 0 for a feature without values.
 */
struct dl_confusion;
extern dl_status dl_scaler_fit_counts(dl_scaler *s, const struct dl_confusion *c);
/* "j v" with v canonical (0 for -0, one NaN) and exact (%.17g) into buf; its length */
#define DL_SCALER_COUNT_KEY_MAX 48
extern int	dl_scaler_count_key(char *buf, int j, double v);
/* the feature and value of a key, false unless key is one dl_scaler_count_key writes */
extern bool dl_scaler_count_key_parse(const char *key, uint32_t len, int *j, double *v);
extern dl_status dl_scaler_validate(const dl_scaler *s);
/*
 * dl_scaler_validate and the relations every scaler fitted by the
 * aggregates keeps (see scaler.c): the check of a pgdl.scaler value.  A
 * model's scalers are not all fitted that way and use dl_scaler_validate.
 */
extern dl_status dl_scaler_validate_fitted(const dl_scaler *s);
/*
 * x and y of length d; isnull in/out may be NULL; y may alias x.  Both
 * directions give DL_ERANGE (all of y still written) when a finite value
 * becomes infinite, as float8 arithmetic in SQL would.
 */
extern dl_status dl_scaler_transform(const dl_scaler *s, const double *x, bool *isnull, double *y);
extern dl_status dl_scaler_inverse(const dl_scaler *s, const double *y, const bool *isnull, double *x);
extern dl_status dl_scaler_is_outlier(const dl_scaler *s, const double *x, const bool *isnull,
									  double k, bool *result);
/* readable JSON text form; returns a hook-allocated string */
extern char *dl_scaler_to_json(const dl_scaler *s);
/* parses and validates that text form (DL_ETEXT on malformed text) */
extern dl_status dl_scaler_from_json(const char *text, dl_scaler *s);

/* ------------------------------------------------------------------------
 * Histogram: bins equal-width bins over [lo, hi); values below lo count in
 * the first bin, values >= hi in the last; NaN is skipped by the caller.
 * ------------------------------------------------------------------------
 */
extern int	dl_histogram_bin(double x, double lo, double hi, int bins);

/* ------------------------------------------------------------------------
 * Model metrics (src/core/confusion.c, src/core/metrics.c).
 *
 * A confusion table counts rows per (actual, predicted) label pair, labels
 * being byte strings.  Like a sketch it is one flat, position-independent
 * block that a host keeps inside a growing buffer (an aggregate state):
 * the header below, then, each 8-byte aligned,
 *
 *	label entries	label_cap x {uint32 offset, uint32 length} into the text
 *	label slots		2 label_cap x uint32: open addressing, 0 = empty,
 *					otherwise label index + 1
 *	pair counts		pair_cap x double
 *	pair keys		pair_cap x {uint32 actual, uint32 predicted} label indexes
 *	pair slots		2 pair_cap x uint32, as the label slots
 *	label text		text_cap bytes, the labels back to back in index order
 *
 * Capacities are powers of two (text_cap a multiple of 8), so a table grows
 * by doubling and the hash slots are never more than half full.  Everything
 * past what is used is zero, which dl_confusion_validate checks along with
 * every other rule (see confusion.c).
 * ------------------------------------------------------------------------
 */
#define DL_CONFUSION_MAX_PAIRS 100000	/* distinct (actual, predicted) pairs */
#define DL_CONFUSION_MAX_TEXT (64 * 1024 * 1024)	/* bytes of distinct labels */

typedef struct dl_confusion
{
	uint32_t	magic;			/* "CNF" + format version */
	uint32_t	nlabels;		/* distinct labels, actual and predicted */
	uint32_t	npairs;			/* distinct pairs counted */
	uint32_t	label_cap;
	uint32_t	pair_cap;
	uint32_t	text_cap;
	uint32_t	text_used;
	uint32_t	reserved;		/* zero */
	double		n;				/* rows: the sum of the pair counts */
} dl_confusion;

/* the capacities of a block: what dl_confusion_add asks for when it is full */
typedef struct dl_confusion_caps
{
	uint32_t	label_cap;		/* 0: no room needed */
	uint32_t	pair_cap;
	uint32_t	text_cap;
} dl_confusion_caps;

extern size_t dl_confusion_caps_bytes(const dl_confusion_caps *caps);
extern size_t dl_confusion_init_bytes(void);
/* c points to dl_confusion_init_bytes() zeroed bytes */
extern void dl_confusion_init(dl_confusion *c);
extern size_t dl_confusion_bytes(const dl_confusion *c);
/*
 * Counts `count` rows of the pair (a, p).  When the block has no room for
 * a new label or pair, nothing changes and *grow gets the capacities of the
 * block it must be moved into (dl_confusion_move) before calling again;
 * otherwise grow->label_cap is 0.  DL_ELIMIT past DL_CONFUSION_MAX_PAIRS
 * pairs, DL_CONFUSION_MAX_TEXT bytes of labels or 2^53 rows.
 */
extern dl_status dl_confusion_add(dl_confusion *c, const char *a, uint32_t alen,
								  const char *p, uint32_t plen, double count,
								  dl_confusion_caps *grow);
/* the same protocol: adds every count of from to into */
extern dl_status dl_confusion_merge(dl_confusion *into, const dl_confusion *from,
									dl_confusion_caps *grow);
/* copies c into dst: dl_confusion_caps_bytes(caps) zeroed bytes */
extern void dl_confusion_move(dl_confusion *dst, const dl_confusion *c, const dl_confusion_caps *caps);
/* checks a table of exactly nbytes that arrived from outside (DL_EFORMAT, DL_EVERSION) */
extern dl_status dl_confusion_validate(const dl_confusion *c, size_t nbytes);
/* label i and pair i of a valid table */
extern const char *dl_confusion_label(const dl_confusion *c, uint32_t i, uint32_t *len);
extern void dl_confusion_pair(const dl_confusion *c, uint32_t i, uint32_t *actual,
							  uint32_t *predicted, double *count);

/*
 * Labels and pairs by index, for a table its caller keeps to itself and
 * never stores (pgdl.evaluate's, cross_validate's): the caller registers
 * labels first (a model's, in the model's order, so its classes are the
 * table's first labels) and then counts rows by label index.  Such a table
 * is bounded only by its 32-bit indexes (DL_ELIMIT past 2^30 labels or
 * pairs or 2 GB of label text), not by DL_CONFUSION_MAX_*; a label need not
 * be in any pair, so dl_confusion_validate may refuse it.  Both follow
 * dl_confusion_add's protocol: when the block has no room nothing changes
 * and *grow says how large it must become.
 */
#define DL_CONFUSION_NONE UINT32_MAX
/* the index of label s, or DL_CONFUSION_NONE */
extern uint32_t dl_confusion_find_label(const dl_confusion *c, const char *s, uint32_t len);
/* *index: label s's index, found or added (DL_CONFUSION_NONE while the block must grow) */
extern dl_status dl_confusion_add_label(dl_confusion *c, const char *s, uint32_t len,
										uint32_t *index, dl_confusion_caps *grow);
extern dl_status dl_confusion_add_pair(dl_confusion *c, uint32_t actual, uint32_t predicted,
									   double count, dl_confusion_caps *grow);
/* the rows counted for (actual, predicted): 0 for a pair never seen */
extern double dl_confusion_count(const dl_confusion *c, uint32_t actual, uint32_t predicted);

/*
 * Every model metric is computed here, once: pgdl.evaluate, cross_validate
 * and the metric aggregates fill the structures below (a confusion table,
 * a log-loss sum, the moments of the errors, scores with their classes)
 * and call these finalizers.  See docs/architecture.md, "Adding a metric".
 *
 * Classification metrics of a confusion table, as scikit-learn computes
 * them: per class, precision = tp / predicted, recall = tp / actual, f1 =
 * 2 tp / (predicted + actual), each 0 when its denominator is 0
 * (zero_division = 0); macro averages are unweighted means over the
 * classes, summed in ascending order so that they do not depend on the
 * order rows arrived in.  Accuracy counts every row.
 *
 * dl_classification_report averages over the table's first nclasses
 * labels (scikit-learn's labels= argument: a model's labels, registered
 * first; rows of other labels still count where they were predicted), and
 * gives the precision, recall and f1 of the class `positive` (a label index
 * below nclasses, or DL_CONFUSION_NONE) and, when per_class is not NULL,
 * every class's (nclasses entries).  dl_classification_metrics averages
 * over every label, actual or predicted (the aggregate's classes).  Both
 * leave defined false for an empty table.
 */
typedef struct dl_class_metrics
{
	bool		defined;
	double		n;
	double		accuracy;
	double		precision_macro;
	double		recall_macro;
	double		f1_macro;
	double		classes;
	bool		has_positive;	/* the positive class's, when one was named */
	double		precision;
	double		recall;
	double		f1;
} dl_class_metrics;

typedef struct dl_class_score
{
	double		support;		/* rows of the class */
	double		predicted;		/* rows predicted as it */
	double		tp;
	double		precision;
	double		recall;
	double		f1;
} dl_class_score;

extern void dl_classification_report(const dl_confusion *c, uint32_t nclasses, uint32_t positive,
									 dl_class_metrics *out, dl_class_score *per_class);
extern void dl_classification_metrics(const dl_confusion *c, dl_class_metrics *out);

/*
 * Log loss: the mean of -log p over rows, p the probability given to the
 * row's actual class clipped to [1e-15, 1 - 1e-15] (scikit-learn's eps).
 * Start from a zeroed struct; the value is NaN for no row.
 */
typedef struct dl_log_loss
{
	double		sum;
	double		n;
} dl_log_loss;

extern void dl_log_loss_add(dl_log_loss *l, double p);
extern double dl_log_loss_value(const dl_log_loss *l);

/*
 * Regression metrics from the moments of the actual values, of the errors
 * e = actual - predicted and of |e|: dl_regression_row gives the three
 * values of a row (false when finite values give an infinite difference,
 * which float8 subtraction calls an overflow), kept as the moments of
 * DL_REGRESSION_DIM variables.  mse = mean(e)^2 + var_pop(e), so nothing
 * is a difference of large sums.  NaN and infinities follow PostgreSQL's
 * float8 arithmetic, as avg(e ^ 2), avg(abs(e)) and 1 - sum(e ^ 2) / (n *
 * var_pop(actual)) would: a NaN error makes mse, rmse and mae NaN; an
 * infinite one makes them Infinity; r2 is NaN when an actual value is not
 * finite.  r2 is undefined when n < 2 or SST = 0.
 *
 * dl_regression_report flags finite errors whose mean square overflows
 * (overflow, mse = +Infinity); dl_regression_metrics reports them as
 * DL_ERANGE (PostgreSQL's "value out of range: overflow"), as SQL would.
 * (DL_REGRESSION_DIM, with the state layout above, is the 3 variables.)
 */

typedef struct dl_reg_metrics
{
	double		n;
	double		mse;
	double		rmse;
	double		mae;
	double		r2;
	bool		r2_defined;
	bool		overflow;
} dl_reg_metrics;

extern bool dl_regression_row(double actual, double predicted, double x[DL_REGRESSION_DIM]);
extern void dl_regression_report(const dl_moments *actual, const dl_moments *err,
								 const dl_moments *abserr, dl_reg_metrics *out);
extern dl_status dl_regression_metrics(const dl_moments *actual, const dl_moments *err,
									   const dl_moments *abserr, dl_reg_metrics *out);

/*
 * ROC AUC and the ROC curve from scores.  A tally is the scores, highest
 * first, each with the weight of the positives and of the negatives that
 * have it; NaN ranks above every number and ties with NaN, as PostgreSQL
 * sorts it.  dl_roc_tally makes one in place from rows (one dl_scored per
 * row, weights 1 and 0), dl_roc_tally_sorted from two ascending weighted
 * samples (the sketches of pgdl.roc_auc), with the weight of NaN scores
 * apart; both take at least one value per distinct score, so a value that
 * equals nothing cannot stall them.
 *
 * dl_roc_auc = P(score of a positive > score of a negative) + P(tie) / 2,
 * the trapezoids under the curve: false when either side has no weight.
 * Its sums are exact for counts below 2^53, and it divides once, so with P
 * N below 2^53 the result is the correctly rounded quotient.  The ROC walk
 * gives one point per tallied score: cumulative tp and fp, tpr = tp / P,
 * fpr = fp / N (NaN when P or N is 0) and precision = tp / (tp + fp).
 */
typedef struct dl_scored
{
	double		score;
	double		pos;			/* weight of positives with this score */
	double		neg;			/* and of negatives */
} dl_scored;

/* sorts and merges rows in place: returns the number of distinct scores */
extern size_t dl_roc_tally(dl_scored *rows, size_t n);
/* t has room for np + nn + 1 entries: returns how many it holds */
extern size_t dl_roc_tally_sorted(const double *pv, const double *pw, size_t np, double p_nan,
								  const double *nv, const double *nw, size_t nn, double n_nan,
								  dl_scored *t);
extern bool dl_roc_auc(const dl_scored *t, size_t n, double *auc);

typedef struct dl_roc_point
{
	double		threshold;
	double		tp;
	double		fp;
	double		tpr;
	double		fpr;
	double		precision;
} dl_roc_point;

typedef struct dl_roc_walk
{
	const dl_scored *t;
	size_t		n;
	size_t		i;
	double		P;
	double		N;
	double		tp;
	double		fp;
} dl_roc_walk;

extern void dl_roc_walk_begin(dl_roc_walk *w, const dl_scored *t, size_t n);
/* the next point, or false past the last */
extern bool dl_roc_walk_next(dl_roc_walk *w, dl_roc_point *p);

/*
 * The AUC of two weighted samples, each given as values in ascending order
 * with their weights, plus a weight of NaN scores (dl_roc_tally_sorted then
 * dl_roc_auc).  Returns false when either side has no weight.
 */
extern bool dl_auc_weighted(const double *pv, const double *pw, size_t np, double p_nan,
							const double *nv, const double *nw, size_t nn, double n_nan,
							double *auc);
/*
 * The AUC of the scores of positives and negatives held in two sketches:
 * exact while both are (at most DL_SKETCH_EXACT values each); beyond, within
 * *bound = e_pos / P + e_neg / N of the exact AUC, e being each sketch's rank
 * error bound (see metrics.c).  Returns false when either is empty.
 */
extern bool dl_sketch_auc(const dl_sketch *pos, const dl_sketch *neg, double *auc, double *bound);

/* ------------------------------------------------------------------------
 * Sorting helper shared by the sketch and the tests: ascending, no NaN.
 * ------------------------------------------------------------------------
 */
extern void dl_sort_doubles(double *a, size_t n);

/* ------------------------------------------------------------------------
 * Feature selection (specfun.c, featsel.c, rfe.c; issue 5 §3)
 * ------------------------------------------------------------------------
 */

/* regularized incomplete beta I_x(a, b); y = 1 - x given without cancellation */
extern double dl_beta_reg(double a, double b, double x, double y);
/* regularized upper incomplete gamma Q(a, x) */
extern double dl_gamma_q(double a, double x);
/* survival functions: P(F(d1, d2) > f), P(|T(df)| > |t|), P(chi2(k) > x) */
extern double dl_f_sf(double f, double d1, double d2);
extern double dl_t_sf2(double t, double df);
extern double dl_chi2_sf(double x, double k);

typedef enum dl_fs_method
{
	DL_FS_PEARSON = 1,
	DL_FS_F_CLASSIF,
	DL_FS_F_REGRESSION,
	DL_FS_CHI2,
	DL_FS_MUTUAL_INFO,
	DL_FS_VARIANCE,
	DL_FS_RFE
} dl_fs_method;

/* 'pearson', ... or 0 */
extern dl_fs_method dl_fs_method_from_name(const char *name);
extern const char *dl_fs_method_name(dl_fs_method m);
/* whether a method needs class targets (1), numeric targets (-1), or takes either (0) */
extern int	dl_fs_method_target(dl_fs_method m);

/*
 * Scores of the d columns of x (n x d, row-major) against y: a class index
 * 0 .. n_classes - 1 when n_classes > 0, else a value.  NaN where a score or
 * p-value is undefined (see featsel.c for each method).  names (or NULL)
 * name the columns in error messages.  Not DL_FS_RFE.
 */
extern dl_status dl_feature_scores(dl_fs_method m, const float *x, const float *y, size_t n, int d,
								   int n_classes, const char *const *names,
								   double *score, double *p_value);
/*
 * The same scores from sufficient statistics, as aggregates give them (the
 * Citus pushdown, src/pg/featsel.c).  f_classif, chi2 and variance: for each
 * class k (one class, n_classes 0, for variance) its row count, and per
 * column the class mean (K x d) and sum of squared deviations from it
 * (m2, K x d), and each column's minimum (minv, read by chi2).  pearson and
 * f_regression: n, each column's centered sum of squares (vxx) and centered
 * cross product with the target (sxy), the target's (syy).
 */
extern dl_status dl_fs_scores_from_class_moments(dl_fs_method m, int d, int n_classes,
												 const double *count, const double *mean,
												 const double *m2, const double *minv,
												 const char *const *names,
												 double *score, double *p_value);
extern dl_status dl_fs_scores_from_comoments(dl_fs_method m, double n, int d, const double *vxx,
											 const double *sxy, double syy,
											 double *score, double *p_value);
/* equal-frequency bins of mutual_info for n rows */
extern int	dl_fs_mi_bins(size_t n);
/*
 * Recursive feature elimination down to k columns (rfe.c): score is
 * |weight| (the root of the sum of squares over classes) in the fit that
 * eliminated the column, or in the final fit; rank 1..k are kept.
 */
extern dl_status dl_rfe(const float *x, const float *y, size_t n, int d, int n_classes, int k,
						double *score, int *rank);
/* ranks 1..d by descending score (|score| when by_abs), NaN last, ties in column order */
extern void dl_fs_rank(const double *score, int d, bool by_abs, int *rank);

/* ------------------------------------------------------------------------
 * PCA (pca.c): a scatter matrix accumulated over blocks of rows with
 * dsyrk, and the fit from the top eigenpairs of the covariance
 * (dl_sym_eigen_top, linalg.h: LAPACK's dsyevr).  Components are sorted by variance, descending, each
 * flipped so that its largest-magnitude element (the first on a tie) is
 * positive.
 * ------------------------------------------------------------------------
 */
#define DL_SCATTER_BLOCK 256	/* rows per dsyrk */
#define DL_PCA_MAX_D 46340		/* d * d fits LAPACK's int indexing */

typedef struct dl_scatter
{
	int			d;
	int			n_block;		/* rows pending in block */
	double		n;				/* rows merged into mean and scatter */
	double	   *shift;			/* d: the first row, subtracted from every row */
	double	   *mean;			/* d, of the shifted rows */
	double	   *scatter;		/* d x d, upper triangle: sum of (x - mean)(x - mean)^T */
	double	   *block;			/* DL_SCATTER_BLOCK x d pending rows */
	double	   *block_mean;		/* 2d scratch */
} dl_scatter;

/* the bytes dl_scatter_init allocates for d features (one block) */
extern size_t dl_scatter_bytes(int d);
extern dl_status dl_scatter_init(dl_scatter *s, int d);
extern void dl_scatter_free(dl_scatter *s);
/* adds one row of d finite values (checks for interrupts every block) */
extern void dl_scatter_add(dl_scatter *s, const double *x);
extern void dl_scatter_flush(dl_scatter *s);
/*
 * s (initialized for c's d, no row added yet) becomes the complete-case
 * block of c: the same rows' shift, mean and scatter, as if they had been
 * added here (PCA of a state aggregated elsewhere: on Citus workers)
 */
extern void dl_scatter_set_comoments(dl_scatter *s, const dl_comoments *c);
/* the mean of the rows merged so far (flush first) */
extern void dl_scatter_mean(const dl_scatter *s, double *mean);
/* the sample covariance (n - 1) as a full d x d matrix; cov may be s->scatter */
extern dl_status dl_scatter_covariance(dl_scatter *s, double *cov);

typedef struct dl_pca
{
	int			d;
	int			k;
	double		n;				/* rows */
	double		total_variance; /* trace of the (scaled) covariance */
	double	   *mean;			/* d */
	double	   *scale;			/* d: 1, or the population sd (correlation) */
	double	   *sd;				/* d: the population sd of each feature */
	double	   *variance;		/* k explained variances (n - 1), descending */
	double	   *components;		/* k x d */
} dl_pca;

/*
 * PCA of the rows in s (which it consumes) with k components: of the
 * covariance, or with correlation of the features standardized with their
 * population sd (StandardScaler then PCA).  Freed with dl_pca_free.
 */
extern dl_status dl_pca_fit(dl_scatter *s, int k, bool correlation, dl_pca *out);
extern void dl_pca_free(dl_pca *p);
/* options text of pgdl.pca (the schema of src/core/options.c, for direct callers) */
extern dl_status dl_pca_parse_options(const char *json, bool *correlation);

/* ------------------------------------------------------------------------
 * Clustering (src/core/kmeans.c): k-means and the silhouette score.
 *
 * Data are float32 rows (n x d, row-major); centroids and their sums are
 * kept in double.  Distances are ||x||^2 - 2 x.c + ||c||^2 with x.c from
 * sgemm over blocks of rows, as scikit-learn computes them.  A dl_kmeans
 * is the state of Lloyd's algorithm over blocks: the in-memory fit
 * (dl_kmeans_fit) and the streaming glue (one cursor pass per iteration)
 * drive the same calls, so both give the same iterations on the same rows.
 *
 * tol follows scikit-learn: iterations stop when the sum over centroids of
 * their squared movement is at most tol x the mean over features of their
 * population variance.  Empty clusters are re-seeded, as scikit-learn does,
 * with the rows farthest from their own centroid (taken out of their
 * cluster).  Same seed, same rows in the same order -> same result.
 * ------------------------------------------------------------------------
 */
typedef enum dl_kmeans_init_method
{
	DL_KMEANS_PLUSPLUS = 1,		/* greedy k-means++: 2 + ln k trials per centre */
	DL_KMEANS_RANDOM = 2		/* k distinct rows drawn uniformly */
} dl_kmeans_init_method;

typedef struct dl_kmeans_options
{
	int			k;				/* >= 1 */
	dl_kmeans_init_method init;
	int			max_iter;		/* >= 1; 300 */
	double		tol;			/* >= 0; 1e-4 */
	int			n_init;			/* >= 1; 1 */
	uint64_t	seed;
} dl_kmeans_options;

extern void dl_kmeans_options_defaults(dl_kmeans_options *o);

/* Lloyd's algorithm over one set of centres, fed block by block */
typedef struct dl_kmeans
{
	int			k;
	int			d;
	double	   *centers;		/* k x d */
	float	   *centers_f;		/* the same as float, for sgemm */
	double	   *cnorm;			/* ||c_j||^2 of centers_f */
	/* the current pass */
	double	   *sums;			/* k x d */
	double	   *counts;			/* k */
	double	   *sse;			/* k: squared distances to the centre */
	/* the k rows farthest from their centre in this pass (a min-heap) */
	int			n_far;
	float	   *far_x;			/* k x d */
	double	   *far_dist;
	int		   *far_label;
	float	   *gbuf;			/* DL_KMEANS_BLOCK x k */
	int			reseeded;		/* empty clusters re-seeded so far */
} dl_kmeans;

#define DL_KMEANS_BLOCK 256		/* rows per sgemm call */
#define DL_KMEANS_MAX_K 100000

extern dl_status dl_kmeans_create(dl_kmeans *km, int k, int d);
extern void dl_kmeans_free(dl_kmeans *km);
/*
 * Chooses the centres from rows x (all rows, or a sample of them) with
 * rng_seed.  DL_EINVAL when x has fewer than k distinct rows.
 */
extern dl_status dl_kmeans_seed_centers(dl_kmeans *km, const float *x, size_t n,
										dl_kmeans_init_method init, uint64_t rng_seed);
/* sets the centres (k x d doubles) */
extern void dl_kmeans_set_centers(dl_kmeans *km, const double *centers);
extern void dl_kmeans_pass_begin(dl_kmeans *km);
/*
 * Assigns n rows to their nearest centre.  Lloyd passes (final = false)
 * accumulate the sums for the next centres and the farthest rows; the
 * final pass computes the squared distances exactly (in double, from the
 * differences) and, if labels is given, stores each row's cluster.
 */
extern void dl_kmeans_pass_block(dl_kmeans *km, const float *x, size_t n, bool final,
								 int32_t *labels);
/*
 * One row through a Lloyd pass (final: the exact squared distance) into
 * caller-held sums (k x d), counts and sse (k), as dl_kmeans_pass_block
 * assigns it but without the farthest rows: the step of the k-means
 * aggregate that Citus runs on its workers.  Returns the row's cluster.
 */
extern int	dl_kmeans_add_row(dl_kmeans *km, const float *x, bool final, double *sums,
							  double *counts, double *sse);
/*
 * Ends a Lloyd pass: re-seeds empty clusters, moves the centres to the
 * means and returns the sum of squared movements in *shift.
 */
extern void dl_kmeans_pass_end(dl_kmeans *km, double *shift);

/* per-feature mean and population variance, accumulated over blocks */
typedef struct dl_colstats
{
	int			d;
	double		n;
	double	   *shift;			/* the first row */
	double	   *s1;				/* sums of x - shift */
	double	   *s2;				/* sums of (x - shift)^2 */
} dl_colstats;

extern dl_status dl_colstats_create(dl_colstats *cs, int d);
extern void dl_colstats_free(dl_colstats *cs);
/* DL_EINVAL naming the row (first_row + i, 1-based) and feature if a value is not finite */
extern dl_status dl_colstats_add(dl_colstats *cs, const float *x, size_t n, size_t first_row);
extern void dl_colstats_get(const dl_colstats *cs, double *mean, double *var);
extern double dl_colstats_mean_variance(const dl_colstats *cs);

typedef struct dl_kmeans_result
{
	int			k;
	int			d;
	double	   *centers;		/* k x d */
	double	   *sizes;			/* k */
	double	   *sse;			/* k */
	double		total_sse;
	int			iterations;		/* Lloyd iterations of the kept run */
	bool		converged;		/* tol reached before max_iter */
	int			reseeded;		/* empty clusters re-seeded in the kept run */
	int			best_init;		/* 1-based run kept */
} dl_kmeans_result;

/* frees what a fit allocated in r */
extern void dl_kmeans_result_free(dl_kmeans_result *r);
/*
 * The whole fit on rows in memory: n_init runs (seeds derived from
 * o->seed), each seeded, iterated and finished with an exact pass; the run
 * of least SSE is kept.  labels (n, may be NULL) gets each row's cluster.
 */
extern dl_status dl_kmeans_fit(const float *x, size_t n, int d, const dl_kmeans_options *o,
							   dl_kmeans_result *r, int32_t *labels);
/* the seed of run i (0-based) of a fit seeded with seed */
extern uint64_t dl_kmeans_run_seed(uint64_t seed, int run);

/*
 * The mean silhouette coefficient of n rows with labels in [0, k), as
 * scikit-learn's silhouette_score (Euclidean): a row alone in its cluster
 * scores 0.  Pairwise distances through dgemm over blocks of rows.
 * DL_EINVAL unless 2 <= clusters present <= n - 1.
 */
extern dl_status dl_silhouette(const double *x, size_t n, int d, const int32_t *labels, int k,
							   double *score);


#endif							/* PGDL_CORE_H */
