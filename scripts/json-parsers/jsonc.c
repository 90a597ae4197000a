/*
 * jsonc.c - benchmark program for json-c (libjson-c-dev).
 *
 * One json_tokener is reused (json_tokener_reset per line) with
 * JSON_TOKENER_STRICT; build with -DJSONC_DEFAULT_FLAGS to use json-c's
 * default (lenient) mode instead.  json_tokener_parse_ex() stops after the
 * first value, so in default mode trailing data is caught by our own check
 * via json_tokener_get_parse_end(); in strict mode json-c rejects it itself.
 *
 * Notes: json-c builds a DOM (one heap object per value).  Numbers come back
 * converted (int64 or double); json-c keeps the literal text only for doubles,
 * reachable via json_object_get_string(), which serialises.  Duplicate keys
 * collapse (last one wins).  Keys are NUL-terminated (no length).  UTF-8 is
 * not validated unless JSON_TOKENER_VALIDATE_UTF8 is set (not set here).
 */
#include "common.h"

#include <json.h>
#include <stdint.h>
#include <string.h>

#ifdef JSONC_DEFAULT_FLAGS
const char *const jp_parser_name = "json-c (default flags)";
#define TOKENER_FLAGS 0
#else
const char *const jp_parser_name = "json-c (strict)";
#define TOKENER_FLAGS JSON_TOKENER_STRICT
#endif

static json_tokener *tok;

int jp_parser_init(void)
{
    tok = json_tokener_new();
    if (!tok)
        return -1;
    json_tokener_set_flags(tok, TOKENER_FLAGS);
    return 0;
}

void jp_parser_fini(void)
{
    json_tokener_free(tok);
}

enum jp_result jp_parser_parse_line(char *line, size_t len, const char **err)
{
    if (len > (size_t)INT32_MAX) {
        *err = "line too long for json-c";
        return JP_ERR_CHECK;
    }
    json_tokener_reset(tok);
    json_object *root = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr != json_tokener_success) {
        if (root)
            json_object_put(root);
        *err = jerr == json_tokener_continue ? "incomplete JSON (json_tokener_continue)"
                                             : json_tokener_error_desc(jerr);
        return JP_ERR_PARSE;
    }
    /* Trailing data after the value? */
    for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
        char c = line[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            json_object_put(root);
            *err = "trailing data after the object";
            return JP_ERR_CHECK;
        }
    }
    if (!json_object_is_type(root, json_type_object)) { /* NULL == JSON null */
        json_object_put(root);
        *err = "top-level value is not an object";
        return JP_ERR_ROOT;
    }
    json_object_object_foreach(root, key, val)
    {
        size_t kl = strlen(key);
        switch (json_object_get_type(val)) {
        case json_type_string:
            jp_member_string(key, kl, json_object_get_string(val),
                             (size_t)json_object_get_string_len(val));
            break;
        case json_type_int:
        case json_type_double:
            jp_member_number_double(key, kl, json_object_get_double(val));
            break;
        case json_type_boolean:
            jp_member_bool(key, kl, json_object_get_boolean(val));
            break;
        case json_type_null:
            jp_member_null(key, kl);
            break;
        default:
            jp_member_nested(key, kl);
            break;
        }
    }
    json_object_put(root);
    return JP_OK;
}
