/*-------------------------------------------------------------------------
 *
 * model_fields.h
 *	  The fields of the weights format (docs/model-format.md): a writer
 *	  that sizes then fills a blob, and a reader that checks every field
 *	  against the bytes that remain.
 *
 * Bytes are little-endian and written field by field, never as a memcpy
 * of a struct, so the format does not depend on the compiler's layout or
 * the machine.  model_io.c writes and reads a model's sections with these;
 * each layer family writes and reads its own layer record (layers.h).
 *
 * src/core/nn/model_fields.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGDL_MODEL_FIELDS_H
#define PGDL_MODEL_FIELDS_H

#include "dl_nn.h"

/*
 * Writes at buf + pos, or only counts when buf is NULL: one walk sizes the
 * blob and a second fills it, so the two cannot disagree.
 */
typedef struct dl_writer
{
	uint8_t    *buf;
	size_t		pos;
	/* the format version written: the lowest that holds the model (dl_model_format_version) */
	uint32_t	version;
} dl_writer;

extern void dl_store_u32(uint8_t *p, uint32_t v);
extern void dl_store_u64(uint8_t *p, uint64_t v);
extern uint32_t dl_load_u32(const uint8_t *p);
extern uint64_t dl_load_u64(const uint8_t *p);

extern void dl_put_bytes(dl_writer *w, const void *p, size_t n);
extern void dl_put_u8(dl_writer *w, uint8_t v);
extern void dl_put_u32(dl_writer *w, uint32_t v);
extern void dl_put_u64(dl_writer *w, uint64_t v);
extern void dl_put_f32(dl_writer *w, float v);
extern void dl_put_f64(dl_writer *w, double v);
extern void dl_put_bool(dl_writer *w, bool v);
/* a u32 length and the bytes, without a NUL */
extern void dl_put_string(dl_writer *w, const char *s);
/* ndim and DL_MAX_DIMS dimensions, the unused ones 0; -1 as 0xFFFFFFFF */
extern void dl_put_shape(dl_writer *w, const dl_shape *s);
/* a kernel, stride, dilation or pool: two u32 */
extern void dl_put_pair(dl_writer *w, const int v[2]);

/* the bytes between p and the checksum; section names the part for messages */
typedef struct dl_reader
{
	const uint8_t *p;
	size_t		left;
	const char *section;
	uint32_t	version;		/* the blob's format version: what its records hold */
} dl_reader;

/*
 * Each reader fails with DL_EFORMAT ("invalid model: ...") when the bytes
 * end early or the value is out of its range.
 */
extern dl_status dl_reader_past_end(const dl_reader *r);
extern dl_status dl_get_bytes(dl_reader *r, void *out, size_t n);
extern dl_status dl_get_u8(dl_reader *r, uint8_t *v);
extern dl_status dl_get_u32(dl_reader *r, uint32_t *v);
extern dl_status dl_get_u64(dl_reader *r, uint64_t *v);
extern dl_status dl_get_f32(dl_reader *r, float *v);
extern dl_status dl_get_f64(dl_reader *r, double *v);
/* 0 or 1 */
extern dl_status dl_get_bool(dl_reader *r, bool *v);
/* a u32 that must be at most max (so it fits an int); what names it */
extern dl_status dl_get_count(dl_reader *r, uint32_t max, const char *what, int *v);
/* a count of items of at least min_bytes each, checked against what remains */
extern dl_status dl_get_items(dl_reader *r, uint32_t max, size_t min_bytes, const char *what,
							  int *v);
/* a length-prefixed string of at most max_len bytes and no NUL: checked before it is copied */
extern dl_status dl_get_string(dl_reader *r, size_t max_len, const char *what, char **out);
/* a shape; -1 dimensions allowed when infer (reshape targets) */
extern dl_status dl_get_shape(dl_reader *r, bool infer, dl_shape *s);
/* two u32 of a kernel, stride, dilation or pool, each at most DL_MAX_UNITS */
extern dl_status dl_get_pair(dl_reader *r, const char *what, int v[2]);
/* a u32 activation, at most DL_ACT_LAST */
extern dl_status dl_get_activation(dl_reader *r, dl_activation *a);

/*
 * An error about a model: "invalid model: ..." for the reader's bad
 * (DL_EFORMAT), "cannot write the model: ..." for the writer's (DL_EINVAL),
 * which applies the reader's checks to what it is given.
 */
extern dl_status dl_model_error(dl_status bad, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

#endif							/* PGDL_MODEL_FIELDS_H */
