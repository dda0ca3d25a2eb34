/*-------------------------------------------------------------------------
 *
 * predict.h
 *	  Scoring (predict.c): a loaded model's outputs, and every row of a
 *	  source scored in blocks.
 *
 * src/pg/predict.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_PREDICT_H
#define PGDL_PG_PREDICT_H

#include "dl_nn.h"
#include "models.h"

/* the class index of a classifier's outputs */
extern int	pgdl_output_class(const dl_model *m, const float *out);
/* 22003 unless a row's n outputs are all finite (naming rowno > 0) */
extern void pgdl_check_outputs(const char *model, const float *out, int n, int64 rowno);

typedef void (*pgdl_score_callback) (PgdlModel *pm, const float *out, Datum extra,
									 bool extra_null, Oid extra_type, void *arg);
/*
 * Scores every row of source_sql (inside SPI; read-only) in blocks, calling
 * cb with each row's outputs and, when extra_column is given, its value.
 */
extern void pgdl_score_source(PgdlModel *pm, const char *source_sql, const char *extra_column,
							  pgdl_score_callback cb, void *arg);

#endif							/* PGDL_PG_PREDICT_H */
