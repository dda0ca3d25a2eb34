/*-------------------------------------------------------------------------
 *
 * pgdl.c
 *	  What every glue module shares (pgdl.h): the settings' variables, the
 *	  engine's statuses as SQLSTATEs, required arguments.  The settings are
 *	  defined, and the module set up, by _PG_init (init.c).
 *
 * src/pg/pgdl.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "pgdl.h"

PG_MODULE_MAGIC;

int			pgdl_max_training_memory_kb = 1024 * 1024;
int			pgdl_max_model_size_kb = 256 * 1024;
int			pgdl_blas_threads = 1;
int			pgdl_model_cache_size_kb = 256 * 1024;

int
pgdl_sqlstate(dl_status status)
{
	switch (status)
	{
		case DL_EINVAL:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case DL_EDIM:
			return ERRCODE_DATA_EXCEPTION;
		case DL_ENULL:
			return ERRCODE_NULL_VALUE_NOT_ALLOWED;
		case DL_EFORMAT:
			return ERRCODE_INVALID_BINARY_REPRESENTATION;
		case DL_EVERSION:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		case DL_ELIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case DL_ERANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case DL_ETEXT:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case DL_OK:
		case DL_EINTERNAL:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
pgdl_check_status(dl_status status)
{
	/* the error hook raised already; this is for a status with no report */
	if (status != DL_OK)
		elog(ERROR, "pgdl engine failed with status %d", (int) status);
}

text *
pgdl_required_text(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	return PG_GETARG_TEXT_PP(arg);
}
