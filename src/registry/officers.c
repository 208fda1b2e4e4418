/* officers - who may make the gateway speak (commands in cli_keys). */
#include "registry/registry_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db/audit.h"

#define REGISTRY_FPR_BUF 80

/* An officer's fingerprint in its stored form; "" or not hex: ERR_DATA. */
static int registry_officer_fpr(const char *in, char out[REGISTRY_FPR_BUF],
                                struct err *e)
{
    if (registry_norm_fpr(in, out, REGISTRY_FPR_BUF) != 0)
        return err_set(e, ERR_DATA, "'%.100s' is not an OpenPGP fingerprint",
                       in);
    return 0;
}

static int registry_officer_check(const char *name, const char *email,
                                  const char *by, struct err *e)
{
    if (registry_text(name, "officer name", e) != 0 ||
        registry_text(by, "who", e) != 0)
        return -1;
    if (email && *email)
        return registry_address(email, e);
    return 0;
}

/* Every change to who may make the gateway speak is in the audit chain
 * (no alert row: it concerns none), in the change's own transaction. */
static int registry_officer_audit(struct store *s, const char *event,
                                  const char *fpr, const char *what,
                                  const char *by, struct err *e)
{
    char detail[REGISTRY_TEXT_MAX * 4];

    snprintf(detail, sizeof(detail), "%s%s%s (%s)", fpr, *what ? ": " : "",
             what, by && *by ? by : "unknown");
    return audit_add(s, 0, event, detail, NULL, e);
}

static int registry_officer_insert(struct store *s, const char *fpr,
                                   const char *name, const char *email,
                                   const char *by, struct err *e)
{
    char what[REGISTRY_TEXT_MAX * 2 + 16];

    if (store_run(s, e, "INSERT INTO officers(fingerprint, name, email, "
                  "added_at, added_by) VALUES(?,?,?,?,?)", "tttit", fpr,
                  name ? name : "", email ? email : "", (int64_t)time(NULL),
                  by ? by : "") < 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "officer %s already registered", fpr);
        return -1;
    }
    snprintf(what, sizeof(what), "%s <%s>", name ? name : "",
             email ? email : "");
    return registry_officer_audit(s, "officer-added", fpr, what, by, e);
}

int registry_officer_add(struct store *s, const char *fpr, const char *name,
                         const char *email, const char *by, struct err *e)
{
    char norm[REGISTRY_FPR_BUF];

    if (registry_officer_fpr(fpr, norm, e) != 0 ||
        registry_officer_check(name, email, by, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_officer_insert(s, norm, name, email, by,
                                                   e), e);
}

int registry_officer_add_key(struct store *s, struct pgp *p, const char *key,
                             size_t len, const char *origin, const char *fpr,
                             const char *name, const char *email,
                             const char *by, char out[PGP_FPR_MAX],
                             struct err *e)
{
    char got[PGP_FPR_MAX];

    if (key == NULL && (fpr == NULL || *fpr == '\0'))
        return err_set(e, ERR_USAGE, "officers add needs FINGERPRINT or "
                       "--key FILE");
    snprintf(got, sizeof(got), "%s", fpr ? fpr : "");
    if (key) {
        if (pgp_import(p, key, len, got, e) != 0)
            return -1;
        if (fpr && *fpr && strcasecmp(fpr, got) != 0)
            return err_set(e, ERR_DATA, "%s holds key %s, not %s", origin,
                           got, fpr);
    }
    if (registry_officer_add(s, got, name, email, by, e) != 0)
        return -1;
    memcpy(out, got, PGP_FPR_MAX);
    return 0;
}

static int registry_officer_id(struct store *s, const char *fpr, int64_t *id,
                               struct err *e)
{
    return registry_id(s, "SELECT id FROM officers WHERE fingerprint=?", fpr,
                       "officer", id, e);
}

/* "active no; name 'X'; email 'Y'": what an edit changed, for the audit. */
static void registry_officer_what(const struct registry_officer *o,
                                  char *out, size_t n)
{
    int k = 0;

    out[0] = '\0';
    if (o->active != 0)
        k = snprintf(out, n, "active %s", o->active > 0 ? "yes" : "no");
    if (o->name && k >= 0 && (size_t)k < n)
        k += snprintf(out + k, n - (size_t)k, "%sname '%s'", k ? "; " : "",
                      o->name);
    if (o->email && k >= 0 && (size_t)k < n)
        snprintf(out + k, n - (size_t)k, "%semail '%s'", k ? "; " : "",
                 o->email);
}

static int registry_officer_update(struct store *s, const char *fpr,
                                   const struct registry_officer *o,
                                   const char *by, struct err *e)
{
    char what[REGISTRY_TEXT_MAX * 2 + 64];
    int64_t id;

    if (registry_officer_id(s, fpr, &id, e) != 0)
        return -1;
    if ((o->name && registry_set(s, "officers", "name", id, o->name, e)) ||
        (o->email && registry_set(s, "officers", "email", id, o->email, e)) ||
        (o->active != 0 &&
         registry_set_int(s, "officers", "active", id, o->active > 0, e)))
        return -1;
    registry_officer_what(o, what, sizeof(what));
    return registry_officer_audit(s, "officer-edited", fpr, what, by, e);
}

int registry_officer_edit(struct store *s, const char *fpr,
                          const struct registry_officer *o, const char *by,
                          struct err *e)
{
    char norm[REGISTRY_FPR_BUF];

    if (registry_officer_fpr(fpr, norm, e) != 0 ||
        registry_officer_check(o->name, o->email, by, e) != 0)
        return -1;
    if (o->active == 0 && o->name == NULL && o->email == NULL)
        return err_set(e, ERR_DATA, "nothing to change for officer %s",
                       norm);
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_officer_update(s, norm, o, by, e), e);
}

/* Alerts keep their signer as text (no foreign key), so the alerts it
 * signed stay as they are; the audit row keeps its name. */
static int registry_officer_delete(struct store *s, const char *fpr,
                                   const char *by, struct err *e)
{
    char what[REGISTRY_TEXT_MAX * 2 + 16] = "";
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, "SELECT name, email FROM officers WHERE "
                      "fingerprint=?", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, fpr);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(what, sizeof(what), "%s <%s>", store_col_text(st, 0),
                 store_col_text(st, 1));
    store_finalize(st);
    if (rc == 0)
        return err_set(e, ERR_DATA, "no officer '%s'", fpr);
    if (rc < 0 || store_run(s, e, "DELETE FROM officers WHERE fingerprint=?",
                            "t", fpr) < 0)
        return -1;
    return registry_officer_audit(s, "officer-removed", fpr, what, by, e);
}

int registry_officer_rm(struct store *s, const char *fpr, const char *by,
                        struct err *e)
{
    char norm[REGISTRY_FPR_BUF];

    if (registry_officer_fpr(fpr, norm, e) != 0 ||
        registry_text(by, "who", e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_officer_delete(s, norm, by, e), e);
}

int registry_officer_active(struct store *s, const char *fpr, struct err *e)
{
    int64_t v;

    return store_get_int(s, e, &v, "SELECT 1 FROM officers WHERE "
                         "fingerprint=? AND active=1", "t", fpr);
}

int registry_officer_email(struct store *s, const char *fpr, char *out,
                           size_t n, struct err *e)
{
    struct store_stmt *st;
    int rc;

    out[0] = '\0';
    if (store_prepare(s, "SELECT email FROM officers WHERE "
                      "fingerprint = ? AND active = 1", &st, e) != 0)
        return -1;
    store_bind_text(st, 1, fpr);
    rc = store_step(st, e);
    if (rc == 1)
        snprintf(out, n, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}
