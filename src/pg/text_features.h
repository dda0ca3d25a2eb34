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
 * Fits the vocabulary of every text feature of model on the training rows
 * of rows (those split trains on, or those sp does not validate on), then
 * writes the token ids into every spooled row; the embedding of specs
 * takes its input_dim from the vocabulary.  Again for each fold of a
 * cross-validation, from the documents as they were read.
 */
extern void pgdl_text_fit(dl_model *model, const dl_options *opts, PgdlRows *rows,
						  const dl_split *split, const PgdlStreamSplit *sp, dl_layer_spec *specs,
						  int nspecs, MemoryContext cxt);

/*
 * A sequence text column with other features (text_join.c).  The features
 * laid out with the sequence column first, before any row is read: its ids
 * open each input row, the other features' inputs follow.
 */
extern void pgdl_text_layout(PgdlFeatureSet *fs);
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
