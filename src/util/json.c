/* json - the one JSON writer (json.h). */
#include "util/json.h"

#include <inttypes.h>
#include <string.h>

void json_init(struct json_w *w, struct buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

static void json_fail(struct json_w *w, int rc)
{
    if (w->rc == 0 && rc != 0)
        w->rc = rc;
}

/* What goes before a value: a comma after an earlier one, unless a key
 * just placed it; inside an object a value needs its key first. */
static int json_value_start(struct json_w *w)
{
    if (w->rc != 0)
        return -1;
    if (w->is_obj[w->depth] && !w->keyed) {
        json_fail(w, JSON_EMISUSE);
        return -1;
    }
    if (!w->keyed && w->started[w->depth])
        json_fail(w, buf_putc(w->out, ','));
    w->started[w->depth] = 1;
    w->keyed = 0;
    return w->rc == 0 ? 0 : -1;
}

static void json_open(struct json_w *w, char c, int obj)
{
    if (json_value_start(w) != 0)
        return;
    if (w->depth >= JSON_DEPTH_MAX) {
        json_fail(w, JSON_EMISUSE);
        return;
    }
    json_fail(w, buf_putc(w->out, c));
    w->depth++;
    w->started[w->depth] = 0;
    w->is_obj[w->depth] = (unsigned char)obj;
}

void json_obj(struct json_w *w)
{
    json_open(w, '{', 1);
}

void json_arr(struct json_w *w)
{
    json_open(w, '[', 0);
}

void json_close(struct json_w *w)
{
    if (w->rc != 0)
        return;
    if (w->depth == 0 || w->keyed) {
        json_fail(w, JSON_EMISUSE);
        return;
    }
    json_fail(w, buf_putc(w->out, w->is_obj[w->depth] ? '}' : ']'));
    w->depth--;
}

static void json_quoted(struct json_w *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char u[7] = "\\u00";
    size_t i;
    int rc = buf_putc(w->out, '"');

    for (i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            rc = buf_putc(w->out, '\\');
            rc = rc ? rc : buf_putc(w->out, c);
        } else if (c < 0x20 || c == 0x7f) {
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            rc = buf_append(w->out, u, 6);
        } else {
            rc = buf_putc(w->out, c);
        }
    }
    json_fail(w, rc ? rc : buf_putc(w->out, '"'));
}

void json_key(struct json_w *w, const char *k)
{
    if (w->rc != 0)
        return;
    if (!w->is_obj[w->depth] || w->keyed) {
        json_fail(w, JSON_EMISUSE);
        return;
    }
    if (w->started[w->depth])
        json_fail(w, buf_putc(w->out, ','));
    w->started[w->depth] = 1;
    json_quoted(w, k, strlen(k));
    json_fail(w, buf_putc(w->out, ':'));
    w->keyed = 1;
}

void json_strn(struct json_w *w, const char *s, size_t n)
{
    if (json_value_start(w) == 0)
        json_quoted(w, s, n);
}

void json_str(struct json_w *w, const char *s)
{
    json_strn(w, s, strlen(s));
}

void json_int(struct json_w *w, int64_t v)
{
    if (json_value_start(w) == 0)
        json_fail(w, buf_printf(w->out, "%" PRId64, v));
}

void json_kv(struct json_w *w, const char *k, const char *v)
{
    json_key(w, k);
    json_str(w, v);
}

int json_end(const struct json_w *w)
{
    if (w->rc != 0)
        return w->rc;
    return w->depth == 0 && !w->keyed ? 0 : JSON_EMISUSE;
}
