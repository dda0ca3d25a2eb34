/*-------------------------------------------------------------------------
 *
 * labels.c
 *	  What a classifier's labels stand for: the one rule by which
 *	  pgdl.predict returns a number for a class (the README, "Labels").
 *
 * A numeric target's labels are numbers and a bool target's are 0 and 1;
 * a text target's labels are text, even when every one of them looks like
 * a number ('1', '10', '2'): predict then refuses, as for 'neg' and 'pos',
 * and predict_label returns them.  Models record the target's kind
 * (dl_model.label_kind); for the models written before it was recorded
 * the kind is inferred once from all the labels, so that a model answers
 * every row the same way rather than label by label.
 *
 * src/core/nn/labels.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dl_nn.h"

static bool
is_bool_label(const char *label)
{
	return strcmp(label, "false") == 0 || strcmp(label, "true") == 0;
}

/* a plain decimal number only: text such as "nan", "inf" or "0x1" is not one */
static bool
parse_number(const char *label, double *v)
{
	char	   *end;

	for (const char *p = label; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E'))
			return false;
	errno = 0;
	*v = strtod(label, &end);
	return end != label && *end == '\0' && errno == 0;
}

dl_label_kind
dl_model_label_kind(const dl_model *m)
{
	bool		all_bool = true,
				all_numbers = true;
	double		v;

	if (m->label_kind != DL_LABELS_UNRECORDED || m->n_labels == 0)
		return m->label_kind;
	for (int k = 0; k < m->n_labels; k++)
	{
		all_bool = all_bool && is_bool_label(m->labels[k]);
		all_numbers = all_numbers && parse_number(m->labels[k], &v);
	}
	return all_bool ? DL_LABELS_BOOL : all_numbers ? DL_LABELS_NUMBER : DL_LABELS_TEXT;
}

bool
dl_label_number(const dl_model *m, int k, double *v)
{
	switch (dl_model_label_kind(m))
	{
		case DL_LABELS_BOOL:
			*v = strcmp(m->labels[k], "true") == 0 ? 1.0 : 0.0;
			return true;
		case DL_LABELS_NUMBER:
			return parse_number(m->labels[k], v);
		default:
			return false;
	}
}
