/*-------------------------------------------------------------------------
 *
 * text_features.c
 *	  Text features of train_model: the layers they need, and their
 *	  vocabularies fitted on the training split.
 *
 * Once the split is known, pgdl_text_fit counts the training rows'
 * documents (kept by text_columns.c while the rows were spooled) into the
 * core vocabulary (vocab.c), keeps the vocabulary_size most frequent
 * tokens, and writes each row's token ids into the spooled rows.
 * Everything after that - the preprocessing fit, memory or streamed
 * training, cross-validation fold by fold - reads the spooled rows as for
 * any other feature.  At prediction, features.c reads a document with the
 * model's vocabulary (pgdl_text_document, dl_text_sequence).
 *
 * src/pg/text_features.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "budget.h"
#include "dataset.h"
#include "pgdl.h"
#include "stream.h"
#include "text_columns.h"
#include "text_features.h"

/* what no text feature goes with yet: warm_start (each training fits its own vocabulary), data-parallel training */
static void
refuse_text_training(const dl_options *opts)
{
	if (opts->warm_start)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("warm_start does not take text features yet: each training fits its own vocabulary"),
				 errhint("Train without \"warm_start\".")));
	if (opts->parallel_workers > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("data-parallel training does not take text features yet"),
				 errhint("Set \"parallel_workers\" to 0.")));
}

void
pgdl_text_check_model(const dl_feature *features, int n_features, const dl_options *opts,
					  dl_layer_spec *specs, int nspecs)
{
	const dl_feature *f = NULL;
	const dl_text_column *c;
	const dl_feature *bag = NULL;
	int			n_sequences = 0;

	for (int i = 0; i < n_features; i++)
		if (dl_feature_is_bag(&features[i]))
			bag = &features[i];
		else if (features[i].kind == DL_FEATURE_TEXT)
		{
			f = &features[i];
			n_sequences++;
		}
	/* an embedding opens a sequence's branch; bags are the sparse inputs of a first dense layer */
	if (f && bag)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a model takes text column \"%s\" as a sequence or text column \"%s\" as a bag of words, not both",
						f->name, bag->name),
				 errhint("Give both the same \"encoding\", or train two models.")));
	pgdl_text_check_bags(features, n_features, opts, specs, nspecs);
	if (f == NULL)
	{
		/* an embedding's input_dim may be left out only for a text column to give it */
		if (nspecs > 0 && specs[0].type == DL_LAYER_EMBEDDING && specs[0].embedding.input_dim == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("layer 1 (embedding): \"input_dim\" (the vocabulary size) is required"),
					 errhint("Give it, or name a text column in the option \"text\": its vocabulary then gives it.")));
		return;
	}
	/* the other features join after the text branch (text_join.c): one branch */
	if (n_sequences > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a model takes one text column with \"encoding\": \"sequence\", but there are %d",
						n_sequences),
				 errhint("Keep one of them in \"features\": a model has one text branch, which the other features join.")));
	/* the vocabulary is fitted anew: the embedding rows of another training meant other tokens */
	refuse_text_training(opts);
	if (nspecs < 1 || specs[0].type != DL_LAYER_EMBEDDING)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("text column \"%s\" gives token ids: the first layer must be an embedding", f->name),
				 errhint("Begin the layers with {\"type\": \"embedding\", \"output_dim\": 32}.")));
	if (specs[0].embedding.input_dim != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the embedding takes its input_dim from the vocabulary of text column \"%s\"", f->name),
				 errhint("Leave out \"input_dim\"; \"vocabulary_size\" in the option \"text\" caps it.")));
	c = pgdl_text_column(opts->text, opts->n_text, f->name);
	if (dl_text_column_max_ids(c) > DL_MAX_UNITS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("text column \"%s\" may give %lld token ids, more than an embedding takes (%d)",
						f->name, (long long) dl_text_column_max_ids(c), DL_MAX_UNITS),
				 errhint("Lower \"vocabulary_size\" or \"oov_buckets\".")));
	/* the most the vocabulary can give: the size checks before the rows are read */
	specs[0].embedding.input_dim = (int) dl_text_column_max_ids(c);
	/* id 0 is padding: masked in the pooling, attention and recurrent layers after it */
	specs[0].embedding.mask_zero = true;
}

void
pgdl_text_check_bags(const dl_feature *features, int n_features, const dl_options *opts,
					 const dl_layer_spec *specs, int nspecs)
{
	const dl_feature *f = NULL;

	for (int i = 0; i < n_features && f == NULL; i++)
		if (dl_feature_is_bag(&features[i]))
			f = &features[i];
	if (f == NULL)
		return;
	/* a new vocabulary gives the first layer's rows other meanings */
	refuse_text_training(opts);
	if (opts->data == DL_DATA_STREAM)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("streamed training does not take bag-of-words text features yet: text column \"%s\" is \"%s\"",
						f->name, dl_text_encoding_name(f->encoding)),
				 errhint("Leave out \"data\", or set it to \"memory\": the words are held sparse, in memory in proportion to the words present.")));
	/* the first layer multiplies the sparse rows: dense, on the flat inputs */
	if (nspecs < 1 || specs[0].type != DL_LAYER_DENSE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("text column \"%s\" gives a bag of words: the first layer must be dense, not %s",
						f->name, nspecs < 1 ? "none" : dl_layer_type_name(specs[0].type)),
				 errhint("Begin the layers with {\"type\": \"dense\", \"units\": 64, \"activation\": \"relu\"}, or give no layers for a linear model.")));
	if (opts->has_input_shape)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"input_shape\" does not go with a bag-of-words text column (\"%s\"): its inputs are a flat vector",
						f->name)));
}

void
pgdl_text_bag_inputs(dl_model *model)
{
	int64		n = model->n_inputs;

	for (int j = 0; j < model->n_features; j++)
	{
		dl_feature *f = &model->features[j];

		if (!dl_feature_is_bag(f))
			continue;
		if (dl_text_bag_width(f->vocab) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("text column \"%s\" has no word in the training rows", f->name),
					 errhint("Lower \"min_count\", or add \"oov_buckets\".")));
		if (n + dl_text_bag_width(f->vocab) > DL_MAX_FEATURES)
		{
			dl_vocab_info vi;

			dl_vocab_get_info(f->vocab, &vi);
			/* one input per word and per oov bucket: either may pass the limit */
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("more than %d inputs with the vocabulary of text column \"%s\"",
							DL_MAX_FEATURES, f->name),
					 errdetail("The column gives %zu words and %d oov buckets, one input each; the inputs before it number %lld.",
							   vi.ntokens, vi.options.oov_buckets, (long long) n),
					 errhint("Lower \"vocabulary_size\" or \"oov_buckets\".")));
		}
		f->length = (int) dl_text_bag_width(f->vocab);
		n += f->length;
	}
	model->n_inputs = (int) n;
}

/*
 * The bags of words of every spooled row, one CSR row each, the columns of
 * each bag-of-words feature after those of the one before (the layout of
 * pgdl_text_layout); the memory charged to the training's budget.  NULL
 * without bag-of-words features.
 */
static dl_csr *
text_bags(const dl_model *model, PgdlRows *rows, MemoryContext cxt)
{
	PgdlTextSpool *ts = rows->text;
	dl_csr	   *c;
	size_t		cap = 1024;
	dl_text_bag b;
	bool		any = false;

	for (int j = 0; j < model->n_features; j++)
		any |= dl_feature_is_bag(&model->features[j]);
	if (!any)
		return NULL;
	c = MemoryContextAllocZero(cxt, sizeof(dl_csr));
	c->n_rows = rows->n;
	for (int j = 0; j < model->n_features; j++)
		if (dl_feature_is_bag(&model->features[j]))
			c->n_cols += (int) dl_text_bag_width(model->features[j].vocab);
	c->ptr = pgdl_budget_alloc(cxt, sizeof(uint64) * (rows->n + 1));
	c->col = pgdl_budget_alloc(cxt, sizeof(int32) * cap);
	c->val = pgdl_budget_alloc(cxt, sizeof(float) * cap);
	c->ptr[0] = 0;
	memset(&b, 0, sizeof(b));
	pgdl_text_spool_rewind(ts);
	for (size_t i = 0; i < rows->n; i++)
	{
		uint64		nnz = c->ptr[i];
		int			offset = 0;

		if ((i & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < model->n_features; j++)
		{
			const dl_feature *f = &model->features[j];
			size_t		len;
			const char *s;

			if (f->kind != DL_FEATURE_TEXT)
				continue;
			s = pgdl_text_spool_next(ts, &len);
			if (!dl_feature_is_bag(f))
				continue;
			pgdl_check_status(dl_text_bag_encode(f->vocab, f->encoding, s, len, &b));
			if (nnz + b.n > cap)
			{
				while (nnz + b.n > cap)
					cap *= 2;
				c->col = pgdl_budget_realloc(c->col, sizeof(int32) * cap);
				c->val = pgdl_budget_realloc(c->val, sizeof(float) * cap);
			}
			for (size_t k = 0; k < b.n; k++)
			{
				c->col[nnz] = offset + b.col[k];
				c->val[nnz++] = (float) b.val[k];
			}
			offset += (int) dl_text_bag_width(f->vocab);
		}
		c->ptr[i + 1] = nnz;
		pgdl_text_spool_next_row(ts);
	}
	dl_text_bag_free(&b);
	return c;
}

/* what writing the token ids into the spooled rows keeps */
typedef struct TextFill
{
	PgdlTextSpool *ts;
	const dl_model *model;
} TextFill;

static void
fill_row(size_t i, int64 rowno, float y, double *x, void *arg)
{
	TextFill   *tf = arg;
	int			pos = 0;

	for (int k = 0; k < tf->model->n_features; k++)
	{
		const dl_feature *f = &tf->model->features[k];

		if (f->kind == DL_FEATURE_TEXT)
		{
			size_t		len;
			const char *s = pgdl_text_spool_next(tf->ts, &len);

			if (!dl_feature_is_bag(f))
				pgdl_check_status(dl_text_sequence(f->vocab, s, len, f->length, x + pos));
		}
		pos += f->length;
	}
	pgdl_text_spool_next_row(tf->ts);
}

dl_csr *
pgdl_text_fit(dl_model *model, const dl_options *opts, PgdlRows *rows, const dl_split *split,
			  const PgdlStreamSplit *sp, dl_layer_spec *specs, int nspecs, MemoryContext cxt)
{
	PgdlTextSpool *ts = rows->text;
	MemoryContext old;
	bool	   *is_train;
	dl_vocab  **states;
	int			k;
	TextFill	tf;
	bool		sequences = false;
	dl_csr	   *bags = NULL;

	if (ts == NULL)
		return NULL;
	old = MemoryContextSwitchTo(cxt);
	is_train = palloc0(sizeof(bool) * Max(rows->n, 1));
	if (split)
		for (size_t j = 0; j < split->n_train; j++)
			is_train[split->train[j]] = true;
	else
		for (size_t i = 0; i < rows->n; i++)
			is_train[i] = !pgdl_stream_validates(sp, i);

	/* the counts of the training rows' documents */
	states = palloc0(sizeof(dl_vocab *) * pgdl_text_spool_width(ts));
	k = 0;
	for (int j = 0; j < model->n_features; j++)
		if (model->features[j].kind == DL_FEATURE_TEXT)
		{
			dl_text_options o;

			dl_text_column_vocab_options(pgdl_text_column(opts->text, opts->n_text,
														  model->features[j].name), &o);
			pgdl_check_status(dl_vocab_create(&o, &states[k++]));
		}
	pgdl_text_spool_rewind(ts);
	for (size_t i = 0; i < rows->n; i++)
	{
		if ((i & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		for (k = 0; k < pgdl_text_spool_width(ts); k++)
		{
			size_t		len;
			const char *s = pgdl_text_spool_next(ts, &len);

			if (is_train[i])
				pgdl_check_status(dl_vocab_add_document(states[k], s, len));
		}
		pgdl_text_spool_next_row(ts);
	}
	/* the vocabularies, kept in the model */
	k = 0;
	for (int j = 0; j < model->n_features; j++)
		if (model->features[j].kind == DL_FEATURE_TEXT)
		{
			dl_feature *f = &model->features[j];

			/* a previous fold's vocabulary went with that fold's memory context */
			pgdl_check_status(dl_vocab_finalize(states[k], &f->vocab));
			dl_vocab_free(states[k++]);
			if (dl_feature_is_bag(f))
				continue;
			sequences = true;
			/* an embedding reads the sequence, which opens the rows (pgdl_text_check_model) */
			if (nspecs > 0 && specs[0].type == DL_LAYER_EMBEDDING)
				specs[0].embedding.input_dim = (int) dl_vocab_id_count(f->vocab);
		}
	pfree(states);
	pfree(is_train);

	/* each row's token ids into the spooled rows */
	if (sequences)
	{
		pgdl_text_spool_rewind(ts);
		tf.ts = ts;
		tf.model = model;
		pgdl_rows_rewrite(rows, fill_row, &tf);
	}
	/* each row's bags of words beside them */
	bags = text_bags(model, rows, cxt);
	MemoryContextSwitchTo(old);
	return bags;
}
