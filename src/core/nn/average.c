/*-------------------------------------------------------------------------
 *
 * average.c
 *	  Merging partial models of data-parallel training: parameters averaged
 *	  weighted by the rows each partial trained on.
 *
 * This is federated averaging (McMahan et al., "Communication-Efficient
 * Learning of Deep Networks from Decentralized Data", 2017) and the merge
 * MADlib runs between Greenplum segments: each process trains its own copy
 * from the round's starting weights on its rows, and the round's model is
 * sum(n_i p_i) / sum(n_i).  Since a weighted mean of weighted means is the
 * weighted mean of all, merging in any order (a tree of combines, or one
 * partial after another) gives the same model up to float rounding; the
 * sums are computed in double and rounded once per merge.  The optimizer's
 * moments are merged the same way (the driver decides whether the next round
 * keeps them; the README says which it does and why), and the step count is
 * the rows-weighted mean, rounded.
 *
 * src/core/nn/average.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "nn_kernels.h"
#include "dl_train_state.h"

static void
average(float *into, const float *other, size_t n, double w_into, double w_other)
{
	for (size_t i = 0; i < n; i++)
		into[i] = (float) (w_into * (double) into[i] + w_other * (double) other[i]);
}

void
dl_tstate_merge(dl_tstate *into, const dl_tstate *other)
{
	int64_t		total = into->rows + other->rows;

	if (other->rows > 0)
	{
		double		wa = (double) into->rows / (double) total;
		double		wb = (double) other->rows / (double) total;

		average(dl_tstate_params(into), dl_tstate_params(other), into->n_params, wa, wb);
		for (int i = 0; i < into->n_moments; i++)
			average(dl_tstate_moment(into, i), dl_tstate_moment(other, i), into->n_params, wa, wb);
		into->step = (int64_t) llround(wa * (double) into->step + wb * (double) other->step);
	}
	into->rows = total;
	into->validation_rows += other->validation_rows;
	into->skipped_rows += other->skipped_rows;
	into->loss_sum += other->loss_sum;
	into->validation_loss_sum += other->validation_loss_sum;
	into->validation_metric_sum += other->validation_metric_sum;
	into->partials += other->partials;
}
