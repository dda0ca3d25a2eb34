/*-------------------------------------------------------------------------
 *
 * fuzz_replay.h
 *	  The corpus replayer shared by the libFuzzer harnesses.
 *
 * A harness includes this after defining LLVMFuzzerTestOneInput and
 * FUZZ_NAME.  With -DPGDL_FUZZ_REPLAY it builds without libFuzzer (gcc is
 * fine) into a program whose main() feeds every file, or every file in each
 * directory, named on the command line: make test replays the corpora under
 * AddressSanitizer that way.
 *
 * test/fuzz/fuzz_replay.h
 *
 *-------------------------------------------------------------------------
 */
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
