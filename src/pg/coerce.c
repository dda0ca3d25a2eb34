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
 * src/pg/coerce.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>

#include "mb/pg_wchar.h"

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
