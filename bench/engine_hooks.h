/*-------------------------------------------------------------------------
 *
 * engine_hooks.h
 *	  The host hooks of the engine benchmarks (engine_nn.c, engine_layers.c):
 *	  malloc, and an error ends the program with its message.
 *
 * bench/engine_hooks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_ENGINE_HOOKS_H
#define PGDL_ENGINE_HOOKS_H

#include <stdio.h>
#include <stdlib.h>

#include "dl_nn.h"

static void *
b_alloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (!p)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

static void
b_error(dl_status status, const char *message)
{
	fprintf(stderr, "error %d: %s\n", (int) status, message);
	exit(1);
}

#endif							/* PGDL_ENGINE_HOOKS_H */
