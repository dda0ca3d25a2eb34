/*-------------------------------------------------------------------------
 *
 * spec_values.h
 *	  Readers of one value of a JSON spec, shared by the layer parser
 *	  (layers.c and the family files) and the training options (spec.c).
 *
 * subject names the value for the message, e.g. 'layer 2 (dense):
 * "units"' or 'option "epochs"'; accepted says what is accepted, e.g. "an
 * integer from 1 to 65536".  Every refusal is DL_EINVAL, "<subject> must
 * be <accepted>, got <the value>", because the message is all a user sees
 * of this code.
 *
 * src/core/nn/spec_values.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_SPEC_VALUES_H
#define PGDL_SPEC_VALUES_H

#include "dl_nn.h"
#include "json.h"

#define DL_LENGTH(a) ((int) (sizeof(a) / sizeof((a)[0])))

/* a name a string value may take, and what it stands for (>= 0) */
typedef struct dl_name_value
{
	const char *name;
	int			value;
} dl_name_value;

/* "a, b, c" from a table, for messages */
extern const char *dl_list_names(const dl_name_value *t, int n, char *buf, size_t size);
/* the value of a string naming a table entry, or -1 */
extern int	dl_lookup_name(const dl_name_value *t, int n, const dl_json *v);
/* the name of a value, "?" when it has none */
extern const char *dl_name_of(const dl_name_value *t, int n, int value);

extern dl_status dl_bad_value(const char *subject, const char *accepted, const dl_json *v);
extern dl_status dl_want_integer(const dl_json *v, const char *subject, int64_t lo, int64_t hi,
								 int64_t *out);
extern dl_status dl_want_int(const dl_json *v, const char *subject, int lo, int hi, int *out);

/*
 * A number in [lo, hi], with DL_OPEN_LO / DL_OPEN_HI leaving a bound out.
 * dl_want_float checks the bounds again on the float32 the engine keeps,
 * so that 1e-50 is not a "positive" epsilon that is 0.
 */
#define DL_OPEN_LO 1
#define DL_OPEN_HI 2
extern dl_status dl_want_number(const dl_json *v, const char *subject, double lo, double hi,
								int open, const char *accepted, double *out);
extern dl_status dl_want_float(const dl_json *v, const char *subject, double lo, double hi,
							   int open, const char *accepted, float *out);
extern dl_status dl_want_bool(const dl_json *v, const char *subject, bool *out);
/* one of the names of t */
extern dl_status dl_want_name(const dl_json *v, const char *subject, const dl_name_value *t,
							  int n, int *out);
/* a dl_alloc'd copy of a string of min_len to max_len bytes without NUL (so it is a C string) */
extern dl_status dl_want_string(const dl_json *v, const char *subject, size_t min_len,
								size_t max_len, const char *accepted, char **out);
/* a shape: 1..DL_MAX_DIMS integers, each in 1..DL_MAX_UNITS or (allow_infer) one -1 */
extern dl_status dl_want_shape(const dl_json *v, const char *subject, bool allow_infer,
							   dl_shape *out);
/*
 * A kernel, stride, dilation or pool: an integer in 1..DL_MAX_UNITS, or
 * for 2-D layers also an array of two ([height, width]); one integer n
 * means [n, n].  1-D layers keep [1] at 1.
 */
extern dl_status dl_want_pair(const dl_json *v, const char *subject, bool one_d, int out[2]);

#endif							/* PGDL_SPEC_VALUES_H */
