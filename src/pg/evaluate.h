/*-------------------------------------------------------------------------
 *
 * evaluate.h
 *	  What evaluate and cross_validate count while they score rows
 *	  (evaluate.c).
 *
 * src/pg/evaluate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_EVALUATE_H
#define PGDL_PG_EVALUATE_H

#include "dl_nn.h"

/*
 * What pgdl.evaluate and cross_validate count while they score rows
 * (evaluate.c), for the core's metric finalizers (src/core/metrics.c), the
 * ones the metric aggregates call: a classifier's rows in a confusion table
 * whose first labels are the model's (then target values it never saw),
 * their log loss and, with a positive class, their scores; a regression
 * model's rows in the moments regression_metrics keeps.
 */
typedef struct PgdlEvalCounts
{
	const dl_model *m;
	MemoryContext cxt;
	int64		n;				/* rows counted */
	/* classification */
	dl_confusion *conf;
	uint32	   *label;			/* the model's label k is conf's label[k] */
	uint32		n_classes;		/* conf's first n_classes labels are the model's, */
	int		   *model_class;	/* label i the model's model_class[i] */
	int			positive;		/* the model's positive class, or -1 */
	dl_log_loss log_loss;
	dl_scored  *scored;			/* a row each, when there is a positive class */
	size_t		n_scored;
	size_t		cap_scored;
	/* regression: actual, error, |error| */
	double	   *moments_buf;
	dl_moments_soa moments;
} PgdlEvalCounts;

extern void pgdl_eval_begin(PgdlEvalCounts *c, const dl_model *m, int positive, MemoryContext cxt);
/* the confusion table's index of an actual label (54000 past DL_MAX_LABELS classes) */
extern uint32 pgdl_eval_class(PgdlEvalCounts *c, const char *label);
/* a classifier's row: actual a table index, predicted one of the model's classes */
extern void pgdl_eval_add_class(PgdlEvalCounts *c, uint32 actual, int predicted, const float *out);
extern void pgdl_eval_add_value(PgdlEvalCounts *c, double actual, double predicted);
extern void pgdl_eval_class_metrics(const PgdlEvalCounts *c, dl_class_metrics *out);
/* an overflowing mean square is +Infinity here, as the sum of squares was */
extern void pgdl_eval_reg_metrics(const PgdlEvalCounts *c, dl_reg_metrics *out);
/* the probability a classifier's outputs give its class k */
extern double pgdl_output_prob(const dl_model *m, const float *out, int k);

#endif							/* PGDL_PG_EVALUATE_H */
