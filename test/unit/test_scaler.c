/*-------------------------------------------------------------------------
 *
 * test_scaler.c
 *	  Scalers, the imputer, their JSON text form and histogram bins.
 *
 * Fits are checked against values computed by hand from small data sets,
 * the text form for bit-exact round trips and for rejecting malformed
 * input (every prefix of a valid text included, each in an exact-size
 * buffer so that ASan catches a read past the NUL).
 *
 * test/unit/test_scaler.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define NROWS_MAX 64

/*
 * Moments of rows x[r][0..d) (NaN-boxed NULLs given by isnull) through the
 * public row update, so that the test does not depend on the state layout.
 */
static double *
moments_of(dl_moments_soa *v, int d, int nrows, const double *x, const bool *isnull)
{
	double	   *buf = malloc(dl_moments_soa_nslots(d) * sizeof(double));

	dl_moments_soa_init(v, buf, d);
	for (int r = 0; r < nrows; r++)
		dl_moments_soa_add(v, x + (size_t) r * d, isnull ? isnull + (size_t) r * d : NULL);
	return buf;
}

static bool
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(double)) == 0;
}

static bool
same_scaler(const dl_scaler *a, const dl_scaler *b)
{
	size_t		bytes = (size_t) a->d * sizeof(double);

	return a->kind == b->kind && a->strategy == b->strategy && a->d == b->d &&
		same_bits(a->n, b->n) && same_bits(a->constant, b->constant) &&
		memcmp(a->center, b->center, bytes) == 0 &&
		memcmp(a->scale, b->scale, bytes) == 0 &&
		memcmp(a->lo, b->lo, bytes) == 0 &&
		memcmp(a->hi, b->hi, bytes) == 0 &&
		memcmp(a->fill, b->fill, bytes) == 0;
}

/* ---- fitting from moments ------------------------------------------------- */

/*
 * Four features: ordinary, constant, with NULLs, all NULL.
 *	f0 = {1, 2, 3, 4}: mean 2.5, population variance 1.25
 *	f1 = {10, 10, 10, 10}: zero variance
 *	f2 = {NULL, 5, NULL, 7}: mean 6, population sd 1
 *	f3 = NULL everywhere
 */
static const double fit_x[4 * 4] = {
	1, 10, 0, 0,
	2, 10, 5, 0,
	3, 10, 0, 0,
	4, 10, 7, 0
};
static const bool fit_null[4 * 4] = {
	false, false, true, true,
	false, false, false, true,
	false, false, true, true,
	false, false, false, true
};

static void
test_fit_standard(void)
{
	dl_moments_soa v;
	double	   *buf;
	dl_scaler	s;

	th_begin("scaler: standard fit equals hand-computed mean and population sd");
	buf = moments_of(&v, 4, 4, fit_x, fit_null);
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 4), DL_OK);
	dl_scaler_fit_moments(&s, &v);

	CHECK(s.n == 4);
	CHECK_REL(s.center[0], 2.5, 1e-15);
	CHECK_REL(s.scale[0], sqrt(1.25), 1e-15);
	CHECK_REL(s.lo[0], 2.5, 1e-15);
	CHECK_REL(s.hi[0], sqrt(1.25), 1e-15);
	/* zero variance: scale 1, but the fence width stays the real sd, 0 */
	CHECK_REL(s.center[1], 10, 1e-15);
	CHECK(s.scale[1] == 1.0);
	CHECK(s.hi[1] == 0.0);
	CHECK_REL(s.center[2], 6, 1e-15);
	CHECK_REL(s.scale[2], 1, 1e-15);
	/* no value: the identity, and fences that flag nothing */
	CHECK(s.center[3] == 0.0 && s.scale[3] == 1.0);
	CHECK(isnan(s.lo[3]) && isnan(s.hi[3]));
	CHECK(s.fill[0] == 0.0 && s.fill[3] == 0.0);
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);

	dl_free(s.center);
	free(buf);
	th_end();
}

static void
test_fit_minmax_maxabs(void)
{
	/* f0 = {-1, 3, 0, 2}, f1 = {5, 5, 5, 5}, f2 = {-4, 2, 1, 0} */
	static const double x[4 * 3] = {
		-1, 5, -4,
		3, 5, 2,
		0, 5, 1,
		2, 5, 0
	};
	dl_moments_soa v;
	double	   *buf;
	dl_scaler	s;
	double		y[3];
	bool		isnull[3] = {false, false, false};

	th_begin("scaler: minmax and maxabs fits equal hand-computed ranges");
	buf = moments_of(&v, 3, 4, x, NULL);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_MINMAX, 3), DL_OK);
	dl_scaler_fit_moments(&s, &v);
	CHECK(s.center[0] == -1 && s.scale[0] == 4);
	CHECK(s.center[1] == 5 && s.scale[1] == 1);	/* zero range */
	CHECK(s.center[2] == -4 && s.scale[2] == 6);
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	/* min to 0, max to 1, beyond not clipped */
	dl_scaler_transform(&s, (const double[]) {-1, 5, 2}, isnull, y);
	CHECK(y[0] == 0 && y[1] == 0 && y[2] == 1);
	dl_scaler_transform(&s, (const double[]) {3, 6, 8}, isnull, y);
	CHECK(y[0] == 1 && y[1] == 1 && y[2] == 2);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_MAXABS, 3), DL_OK);
	dl_scaler_fit_moments(&s, &v);
	CHECK(s.center[0] == 0 && s.scale[0] == 3);
	CHECK(s.center[1] == 0 && s.scale[1] == 5);
	CHECK(s.center[2] == 0 && s.scale[2] == 4);
	CHECK(s.n == 4);
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	CHECK_STATUS(dl_scaler_transform(&s, (const double[]) {-3, 5, -4}, NULL, y), DL_OK);
	CHECK(y[0] == -1 && y[1] == 1 && y[2] == -1);
	/* a finite value made infinite is an overflow, as in SQL; an infinite one stays infinite */
	s.scale[1] = 1e-300;
	CHECK_STATUS(dl_scaler_transform(&s, (const double[]) {-3, 1e300, -4}, NULL, y), DL_ERANGE);
	CHECK(y[0] == -1 && isinf(y[1]) && y[2] == -1);	/* every element still written */
	CHECK_STATUS(dl_scaler_transform(&s, (const double[]) {-3, INFINITY, -4}, NULL, y), DL_OK);
	CHECK(isinf(y[1]) && y[1] > 0);
	CHECK_STATUS(dl_scaler_inverse(&s, (const double[]) {1, 1, 1}, NULL, y), DL_OK);
	s.scale[2] = 1e300;
	CHECK_STATUS(dl_scaler_inverse(&s, (const double[]) {1, 1, 1e10}, NULL, y), DL_ERANGE);
	CHECK_STATUS(dl_scaler_inverse(&s, (const double[]) {1, 1, -INFINITY}, NULL, y), DL_OK);
	dl_free(s.center);
	free(buf);

	/* an all-zero feature: maxabs scale 1 */
	{
		static const double z[2] = {0, 0};

		buf = moments_of(&v, 1, 2, z, NULL);
		CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_MAXABS, 1), DL_OK);
		dl_scaler_fit_moments(&s, &v);
		CHECK(s.scale[0] == 1.0);
		dl_free(s.center);
		free(buf);
	}
	th_end();
}

/* NaN and the infinities are values, fitted as the float8 aggregates see them */
static void
test_fit_nonfinite(void)
{
	/* f0 has a NaN, f1 a +Infinity, f2 both infinities, f3 only +Infinity */
	static const double x[3 * 4] = {
		1, 1, 1, INFINITY,
		NAN, INFINITY, INFINITY, INFINITY,
		3, 2, -INFINITY, INFINITY
	};
	dl_moments_soa v;
	double	   *buf = moments_of(&v, 4, 3, x, NULL);
	dl_scaler	s;

	th_begin("scaler: NaN and Infinity fit as the float8 aggregates, NaN canonical");
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 4), DL_OK);
	dl_scaler_fit_moments(&s, &v);
	CHECK(isnan(s.center[0]) && isnan(s.scale[0]));
	CHECK(same_bits(s.center[0], NAN) && same_bits(s.scale[0], NAN));
	CHECK(s.center[1] == INFINITY && isnan(s.scale[1]));
	CHECK(isnan(s.center[2]));
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_MINMAX, 4), DL_OK);
	dl_scaler_fit_moments(&s, &v);
	/* min ignores NaN (it sorts last), max is NaN */
	CHECK(s.center[0] == 1 && isnan(s.scale[0]));
	CHECK(s.center[1] == 1 && s.scale[1] == INFINITY);
	CHECK(s.center[2] == -INFINITY && s.scale[2] == INFINITY);
	/* Inf - Inf is the x86 default NaN, sign bit set: stored canonical */
	CHECK(s.center[3] == INFINITY && same_bits(s.scale[3], NAN));
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_MAXABS, 4), DL_OK);
	dl_scaler_fit_moments(&s, &v);
	CHECK(isnan(s.scale[0]));
	CHECK(s.scale[1] == INFINITY && s.scale[2] == INFINITY);
	dl_free(s.center);
	free(buf);
	th_end();
}

/* ---- applying -------------------------------------------------------------- */

static void
test_round_trip(void)
{
	enum
	{
		D = 5, ROWS = 50
	};
	static const dl_scaler_kind kinds[] = {
		DL_SCALER_STANDARD, DL_SCALER_MINMAX, DL_SCALER_MAXABS
	};
	double		x[D * ROWS];
	uint64_t	st = 42;
	dl_moments_soa v;
	double	   *buf;

	th_begin("scaler: transform then inverse round-trips within 1e-12 relative");
	for (int r = 0; r < ROWS; r++)
		for (int j = 0; j < D; j++)
			x[r * D + j] = th_rand_normal(&st) * pow(10, 3 * j - 6) + 1000 * j;
	buf = moments_of(&v, D, ROWS, x, NULL);

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
	{
		dl_scaler	s;

		CHECK_STATUS(dl_scaler_alloc(&s, kinds[k], D), DL_OK);
		dl_scaler_fit_moments(&s, &v);
		for (int r = 0; r < ROWS; r++)
		{
			double		y[D],
						back[D];

			dl_scaler_transform(&s, x + r * D, NULL, y);
			CHECK_STATUS(dl_scaler_inverse(&s, y, NULL, back), DL_OK);
			for (int j = 0; j < D; j++)
				CHECK_REL(back[j], x[r * D + j], 1e-12);
		}
		dl_free(s.center);
	}

	/* robust, built by hand; y may alias x */
	{
		dl_scaler	s;
		double		row[3] = {-7.5, 0.001, 1e6},
					orig[3];

		memcpy(orig, row, sizeof(row));
		CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_ROBUST, 3), DL_OK);
		for (int j = 0; j < 3; j++)
		{
			s.lo[j] = j - 1.3;
			s.hi[j] = j * 7 + 2.1;
			s.center[j] = j + 0.4;
			s.scale[j] = s.hi[j] - s.lo[j];
		}
		CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
		dl_scaler_transform(&s, row, NULL, row);
		CHECK_REL(row[0], (-7.5 - 0.4) / 3.4, 1e-15);
		CHECK_STATUS(dl_scaler_inverse(&s, row, NULL, row), DL_OK);
		for (int j = 0; j < 3; j++)
			CHECK_REL(row[j], orig[j], 1e-12);
		dl_free(s.center);
	}
	free(buf);
	th_end();
}

static void
test_nulls(void)
{
	dl_scaler	s;
	double		x[3] = {4, 123, 6},
				y[3] = {-1, -1, -1},
				back[3];
	bool		isnull[3] = {false, true, false};

	th_begin("scaler: NULL elements stay NULL in transform and inverse");
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 3), DL_OK);
	for (int j = 0; j < 3; j++)
	{
		s.center[j] = 2;
		s.scale[j] = 2;
		s.lo[j] = 2;
		s.hi[j] = 2;
	}
	dl_scaler_transform(&s, x, isnull, y);
	CHECK(!isnull[0] && isnull[1] && !isnull[2]);
	CHECK(y[0] == 1 && y[2] == 2);
	CHECK(y[1] == 0);			/* defined, not left over */
	CHECK_STATUS(dl_scaler_inverse(&s, y, isnull, back), DL_OK);
	CHECK(back[0] == 4 && back[2] == 6 && back[1] == 0);
	CHECK(isnull[1]);
	dl_free(s.center);
	th_end();
}

static void
test_imputer(void)
{
	dl_moments_soa v;
	double	   *buf = moments_of(&v, 4, 4, fit_x, fit_null);
	dl_scaler	s;
	double		x[4] = {-1, -2, -3, -4},
				y[4];
	bool		isnull[4] = {true, false, true, true};

	th_begin("scaler: imputer fills NULLs (mean, constant, all-NULL feature 0)");
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_IMPUTER, 4), DL_OK);
	s.strategy = DL_IMPUTE_MEAN;
	dl_scaler_fit_moments(&s, &v);
	CHECK(s.n == 4);
	CHECK_REL(s.fill[0], 2.5, 1e-15);
	CHECK_REL(s.fill[1], 10, 1e-15);
	CHECK_REL(s.fill[2], 6, 1e-15);
	CHECK(s.fill[3] == 0.0);	/* keep_empty_features=True */
	CHECK(s.center[0] == 0 && s.scale[0] == 1);
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);

	dl_scaler_transform(&s, x, isnull, y);
	CHECK_REL(y[0], 2.5, 1e-15);
	CHECK(y[1] == -2);			/* present: unchanged */
	CHECK_REL(y[2], 6, 1e-15);
	CHECK(y[3] == 0);
	CHECK(!isnull[0] && !isnull[1] && !isnull[2] && !isnull[3]);

	/* no isnull: the identity, in place */
	dl_scaler_transform(&s, x, NULL, x);
	CHECK(x[0] == -1 && x[3] == -4);

	th_clear_error();
	CHECK_STATUS(dl_scaler_inverse(&s, y, NULL, x), DL_EINVAL);
	CHECK(th_last_error == DL_EINVAL);
	CHECK(strstr(th_last_message, "imputer has no inverse") != NULL);
	dl_free(s.center);

	/* constant: every feature, the all-NULL one included */
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_IMPUTER, 4), DL_OK);
	s.strategy = DL_IMPUTE_CONSTANT;
	s.constant = -1.5;
	dl_scaler_fit_moments(&s, &v);
	for (int j = 0; j < 4; j++)
		CHECK(s.fill[j] == -1.5);
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	{
		bool		nn[4] = {false, true, false, false};

		dl_scaler_transform(&s, (const double[]) {1, 2, 3, 4}, nn, y);
		CHECK(y[0] == 1 && y[1] == -1.5 && y[2] == 3 && !nn[1]);
	}
	dl_free(s.center);
	free(buf);
	th_end();
}

/* ---- robust scaler and median imputer from sketches ------------------------ */

static dl_sketch *
sketch_of(const double *x, int n)
{
	dl_sketch  *k = malloc(dl_sketch_size(2));

	dl_sketch_init(k);
	for (int i = 0; i < n; i++)
		CHECK_STATUS(dl_sketch_add(k, x[i]), DL_OK);
	return k;
}

static void
test_fit_sketches(void)
{
	static const double f0[9] = {9, 1, 8, 2, 7, 3, 6, 4, 5};	/* Q1 3, Q2 5, Q3 7 */
	static const double f1[4] = {1, 2, 3, 4};	/* 1.75, 2.5, 3.25 */
	static const double f2[3] = {4, 4, 4};		/* IQR 0 */
	static const double f3[2] = {NAN, NAN};
	const dl_sketch *sk[5];
	dl_sketch  *own[5];
	dl_scaler	s;
	bool		out;

	th_begin("scaler: robust and median imputer from sketches (percentile_cont)");
	own[0] = sketch_of(f0, 9);
	own[1] = sketch_of(f1, 4);
	own[2] = sketch_of(f2, 3);
	own[3] = sketch_of(f3, 2);
	own[4] = sketch_of(NULL, 0);
	for (int j = 0; j < 5; j++)
		sk[j] = own[j];

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_ROBUST, 5), DL_OK);
	CHECK_STATUS(dl_scaler_fit_sketches(&s, sk), DL_OK);
	CHECK(s.n == 9);
	CHECK(s.center[0] == 5 && s.scale[0] == 4 && s.lo[0] == 3 && s.hi[0] == 7);
	CHECK_REL(s.center[1], 2.5, 1e-15);
	CHECK_REL(s.scale[1], 1.5, 1e-15);
	CHECK_REL(s.lo[1], 1.75, 1e-15);
	CHECK_REL(s.hi[1], 3.25, 1e-15);
	CHECK(s.center[2] == 4 && s.scale[2] == 1 && s.lo[2] == 4 && s.hi[2] == 4);
	CHECK(isnan(s.center[3]) && isnan(s.scale[3]) && isnan(s.lo[3]));
	CHECK(s.center[4] == 0 && s.scale[4] == 1 && isnan(s.lo[4]) && isnan(s.hi[4]));
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	/* fences of f0 at k = 1.5: 3 - 6 = -3 and 7 + 6 = 13 */
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {13, 4, 4, 0, 0}, NULL, 1.5, &out), DL_OK);
	CHECK(!out);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {13.001, 4, 4, 0, 0}, NULL, 1.5, &out), DL_OK);
	CHECK(out);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_IMPUTER, 5), DL_OK);
	s.strategy = DL_IMPUTE_MEDIAN;
	CHECK_STATUS(dl_scaler_fit_sketches(&s, sk), DL_OK);
	CHECK(s.fill[0] == 5);
	CHECK_REL(s.fill[1], 2.5, 1e-15);
	CHECK(s.fill[2] == 4 && isnan(s.fill[3]) && s.fill[4] == 0);
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	dl_free(s.center);

	/* a kind the sketches cannot fit */
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 5), DL_OK);
	th_clear_error();
	CHECK_STATUS(dl_scaler_fit_sketches(&s, sk), DL_EINTERNAL);
	CHECK(th_last_error == DL_EINTERNAL);
	dl_free(s.center);

	for (int j = 0; j < 5; j++)
		free(own[j]);
	th_end();
}

/* ---- outliers ---------------------------------------------------------------- */

static void
test_outlier(void)
{
	dl_scaler	s;
	bool		out = true;

	th_begin("scaler: is_outlier fences, NULL/NaN ignored, bad k and kinds rejected");
	/* mean 0 sd 1; mean 10 sd 0 (a constant feature) */
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 2), DL_OK);
	s.lo[0] = 0;
	s.hi[0] = 1;
	s.lo[1] = 10;
	s.hi[1] = 0;
	s.center[1] = 10;

	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {2.99, 10}, NULL, 3, &out), DL_OK);
	CHECK(!out);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {3, 10}, NULL, 3, &out), DL_OK);
	CHECK(!out);				/* on the fence: inside */
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {3.01, 10}, NULL, 3, &out), DL_OK);
	CHECK(out);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {-3.01, 10}, NULL, 3, &out), DL_OK);
	CHECK(out);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0, 10.5}, NULL, 3, &out), DL_OK);
	CHECK(out);					/* sd 0: any other value */
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {-INFINITY, 10}, NULL, 3, &out), DL_OK);
	CHECK(out);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {NAN, 10}, NULL, 3, &out), DL_OK);
	CHECK(!out);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {100, 10}, (const bool[]) {true, false}, 3, &out), DL_OK);
	CHECK(!out);				/* a NULL element is ignored */
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0.5, 10}, NULL, 0, &out), DL_OK);
	CHECK(out);					/* k = 0: only the mean itself is inside */
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0, 10}, NULL, 0, &out), DL_OK);
	CHECK(!out);

	/* NaN fences (fitted on no value or on NaN) flag nothing */
	s.lo[0] = NAN;
	s.hi[0] = NAN;
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {1e300, 10}, NULL, 3, &out), DL_OK);
	CHECK(!out);

	th_clear_error();
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0, 10}, NULL, -1, &out), DL_EINVAL);
	CHECK(strstr(th_last_message, "threshold") != NULL);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0, 10}, NULL, NAN, &out), DL_EINVAL);
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0, 10}, NULL, INFINITY, &out), DL_EINVAL);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_MINMAX, 2), DL_OK);
	th_clear_error();
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0, 0}, NULL, 3, &out), DL_EINVAL);
	CHECK(strstr(th_last_message, "minmax") != NULL);
	dl_free(s.center);
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_IMPUTER, 2), DL_OK);
	th_clear_error();
	CHECK_STATUS(dl_scaler_is_outlier(&s, (const double[]) {0, 0}, NULL, 3, &out), DL_EINVAL);
	CHECK(strstr(th_last_message, "imputer") != NULL);
	dl_free(s.center);
	th_end();
}

/* ---- allocation and validation ----------------------------------------------- */

static void
test_alloc_validate(void)
{
	dl_scaler	s;

	th_begin("scaler: alloc limits and validate catches inconsistent scalers");
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 0), DL_EINVAL);
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, DL_SCALER_MAX_D + 1), DL_ELIMIT);
	CHECK_STATUS(dl_scaler_alloc(&s, (dl_scaler_kind) 0, 1), DL_EINVAL);
	CHECK_STATUS(dl_scaler_alloc(&s, (dl_scaler_kind) 6, 1), DL_EINVAL);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_MAXABS, 2), DL_OK);
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
#define BAD(stmt, undo) \
	do { stmt; th_clear_error(); \
		CHECK_STATUS(dl_scaler_validate(&s), DL_EFORMAT); \
		CHECK(th_last_error == DL_EFORMAT && th_last_message[0] != '\0'); \
		undo; CHECK_STATUS(dl_scaler_validate(&s), DL_OK); } while (0)
	BAD(s.scale[1] = 0, s.scale[1] = 1);
	BAD(s.scale[1] = -2, s.scale[1] = 1);
	BAD(s.scale[1] = -INFINITY, s.scale[1] = 1);
	BAD(s.center[0] = 1, s.center[0] = 0);	/* maxabs is centred at 0 */
	BAD(s.lo[0] = 1, s.lo[0] = 0);
	BAD(s.fill[1] = 1, s.fill[1] = 0);
	BAD(s.n = -1, s.n = 0);
	BAD(s.n = 2.5, s.n = 0);
	BAD(s.n = NAN, s.n = 0);
	BAD(s.d = 0, s.d = 2);
	BAD(s.d = DL_SCALER_MAX_D + 1, s.d = 2);
	BAD(s.kind = (dl_scaler_kind) 9, s.kind = DL_SCALER_MAXABS);
	BAD(s.strategy = DL_IMPUTE_MEAN, s.strategy = DL_IMPUTE_NONE);
	BAD(s.constant = 3, s.constant = 0);
	/* NaN and +Inf scales are what NaN and Inf data fit to */
	s.scale[0] = NAN;
	s.scale[1] = INFINITY;
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_IMPUTER, 2), DL_OK);
	th_clear_error();
	CHECK_STATUS(dl_scaler_validate(&s), DL_EFORMAT);	/* no strategy yet */
	s.strategy = DL_IMPUTE_CONSTANT;
	s.constant = 7;
	s.fill[0] = s.fill[1] = 7;
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	BAD(s.fill[1] = 6, s.fill[1] = 7);
	BAD(s.scale[0] = 2, s.scale[0] = 1);
	BAD(s.center[0] = 2, s.center[0] = 0);
	BAD(s.strategy = (dl_impute_strategy) 4, s.strategy = DL_IMPUTE_CONSTANT);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_ROBUST, 1), DL_OK);
	s.lo[0] = 1;
	s.hi[0] = 2;
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	BAD(s.lo[0] = 3, s.lo[0] = 1);	/* Q1 above Q3 */
	dl_free(s.center);
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 1), DL_OK);
	BAD(s.hi[0] = -1, s.hi[0] = 0);	/* negative sd */
	dl_free(s.center);
#undef BAD
	th_end();
}

/* ---- text form ------------------------------------------------------------------ */

/* parses text held in an exact-size heap block, so ASan sees any over-read */
static dl_status
parse_exact(const char *text, size_t len, dl_scaler *s)
{
	char	   *copy = malloc(len + 1);
	dl_status	st;

	memcpy(copy, text, len);
	copy[len] = '\0';
	st = dl_scaler_from_json(copy, s);
	free(copy);
	return st;
}

static void
check_round_trip(const dl_scaler *s)
{
	char	   *text = dl_scaler_to_json(s);
	char	   *again;
	dl_scaler	back;

	th_clear_error();
	CHECK_STATUS(parse_exact(text, strlen(text), &back), DL_OK);
	if (th_last_error == DL_OK)
	{
		if (!same_scaler(s, &back))
			th_fail(__FILE__, __LINE__, "round trip differs: %s", text);
		again = dl_scaler_to_json(&back);
		CHECK(strcmp(text, again) == 0);
		dl_free(again);
		dl_free(back.center);
	}
	dl_free(text);
}

static const double awkward[] = {
	0.1, -0.0, 0.0, 1.0 / 3.0, 1e300, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324,
	NAN, INFINITY, -INFINITY, 123456789012345678.0, 2.5e-17, 0.30000000000000004
};
#define NAWKWARD ((int) (sizeof(awkward) / sizeof(awkward[0])))

/*
 * Feature j of s as a fit of data around a could give it: a the mean or
 * minimum (or median between quartiles -|a| and |a|), |a| the spread; a
 * NaN or infinite a as data with such values fits it.
 */
static void
fitted_feature(dl_scaler *s, int j, double a)
{
	double		spread = isfinite(a) ? fabs(a) : NAN;

	switch (s->kind)
	{
		case DL_SCALER_STANDARD:
			s->center[j] = s->lo[j] = a;
			s->hi[j] = spread;
			s->scale[j] = spread == 0 ? 1 : spread;
			break;
		case DL_SCALER_MINMAX:
			s->center[j] = a;
			s->scale[j] = a == -INFINITY ? INFINITY : isfinite(a) && a != 0 ? fabs(a) : isfinite(a) ? 0.5 : NAN;
			break;
		case DL_SCALER_MAXABS:
			s->center[j] = 0;
			s->scale[j] = isnan(a) || isinf(a) ? fabs(a) : a != 0 ? fabs(a) : 1;
			break;
		case DL_SCALER_ROBUST:
			s->center[j] = a;
			s->lo[j] = isnan(a) ? a : -fabs(a);
			s->hi[j] = isnan(a) ? a : fabs(a);
			s->scale[j] = s->hi[j] - s->lo[j] == 0 ? 1 : s->hi[j] - s->lo[j];
			break;
		case DL_SCALER_IMPUTER:
			s->fill[j] = a;
			break;
	}
}

static void
test_json_round_trip(void)
{
	static const dl_scaler_kind kinds[] = {
		DL_SCALER_STANDARD, DL_SCALER_MINMAX, DL_SCALER_MAXABS, DL_SCALER_ROBUST
	};
	dl_scaler	s;
	uint64_t	st = 7;

	th_begin("scaler: JSON round trip is bit-exact for every kind, NaN/Inf included");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
	{
		CHECK_STATUS(dl_scaler_alloc(&s, kinds[k], NAWKWARD), DL_OK);
		s.n = 9007199254740992.0;
		for (int j = 0; j < NAWKWARD; j++)
			fitted_feature(&s, j, awkward[j]);
		CHECK_STATUS(dl_scaler_validate_fitted(&s), DL_OK);
		check_round_trip(&s);

		/* random doubles of every magnitude */
		for (int j = 0; j < NAWKWARD; j++)
			fitted_feature(&s, j, ldexp(th_rand_normal(&st), (int) (th_rand_u64(&st) % 2000) - 1000));
		s.n = 7;
		check_round_trip(&s);
		dl_free(s.center);
	}

	/* the imputer, every strategy, NaN constant and fills included */
	for (int strat = DL_IMPUTE_MEAN; strat <= DL_IMPUTE_CONSTANT; strat++)
	{
		CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_IMPUTER, NAWKWARD), DL_OK);
		s.strategy = (dl_impute_strategy) strat;
		s.n = 12;
		if (strat == DL_IMPUTE_CONSTANT)
			s.constant = NAN;
		for (int j = 0; j < NAWKWARD; j++)
			s.fill[j] = strat == DL_IMPUTE_CONSTANT ? NAN : awkward[j];
		CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
		check_round_trip(&s);
		if (strat == DL_IMPUTE_CONSTANT)
		{
			s.constant = -0.0;
			for (int j = 0; j < NAWKWARD; j++)
				s.fill[j] = -0.0;
			check_round_trip(&s);
		}
		dl_free(s.center);
	}

	/* what a fit produces round-trips too (its NaN is canonical) */
	{
		static const double x[2 * 2] = {NAN, 1, 2, 1};
		dl_moments_soa v;
		double	   *buf = moments_of(&v, 2, 2, x, NULL);

		CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 2), DL_OK);
		dl_scaler_fit_moments(&s, &v);
		check_round_trip(&s);
		dl_free(s.center);
		free(buf);
	}
	th_end();
}

static void
test_json_format(void)
{
	dl_scaler	s;
	char	   *text;

	th_begin("scaler: JSON text is the documented, readable shape");
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 2), DL_OK);
	s.n = 4;
	s.center[0] = s.lo[0] = 1.5;
	s.center[1] = s.lo[1] = -0.0;
	s.scale[0] = 0.1;
	s.scale[1] = 1;
	s.hi[0] = 0;
	s.hi[1] = NAN;
	text = dl_scaler_to_json(&s);
	if (strcmp(text, "{\"version\": 1, \"kind\": \"standard\", \"n\": 4, "
			   "\"center\": [1.5, -0], \"scale\": [0.1, 1], "
			   "\"lo\": [1.5, -0], \"hi\": [0, \"NaN\"]}") != 0)
		th_fail(__FILE__, __LINE__, "unexpected text %s", text);
	dl_free(text);
	dl_free(s.center);

	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_IMPUTER, 1), DL_OK);
	s.strategy = DL_IMPUTE_CONSTANT;
	s.constant = s.fill[0] = -INFINITY;
	text = dl_scaler_to_json(&s);
	if (strcmp(text, "{\"version\": 1, \"kind\": \"imputer\", \"n\": 0, \"strategy\": \"constant\", "
			   "\"constant\": \"-Infinity\", \"fill\": [\"-Infinity\"]}") != 0)
		th_fail(__FILE__, __LINE__, "unexpected text %s", text);
	dl_free(text);
	dl_free(s.center);

	/* key order, white space and escapes are free */
	th_clear_error();
	CHECK_STATUS(dl_scaler_from_json(" \n{ \"sc\\u0061le\" :[2,4],\t\"center\":[1 , -1e-3],"
									 "\"kind\":\"m\\u0069nmax\",\"n\":10,\"version\":1.0}\r\n", &s),
				 DL_OK);
	if (th_last_error == DL_OK)
	{
		CHECK(s.kind == DL_SCALER_MINMAX && s.d == 2 && s.n == 10);
		CHECK(s.center[1] == -1e-3 && s.scale[1] == 4);
		dl_free(s.center);
	}
	th_end();
}

typedef struct bad_text
{
	const char *text;
	const char *message;		/* a part the message must contain */
} bad_text;

#define STD_TAIL "\"n\": 3, \"center\": [1, 2], \"scale\": [1, 2], \"lo\": [1, 2], \"hi\": [1, 2]}"
#define STD "{\"version\": 1, \"kind\": \"standard\", " STD_TAIL

static const bad_text bad_texts[] = {
	{"", "empty input"},
	{" \n\t ", "empty input"},
	{"{", "ends inside the object"},
	{"[1, 2]", "expected '{'"},
	{"null", "expected '{'"},
	{"{}", "missing key \"version\""},
	{STD " x", "unexpected text after the object"},
	{STD "}", "unexpected text after the object"},
	{STD "{}", "unexpected text after the object"},
	{"{\"version\": 1, \"kind\": \"nope\", " STD_TAIL, "unknown kind \"nope\""},
	{"{\"version\": 1, \"foo\": 1, \"kind\": \"standard\", " STD_TAIL, "unknown key \"foo\""},
	{"{\"foo\": [1, 2], \"version\": 1, \"kind\": \"standard\", " STD_TAIL, "unknown key \"foo\""},
	{"{\"foo\": {\"a\": 1}, \"version\": 1}", "unknown key \"foo\""},
	{"{\"version\": 1, \"kind\": \"standard\", \"kind\": \"standard\", " STD_TAIL, "duplicate key \"kind\""},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"lo\": [1], \"hi\": [1]}",
	"missing key \"scale\""},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": \"abc\", \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"\"center\" must be an array"},
	{"{\"version\": 1, \"kind\": 5, " STD_TAIL, "\"kind\" must be a string"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": \"3\", \"center\": [1], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"\"n\" must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1, 2], \"scale\": [1, 2, 3], \"lo\": [1, 2], \"hi\": [1, 2]}",
	"\"scale\" has 3 elements but \"center\" has 2"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [], \"scale\": [], \"lo\": [], \"hi\": []}",
	"\"center\" is empty"},
	{"{\"version\": 1, \"kind\": \"stan\\xdard\", " STD_TAIL, "invalid escape \\x"},
	{"{\"version\": 1, \"kind\": \"\\u12G4\", " STD_TAIL, "invalid \\u escape"},
	{"{\"version\": 1, \"kind\": \"\\uD800\", " STD_TAIL, "unpaired surrogate"},
	{"{\"version\": 1, \"kind\": \"\\uDC00\", " STD_TAIL, "unpaired surrogate"},
	{"{\"version\": 1, \"kind\": \"\\uD800\\u0041\", " STD_TAIL, "unpaired surrogate"},
	{"{\"version\": 1, \"kind\": \"standard\\u0000\", " STD_TAIL, "unknown kind"},
	{"{\"version\": 1, \"kind\": \"stand\nard\", " STD_TAIL, "control character"},
	{"{\"version\": 1, \"kind\": \"stan", "unterminated string"},
	{"{\"version\": 1, \"kind\": \"stan\\", "unterminated string"},
	{"{\"version\": 1, \"kind\": \"\\u00", "invalid \\u escape"},
	{"{\"version\": 1,}", "expected a quoted key"},
	{"{\"version\": 1 \"kind\": \"standard\"}", "expected ',' or '}'"},
	{"{\"version\" 1}", "expected ':'"},
	{"{version: 1}", "expected a quoted key"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1,], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"element 2 of \"center\" must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [[1]], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"element 1 of \"center\" must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": {\"a\": [1]}, \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"\"center\" must be an array"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [true], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": null, \"center\": [1], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"\"n\" must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1 2], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"expected ',' or ']'"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1", "input ends inside \"center\""},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [01], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"expected ',' or ']'"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1.], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"invalid number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [-], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"invalid number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1e], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"invalid number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [.5], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [+1], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1e400], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"out of range"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [NaN], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"must be a number"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [\"nan\"], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"got the string \"nan\""},
	{"{\"version\": 1, \"kind\": \"minmax\", \"n\": 3, \"center\": [1], \"scale\": [1], \"lo\": [1]}",
	"key \"lo\" does not apply to a minmax scaler"},
	{"{\"version\": 1, \"kind\": \"imputer\", \"n\": 3, \"fill\": [1]}", "missing key \"strategy\""},
	{"{\"version\": 1, \"kind\": \"imputer\", \"strategy\": \"mode\", \"n\": 3, \"fill\": [1]}",
	"unknown strategy \"mode\""},
	{"{\"version\": 1, \"kind\": \"imputer\", \"strategy\": \"mean\", \"constant\": 1, \"n\": 3, \"fill\": [1]}",
	"only for the constant strategy"},
	{"{\"version\": 1, \"kind\": \"imputer\", \"strategy\": \"constant\", \"n\": 3, \"fill\": [1]}",
	"missing key \"constant\""},
	{"{\"version\": 1, \"kind\": \"imputer\", \"strategy\": \"constant\", \"constant\": 2, \"n\": 3, \"fill\": [1]}",
	"fill of feature 1 is 1 but the constant is 2"},
	{"{\"version\": 1, \"kind\": \"imputer\", \"strategy\": \"mean\", \"n\": 3, \"fill\": [1], \"center\": [0]}",
	"key \"center\" does not apply to an imputer"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1, 2], \"scale\": [1, 0], \"lo\": [1, 2], \"hi\": [1, 2]}",
	"scale of feature 2 is 0"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"scale\": [-1], \"lo\": [1], \"hi\": [1]}",
	"scale of feature 1 is -1"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": -1, \"center\": [1], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"n must be a non-negative integer"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 1.5, \"center\": [1], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"n must be a non-negative integer"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": \"Infinity\", \"center\": [1], \"scale\": [1], \"lo\": [1], \"hi\": [1]}",
	"n must be a non-negative integer"},
	{"{\"version\": 1, \"kind\": \"maxabs\", \"n\": 3, \"center\": [1], \"scale\": [1]}",
	"must be 0"},
	{"{\"version\": 1, \"kind\": \"robust\", \"n\": 3, \"center\": [1], \"scale\": [1], \"lo\": [2], \"hi\": [1]}",
	"Q1 of feature 1 is above its Q3"},
	{"{\"kind\": \"standard\", " STD_TAIL, "missing key \"version\""},
	{"{\"version\": 0, \"kind\": \"standard\", " STD_TAIL, "invalid version 0"},
	{"{\"version\": 1.5, \"kind\": \"standard\", " STD_TAIL, "invalid version 1.5"},
	{"{\"version\": \"1\", \"kind\": \"standard\", " STD_TAIL, "\"version\" must be a number"},
	{"{\"version\": \"NaN\", \"kind\": \"standard\", " STD_TAIL, "invalid version"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"scale\": [1], \"lo\": [1], \"hi\": [1]} \x01",
	"unexpected text"},
	{"\xef\xbb\xbf" STD, "expected '{'"},
};

static void
test_json_malformed(void)
{
	dl_scaler	s,
				before;

	th_begin("scaler: malformed text gives DL_ETEXT naming the problem");
	memset(&before, 0x5a, sizeof(before));
	for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++)
	{
		dl_status	st;

		s = before;
		th_clear_error();
		st = parse_exact(bad_texts[i].text, strlen(bad_texts[i].text), &s);
		if (st != DL_ETEXT || th_last_error != DL_ETEXT)
			th_fail(__FILE__, __LINE__, "case %zu (%s): status %d, message \"%s\"",
					i, bad_texts[i].text, (int) st, th_last_message);
		else if (strncmp(th_last_message, "scaler text: ", 13) != 0 ||
				 strstr(th_last_message, bad_texts[i].message) == NULL)
			th_fail(__FILE__, __LINE__, "case %zu: message \"%s\" lacks \"%s\"",
					i, th_last_message, bad_texts[i].message);
		/* on failure *s is untouched (nothing to free, nothing half-built) */
		CHECK(memcmp(&s, &before, sizeof(s)) == 0);
	}
	th_end();
}

static void
test_json_limits(void)
{
	dl_scaler	s;
	size_t		cap = (size_t) (DL_SCALER_MAX_D + 10) * 5 + 200;
	char	   *text = malloc(cap);
	char	   *p;
	int			len;

	th_begin("scaler: text limits - d above the maximum, newer version, every prefix");

	/* DL_SCALER_MAX_D + 1 elements */
	p = text + sprintf(text, "{\"version\": 1, \"kind\": \"maxabs\", \"n\": 1, \"center\": [");
	for (int i = 0; i <= DL_SCALER_MAX_D; i++)
		p += sprintf(p, i ? ",0" : "0");
	strcpy(p, "], \"scale\": [1]}");
	th_clear_error();
	CHECK_STATUS(parse_exact(text, strlen(text), &s), DL_ETEXT);
	CHECK(strstr(th_last_message, "more than 100000 elements") != NULL);

	/* exactly DL_SCALER_MAX_D is fine */
	p = text + sprintf(text, "{\"version\": 1, \"kind\": \"minmax\", \"n\": 1, \"center\": [");
	for (int i = 0; i < DL_SCALER_MAX_D; i++)
		p += sprintf(p, i ? ",0" : "0");
	p += sprintf(p, "], \"scale\": [");
	for (int i = 0; i < DL_SCALER_MAX_D; i++)
		p += sprintf(p, i ? ",1" : "1");
	strcpy(p, "]}");
	th_clear_error();
	CHECK_STATUS(parse_exact(text, strlen(text), &s), DL_OK);
	if (th_last_error == DL_OK)
	{
		CHECK(s.d == DL_SCALER_MAX_D);
		dl_free(s.center);
	}

	/* a newer version says so, even before keys it would define */
	th_clear_error();
	CHECK_STATUS(dl_scaler_from_json("{\"version\": 2, \"kind\": \"quantile\", \"bins\": [1]}", &s),
				 DL_EVERSION);
	CHECK(strstr(th_last_message, "newer") != NULL);
	th_clear_error();
	CHECK_STATUS(dl_scaler_from_json("{\"bins\": [1], \"version\": 2}", &s), DL_EVERSION);

	/* every proper prefix of a valid text is malformed */
	len = snprintf(text, cap, "%s", "{\"version\": 1, \"kind\": \"imputer\", \"n\": 3, "
				   "\"strategy\": \"constant\", \"constant\": \"-Infinity\", "
				   "\"fill\": [\"-Infinity\", \"-Infinity\"]}");
	th_clear_error();
	CHECK_STATUS(parse_exact(text, (size_t) len, &s), DL_OK);
	if (th_last_error == DL_OK)
		dl_free(s.center);
	for (int i = 0; i < len; i++)
	{
		th_clear_error();
		if (parse_exact(text, (size_t) i, &s) != DL_ETEXT || th_last_message[0] == '\0')
			th_fail(__FILE__, __LINE__, "prefix of length %d accepted", i);
	}
	len = snprintf(text, cap, "%s", STD);
	for (int i = 0; i < len; i++)
	{
		th_clear_error();
		if (parse_exact(text, (size_t) i, &s) != DL_ETEXT || th_last_message[0] == '\0')
			th_fail(__FILE__, __LINE__, "prefix of length %d accepted", i);
	}
	free(text);
	th_end();
}

/* ---- histogram -------------------------------------------------------------------- */

static void
test_histogram(void)
{
	th_begin("histogram: edges, just below hi, infinities, one bin, huge range");
	CHECK(dl_histogram_bin(0, 0, 1, 10) == 0);	/* lo */
	CHECK(dl_histogram_bin(-0.0, 0, 1, 10) == 0);
	CHECK(dl_histogram_bin(-5, 0, 1, 10) == 0);	/* below lo */
	CHECK(dl_histogram_bin(-INFINITY, 0, 1, 10) == 0);
	CHECK(dl_histogram_bin(1, 0, 1, 10) == 9);	/* hi */
	CHECK(dl_histogram_bin(7, 0, 1, 10) == 9);
	CHECK(dl_histogram_bin(INFINITY, 0, 1, 10) == 9);
	CHECK(dl_histogram_bin(nextafter(1, 0), 0, 1, 10) == 9);	/* just below hi */
	CHECK(dl_histogram_bin(0.5, 0, 1, 10) == 5);
	CHECK(dl_histogram_bin(0.25, 0, 1, 4) == 1);	/* a bin's left edge is in it */
	CHECK(dl_histogram_bin(nextafter(0.25, 0), 0, 1, 4) == 0);
	CHECK(dl_histogram_bin(0.3, 0, 1, 1) == 0);	/* one bin */
	CHECK(dl_histogram_bin(5, 0, 1, 1) == 0);
	CHECK(dl_histogram_bin(-5, 0, 1, 1) == 0);

	/* just below hi for awkward bounds and bin counts */
	{
		uint64_t	st = 3;

		for (int i = 0; i < 10000; i++)
		{
			double		lo = (th_rand_uniform(&st) - 0.5) * pow(10, (int) (th_rand_u64(&st) % 20) - 10);
			double		hi = lo + th_rand_uniform(&st) * pow(10, (int) (th_rand_u64(&st) % 20) - 10) + 1e-300;
			int			bins = 1 + (int) (th_rand_u64(&st) % 1000);
			int			b;

			double		below;

			if (!(hi > lo))
				continue;
			below = nextafter(hi, lo);
			b = dl_histogram_bin(below, lo, hi, bins);
			/* the last bin, unless the range is only a few ulps wide */
			if (b < 0 || b >= bins ||
				((hi - below) * bins * 2 < hi - lo && b != bins - 1))
				th_fail(__FILE__, __LINE__, "x just below hi=%.17g lo=%.17g bins %d gives %d",
						hi, lo, bins, b);
			b = dl_histogram_bin(lo, lo, hi, bins);
			if (b != 0)
				th_fail(__FILE__, __LINE__, "x = lo=%.17g gives %d", lo, b);
		}
	}

	/* hi - lo overflows */
	CHECK(dl_histogram_bin(0, -DBL_MAX, DBL_MAX, 4) == 2);
	CHECK(dl_histogram_bin(-DBL_MAX, -DBL_MAX, DBL_MAX, 4) == 0);
	CHECK(dl_histogram_bin(nextafter(DBL_MAX, 0), -DBL_MAX, DBL_MAX, 4) == 3);
	CHECK(dl_histogram_bin(-DBL_MAX / 2 + 1e290, -DBL_MAX, DBL_MAX, 4) == 1);
	/* monotone across a bin edge */
	{
		int			prev = 0;

		for (double x = 0; x < 1; x += 1.0 / 1024)
		{
			int			b = dl_histogram_bin(x, 0, 1, 7);

			CHECK(b >= prev && b < 7);
			prev = b;
		}
	}
	th_end();
}

/* ---- the relations of a fitted scaler (pgdl.scaler) ------------------------------ */

/* one feature fitted by kind from n values, as the aggregates fit it */
static void
fit_one(dl_scaler *s, dl_scaler_kind kind, const double *x, int n)
{
	CHECK_STATUS(dl_scaler_alloc(s, kind, 1), DL_OK);
	if (kind == DL_SCALER_ROBUST)
	{
		dl_sketch  *k = th_sketch_new();
		const dl_sketch *one[1];
		int			failures = 0;

		for (int i = 0; i < n; i++)
			k = th_sketch_add(k, x[i], &failures);
		one[0] = k;
		CHECK_STATUS(dl_scaler_fit_sketches(s, one), DL_OK);
		free(k);
	}
	else
	{
		dl_moments_soa v;
		double	   *buf = moments_of(&v, 1, n, x, NULL);

		dl_scaler_fit_moments(s, &v);
		free(buf);
	}
	s->n = n;
}

typedef struct bad_fit
{
	const char *text;
	const char *message;
} bad_fit;

static const bad_fit bad_fits[] = {
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"scale\": [\"NaN\"], \"lo\": [1], \"hi\": [\"NaN\"]}",
	"not both finite or both undefined"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [\"NaN\"], \"scale\": [2], \"lo\": [\"NaN\"], \"hi\": [2]}",
	"not both finite or both undefined"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"scale\": [\"Infinity\"], \"lo\": [1], \"hi\": [\"Infinity\"]}",
	"not both finite or both undefined"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"scale\": [2], \"lo\": [5], \"hi\": [2]}",
	"outlier base of feature 1 is not its mean"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"scale\": [3], \"lo\": [1], \"hi\": [2]}",
	"not its standard deviation"},
	{"{\"version\": 1, \"kind\": \"standard\", \"n\": 3, \"center\": [1], \"scale\": [1], \"lo\": [1], \"hi\": [0.5]}",
	"not its standard deviation"},
	{"{\"version\": 1, \"kind\": \"minmax\", \"n\": 3, \"center\": [\"NaN\"], \"scale\": [2]}",
	"not those of any data"},
	{"{\"version\": 1, \"kind\": \"minmax\", \"n\": 3, \"center\": [\"Infinity\"], \"scale\": [1]}",
	"not those of any data"},
	{"{\"version\": 1, \"kind\": \"minmax\", \"n\": 3, \"center\": [\"-Infinity\"], \"scale\": [2]}",
	"not those of any data"},
	{"{\"version\": 1, \"kind\": \"minmax\", \"n\": 3, \"center\": [1e308], \"scale\": [1e308]}",
	"not those of any data"},
	{"{\"version\": 1, \"kind\": \"robust\", \"n\": 3, \"center\": [2], \"scale\": [5], \"lo\": [1], \"hi\": [3]}",
	"not Q3 - Q1"},
	{"{\"version\": 1, \"kind\": \"robust\", \"n\": 3, \"center\": [1], \"scale\": [2], \"lo\": [1], \"hi\": [1]}",
	"not Q3 - Q1"},
	{"{\"version\": 1, \"kind\": \"robust\", \"n\": 3, \"center\": [9], \"scale\": [2], \"lo\": [1], \"hi\": [3]}",
	"outside [Q1, Q3]"},
	{"{\"version\": 1, \"kind\": \"robust\", \"n\": 3, \"center\": [0], \"scale\": [2], \"lo\": [\"NaN\"], \"hi\": [\"NaN\"]}",
	"not Q3 - Q1"},
	{"{\"version\": 1, \"kind\": \"maxabs\", \"n\": 0, \"center\": [0], \"scale\": [2]}",
	"fitted but n is 0"},
};

static void
test_fitted_relations(void)
{
	static const double data[][5] = {
		{1, 2, 3, 4, 5},
		{0.1, 0.1, 0.1, 0.1, 0.1},
		{4.9406564584124654e-324, 0, 1e-323, 0, 4.9406564584124654e-324},
		{1e100, -1e100, 1e100, -1e100, 1e100},
		{1e9, 1e9 + 1e-6, 1e9, 1e9 + 2e-6, 1e9},
		{NAN, 1, 2, 3, 4},
		{INFINITY, 1, 2, 3, 4},
		{-INFINITY, 0, 1, 2, 3},
		{INFINITY, -INFINITY, 1, 2, 3},
		{NAN, NAN, NAN, NAN, NAN},
		{-DBL_MAX, DBL_MAX, 0, 1, 2},
	};
	static const dl_scaler_kind kinds[] = {
		DL_SCALER_STANDARD, DL_SCALER_MINMAX, DL_SCALER_MAXABS, DL_SCALER_ROBUST
	};
	static const double overflow[3] = {-1e308, 1e308, 1e308};
	dl_scaler	s;

	th_begin("scaler: fits of hostile data keep the relations a pgdl.scaler is held to; forged ones are refused");
	for (size_t d = 0; d < sizeof(data) / sizeof(data[0]); d++)
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		{
			fit_one(&s, kinds[k], data[d], 5);
			th_clear_error();
			if (dl_scaler_validate_fitted(&s) != DL_OK)
				th_fail(__FILE__, __LINE__, "data %zu, kind %d: %s", d, (int) kinds[k], th_last_message);
			else
				check_round_trip(&s);
			dl_free(s.center);
		}

	/* quartiles that overflow (percentile_cont: Q1 = Infinity above Q3 = 1e308) */
	fit_one(&s, DL_SCALER_ROBUST, overflow, 3);
	CHECK(s.lo[0] == INFINITY && s.center[0] == 1e308 && s.hi[0] == 1e308);
	CHECK(isnan(s.scale[0]));
	CHECK_STATUS(dl_scaler_validate_fitted(&s), DL_OK);
	check_round_trip(&s);
	dl_free(s.center);

	for (size_t i = 0; i < sizeof(bad_fits) / sizeof(bad_fits[0]); i++)
	{
		th_clear_error();
		if (parse_exact(bad_fits[i].text, strlen(bad_fits[i].text), &s) != DL_ETEXT ||
			strstr(th_last_message, bad_fits[i].message) == NULL)
			th_fail(__FILE__, __LINE__, "case %zu: \"%s\", not \"%s\"", i, th_last_message,
					bad_fits[i].message);
	}

	/* binary: the same relations (22P03), which a model's scaler is not held to */
	CHECK_STATUS(dl_scaler_alloc(&s, DL_SCALER_STANDARD, 1), DL_OK);
	s.n = 10;
	s.center[0] = s.lo[0] = 5;
	s.scale[0] = 1;				/* k-means without standardize: centers only */
	s.hi[0] = 2;
	th_clear_error();
	CHECK_STATUS(dl_scaler_validate(&s), DL_OK);
	CHECK_STATUS(dl_scaler_validate_fitted(&s), DL_EFORMAT);
	CHECK(strstr(th_last_message, "not its standard deviation") != NULL);
	dl_free(s.center);
	th_end();
}

void
suite_scaler(void)
{
	test_fit_standard();
	test_fit_minmax_maxabs();
	test_fit_nonfinite();
	test_round_trip();
	test_nulls();
	test_imputer();
	test_fit_sketches();
	test_outlier();
	test_alloc_validate();
	test_json_round_trip();
	test_fitted_relations();
	test_json_format();
	test_json_malformed();
	test_json_limits();
	test_histogram();
}
