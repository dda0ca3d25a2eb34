/*-------------------------------------------------------------------------
 *
 * scaler.h
 *	  What scaler.c (fitting, applying, checking) and scaler_text.c (the
 *	  JSON text form) share; the public interface is in pgdl_core.h.
 *
 * src/core/scaler.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_SCALER_H
#define PGDL_SCALER_H

#include <math.h>

#include "pgdl_core.h"

/* every stored NaN is the same one, so that the text round trip is exact */
static inline double
dl_scaler_canon(double v)
{
	return isnan(v) ? NAN : v;
}

/* "a minmax scaler", "an imputer": for messages */
extern const char *dl_scaler_kind_phrase(dl_scaler_kind kind);

/*
 * The checks behind dl_scaler_validate and dl_scaler_validate_fitted, and
 * behind dl_scaler_from_json, which reports with another status (binary
 * 22P03, text 22P02) and names the text in its messages (what).
 */
extern dl_status dl_scaler_check(const dl_scaler *s, dl_status bad, const char *what);
extern dl_status dl_scaler_check_fitted(const dl_scaler *s, dl_status bad, const char *what);

#endif							/* PGDL_SCALER_H */
