/*-------------------------------------------------------------------------
 *
 * specfun.c
 *	  Regularized incomplete beta and gamma functions, and the survival
 *	  functions of the F, Student t and chi-square distributions built on
 *	  them (the p-values of feature selection).
 *
 * Both follow Numerical Recipes (3rd ed., §6.2 and §6.4): the incomplete
 * gamma by its power series below x = a + 1 and by its continued fraction
 * (modified Lentz) above; the incomplete beta by its continued fraction on
 * whichever side of the mean converges, with the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a).  The side that is evaluated directly is
 * the small tail, so far tails keep full relative precision down to
 * underflow (1e-300 and below), which 1 - (something near 1) would lose.
 * For the same reason the beta function takes x and 1 - x separately:
 * callers can form both without cancellation (F: d2/(d2 + d1 F) and
 * d1 F/(d2 + d1 F)).
 *
 * src/core/specfun.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "pgdl_core.h"

#define SF_EPS 1e-16
#define SF_FPMIN 1e-300
#define SF_MAXIT 200000			/* the fractions need O(sqrt(max(a, b))) terms */

/* Lentz's guard against a zero denominator */
static inline double
nonzero(double v)
{
	return fabs(v) < SF_FPMIN ? SF_FPMIN : v;
}

/* the continued fraction of I_x(a, b) (NR betacf), valid for x < (a+1)/(a+b+2) */
static double
beta_cf(double a, double b, double x)
{
	double		qab = a + b;
	double		qap = a + 1.0;
	double		qam = a - 1.0;
	double		c = 1.0;
	double		d = nonzero(1.0 - qab * x / qap);
	double		h;

	d = 1.0 / d;
	h = d;
	for (int m = 1; m <= SF_MAXIT; m++)
	{
		int			m2 = 2 * m;
		double		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		double		del;

		d = nonzero(1.0 + aa * d);
		c = nonzero(1.0 + aa / c);
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = nonzero(1.0 + aa * d);
		c = nonzero(1.0 + aa / c);
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) <= SF_EPS)
			break;
	}
	return h;
}

double
dl_beta_reg(double a, double b, double x, double y)
{
	double		lfront;

	if (isnan(a) || isnan(b) || isnan(x) || isnan(y) || a <= 0 || b <= 0)
		return NAN;
	if (x <= 0)
		return 0.0;
	if (y <= 0)
		return 1.0;
	lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lfront) * beta_cf(a, b, x) / a;
	return 1.0 - exp(lfront) * beta_cf(b, a, y) / b;
}

double
dl_gamma_q(double a, double x)
{
	double		lfront;

	if (isnan(a) || isnan(x) || a <= 0)
		return NAN;
	if (x <= 0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	lfront = -x + a * log(x) - lgamma(a);
	if (x < a + 1.0)
	{
		/* P by its series; Q = 1 - P is not a far tail here */
		double		ap = a;
		double		del = 1.0 / a;
		double		sum = del;

		for (int n = 0; n < SF_MAXIT; n++)
		{
			ap += 1.0;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * SF_EPS)
				break;
		}
		return 1.0 - sum * exp(lfront);
	}
	else
	{
		/* Q by its continued fraction (modified Lentz) */
		double		b = x + 1.0 - a;
		double		c = 1.0 / SF_FPMIN;
		double		d = 1.0 / b;
		double		h = d;

		for (int i = 1; i <= SF_MAXIT; i++)
		{
			double		an = -i * (i - a);
			double		del;

			b += 2.0;
			d = nonzero(an * d + b);
			c = nonzero(b + an / c);
			d = 1.0 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1.0) <= SF_EPS)
				break;
		}
		return exp(lfront) * h;
	}
}

double
dl_f_sf(double f, double d1, double d2)
{
	if (isnan(f) || isnan(d1) || isnan(d2) || d1 <= 0 || d2 <= 0)
		return NAN;
	if (f <= 0)
		return 1.0;
	if (isinf(f))
		return 0.0;
	/* P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2) */
	return dl_beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f), d1 * f / (d2 + d1 * f));
}

double
dl_t_sf2(double t, double df)
{
	if (isnan(t) || isnan(df) || df <= 0)
		return NAN;
	if (isinf(t))
		return 0.0;
	/* P(|T| > |t|) = I_{df/(df + t^2)}(df/2, 1/2) */
	return dl_beta_reg(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t));
}

double
dl_chi2_sf(double x, double k)
{
	if (isnan(x) || isnan(k) || k <= 0)
		return NAN;
	return dl_gamma_q(k / 2.0, x / 2.0);
}
