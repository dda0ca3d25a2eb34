/*-------------------------------------------------------------------------
 *
 * test_featsel.c
 *	  Unit tests of the special functions (specfun.c) and the feature
 *	  scores (featsel.c) and recursive feature elimination (rfe.c).
 *
 * Reference values: scipy 1.10 (stats.f.sf, stats.chi2.sf, 2 * stats.t.sf)
 * and scikit-learn 1.2 (f_classif, chi2, f_regression, r_regression,
 * LogisticRegression(C=1, multinomial) and Ridge(alpha=1) on
 * StandardScaler output, np.var) on the small data sets below, whose values
 * are multiples of 1/8 so that float32 holds them exactly.  The true mutual
 * information of two unit Gaussians 2 apart is from numerical integration
 * (scipy.integrate.quad): 0.336831 nats.
 *
 * test/unit/test_featsel.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "linalg.h"

/* data set A: 24 rows, 3 classes of 8; columns: informative, noise,
 * constant 5, constant within classes, all zero, weakly informative */
static const float ca_x[144] = {3.0f, 0.125f, 5.0f, 1.0f, 0.0f, 2.125f, 3.25f, 2.0f, 5.0f, 1.0f, 0.0f, 1.375f, 2.75f, 1.875f, 5.0f, 1.0f, 0.0f, 4.0f, 2.125f, 3.625f, 5.0f, 1.0f, 0.0f, 2.75f, 2.5f, 2.5f, 5.0f, 1.0f, 0.0f, 0.75f, 2.0f, 2.0f, 5.0f, 1.0f, 0.0f, 2.125f, 3.0f, 2.0f, 5.0f, 1.0f, 0.0f, 2.625f, 4.375f, 1.0f, 5.0f, 1.0f, 0.0f, 1.75f, 4.0f, 0.0f, 5.0f, 3.0f, 0.0f, 3.625f, 3.875f, 0.75f, 5.0f, 3.0f, 0.0f, 2.875f, 5.0f, 2.75f, 5.0f, 3.0f, 0.0f, 3.625f, 4.875f, 0.75f, 5.0f, 3.0f, 0.0f, 4.5f, 4.625f, 1.5f, 5.0f, 3.0f, 0.0f, 2.375f, 3.625f, 0.0f, 5.0f, 3.0f, 0.0f, 3.25f, 4.5f, 3.375f, 5.0f, 3.0f, 0.0f, 2.5f, 5.25f, 0.625f, 5.0f, 3.0f, 0.0f, 3.125f, 4.625f, 1.125f, 5.0f, 5.0f, 0.0f, 0.875f, 5.5f, 3.5f, 5.0f, 5.0f, 0.0f, 1.375f, 4.125f, 2.0f, 5.0f, 5.0f, 0.0f, 1.75f, 4.75f, 3.375f, 5.0f, 5.0f, 0.0f, 2.875f, 4.125f, 2.5f, 5.0f, 5.0f, 0.0f, 3.125f, 5.75f, 3.0f, 5.0f, 5.0f, 0.0f, 0.625f, 4.75f, 0.375f, 5.0f, 5.0f, 0.0f, 1.25f, 6.25f, 2.125f, 5.0f, 5.0f, 0.0f, 2.625f};
static const float ca_y[24] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f};
static const double ca_f[6] = {19.452590237516365, 1.7387679822943545, NAN, INFINITY, NAN, 5.5774328358209022};
static const double ca_fp[6] = {1.6593064268895444e-05, 0.20009755066141685, NAN, 0, NAN, 0.011408071869054815};
static const double ca_chi[6] = {4.7081749049429655, 2.4540816326530615, 0, 21.333333333333332, NAN, 3.6031317494600432};
static const double ca_chip[6] = {0.094980140892456141, 0.29315880613704798, 1, 2.3309101142937006e-05, NAN, 0.16504025341731873};
static const double ca_var[6] = {1.2412923177083333, 1.2857801649305551, 0, 2.6666666666666665, 0, 1.0435926649305556};
static const double ca_lr_norm[6] = {1.0774789762072285, 0.3960195423631882, 0, 2.0336666066176501, 0, 0.91934848560944904};
static const float rb_x[80] = {-2.0f, -0.5f, -0.125f, 1.25f, 0.75f, -0.375f, -0.375f, 1.25f, 1.5f, -0.375f, -0.25f, 1.25f, -0.125f, -0.25f, -1.125f, 1.25f, -0.5f, 1.125f, 0.625f, 1.25f, 0.625f, -0.375f, 1.0f, 1.25f, 0.625f, -1.25f, 0.375f, 1.25f, -2.0f, -0.25f, -0.875f, 1.25f, 2.25f, -0.875f, -0.625f, 1.25f, 0.5f, -0.125f, -0.25f, 1.25f, 0.5f, -1.0f, -0.125f, 1.25f, -1.0f, 0.25f, -0.875f, 1.25f, 0.25f, 0.125f, -0.625f, 1.25f, -2.0f, -1.125f, 0.375f, 1.25f, 0.875f, -1.75f, 0.75f, 1.25f, 0.75f, 0.125f, -1.5f, 1.25f, 1.5f, -0.125f, -0.25f, 1.25f, -1.0f, 1.125f, -0.5f, 1.25f, -0.75f, -0.625f, -1.25f, 1.25f, -0.125f, 1.0f, 0.0f, 1.25f};

/* data set B: 20 rows, regression; column 3 is constant */
static const float rb_y[20] = {-3.875f, 1.375f, 3.375f, -0.375f, -2.375f, 0.25f, 1.75f, -2.125f, 4.75f, 0.125f, 2.375f, -0.875f, -1.125f, -3.125f, 2.875f, -0.375f, 3.875f, -3.125f, -0.75f, -2.0f};
static const double rb_f[4] = {71.239474741691012, 5.8115407757814399, 0.088901688477593055, 0};
static const double rb_fp[4] = {1.1331647825844041e-07, 0.026829915380037296, 0.76899248696937839, 1};
static const double rb_r[4] = {0.89347386123550376, -0.49402837700667385, 0.070104985773884659, 0};
static const double rb_ridge[4] = {1.9324760361326954, 0.79641629144223958, 0.13808605782024783, 0};

static void
check_vec(const double *got, const double *want, int d, double tol)
{
	for (int j = 0; j < d; j++)
	{
		if (isnan(want[j]))
			CHECK(isnan(got[j]));
		else if (isinf(want[j]))
			CHECK(isinf(got[j]) && got[j] > 0);
		else if (want[j] == 0)
			CHECK_NEAR(got[j], 0, tol);
		else
			CHECK_REL(got[j], want[j], tol);
	}
}

static void
test_specfun(void)
{
	th_begin("specfun: F, chi-square and t survival functions against scipy");
	CHECK_REL(dl_f_sf(3.5, 2, 10), 0.07042962777237427, 1e-12);
	CHECK_REL(dl_f_sf(0.5, 3, 7), 0.6940363875688136, 1e-12);
	CHECK_REL(dl_f_sf(100, 5, 1000), 1.4714034963788468e-85, 1e-9);
	CHECK_REL(dl_f_sf(40, 9, 59990), 7.725481263270914e-72, 1e-8);
	CHECK_REL(dl_f_sf(1e6, 3, 50), 2.0132059889945952e-119, 1e-9);
	CHECK_REL(dl_f_sf(1e-3, 4, 20), 0.9999978035165705, 1e-13);
	CHECK_REL(dl_f_sf(2.0, 1, 1), 0.39182655203060734, 1e-12);
	CHECK_REL(dl_f_sf(7.7, 1, 3), 0.06928535009751856, 1e-12);
	CHECK(dl_f_sf(0, 3, 7) == 1.0);
	CHECK(dl_f_sf(INFINITY, 3, 7) == 0.0);
	CHECK(isnan(dl_f_sf(NAN, 3, 7)));
	CHECK(isnan(dl_f_sf(1, 0, 7)));
	CHECK_REL(dl_chi2_sf(3.841458820694124, 1), 0.04999999999999989, 1e-12);
	CHECK_REL(dl_chi2_sf(500, 10), 4.4147360999137545e-101, 1e-9);
	CHECK_REL(dl_chi2_sf(700, 9), 6.916357838795454e-145, 1e-9);
	CHECK_REL(dl_chi2_sf(10, 3), 0.01856613546304325, 1e-12);
	CHECK_REL(dl_chi2_sf(80, 40), 0.0001763028977385677, 1e-10);
	CHECK_REL(dl_chi2_sf(1e-6, 2), 0.999999500000125, 1e-14);
	/* the lower tail through the complement: Q(10, 0.05) = 1 - 2.5716e-20 */
	CHECK(dl_chi2_sf(0.1, 20) == 1.0);
	CHECK_REL(1.0 - dl_gamma_q(10, 0.05), 0.0, 1e-15);
	CHECK(dl_chi2_sf(0, 3) == 1.0);
	CHECK(dl_chi2_sf(INFINITY, 3) == 0.0);
	CHECK_REL(dl_t_sf2(2.0, 10), 0.07338803477074039, 1e-12);
	CHECK_REL(dl_t_sf2(-2.0, 10), 0.07338803477074039, 1e-12);
	CHECK_REL(dl_t_sf2(25, 100), 8.231980897005961e-45, 1e-9);
	/* I_x(a, b) + I_{1-x}(b, a) = 1, and I_x(1, 1) = x */
	CHECK_NEAR(dl_beta_reg(2.5, 7, 0.3, 0.7) + dl_beta_reg(7, 2.5, 0.7, 0.3), 1.0, 1e-14);
	CHECK_NEAR(dl_beta_reg(1, 1, 0.25, 0.75), 0.25, 1e-15);
	/* P(1, x) = 1 - exp(-x) */
	CHECK_REL(dl_gamma_q(1, 3), exp(-3), 1e-14);
	th_end();
}

static void
test_class_scores(void)
{
	double		s[6],
				p[6];
	int			rank[6];
	const char *names[6] = {"a", "b", "c", "d", "e", "f"};

	th_begin("f_classif against scikit-learn (constant columns NaN, separated Infinity)");
	CHECK_STATUS(dl_feature_scores(DL_FS_F_CLASSIF, ca_x, ca_y, 24, 6, 3, names, s, p), DL_OK);
	check_vec(s, ca_f, 6, 1e-12);
	check_vec(p, ca_fp, 6, 1e-9);
	dl_fs_rank(s, 6, false, rank);
	CHECK(rank[3] == 1 && rank[0] == 2 && rank[5] == 3 && rank[1] == 4);
	CHECK(rank[2] == 5 && rank[4] == 6);	/* NaN last, in column order */
	th_end();

	th_begin("chi2 against scikit-learn; a negative value is an error naming the column");
	CHECK_STATUS(dl_feature_scores(DL_FS_CHI2, ca_x, ca_y, 24, 6, 3, names, s, p), DL_OK);
	check_vec(s, ca_chi, 6, 1e-12);
	check_vec(p, ca_chip, 6, 1e-9);
	{
		float		xneg[144];

		memcpy(xneg, ca_x, sizeof(xneg));
		xneg[6 * 7 + 5] = -0.5f;
		th_clear_error();
		CHECK_STATUS(dl_feature_scores(DL_FS_CHI2, xneg, ca_y, 24, 6, 3, names, s, p), DL_EINVAL);
		CHECK(strstr(th_last_message, "\"f\"") != NULL);
		CHECK_STATUS(dl_feature_scores(DL_FS_F_CLASSIF, xneg, ca_y, 24, 6, 3, names, s, p), DL_OK);
	}
	th_end();

	th_begin("variance: population variance, no p-value");
	CHECK_STATUS(dl_feature_scores(DL_FS_VARIANCE, ca_x, ca_y, 24, 6, 3, names, s, p), DL_OK);
	check_vec(s, ca_var, 6, 1e-12);
	for (int j = 0; j < 6; j++)
		CHECK(isnan(p[j]));
	th_end();
}

static void
test_regression_scores(void)
{
	double		s[4],
				p[4];
	int			rank[4];

	th_begin("f_regression and pearson against scikit-learn (constant column F 0, p 1)");
	CHECK_STATUS(dl_feature_scores(DL_FS_F_REGRESSION, rb_x, rb_y, 20, 4, 0, NULL, s, p), DL_OK);
	check_vec(s, rb_f, 4, 1e-10);
	check_vec(p, rb_fp, 4, 1e-8);
	CHECK_STATUS(dl_feature_scores(DL_FS_PEARSON, rb_x, rb_y, 20, 4, 0, NULL, s, p), DL_OK);
	check_vec(s, rb_r, 4, 1e-12);
	check_vec(p, rb_fp, 4, 1e-8);
	dl_fs_rank(s, 4, true, rank);
	CHECK(rank[0] == 1 && rank[1] == 2 && rank[2] == 3 && rank[3] == 4);
	/* a perfect fit: r = 1, F = Infinity, p = 0 */
	{
		float		xy[20];

		for (int i = 0; i < 20; i++)
			xy[i] = 2 * rb_y[i] + 1;
		CHECK_STATUS(dl_feature_scores(DL_FS_F_REGRESSION, xy, rb_y, 20, 1, 0, NULL, s, p), DL_OK);
		CHECK(isinf(s[0]) && p[0] == 0);
	}
	th_end();
}

static void
test_mutual_info(void)
{
	size_t		n = 4000;
	float	   *x = malloc(sizeof(float) * n * 3);
	float	   *y = malloc(sizeof(float) * n);
	float	   *yr = malloc(sizeof(float) * n);
	double		s[3],
				p[3];
	uint64_t	st = 42;

	for (size_t i = 0; i < n; i++)
	{
		int			c = th_rand_uniform(&st) < 0.5;

		y[i] = c;
		x[i * 3] = (float) (th_rand_normal(&st) + 2 * c);	/* MI 0.336831 nats */
		x[i * 3 + 1] = (float) th_rand_normal(&st);		/* independent */
		x[i * 3 + 2] = (float) c;	/* the class itself: MI = H(Y) */
		yr[i] = x[i * 3] + 0.5f * (float) th_rand_normal(&st);
	}
	th_begin("mutual_info: binned estimate near the true value, independent near 0");
	CHECK(dl_fs_mi_bins(4000) == 16);
	CHECK(dl_fs_mi_bins(10) == 2 && dl_fs_mi_bins(100000000) == 64);
	CHECK_STATUS(dl_feature_scores(DL_FS_MUTUAL_INFO, x, y, n, 3, 2, NULL, s, p), DL_OK);
	CHECK_NEAR(s[0], 0.336831, 0.03);	/* scikit-learn's k-NN estimate on such data: 0.352 */
	CHECK_NEAR(s[1], 0.0, 0.01);
	{
		double		q = 0;

		for (size_t i = 0; i < n; i++)
			q += y[i];
		q /= n;
		CHECK_NEAR(s[2], -(q * log(q) + (1 - q) * log(1 - q)), 1e-3);
	}
	CHECK(p[0] < 1e-100 && p[1] > 0.001 && p[2] < 1e-100);
	/* numeric target: binned too; the dependent column scores far above the others */
	CHECK_STATUS(dl_feature_scores(DL_FS_MUTUAL_INFO, x, yr, n, 3, 0, NULL, s, p), DL_OK);
	CHECK(s[0] > 0.5 && s[1] < 0.01 && s[2] > 0.1 && s[2] < s[0]);
	th_end();
	free(x);
	free(y);
	free(yr);
}

static void
test_cholesky(void)
{
	/* A = M M^T + I for M below; x solved and checked by multiplying back */
	double		m[9] = {2, 1, 0, -1, 3, 1, 0.5, 0, 1};
	double		a[9],
				l[9],
				b[3] = {1, -2, 3},
				x[3];

	th_begin("Cholesky solver: A x = b, and not positive definite refused");
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
		{
			a[i * 3 + j] = i == j;
			for (int k = 0; k < 3; k++)
				a[i * 3 + j] += m[i * 3 + k] * m[j * 3 + k];
		}
	memcpy(l, a, sizeof(a));
	CHECK(dl_cholesky(l, 3));
	memcpy(x, b, sizeof(b));
	dl_cholesky_solve(l, 3, x);
	for (int i = 0; i < 3; i++)
		CHECK_NEAR(a[i * 3] * x[0] + a[i * 3 + 1] * x[1] + a[i * 3 + 2] * x[2], b[i], 1e-12);
	{
		double		bad[4] = {1, 2, 2, 1};

		CHECK(!dl_cholesky(bad, 2));
	}
	th_end();
}

static void
test_rfe(void)
{
	double		s[6];
	int			rank[6];

	th_begin("rfe fits: ridge and multinomial logistic weights match scikit-learn");
	CHECK_STATUS(dl_rfe(rb_x, rb_y, 20, 4, 0, 4, s, rank), DL_OK);
	check_vec(s, rb_ridge, 4, 1e-5);	/* float32 targets and Gram */
	CHECK(rank[0] == 1 && rank[1] == 2 && rank[2] == 3 && rank[3] == 4);
	CHECK_STATUS(dl_rfe(ca_x, ca_y, 24, 6, 3, 6, s, rank), DL_OK);
	check_vec(s, ca_lr_norm, 6, 2e-4);
	CHECK(rank[3] == 1 && rank[0] == 2 && rank[5] == 3 && rank[1] == 4);
	th_end();

	th_begin("rfe eliminates the noise first on a clear data set");
	{
		size_t		n = 500;
		int			d = 6;
		float	   *x = malloc(sizeof(float) * n * d);
		float	   *yr = malloc(sizeof(float) * n);
		float	   *yc = malloc(sizeof(float) * n);
		uint64_t	st = 7;

		for (size_t i = 0; i < n; i++)
		{
			for (int j = 0; j < d; j++)
				x[i * d + j] = (float) th_rand_normal(&st);
			/* regression on columns 4, 1 and 2 (in that order of weight) */
			yr[i] = 3 * x[i * d + 4] - 2 * x[i * d + 1] + x[i * d + 2] + 0.1f * (float) th_rand_normal(&st);
			/* three classes decided by columns 0 and 5 */
			yc[i] = x[i * d + 0] + 0.3f * x[i * d + 5] > 0.5f ? 2 : x[i * d] > -0.5f ? 1 : 0;
		}
		CHECK_STATUS(dl_rfe(x, yr, n, d, 0, 3, s, rank), DL_OK);
		CHECK(rank[4] == 1 && rank[1] == 2 && rank[2] == 3);
		CHECK(rank[0] > 3 && rank[3] > 3 && rank[5] > 3);
		CHECK_STATUS(dl_rfe(x, yc, n, d, 3, 2, s, rank), DL_OK);
		CHECK(rank[0] == 1 && rank[5] == 2);
		{
			bool		seen[7] = {false};

			for (int j = 0; j < d; j++)
				seen[rank[j]] = true;
			for (int r = 1; r <= d; r++)
				CHECK(seen[r]);
		}
		th_clear_error();
		CHECK_STATUS(dl_rfe(x, yr, n, d, 0, 0, s, rank), DL_EINVAL);
		CHECK_STATUS(dl_rfe(x, yr, n, d, 0, 7, s, rank), DL_EINVAL);
		free(x);
		free(yr);
		free(yc);
	}
	th_end();
}

static void
test_methods(void)
{
	th_begin("method names and the targets they take");
	CHECK(dl_fs_method_from_name("f_classif") == DL_FS_F_CLASSIF);
	CHECK(dl_fs_method_from_name("rfe") == DL_FS_RFE);
	CHECK(dl_fs_method_from_name("F_classif") == 0);
	CHECK(dl_fs_method_from_name("auto") == 0);
	CHECK(strcmp(dl_fs_method_name(DL_FS_MUTUAL_INFO), "mutual_info") == 0);
	CHECK(dl_fs_method_target(DL_FS_CHI2) == 1 && dl_fs_method_target(DL_FS_PEARSON) == -1);
	CHECK(dl_fs_method_target(DL_FS_RFE) == 0);
	th_end();
}

/*
 * The scores from sufficient statistics (what the Citus workers' aggregates
 * give) equal the scores from the rows: per-class means, squared deviations
 * and minima of data set A, the co-moments of data set B, computed here in
 * two passes
 */
static void
test_scores_from_moments(void)
{
	double		count[3] = {0, 0, 0},
				mean[18] = {0},
				m2[18] = {0},
				minv[6];
	double		s[6],
				p[6];
	const char *names[6] = {"a", "b", "c", "d", "e", "f"};

	th_begin("f_classif, chi2 and variance from per-class moments equal the row scores");
	for (int j = 0; j < 6; j++)
		minv[j] = ca_x[j];
	for (int i = 0; i < 24; i++)
	{
		int			k = (int) ca_y[i];

		count[k] += 1;
		for (int j = 0; j < 6; j++)
		{
			mean[k * 6 + j] += ca_x[i * 6 + j];
			minv[j] = ca_x[i * 6 + j] < minv[j] ? ca_x[i * 6 + j] : minv[j];
		}
	}
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < 6; j++)
			mean[k * 6 + j] /= count[k];
	for (int i = 0; i < 24; i++)
	{
		int			k = (int) ca_y[i];

		for (int j = 0; j < 6; j++)
		{
			double		dv = ca_x[i * 6 + j] - mean[k * 6 + j];

			m2[k * 6 + j] += dv * dv;
		}
	}
	CHECK_STATUS(dl_fs_scores_from_class_moments(DL_FS_F_CLASSIF, 6, 3, count, mean, m2, minv,
												 names, s, p), DL_OK);
	check_vec(s, ca_f, 6, 1e-12);
	check_vec(p, ca_fp, 6, 1e-9);
	CHECK_STATUS(dl_fs_scores_from_class_moments(DL_FS_CHI2, 6, 3, count, mean, m2, minv,
												 names, s, p), DL_OK);
	check_vec(s, ca_chi, 6, 1e-12);
	check_vec(p, ca_chip, 6, 1e-9);
	CHECK_STATUS(dl_fs_scores_from_class_moments(DL_FS_VARIANCE, 6, 3, count, mean, m2, minv,
												 names, s, p), DL_OK);
	check_vec(s, ca_var, 6, 1e-12);
	minv[5] = -0.5;
	th_clear_error();
	CHECK_STATUS(dl_fs_scores_from_class_moments(DL_FS_CHI2, 6, 3, count, mean, m2, minv,
												 names, s, p), DL_EINVAL);
	CHECK(strstr(th_last_message, "\"f\"") != NULL);
	CHECK_STATUS(dl_fs_scores_from_class_moments(DL_FS_PEARSON, 6, 3, count, mean, m2, minv,
												 names, s, p), DL_EINVAL);
	th_end();

	th_begin("f_regression and pearson from co-moments equal the row scores");
	{
		double		xm[4] = {0},
					ym = 0,
					vxx[4] = {0},
					sxy[4] = {0},
					syy = 0;

		for (int i = 0; i < 20; i++)
		{
			ym += rb_y[i] / 20.0;
			for (int j = 0; j < 4; j++)
				xm[j] += rb_x[i * 4 + j] / 20.0;
		}
		for (int i = 0; i < 20; i++)
		{
			syy += (rb_y[i] - ym) * (rb_y[i] - ym);
			for (int j = 0; j < 4; j++)
			{
				vxx[j] += (rb_x[i * 4 + j] - xm[j]) * (rb_x[i * 4 + j] - xm[j]);
				sxy[j] += (rb_x[i * 4 + j] - xm[j]) * (rb_y[i] - ym);
			}
		}
		CHECK_STATUS(dl_fs_scores_from_comoments(DL_FS_F_REGRESSION, 20, 4, vxx, sxy, syy, s, p), DL_OK);
		check_vec(s, rb_f, 4, 1e-10);
		check_vec(p, rb_fp, 4, 1e-8);
		CHECK_STATUS(dl_fs_scores_from_comoments(DL_FS_PEARSON, 20, 4, vxx, sxy, syy, s, p), DL_OK);
		check_vec(s, rb_r, 4, 1e-12);
		CHECK_STATUS(dl_fs_scores_from_comoments(DL_FS_CHI2, 20, 4, vxx, sxy, syy, s, p), DL_EINVAL);
	}
	th_end();
}

void
suite_featsel(void)
{
	test_specfun();
	test_class_scores();
	test_scores_from_moments();
	test_regression_scores();
	test_mutual_info();
	test_cholesky();
	test_rfe();
	test_methods();
}
