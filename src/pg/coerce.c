/*-------------------------------------------------------------------------
 *
 * coerce.c
 *	  Numbers held in text, read as numbers for a model (the option
 *	  numeric_text of train_model; the README, "Numbers stored as text").
 *
 * CSV imports leave numeric columns as text.  A column listed in
 * numeric_text becomes a feature of kind DL_FEATURE_TEXT_NUMBER, stored so
 * in the model, and every row - in training and in prediction alike - is
 * read through pgdl_text_to_number: a decimal number as float8 input reads
 * it (surrounding blanks allowed; also NaN and Infinity, which then count
 * as missing as in any numeric column), an empty or blank string as
 * missing, anything else an error naming the value and its row.  Never a
 * hexadecimal number, a thousands separator or a currency sign: those are
 * errors, not guesses.
 *
 * A date or timestamp column listed in dates becomes a feature of kind
 * DL_FEATURE_DATE with the encodings of date_encoding (src/core/nn/dates.c
 * counts their inputs): days since 1970-01-01 (a timestamp's time of day as
 * the fraction), the day of the week and the month one-hot or as a point
 * on a circle (sin, cos), so that December is next to January.  A
 * timestamptz is read in UTC, whatever the session's TimeZone, so that a
 * model gives the same inputs in every session.
 *
 * src/pg/coerce.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"

#include "coerce.h"

/* the value as messages show it: at most 40 bytes, cut at a character boundary */
static char *
shown_value(const char *s)
{
	int			len = strlen(s);

	if (len <= 40)
		return pstrdup(s);
	return psprintf("%s...", pnstrdup(s, pg_mbcliplen(s, len, 40)));
}

double
pgdl_text_to_number(const char *s, const char *column, int64 rowno, bool *blank)
{
	const char *p = s;
	char	   *end;
	double		v;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	*blank = *p == '\0';
	if (*blank)
		return NAN;
	errno = 0;
	/* strtod also reads hexadecimal, which float8 input and users do not mean */
	if (strpbrk(p, "xX") == NULL)
		v = strtod(p, &end);
	else
	{
		v = 0;
		end = (char *) p;
	}
	if (end != p)
		while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
			end++;
	if (end == p || *end != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 rowno > 0 ?
				 errmsg("column \"%s\" holds \"%s\" in row %lld, which is not a number",
						column, shown_value(s), (long long) rowno) :
				 errmsg("column \"%s\" holds \"%s\", which is not a number", column, shown_value(s)),
				 errhint("The option \"numeric_text\" reads this text column as numbers: clean the value, or leave the column out of numeric_text.")));
	if (errno == ERANGE && isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 rowno > 0 ?
				 errmsg("column \"%s\" holds \"%s\" in row %lld, which is out of range for float8",
						column, shown_value(s), (long long) rowno) :
				 errmsg("column \"%s\" holds \"%s\", which is out of range for float8", column, shown_value(s))));
	return v;
}

bool
pgdl_date_type(Oid typid)
{
	Oid			base = getBaseType(typid);

	return base == DATEOID || base == TIMESTAMPOID || base == TIMESTAMPTZOID;
}

static const struct
{
	const char *name;
	unsigned	bit;
}			date_encoding_names[] = {
	{"days", DL_DATE_DAYS},
	{"dow", DL_DATE_DOW},
	{"month", DL_DATE_MONTH},
	{"dow_cyclic", DL_DATE_DOW_CYCLIC},
	{"month_cyclic", DL_DATE_MONTH_CYCLIC},
};

unsigned
pgdl_date_encodings(char **names, int n)
{
	unsigned	enc = 0;

	if (n == 0)
		return DL_DATE_DAYS;
	for (int i = 0; i < n; i++)
	{
		unsigned	bit = 0;

		for (int k = 0; k < (int) lengthof(date_encoding_names); k++)
			if (strcmp(names[i], date_encoding_names[k].name) == 0)
				bit = date_encoding_names[k].bit;
		if (bit == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"date_encoding\" must name days, dow, month, dow_cyclic or month_cyclic, got \"%s\"",
							names[i])));
		enc |= bit;
	}
	return enc;
}

bool
pgdl_date_inputs(Datum d, Oid base, unsigned encodings, double *x)
{
	int64		day;			/* since 2000-01-01 */
	double		days;			/* since 1970-01-01, with the time of day */
	int			year,
				month,
				mday,
				dow;
	int			pos = 0;

	if (base == DATEOID)
	{
		DateADT		date = DatumGetDateADT(d);

		if (DATE_NOT_FINITE(date))
			return false;
		day = date;
		days = (double) day + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE);
	}
	else
	{
		/* timestamptz counts microseconds from 2000-01-01 UTC: read in UTC */
		Timestamp	ts = DatumGetTimestamp(d);

		if (TIMESTAMP_NOT_FINITE(ts))
			return false;
		day = ts / USECS_PER_DAY - (ts % USECS_PER_DAY < 0 ? 1 : 0);
		days = (double) ts / USECS_PER_DAY + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE);
	}
	j2date((int) (day + POSTGRES_EPOCH_JDATE), &year, &month, &mday);
	dow = (j2day((int) (day + POSTGRES_EPOCH_JDATE)) + 6) % 7;	/* Monday 0 */
	if (encodings & DL_DATE_DAYS)
		x[pos++] = days;
	if (encodings & DL_DATE_DOW)
	{
		for (int k = 0; k < 7; k++)
			x[pos + k] = k == dow ? 1.0 : 0.0;
		pos += 7;
	}
	if (encodings & DL_DATE_MONTH)
	{
		for (int k = 0; k < 12; k++)
			x[pos + k] = k == month - 1 ? 1.0 : 0.0;
		pos += 12;
	}
	if (encodings & DL_DATE_DOW_CYCLIC)
	{
		x[pos++] = sin(2 * M_PI * dow / 7);
		x[pos++] = cos(2 * M_PI * dow / 7);
	}
	if (encodings & DL_DATE_MONTH_CYCLIC)
	{
		x[pos++] = sin(2 * M_PI * (month - 1) / 12);
		x[pos++] = cos(2 * M_PI * (month - 1) / 12);
	}
	return true;
}
