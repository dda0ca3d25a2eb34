/*-------------------------------------------------------------------------
 *
 * text_features.h
 *	  Text features of train_model (text_features.c): the layers they need,
 *	  and their vocabularies fitted on the training split.
 *
 * src/pg/text_features.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_TEXT_FEATURES_H
#define PGDL_PG_TEXT_FEATURES_H

#include "dataset.h"
#include "dl_nn.h"
#include "stream.h"

/*
 * What does not go with text features yet (0A000), and the layers: a
 * sequence feature is the model's only input and opens an embedding
 * (22023), whose input_dim it gives - set here to the most the vocabulary
 * can give, for the size checks before the rows are read.
 */
extern void pgdl_text_check_model(const dl_feature *features, int n_features, const dl_options *opts,
								  dl_layer_spec *specs, int nspecs);

/*
 * What does not go with bag-of-words text features (tfidf, counts,
 * binary) yet: warm_start, data-parallel and streamed training (0A000);
 * and their layers: the first dense (it multiplies the sparse rows), on a
 * flat input (22023).  Called by pgdl_text_check_model.
 */
extern void pgdl_text_check_bags(const dl_feature *features, int n_features, const dl_options *opts,
								 const dl_layer_spec *specs, int nspecs);

/*
 * Fits the vocabulary of every text feature of model on the training rows
 * of rows (those split trains on, or those sp does not validate on), then
 * writes the token ids into every spooled row; the embedding of specs
 * takes its input_dim from the vocabulary.  Again for each fold of a
 * cross-validation, from the documents as they were read.  Returns the
 * bags of words of every row (in cxt, charged to the budget), or NULL
 * without bag-of-words features: they are not in the spooled rows, whose
 * inputs they follow (pgdl_text_layout).
 */
extern dl_csr *pgdl_text_fit(dl_model *model, const dl_options *opts, PgdlRows *rows,
						  const dl_split *split, const PgdlStreamSplit *sp, dl_layer_spec *specs,
						  int nspecs, MemoryContext cxt);

/*
 * Once the rows are prepared: each bag-of-words feature's length, one
 * input per id of its vocabulary from 2, and the model's inputs with them
 * (22023 for a vocabulary without a word, 54000 past DL_MAX_FEATURES).
 */
extern void pgdl_text_bag_inputs(dl_model *model);

/*
 * A sequence text column with other features (text_join.c).  The features
 * are laid out with the sequence column first (pgdl_text_layout): its ids
 * open each input row, the other features' inputs follow.
 */
/* the inputs that join after the text branch: those of the other features, or 0 */
extern int	pgdl_text_joined_inputs(const dl_model *model);
/* the first layer's input shape for network input in, and the joined inputs */
extern dl_shape pgdl_text_branch_shape(const dl_model *model, const dl_shape *in, int *joined);
/*
 * After pgdl_text_check_model: a joined model's layers must reduce the
 * sequence to one vector per row before the output layer (22023), and
 * input_shape does not apply
 */
extern void pgdl_text_check_join(const dl_model *model, const dl_options *opts,
								 const dl_layer_spec *specs, int nspecs);
/* the model's scaler, fitted on every input, made to leave the token ids as they are */
extern void pgdl_text_keep_ids(dl_model *model);

#endif							/* PGDL_PG_TEXT_FEATURES_H */
