/*-------------------------------------------------------------------------
 *
 * features.h
 *	  A model's features read from a row and prepared (features.c): the one
 *	  preprocessing path of training and prediction.
 *
 * src/pg/features.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_FEATURES_H
#define PGDL_PG_FEATURES_H

#include "access/htup.h"
#include "access/tupdesc.h"

#include "dl_nn.h"

/* a model feature bound to a column of a result */
typedef struct PgdlBoundFeature
{
	const dl_feature *f;
	int			attno;			/* 1-based */
	Oid			elemtype;		/* numeric base type of the value or its elements; text-like base type */
	bool		is_array;
} PgdlBoundFeature;

/* text, varchar, char(n), name, or a domain over one */
extern bool pgdl_text_type(Oid typid);
/*
 * A value of such a type as the cast to text gives it (name read as a C
 * string, char(n) without its padding): training reads its vocabularies and
 * labels with that cast, so rows must be read the same way.
 */
extern char *pgdl_text_value(Datum d, Oid typid);
/*
 * A text feature's document in UTF-8 (pgdl_text_value, then converted as
 * the tokenizer needs); NULL is an empty document
 */
extern const char *pgdl_text_document(Datum d, bool isnull, Oid typid, size_t *len);
/* a type a categorical feature may have: text-like, integer or bool (or a domain over one) */
extern bool pgdl_categorical_type(Oid typid);
/* finds each feature by name in desc (42703, 42804 when missing or of the wrong type) */
extern void pgdl_bind_features(const dl_feature *features, int n, TupleDesc desc,
							   PgdlBoundFeature *out);
/*
 * One row's inputs as doubles (NaN = missing) into x; returns how many are
 * missing.  Without allow_missing a missing one is an error naming the
 * feature and rowno (> 0) instead.
 */
extern int	pgdl_read_features(const PgdlBoundFeature *bf, int n, HeapTuple tuple,
							   TupleDesc desc, double *x, int64 rowno, bool allow_missing);
/*
 * The one preprocessing path of training and prediction: imputer and scaler
 * of m applied to x (clobbered) in double, then the result as float32 in out;
 * values beyond float32 are 22003 (naming rowno > 0)
 */
extern void pgdl_preprocess_row(const dl_model *m, double *x, bool *nulls, float *out, int64 rowno);
/* pgdl_preprocess_row, then bad token ids are 22023 (m's network is built) */
extern void pgdl_prepare_inputs(const dl_model *m, double *x, bool *nulls, float *out, int64 rowno);
/*
 * One row of a result as m's inputs in out: pgdl_read_features, then
 * pgdl_prepare_inputs (xd and nulls: n_inputs of scratch).  Without imputer
 * and scaler the common row takes one fused pass with the same result, bit
 * for bit, and anything else (NULLs, NaN, numeric, text) the general way.
 */
extern void pgdl_row_inputs(const dl_model *m, const PgdlBoundFeature *bf, HeapTuple tuple,
							TupleDesc desc, double *xd, bool *nulls, float *out, int64 rowno);
/*
 * d inputs (the concatenation of features; scaled: by a model's scaler) as
 * float32: a value beyond float32's range is 22003 naming the feature and
 * rowno (> 0)
 */
extern void pgdl_store_float32(const dl_feature *features, int n_features, const double *x, int d,
							   float *out, int64 rowno, bool scaled);
/* "a, b (784 values)" for messages */
extern char *pgdl_feature_list(const dl_model *m);

#endif							/* PGDL_PG_FEATURES_H */
