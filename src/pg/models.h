/*-------------------------------------------------------------------------
 *
 * models.h
 *	  The model registry (models.c): model references, loading a model once
 *	  per statement, and saving a new version.
 *
 * src/pg/models.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_PG_MODELS_H
#define PGDL_PG_MODELS_H

#include "fmgr.h"

#include "dl_nn.h"

#define PGDL_VERSION_DEFAULT	0	/* the deployed version, else the highest */
#define PGDL_VERSION_LATEST		(-1)

typedef struct PgdlModelRef
{
	char	   *name;
	int			version;		/* > 0, or PGDL_VERSION_DEFAULT / _LATEST */
} PgdlModelRef;

/* a model loaded for scoring: buffers for one row, no allocation per row */
typedef struct PgdlModel
{
	MemoryContext mcxt;			/* holds everything below */
	char	   *name;
	int			version;
	dl_model	m;
	dl_workspace *ws;			/* batch of 1 */
	int			n_outputs;
	float	   *in;				/* n_inputs */
	float	   *out;			/* n_outputs */
	double	   *xd;				/* n_inputs, for the imputer and scaler */
	bool	   *nulls;			/* n_inputs */
	Oid			record_type;	/* predict(model, record): record_bound is for this row type */
	int32		record_typmod;
	struct PgdlBoundFeature *record_bound;	/* per model feature (features.h), in mcxt */
} PgdlModel;

/* what pgdl_save_model stores */
typedef struct PgdlSave
{
	const char *name;
	const dl_model *model;		/* its options_json (NULL: {}) is the options column */
	const char *description;
	const char *metrics_json;
	const dl_epoch_report *epochs;
	int			n_epochs;
	bool		guard_meaning;	/* refuse other features, task or labels (train, import) */
	bool		replace;		/* ... unless the caller said so */
} PgdlSave;

/* 42602 for a malformed name, name@N or name@latest */
extern void pgdl_parse_model_ref(const char *ref, PgdlModelRef *out);
/* loads (through SPI, as the caller) into a new child context of mcxt */
/*
 * The weights ref resolves to for the current user (row-level security and
 * the registry's errors), in the caller's memory context; *name and *version
 * (name may be NULL) say which model they are.
 */
extern bytea *pgdl_model_fetch(const char *refstr, char **name, int *version);
/* a model ready to score, in a context of its own under mcxt, from its bytes */
extern PgdlModel *pgdl_model_from_weights(const char *name, int version, const bytea *weights,
										  MemoryContext mcxt);
extern PgdlModel *pgdl_model_load(const char *ref, MemoryContext mcxt);
extern void pgdl_model_release(PgdlModel *pm);
/*
 * Once per statement: every model a call site uses is cached in its
 * fn_extra, within pgdl.model_cache_size (models.c)
 */
extern PgdlModel *pgdl_model_cached(FunctionCallInfo fcinfo, text *ref);
extern void pgdl_model_from_bytes(const bytea *b, dl_model *m);
/* 42501 unless the caller is a member of the name's owner (inside SPI) */
extern void pgdl_check_model_writer(const char *name, bool must_exist);
/*
 * 55000 unless model keeps the features, task and labels of the version
 * the plain name means (nothing to keep for a new name), or replace
 */
extern void pgdl_check_model_meaning(const char *name, const dl_model *model, bool replace);
/* saves a new version; returns its number */
extern int	pgdl_save_model(const PgdlSave *s);

#endif							/* PGDL_PG_MODELS_H */
