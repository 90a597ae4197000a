/*
 * tsmodel: show what a model store holds, as JSON, so a person (or jq) can
 * see what a tool learned: ls (entries and sizes), show (parameters),
 * stats (header, options, sizes).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tsp_json.h"
#include "tsp_num.h"
#include "tsp_store.h"

static const struct option longopts[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0}
};

static void usage(void)
{
	printf(
"Usage: tsmodel ls FILE\n"
"       tsmodel show FILE [SERIES ...]\n"
"       tsmodel stats FILE\n"
"Show the contents of a tspipe model store (written by a tool's --save, read\n"
"by its --load) as JSON.\n"
"\n"
"  ls      one line per entry: {\"series\": ..., \"bytes\": ...}\n"
"  show    one line per entry (or per SERIES named): {\"series\": ...,\n"
"          \"params\": {...}}\n"
"  stats   one object: tool, format, program version, options, entries, sizes\n"
"\n"
"  -h, --help       show this help and exit\n"
"  -V, --version    show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 unreadable or corrupt store or unknown series,\n"
"2 usage.  See tsmodel(1).\n");
}

/*
 * A JSON string on stdout.  Bytes that are not UTF-8 become U+FFFD, so the
 * output is valid JSON whatever a key or name holds.  Write errors are
 * caught at the end.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
		      (c >> 3) == 30 ? 4 : 0;

	if (need == 0 || need > n)
		return 0;
	for (size_t i = 1; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((need == 2 && c < 0xc2) ||
	    (need == 3 && ((c == 0xe0 && s[1] < 0xa0) ||
			   (c == 0xed && s[1] >= 0xa0))) ||
	    (need == 4 && ((c == 0xf0 && s[1] < 0x90) || c > 0xf4 ||
			   (c == 0xf4 && s[1] >= 0x90))))
		return 0;
	return need;
}

static void put_string(const char *s, size_t len)
{
	char small[512], *buf = len * 6 + 3 <= sizeof(small) ? small
							     : malloc(len * 6 + 3);
	size_t o = 0;

	if (!buf) {
		fputs("\"\"", stdout);
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len((const unsigned char *)s + i, len - i);
		if (n) {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			i++;
		}
	}
	/* buf holds at most 3 bytes a byte; escape from a second buffer */
	{
		char *esc = malloc(o * 6 + 3);
		if (esc) {
			fwrite(esc, 1, tsp_json_escape(buf, o, esc), stdout);
			free(esc);
		}
	}
	if (buf != small)
		free(buf);
}

static void put_number(double v)
{
	char buf[TSP_NUM_BUFSZ];
	size_t n = tsp_num_format(v, buf);

	if (isnan(v))
		fputs("null", stdout);
	else if (isinf(v))
		put_string(buf, n);	/* "Inf", "-Inf", as in NDJSON records */
	else
		fwrite(buf, 1, n, stdout);
}

static void put_params(const struct tsp_params *p)
{
	size_t pos = 0;
	struct tsp_param it;
	int first = 1;

	fputc('{', stdout);
	while (tsp_params_next(p->buf, p->len, &pos, &it) > 0) {
		if (!first)
			fputc(',', stdout);
		first = 0;
		put_string(it.name, it.namelen);
		fputc(':', stdout);
		if (it.type == TSP_PARAM_NUM) {
			put_number(it.num);
		} else if (it.type == TSP_PARAM_STR) {
			put_string(it.str, it.n);
		} else {
			fputc('[', stdout);
			for (size_t i = 0; i < it.n; i++) {
				if (i)
					fputc(',', stdout);
				put_number(tsp_param_at(&it, i));
			}
			fputc(']', stdout);
		}
	}
	fputc('}', stdout);
}

/* {"series":..., "params":{...}}; parameters are checked before a byte. */
static void show_one(const char *key, size_t keylen,
		     const struct tsp_params *p, const char *file)
{
	struct tsp_error err;
	struct tsp_param it;
	size_t pos = 0;
	int rc;

	while ((rc = tsp_params_next(p->buf, p->len, &pos, &it)) > 0)
		;
	if (rc < 0) {
		tsp_error_at(&err, TSP_EDATA, file, 0,
			     "corrupt model store (parameters of series "
			     "'%.*s')", (int)(keylen > 60 ? 60 : keylen), key);
		tsp_cli_die(&err);
	}
	fputs("{\"series\":", stdout);
	put_string(key, keylen);
	fputs(",\"params\":", stdout);
	put_params(p);
	fputs("}\n", stdout);
}

static void cmd_ls_show(struct tsp_store *s, const char *file, int show,
			char **series, int nseries)
{
	struct tsp_error err;
	struct tsp_params p;
	struct tsp_store_iter cursor = {0, 0};
	const char *key;
	size_t keylen, bytes;
	int rc;

	tsp_error_clear(&err);
	tsp_params_init(&p);
	if (nseries) {
		for (int i = 0; i < nseries; i++) {
			rc = tsp_store_get(s, series[i], strlen(series[i]), &p,
					   &err);
			if (rc < 0)
				tsp_cli_die(&err);
			if (rc == 0) {
				tsp_error_at(&err, TSP_EDATA, file, 0,
					     "no entry for series '%s'",
					     series[i]);
				tsp_cli_die(&err);
			}
			show_one(series[i], strlen(series[i]), &p, file);
		}
	} else {
		while ((rc = tsp_store_next(s, &cursor, &key, &keylen, &bytes,
					    show ? &p : NULL, &err)) > 0) {
			if (ferror(stdout))	/* reader gone (| head) */
				break;
			if (show) {
				show_one(key, keylen, &p, file);
				continue;
			}
			fputs("{\"series\":", stdout);
			put_string(key, keylen);
			printf(",\"bytes\":%zu}\n", bytes);
		}
		if (rc < 0)
			tsp_cli_die(&err);
	}
	tsp_params_release(&p);
}

static void cmd_stats(struct tsp_store *s, const char *file)
{
	size_t olen;
	const char *opts = tsp_store_options(s, &olen);
	uint64_t n = tsp_store_count(s), size = tsp_store_size(s);

	fputs("{\"file\":", stdout);
	put_string(file, strlen(file));
	fputs(",\"tool\":", stdout);
	put_string(tsp_store_tool(s), strlen(tsp_store_tool(s)));
	printf(",\"format\":%d,\"program\":", TSP_STORE_FORMAT);
	put_string(tsp_store_program(s), strlen(tsp_store_program(s)));
	/* The options: the JSON the tool wrote, or a string if it is not. */
	fputs(",\"options\":", stdout);
	if (olen == 0)
		fputs("{}", stdout);
	else if (tsp_json_valid(opts, olen))
		fwrite(opts, 1, olen, stdout);
	else
		put_string(opts, olen);
	printf(",\"entries\":%llu,\"bytes\":%llu,\"bytes_per_entry\":",
	       (unsigned long long)n, (unsigned long long)size);
	put_number(n ? (double)size / (double)n : 0);
	fputs("}\n", stdout);
}

int main(int argc, char **argv)
{
	struct tsp_cli cli;
	struct tsp_error err;
	struct tsp_store *s;
	const char *cmd, *file;
	int opt;

	tsp_cli_init(&cli, "tsmodel", argv);
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1)
		tsp_cli_option(&cli, opt, optarg, usage);
	if (argc - optind < 2)
		tsp_cli_usage_error("expected a command (ls, show, stats) and "
				    "a FILE");
	cmd = argv[optind];
	file = argv[optind + 1];
	if (strcmp(cmd, "ls") && strcmp(cmd, "show") && strcmp(cmd, "stats"))
		tsp_cli_usage_error("unknown command '%s' (ls, show or stats)",
				    cmd);
	if (strcmp(cmd, "show") && argc - optind > 2)
		tsp_cli_usage_error("'%s' takes only a FILE", cmd);

	tsp_error_clear(&err);
	s = tsp_store_open(file, NULL, &err);
	if (!s)
		tsp_cli_die(&err);
	if (strcmp(cmd, "stats") == 0)
		cmd_stats(s, file);
	else
		cmd_ls_show(s, file, strcmp(cmd, "show") == 0, argv + optind + 2,
			    argc - optind - 2);
	tsp_store_close(s);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return TSP_EXIT_OK;
		tsp_error_set(&err, TSP_ESYS, "write error: %s",
			      strerror(errno));
		tsp_cli_die(&err);
	}
	tsp_cli_release(&cli);
	return TSP_EXIT_OK;
}
