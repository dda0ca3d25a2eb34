/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  What the libFuzzer harnesses share: engine hooks that record errors,
 *	  and the corpus replayer.
 *
 * A harness defines FUZZ_NAME, includes this after pgdl_core.h and calls
 * install_hooks() first in LLVMFuzzerTestOneInput.  The hooks count the
 * errors reported (n_errors, reset by the harness) and keep the last status
 * and message, so a harness can check that a failing call reported
 * exactly one error of the status it returned.
 *
 * With -DPGDL_FUZZ_REPLAY a harness builds without libFuzzer (gcc is fine)
 * into a program whose main() feeds every file, or every file in each
 * directory, named on the command line: make test replays the corpora under
 * AddressSanitizer that way.
 *
 * test/fuzz/fuzz_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_FUZZ_COMMON_H
#define PGDL_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdl_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int	n_errors;
static dl_status last_status;
static size_t last_message_len;
static char last_message[512];

static void *
fuzz_alloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (!p)
		abort();
	return p;
}

static void
fuzz_error(dl_status status, const char *message)
{
	n_errors++;
	last_status = status;
	last_message_len = strlen(message);
	snprintf(last_message, sizeof(last_message), "%s", message);
}

static void
install_hooks(void)
{
	static int	installed;

	if (!installed)
	{
		dl_hooks	h = {fuzz_alloc, free, fuzz_error, NULL};

		dl_set_hooks(&h);
		installed = 1;
	}
}

#ifdef PGDL_FUZZ_REPLAY

#include <dirent.h>
#include <sys/stat.h>

static int	n_inputs;

static void
replay_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf = NULL;
	size_t		len = 0,
				cap = 0;

	if (!f)
	{
		perror(path);
		exit(2);
	}
	for (;;)
	{
		size_t		got;

		if (len == cap)
		{
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	n_inputs++;
}

static void
replay_path(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
	{
		DIR		   *dir = opendir(path);
		struct dirent *e;

		if (!dir)
		{
			perror(path);
			exit(2);
		}
		while ((e = readdir(dir)) != NULL)
		{
			char		child[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
			replay_path(child);
		}
		closedir(dir);
	}
	else
		replay_file(path);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		replay_path(argv[i]);
	printf("%s: replayed %d inputs\n", FUZZ_NAME, n_inputs);
	return 0;
}

#endif							/* PGDL_FUZZ_REPLAY */

#endif							/* PGDL_FUZZ_COMMON_H */
