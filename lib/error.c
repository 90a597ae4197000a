#include "tsp_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Called once per record on hot paths: clear what is read, not the
 * 800 bytes of text buffers. */
void tsp_error_clear(struct tsp_error *err)
{
	err->code = TSP_OK;
	err->sys_errno = 0;
	err->line = 0;
	err->input[0] = 0;
	err->msg[0] = 0;
}

static void vset(struct tsp_error *err, enum tsp_errcode code,
		 const char *fmt, va_list ap)
{
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int tsp_error_set(struct tsp_error *err, enum tsp_errcode code,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int tsp_error_at(struct tsp_error *err, enum tsp_errcode code,
		 const char *input, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	snprintf(err->input, sizeof(err->input), "%s", input ? input : "");
	err->line = line;
	return -1;
}

const char *tsp_quote(char *buf, size_t n, const char *s, size_t len)
{
	const size_t max = 60;
	size_t i, o = 0;

	if (n < 8) {
		if (n)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '\'';
	for (i = 0; i < len && i < max && o + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < len && o + 5 < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}
