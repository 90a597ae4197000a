/*
 * yajl.c - benchmark program for yajl 2 (libyajl-dev).
 *
 * Default build: the event (callback) API, yajl_parse()/yajl_complete_parse().
 * Build with -DUSE_YAJL_TREE for the DOM API, yajl_tree_parse().
 *
 * Callback API notes:
 *  - yajl 2 has no way to reset a handle, so every line needs
 *    yajl_alloc()+yajl_free() (a handle in error state cannot continue, so a
 *    single handle with yajl_allow_multiple_values would lose per-line error
 *    recovery).
 *  - the key passed to yajl_map_key may live in yajl's decode buffer, which
 *    the next string overwrites, so we copy it.
 *  - numbers arrive as literal text through the yajl_number callback.
 *  - defaults kept: UTF-8 is validated, trailing garbage and comments rejected.
 * Tree API notes: strings and keys are NUL-terminated without a length, so
 * an escaped \u0000 truncates them; numbers keep their literal text in
 * u.number.r (yajl also converts every number with strtoll/strtod).
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef USE_YAJL_TREE
/* ------------------------------------------------------------------------ */
#include <yajl_parse.h>

const char *const jp_parser_name = "yajl (callbacks)";

struct ctx {
    int depth;    /* 0 = outside root, 1 = inside root object */
    int root_err; /* set when the root is not an object */
    char *key;
    size_t klen, kcap;
};

static struct ctx C;

static int on_null(void *u)
{
    struct ctx *c = u;
    if (c->depth == 0) {
        c->root_err = 1;
        return 0;
    }
    if (c->depth == 1)
        jp_member_null(c->key, c->klen);
    return 1;
}

static int on_bool(void *u, int b)
{
    struct ctx *c = u;
    if (c->depth == 0) {
        c->root_err = 1;
        return 0;
    }
    if (c->depth == 1)
        jp_member_bool(c->key, c->klen, b);
    return 1;
}

static int on_number(void *u, const char *s, size_t l)
{
    struct ctx *c = u;
    if (c->depth == 0) {
        c->root_err = 1;
        return 0;
    }
    if (c->depth == 1)
        jp_member_number_text(c->key, c->klen, s, l);
    return 1;
}

static int on_string(void *u, const unsigned char *s, size_t l)
{
    struct ctx *c = u;
    if (c->depth == 0) {
        c->root_err = 1;
        return 0;
    }
    if (c->depth == 1)
        jp_member_string(c->key, c->klen, (const char *)s, l);
    return 1;
}

static int on_start_map(void *u)
{
    struct ctx *c = u;
    if (c->depth == 1)
        jp_member_nested(c->key, c->klen);
    c->depth++;
    return 1;
}

static int on_map_key(void *u, const unsigned char *s, size_t l)
{
    struct ctx *c = u;
    if (c->depth != 1)
        return 1;
    if (l > c->kcap) {
        c->kcap = l * 2;
        free(c->key);
        c->key = malloc(c->kcap);
        if (!c->key) {
            perror("malloc");
            exit(2);
        }
    }
    memcpy(c->key, s, l);
    c->klen = l;
    return 1;
}

static int on_end(void *u)
{
    struct ctx *c = u;
    c->depth--;
    return 1;
}

static int on_start_array(void *u)
{
    struct ctx *c = u;
    if (c->depth == 0) {
        c->root_err = 1;
        return 0;
    }
    if (c->depth == 1)
        jp_member_nested(c->key, c->klen);
    c->depth++;
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_bool, NULL /* integer */, NULL /* double */, on_number,
    on_string, on_start_map, on_map_key, on_end, on_start_array, on_end,
};

int jp_parser_init(void)
{
    C.kcap = 256;
    C.key = malloc(C.kcap);
    return C.key ? 0 : -1;
}

void jp_parser_fini(void)
{
    free(C.key);
}

static char errbuf[256];

enum jp_result jp_parser_parse_line(char *line, size_t len, const char **err)
{
    C.depth = 0;
    C.root_err = 0;
    yajl_handle h = yajl_alloc(&callbacks, NULL, &C);
    if (!h) {
        perror("yajl_alloc");
        exit(2);
    }
    enum jp_result res = JP_OK;
    yajl_status st = yajl_parse(h, (const unsigned char *)line, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st != yajl_status_ok) {
        if (C.root_err) {
            *err = "top-level value is not an object";
            res = JP_ERR_ROOT;
        } else {
            unsigned char *e = yajl_get_error(h, 0, NULL, 0);
            snprintf(errbuf, sizeof errbuf, "%s", e ? (const char *)e : "yajl error");
            /* drop yajl's trailing newline */
            errbuf[strcspn(errbuf, "\n")] = '\0';
            if (e)
                yajl_free_error(h, e);
            *err = errbuf;
            res = JP_ERR_PARSE;
        }
    }
    yajl_free(h);
    return res;
}

#else /* USE_YAJL_TREE ---------------------------------------------------- */
#include <yajl_tree.h>

const char *const jp_parser_name = "yajl (yajl_tree)";

int jp_parser_init(void)
{
    return 0;
}

void jp_parser_fini(void)
{
}

static char errbuf[256];

enum jp_result jp_parser_parse_line(char *line, size_t len, const char **err)
{
    (void)len; /* yajl_tree_parse() takes a NUL-terminated string */
    errbuf[0] = '\0';
    yajl_val root = yajl_tree_parse(line, errbuf, sizeof errbuf);
    if (!root) {
        errbuf[strcspn(errbuf, "\n")] = '\0';
        *err = errbuf[0] ? errbuf : "yajl_tree_parse failed";
        return JP_ERR_PARSE;
    }
    if (!YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        *err = "top-level value is not an object";
        return JP_ERR_ROOT;
    }
    size_t n = root->u.object.len;
    for (size_t i = 0; i < n; i++) {
        const char *k = root->u.object.keys[i];
        size_t kl = strlen(k);
        yajl_val v = root->u.object.values[i];
        switch (v->type) {
        case yajl_t_string:
            jp_member_string(k, kl, v->u.string, strlen(v->u.string));
            break;
        case yajl_t_number:
            jp_member_number_text(k, kl, v->u.number.r, strlen(v->u.number.r));
            break;
        case yajl_t_true:
            jp_member_bool(k, kl, 1);
            break;
        case yajl_t_false:
            jp_member_bool(k, kl, 0);
            break;
        case yajl_t_null:
            jp_member_null(k, kl);
            break;
        default:
            jp_member_nested(k, kl);
            break;
        }
    }
    yajl_tree_free(root);
    return JP_OK;
}
#endif
