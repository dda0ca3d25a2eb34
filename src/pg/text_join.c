/*-------------------------------------------------------------------------
 *
 * text_join.c
 *	  A "sequence" text column together with other features in one model:
 *	  the input layout, the network's join, and the preprocessing that
 *	  leaves the token ids alone.
 *
 * The model's features are laid out with the sequence column first
 * (pgdl_text_layout, text_columns.c, where the features are resolved), so each input row
 * holds the column's token ids, then every other feature's inputs in
 * their order.  Training and prediction both build rows from the model's
 * features in that order, so they cannot disagree.  The network is then a
 * joined one (dl_nn.h): the layers read the ids from the embedding up to
 * the first layer whose output is one vector per row; the other inputs,
 * imputed and standardized as usual, are appended to that output, and the
 * layers after it read the concatenation.
 *
 * src/pg/text_join.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/float.h"

#include "pgdl.h"
#include "text_features.h"

/* a column the option "text" reads as a sequence of token ids */
static bool
is_sequence(const dl_feature *f)
{
	return f->kind == DL_FEATURE_TEXT && f->encoding == DL_TEXT_SEQUENCE;
}

int
pgdl_text_joined_inputs(const dl_model *model)
{
	if (model->n_features < 2 || !is_sequence(&model->features[0]))
		return 0;
	return model->n_inputs - model->features[0].length;
}

dl_shape
pgdl_text_branch_shape(const dl_model *model, const dl_shape *in, int *joined)
{
	dl_shape	branch = *in;

	*joined = pgdl_text_joined_inputs(model);
	if (*joined > 0)
	{
		branch.ndim = 1;
		branch.dim[0] = model->features[0].length;
	}
	return branch;
}

void
pgdl_text_check_join(const dl_model *model, const dl_options *opts, const dl_layer_spec *specs,
					 int nspecs)
{
	const dl_feature *f = &model->features[0];
	int			joined = pgdl_text_joined_inputs(model);
	dl_shape	branch;
	int			join = -1;

	if (joined == 0)
		return;
	if (opts->has_input_shape)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"input_shape\" does not apply to a model whose text column \"%s\" is joined with other features",
						f->name),
				 errhint("Leave out \"input_shape\": the embedding reads the %d token ids, and the other features join after the text branch.",
						 f->length)));
	branch.ndim = 1;
	branch.dim[0] = f->length;
	pgdl_check_status(dl_network_join_layer(specs, nspecs, &branch, joined, &join));
	if (join < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the layers never reduce the token sequence of text column \"%s\" to one vector per row before the output layer, so the other %d inputs have nowhere to join",
						f->name, joined),
				 errhint("Put a global_avgpool, a flatten, or an lstm or gru without return_sequences after the sequence layers: the other features join right after the first of them, and the layers after it read both.")));
}

void
pgdl_text_keep_ids(dl_model *model)
{
	dl_scaler  *s = model->scaler;

	if (s == NULL || pgdl_text_joined_inputs(model) == 0)
		return;
	/* the ids pass through as a feature fitted on no value does */
	for (int j = 0; j < model->features[0].length && j < s->d; j++)
	{
		s->center[j] = 0.0;
		s->scale[j] = 1.0;
		s->lo[j] = get_float8_nan();
		s->hi[j] = get_float8_nan();
	}
}
