/*
 * jansson.c - benchmark program for jansson (libjansson-dev).
 *
 * json_loadb() with default flags: only an object or array is accepted at
 * top level (no JSON_DECODE_ANY), the whole buffer must be one value
 * (trailing data rejected), UTF-8 is validated, and \u0000 is rejected
 * (JSON_ALLOW_NUL would allow it; strings have an explicit length).
 *
 * Notes: DOM with one heap node per value; numbers only as json_int_t
 * (long long; larger integers are a parse error) or double - no literal
 * text.  Duplicate keys: last wins (JSON_REJECT_DUPLICATES would reject).
 * Object iteration is in insertion order.
 */
#include "common.h"

#include <jansson.h>
#include <stdio.h>

const char *const jp_parser_name = "jansson";

int jp_parser_init(void)
{
    return 0;
}

void jp_parser_fini(void)
{
}

static char errbuf[JSON_ERROR_TEXT_LENGTH + 32];

enum jp_result jp_parser_parse_line(char *line, size_t len, const char **err)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, 0, &jerr);
    if (!root) {
        snprintf(errbuf, sizeof errbuf, "%s (col %d)", jerr.text, jerr.column);
        *err = errbuf;
        return JP_ERR_PARSE;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        *err = "top-level value is not an object";
        return JP_ERR_ROOT;
    }
    const char *k;
    size_t kl;
    json_t *v;
    json_object_keylen_foreach(root, k, kl, v)
    {
        switch (json_typeof(v)) {
        case JSON_STRING:
            jp_member_string(k, kl, json_string_value(v), json_string_length(v));
            break;
        case JSON_INTEGER:
            jp_member_number_double(k, kl, (double)json_integer_value(v));
            break;
        case JSON_REAL:
            jp_member_number_double(k, kl, json_real_value(v));
            break;
        case JSON_TRUE:
            jp_member_bool(k, kl, 1);
            break;
        case JSON_FALSE:
            jp_member_bool(k, kl, 0);
            break;
        case JSON_NULL:
            jp_member_null(k, kl);
            break;
        default:
            jp_member_nested(k, kl);
            break;
        }
    }
    json_decref(root);
    return JP_OK;
}
