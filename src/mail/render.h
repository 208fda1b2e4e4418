/*
 * render - audience templates: a Subject line and a body around the alert.
 *
 * A template file (templates/NAME.tmpl) starts with "Subject: ..." then an
 * empty line, then the body. {{name}} inserts a variable; the known names
 * are RENDER_VARS. An unknown variable, an unclosed "{{", a missing
 * Subject line: ERR_CONFIG "FILE:LINE: reason" at load time, never at send
 * time. A value with CR or LF is refused in the Subject (no header
 * injection).
 *
 * Ownership: struct render_tmpl is the caller's (render_free); values
 * passed to render_apply are borrowed for the call.
 */
#ifndef AGW_RENDER_H
#define AGW_RENDER_H

#include <stddef.h>

#include "util/err.h"
#include "util/buf.h"
#include "util/limits.h"

#define RENDER_VARS "alert_id tlp subject body list date risk update " \
    "update_label contact report_to sites"

struct render_tmpl;

struct render_var {
    const char *name;
    const char *value;
};

int render_load(const char *dir, const char *name, struct render_tmpl **out,
                struct err *e);
void render_free(struct render_tmpl *t);
/* Load and drop: the check `lists add` and `rules lint` make. */
int render_check_template(const char *dir, const char *name, struct err *e);
/* Appends the rendered Subject (one line) and body to the buffers. */
int render_apply(const struct render_tmpl *t, const struct render_var *vars,
                 size_t nvars, struct buf *subject, struct buf *body,
                 struct err *e);

#endif
