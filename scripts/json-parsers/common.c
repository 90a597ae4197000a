/*
 * common.c - input reading, timing and checksum shared by every parser
 * benchmark program.  See common.h.
 *
 * usage: PROG [-v] [FILE]      (FILE defaults to standard input)
 *   stdout: one checksum line (identical for all parsers on the same input)
 *   stderr: timing line; with -v also one line per rejected input line:
 *           "reject LINENO CLASS: message"   CLASS = parse|root|check|string
 * Exit status: 0 if every non-blank line was accepted, 1 if some were
 * rejected, 2 on usage/IO errors.
 */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READ_CHUNK (1u << 20) /* 1 MiB */

/* ---- checksum ---------------------------------------------------------- */

struct acc {
    uint64_t members, strings, numbers, trues, falses, nulls, nested;
    uint64_t name_bytes, str_bytes; /* unescaped UTF-8 bytes */
    uint64_t hash;                  /* order-independent sum of member hashes */
    uint64_t n_value, n_ts;
    double value_sum, ts_sum;
};

static struct acc line_acc;  /* current line, committed only on JP_OK */
static struct acc total_acc;

enum { K_STRING = 1, K_NUMBER, K_TRUE, K_FALSE, K_NULL, K_NESTED };

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Fast word-at-a-time hash; cheap compared to parsing, identical for all. */
static uint64_t hash_bytes(const char *p, size_t n, uint64_t seed)
{
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)(unsigned char)p[i] << (8 * i);
    h = (h ^ w) * 0x100000001b3ULL;
    return mix64(h);
}

static inline void member(const char *name, size_t nlen, int kind, uint64_t vh)
{
    line_acc.members++;
    line_acc.name_bytes += nlen;
    line_acc.hash += mix64(hash_bytes(name, nlen, (uint64_t)kind) + vh);
}

void jp_member_string(const char *name, size_t nlen, const char *s, size_t slen)
{
    line_acc.strings++;
    line_acc.str_bytes += slen;
    member(name, nlen, K_STRING, hash_bytes(s, slen, 0x5151));
}

static void number_value(const char *name, size_t nlen, double d)
{
    if (nlen == 5 && memcmp(name, "value", 5) == 0) {
        line_acc.value_sum += d;
        line_acc.n_value++;
    } else if (nlen == 9 && memcmp(name, "timestamp", 9) == 0) {
        line_acc.ts_sum += d;
        line_acc.n_ts++;
    }
}

static int is_value_or_ts(const char *name, size_t nlen)
{
    return (nlen == 5 && memcmp(name, "value", 5) == 0) ||
           (nlen == 9 && memcmp(name, "timestamp", 9) == 0);
}

void jp_member_number_text(const char *name, size_t nlen, const char *txt, size_t tlen)
{
    line_acc.numbers++;
    member(name, nlen, K_NUMBER, 0);
    if (!is_value_or_ts(name, nlen))
        return;
    /* strtod needs a terminated string; the literal is not terminated. */
    char small[64];
    char *buf = tlen < sizeof small ? small : malloc(tlen + 1);
    if (!buf) {
        perror("malloc");
        exit(2);
    }
    memcpy(buf, txt, tlen);
    buf[tlen] = '\0';
    number_value(name, nlen, strtod(buf, NULL));
    if (buf != small)
        free(buf);
}

void jp_member_number_double(const char *name, size_t nlen, double d)
{
    line_acc.numbers++;
    member(name, nlen, K_NUMBER, 0);
    number_value(name, nlen, d);
}

void jp_member_bool(const char *name, size_t nlen, int value)
{
    if (value)
        line_acc.trues++;
    else
        line_acc.falses++;
    member(name, nlen, value ? K_TRUE : K_FALSE, 0);
}

void jp_member_null(const char *name, size_t nlen)
{
    line_acc.nulls++;
    member(name, nlen, K_NULL, 0);
}

void jp_member_nested(const char *name, size_t nlen)
{
    line_acc.nested++;
    member(name, nlen, K_NESTED, 0);
}

static void commit_line(void)
{
    struct acc *t = &total_acc, *l = &line_acc;
    t->members += l->members;
    t->strings += l->strings;
    t->numbers += l->numbers;
    t->trues += l->trues;
    t->falses += l->falses;
    t->nulls += l->nulls;
    t->nested += l->nested;
    t->name_bytes += l->name_bytes;
    t->str_bytes += l->str_bytes;
    t->hash += l->hash;
    t->n_value += l->n_value;
    t->n_ts += l->n_ts;
    t->value_sum += l->value_sum;
    t->ts_sum += l->ts_sum;
}

/* ---- driver ------------------------------------------------------------ */

static int verbose;
static uint64_t n_lines, n_blank, n_rejected, n_bytes;

static const char *const class_name[] = {"ok", "parse", "root", "check", "string"};

static void process_line(char *p, size_t n)
{
    n_lines++;
    if (n && p[n - 1] == '\r')
        p[--n] = '\0';
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == n) {
        n_blank++;
        return;
    }
    memset(&line_acc, 0, sizeof line_acc);
    const char *err = "";
    enum jp_result r = jp_parser_parse_line(p, n, &err);
    if (r == JP_OK) {
        commit_line();
    } else {
        n_rejected++;
        if (verbose)
            fprintf(stderr, "reject %llu %s: %s\n", (unsigned long long)n_lines,
                    class_name[r], err ? err : "");
    }
}

int main(int argc, char **argv)
{
    int argi = 1;
    if (argi < argc && strcmp(argv[argi], "-v") == 0) {
        verbose = 1;
        argi++;
    }
    if (argc - argi > 1) {
        fprintf(stderr, "usage: %s [-v] [FILE]\n", argv[0]);
        return 2;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    FILE *f = stdin;
    if (argi < argc && strcmp(argv[argi], "-") != 0) {
        f = fopen(argv[argi], "rb");
        if (!f) {
            fprintf(stderr, "%s: %s: %s\n", argv[0], argv[argi], strerror(errno));
            return 2;
        }
    }
    if (jp_parser_init() != 0) {
        fprintf(stderr, "%s: parser init failed\n", argv[0]);
        return 2;
    }

    /* One big buffer; complete lines are parsed in place, the partial tail is
     * moved to the front before the next read.  The buffer doubles if a
     * single line is longer than it.  +1 leaves room for a final NUL. */
    size_t cap = READ_CHUNK, have = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        perror("malloc");
        return 2;
    }
    for (;;) {
        if (have == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                perror("realloc");
                return 2;
            }
            buf = nb;
        }
        size_t got = fread(buf + have, 1, cap - have, f);
        if (got == 0) {
            if (ferror(f)) {
                fprintf(stderr, "%s: read error\n", argv[0]);
                return 2;
            }
            if (have) { /* last line without trailing newline */
                buf[have] = '\0';
                process_line(buf, have);
            }
            break;
        }
        n_bytes += got;
        have += got;
        char *p = buf, *end = buf + have;
        for (;;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                break;
            *nl = '\0';
            process_line(p, (size_t)(nl - p));
            p = nl + 1;
        }
        have = (size_t)(end - p);
        if (have && p != buf)
            memmove(buf, p, have);
    }
    free(buf);
    if (f != stdin)
        fclose(f);
    jp_parser_fini();

    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    const struct acc *t = &total_acc;
    printf("records=%llu rejected=%llu members=%llu strings=%llu numbers=%llu "
           "true=%llu false=%llu null=%llu nested=%llu name_bytes=%llu "
           "str_bytes=%llu hash=%016llx values=%llu value_sum=%.17g "
           "timestamps=%llu ts_sum=%.17g\n",
           (unsigned long long)(n_lines - n_blank - n_rejected),
           (unsigned long long)n_rejected, (unsigned long long)t->members,
           (unsigned long long)t->strings, (unsigned long long)t->numbers,
           (unsigned long long)t->trues, (unsigned long long)t->falses,
           (unsigned long long)t->nulls, (unsigned long long)t->nested,
           (unsigned long long)t->name_bytes, (unsigned long long)t->str_bytes,
           (unsigned long long)t->hash, (unsigned long long)t->n_value, t->value_sum,
           (unsigned long long)t->n_ts, t->ts_sum);
    fprintf(stderr, "%s: %llu lines, %llu bytes, %.3f s\n", jp_parser_name,
            (unsigned long long)n_lines, (unsigned long long)n_bytes, secs);
    if (fflush(stdout) != 0)
        return 2;
    return n_rejected ? 1 : 0;
}
