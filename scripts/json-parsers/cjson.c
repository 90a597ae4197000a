/*
 * cjson.c - benchmark program for cJSON (libcjson-dev).
 *
 * cJSON_ParseWithLengthOpts(..., require_null_terminated=1) rejects trailing
 * data; note the length passed must INCLUDE the terminating NUL, otherwise
 * the "must be followed by NUL" check fails on every input.
 *
 * Notes: DOM with one heap node per value; numbers only as valuedouble
 * (valueint is a saturated int) - no literal text; strings and keys are
 * NUL-terminated with no length, so an escaped \u0000 truncates them.
 * Duplicate keys are kept (linked list).  Top-level scalars/arrays are
 * accepted by cJSON, so the object check is ours.
 */
#include "common.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

const char *const jp_parser_name = "cJSON";

int jp_parser_init(void)
{
    return 0;
}

void jp_parser_fini(void)
{
}

static char errbuf[96];

enum jp_result jp_parser_parse_line(char *line, size_t len, const char **err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(line, len + 1, &end, 1);
    if (!root) {
        size_t off = end ? (size_t)(end - line) : 0;
        snprintf(errbuf, sizeof errbuf, "cJSON parse error at offset %zu", off);
        *err = errbuf;
        return JP_ERR_PARSE;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *err = "top-level value is not an object";
        return JP_ERR_ROOT;
    }
    for (const cJSON *it = root->child; it; it = it->next) {
        const char *k = it->string;
        size_t kl = strlen(k);
        switch (it->type & 0xFF) {
        case cJSON_String:
            jp_member_string(k, kl, it->valuestring, strlen(it->valuestring));
            break;
        case cJSON_Number:
            jp_member_number_double(k, kl, it->valuedouble);
            break;
        case cJSON_True:
            jp_member_bool(k, kl, 1);
            break;
        case cJSON_False:
            jp_member_bool(k, kl, 0);
            break;
        case cJSON_NULL:
            jp_member_null(k, kl);
            break;
        default:
            jp_member_nested(k, kl);
            break;
        }
    }
    cJSON_Delete(root);
    return JP_OK;
}
