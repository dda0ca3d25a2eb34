/*-------------------------------------------------------------------------
 *
 * test_pca.c
 *	  The blocked scatter matrix, the LAPACK eigen wrapper and the PCA fit.
 *
 * The eigen wrapper is checked on matrices with known eigenpairs (a 2 x 2
 * by hand, and Q diag(lambda) Q^T with Q a Householder reflection), the
 * scatter matrix against a naive two-pass covariance across block
 * boundaries and on data far from zero, and the fit against scikit-learn
 * 1.2.1 (PCA(svd_solver='full'), and StandardScaler then PCA for the
 * correlation matrix) on a fixed 10 x 4 data set, the components with this
 * engine's sign convention applied to scikit-learn's rows of components_
 * (each flipped so that its largest |value| is positive).
 *
 * test/unit/test_pca.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "linalg.h"

static const double pca_x[10][4] = {
	{2.5, 2.4, 1.0, 10.0},
	{0.5, 0.7, 2.0, 11.5},
	{2.2, 2.9, 1.5, 9.0},
	{1.9, 2.2, 3.5, 10.5},
	{3.1, 3.0, 0.5, 12.0},
	{2.3, 2.7, 2.5, 8.5},
	{2.0, 1.6, 4.0, 10.0},
	{1.0, 1.1, 3.0, 11.0},
	{1.5, 1.6, 2.0, 9.5},
	{1.1, 0.9, 1.0, 12.5}
};

/* |a . b| over unit vectors: 1 when equal up to sign */
static double
abs_dot(const double *a, const double *b, int d)
{
	double		s = 0.0;

	for (int i = 0; i < d; i++)
		s += a[i] * b[i];
	return fabs(s);
}

static void
test_eigen_2x2(void)
{
	double		a[4] = {2, 1, 1, 2};
	double		w[2],
				v[4];
	double		r = sqrt(0.5);

	th_begin("pca: eigenpairs of [[2,1],[1,2]] are 3 (1,1)/sqrt2 and 1 (1,-1)/sqrt2, signs fixed");
	CHECK_STATUS(dl_sym_eigen_top(2, a, 2, w, v), DL_OK);
	CHECK_NEAR(w[0], 3.0, 1e-14);
	CHECK_NEAR(w[1], 1.0, 1e-14);
	CHECK_NEAR(v[0], r, 1e-14);
	CHECK_NEAR(v[1], r, 1e-14);
	/* a tie in magnitude: the first element is made positive */
	CHECK_NEAR(v[2], r, 1e-14);
	CHECK_NEAR(v[3], -r, 1e-14);
	th_end();
}

#define ED 6

static void
test_eigen_known(void)
{
	static const double lambda[ED] = {0.5, 7.0, 2.0, 4.0, -1.0, 3.0};
	static const double hv[ED] = {1, -2, 3, 0.5, -1, 2};
	static const int order[ED] = {1, 3, 5, 2, 0, 4};	/* lambda descending */
	double		q[ED][ED],
				a[ED * ED],
				w[ED],
				v[ED * ED],
				vv = 0.0;

	th_begin("pca: top eigenpairs of Q diag(lambda) Q^T (Householder Q), descending, largest |element| positive");
	for (int i = 0; i < ED; i++)
		vv += hv[i] * hv[i];
	for (int i = 0; i < ED; i++)
		for (int j = 0; j < ED; j++)
			q[i][j] = (i == j ? 1.0 : 0.0) - 2.0 * hv[i] * hv[j] / vv;
	/* column j of Q is the eigenvector of lambda[j] */
	for (int i = 0; i < ED; i++)
		for (int j = 0; j < ED; j++)
		{
			double		s = 0.0;

			for (int m = 0; m < ED; m++)
				s += q[i][m] * lambda[m] * q[j][m];
			a[i * ED + j] = s;
		}
	CHECK_STATUS(dl_sym_eigen_top(ED, a, 4, w, v), DL_OK);
	for (int c = 0; c < 4; c++)
	{
		double		col[ED];
		int			best = 0;

		for (int i = 0; i < ED; i++)
			col[i] = q[i][order[c]];
		CHECK_NEAR(w[c], lambda[order[c]], 1e-12);
		CHECK_NEAR(abs_dot(v + c * ED, col, ED), 1.0, 1e-12);
		for (int i = 1; i < ED; i++)
			if (fabs(v[c * ED + i]) > fabs(v[c * ED + best]))
				best = i;
		CHECK(v[c * ED + best] > 0.0);
	}
	th_end();

	th_begin("pca: eigen wrapper writes only k values and k vectors (exact-size heap buffers for ASan)");
	{
		double	   *a2 = malloc(sizeof(double) * ED * ED);
		double	   *w1 = malloc(sizeof(double));
		double	   *v1 = malloc(sizeof(double) * ED);

		/* any symmetric matrix will do: the point is the buffer sizes */
		for (int i = 0; i < ED; i++)
			for (int j = 0; j < ED; j++)
				a2[i * ED + j] = (i == j ? (double) (i + 1) : 0.0) + 0.1 * (i + j);
		CHECK_STATUS(dl_sym_eigen_top(ED, a2, 1, w1, v1), DL_OK);
		CHECK(w1[0] > ED);
		free(a2);
		free(w1);
		free(v1);
	}
	th_end();

	th_begin("pca: eigen wrapper rejects k out of range and non-finite matrices");
	th_clear_error();
	CHECK_STATUS(dl_sym_eigen_top(ED, a, 0, w, v), DL_EINVAL);
	CHECK_STATUS(dl_sym_eigen_top(ED, a, ED + 1, w, v), DL_EINVAL);
	a[3] = NAN;
	CHECK_STATUS(dl_sym_eigen_top(ED, a, 2, w, v), DL_ERANGE);
	th_clear_error();
	th_end();
}

/* naive two-pass sample covariance of rows (n x d) */
static void
naive_cov(const double *x, int n, int d, double *cov)
{
	double	   *m = calloc(d, sizeof(double));

	for (int r = 0; r < n; r++)
		for (int j = 0; j < d; j++)
			m[j] += x[(size_t) r * d + j];
	for (int j = 0; j < d; j++)
		m[j] /= n;
	for (int i = 0; i < d; i++)
		for (int j = 0; j < d; j++)
		{
			double		s = 0.0;

			for (int r = 0; r < n; r++)
				s += (x[(size_t) r * d + i] - m[i]) * (x[(size_t) r * d + j] - m[j]);
			cov[i * d + j] = s / (n - 1);
		}
	free(m);
}

static void
test_scatter(void)
{
	enum
	{
		N = 2 * DL_SCATTER_BLOCK + 37, D = 5
	};
	double	   *x = malloc(sizeof(double) * N * D);
	double	   *xs = malloc(sizeof(double) * N * D);
	double		ref[D * D],
				got[D * D];
	uint64_t	seed = 42;
	dl_scatter	s;
	bool		sym = true;

	th_begin("pca: blocked scatter equals a naive two-pass covariance across block boundaries");
	for (int r = 0; r < N; r++)
	{
		double		z = th_rand_normal(&seed);

		for (int j = 0; j < D; j++)
			x[r * D + j] = (j + 1) * th_rand_normal(&seed) + (j % 2 ? z : -2 * z) + 3 * j;
	}
	naive_cov(x, N, D, ref);
	CHECK_STATUS(dl_scatter_init(&s, D), DL_OK);
	for (int r = 0; r < N; r++)
		dl_scatter_add(&s, x + r * D);
	CHECK_STATUS(dl_scatter_covariance(&s, got), DL_OK);
	CHECK_NEAR(s.n, (double) N, 0);
	for (int k = 0; k < D * D; k++)
		CHECK_REL(got[k], ref[k], 1e-12);
	for (int i = 0; i < D; i++)
		for (int j = 0; j < D; j++)
			sym &= got[i * D + j] == got[j * D + i];
	CHECK(sym);
	dl_scatter_free(&s);
	th_end();

	th_begin("pca: scatter of 1e9 + U(0,1) data keeps its precision (1e-12 relative)");
	for (int r = 0; r < N; r++)
		for (int j = 0; j < D; j++)
		{
			double		v = 1e9 + th_rand_uniform(&seed) + (j == 1 ? x[r * D] * 0.01 : 0.0);

			x[r * D + j] = v;
			/* exact by Sterbenz: the reference sees the same values */
			xs[r * D + j] = v - 1e9;
		}
	naive_cov(xs, N, D, ref);
	CHECK_STATUS(dl_scatter_init(&s, D), DL_OK);
	for (int r = 0; r < N; r++)
		dl_scatter_add(&s, x + r * D);
	CHECK_STATUS(dl_scatter_covariance(&s, got), DL_OK);
	for (int i = 0; i < D; i++)
		for (int j = 0; j < D; j++)
			CHECK_NEAR(got[i * D + j], ref[i * D + j], 1e-12 * sqrt(ref[i * D + i] * ref[j * D + j]));
	dl_scatter_free(&s);
	th_end();

	th_begin("pca: covariance of fewer than 2 rows and 0 features are errors");
	th_clear_error();
	CHECK_STATUS(dl_scatter_init(&s, 0), DL_EINVAL);
	CHECK_STATUS(dl_scatter_init(&s, D), DL_OK);
	dl_scatter_add(&s, x);
	CHECK_STATUS(dl_scatter_covariance(&s, got), DL_EINVAL);
	dl_scatter_free(&s);
	th_clear_error();
	th_end();
	free(x);
	free(xs);
}

static void
fit_fixed(bool correlation, int k, dl_pca *p)
{
	dl_scatter	s;

	CHECK_STATUS(dl_scatter_init(&s, 4), DL_OK);
	for (int r = 0; r < 10; r++)
		dl_scatter_add(&s, pca_x[r]);
	CHECK_STATUS(dl_pca_fit(&s, k, correlation, p), DL_OK);
	dl_scatter_free(&s);
}

static void
test_fit_sklearn(void)
{
	/* scikit-learn 1.2.1 on pca_x, components with largest |value| made positive */
	static const double ev_cov[3] = {2.20313881, 1.64291868, 0.46722008};
	static const double ratio_cov[3] = {0.50681822, 0.37794311, 0.10748104};
	static const double comp_cov[3][4] = {
		{-0.26749291, -0.36606288, -0.29681179, 0.84044528},
		{-0.43464565, -0.45662783, 0.7736124, -0.06401589},
		{0.53397263, 0.36132319, 0.55663214, 0.52390785}};
	static const double mean[4] = {1.81, 1.91, 2.1, 10.45};
	static const double ev_corr[3] = {2.4775258, 1.46708454, 0.44551518};
	static const double ratio_corr[3] = {0.5574433, 0.33009402, 0.10024092};
	static const double comp_corr[3][4] = {
		{0.62893309, 0.65831566, -0.16957352, -0.37723796},
		{-0.1285088, -0.03352141, 0.77307462, -0.62025594},
		{0.43769748, 0.11346608, 0.60414043, 0.65617125}};
	dl_pca		p;

	th_begin("pca: covariance PCA equals scikit-learn's explained variance, ratio, components, mean");
	fit_fixed(false, 3, &p);
	CHECK_NEAR(p.n, 10.0, 0);
	for (int c = 0; c < 3; c++)
	{
		CHECK_NEAR(p.variance[c], ev_cov[c], 1e-8);
		CHECK_NEAR(p.variance[c] / p.total_variance, ratio_cov[c], 1e-8);
		for (int j = 0; j < 4; j++)
			CHECK_NEAR(p.components[c * 4 + j], comp_cov[c][j], 1e-8);
	}
	for (int j = 0; j < 4; j++)
	{
		CHECK_NEAR(p.mean[j], mean[j], 1e-14);
		CHECK_NEAR(p.scale[j], 1.0, 0);
	}
	dl_pca_free(&p);
	th_end();

	th_begin("pca: correlation PCA equals scikit-learn's StandardScaler then PCA");
	fit_fixed(true, 3, &p);
	for (int c = 0; c < 3; c++)
	{
		CHECK_NEAR(p.variance[c], ev_corr[c], 1e-8);
		CHECK_NEAR(p.variance[c] / p.total_variance, ratio_corr[c], 1e-8);
		for (int j = 0; j < 4; j++)
			CHECK_NEAR(p.components[c * 4 + j], comp_corr[c][j], 1e-8);
	}
	/* population sd of the first column, by hand */
	{
		double		ss = 0.0;

		for (int r = 0; r < 10; r++)
			ss += (pca_x[r][0] - 1.81) * (pca_x[r][0] - 1.81);
		CHECK_NEAR(p.scale[0], sqrt(ss / 10.0), 1e-14);
	}
	dl_pca_free(&p);
	th_end();

	th_begin("pca: n_components outside 1..d and constant data");
	{
		dl_scatter	s;
		double		row[3] = {1, 2, 3};

		th_clear_error();
		CHECK_STATUS(dl_scatter_init(&s, 4), DL_OK);
		for (int r = 0; r < 10; r++)
			dl_scatter_add(&s, pca_x[r]);
		CHECK_STATUS(dl_pca_fit(&s, 5, false, &p), DL_EINVAL);
		CHECK_STATUS(dl_pca_fit(&s, 0, false, &p), DL_EINVAL);
		dl_scatter_free(&s);
		th_clear_error();
		/* every row equal: zero variance everywhere, no negative eigenvalue */
		CHECK_STATUS(dl_scatter_init(&s, 3), DL_OK);
		for (int r = 0; r < 5; r++)
			dl_scatter_add(&s, row);
		CHECK_STATUS(dl_pca_fit(&s, 2, true, &p), DL_OK);
		CHECK_NEAR(p.total_variance, 0.0, 0);
		CHECK_NEAR(p.variance[0], 0.0, 0);
		CHECK_NEAR(p.scale[1], 1.0, 0);
		dl_pca_free(&p);
		dl_scatter_free(&s);
	}
	th_end();
}

static void
test_options(void)
{
	bool		corr = true;

	th_begin("pca: options: matrix covariance | correlation, unknown keys and values rejected");
	th_clear_error();
	CHECK_STATUS(dl_pca_parse_options("{}", &corr), DL_OK);
	CHECK(!corr);
	CHECK_STATUS(dl_pca_parse_options("{\"matrix\": \"correlation\"}", &corr), DL_OK);
	CHECK(corr);
	CHECK_STATUS(dl_pca_parse_options("{\"matrix\": \"covariance\"}", &corr), DL_OK);
	CHECK(!corr);
	CHECK_STATUS(dl_pca_parse_options("{\"matrix\": \"pearson\"}", &corr), DL_EINVAL);
	CHECK(strstr(th_last_message, "matrix") != NULL);
	CHECK_STATUS(dl_pca_parse_options("{\"matrix\": 1}", &corr), DL_EINVAL);
	CHECK_STATUS(dl_pca_parse_options("{\"whiten\": true}", &corr), DL_EINVAL);
	CHECK(strstr(th_last_message, "whiten") != NULL);
	CHECK_STATUS(dl_pca_parse_options("[]", &corr), DL_EINVAL);
	/* a decoded NUL ends neither the key nor the value (found by fuzz_spec) */
	corr = false;
	CHECK_STATUS(dl_pca_parse_options("{\"matrix\\u0000x\": \"correlation\"}", &corr), DL_EINVAL);
	CHECK(strstr(th_last_message, "unknown option") != NULL);
	CHECK_STATUS(dl_pca_parse_options("{\"matrix\": \"correlation\\u0000!\"}", &corr), DL_EINVAL);
	CHECK(!corr);
	th_clear_error();
	th_end();
}

/*
 * The co-moments of two halves of the rows (as two Citus workers aggregate
 * them), merged and turned into a scatter, give the blocked fit: the
 * distributed PCA of src/pg/pca.c
 */
static void
test_fit_from_comoments(void)
{
	double		bufa[64],
				bufb[64];
	dl_comoments a,
				b;
	dl_scatter	s1,
				s2;
	dl_pca		p1,
				p2;

	th_begin("pca: the fit from merged co-moments of two halves equals the blocked fit (1e-12)");
	CHECK((int) dl_comoments_nslots(4, false) <= 64);
	dl_comoments_init(&a, bufa, 4, false);
	dl_comoments_init(&b, bufb, 4, false);
	CHECK_STATUS(dl_scatter_init(&s1, 4), DL_OK);
	CHECK_STATUS(dl_scatter_init(&s2, 4), DL_OK);
	for (int r = 0; r < 10; r++)
	{
		dl_comoments_add(r % 3 == 0 ? &a : &b, pca_x[r]);
		dl_scatter_add(&s1, pca_x[r]);
	}
	dl_comoments_merge(&a, &b);
	dl_scatter_set_comoments(&s2, &a);
	CHECK_NEAR(s2.n, 10.0, 0.0);
	CHECK_STATUS(dl_pca_fit(&s1, 3, true, &p1), DL_OK);
	CHECK_STATUS(dl_pca_fit(&s2, 3, true, &p2), DL_OK);
	CHECK_NEAR(p2.total_variance, p1.total_variance, 1e-12);
	for (int c = 0; c < 3; c++)
	{
		CHECK_NEAR(p2.variance[c], p1.variance[c], 1e-12 * p1.variance[0]);
		CHECK_NEAR(abs_dot(p1.components + c * 4, p2.components + c * 4, 4), 1.0, 1e-12);
	}
	for (int j = 0; j < 4; j++)
	{
		CHECK_NEAR(p2.mean[j], p1.mean[j], 1e-12);
		CHECK_NEAR(p2.sd[j], p1.sd[j], 1e-12);
	}
	dl_pca_free(&p1);
	dl_pca_free(&p2);
	dl_scatter_free(&s1);
	dl_scatter_free(&s2);
	th_end();
}

void
suite_pca(void)
{
	test_options();
	test_eigen_2x2();
	test_eigen_known();
	test_scatter();
	test_fit_sklearn();
	test_fit_from_comoments();
}
