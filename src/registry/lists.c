/* lists - lists, their members and their membership rules; what the
 * pipeline and the coverage report ask of them. */
#include "registry/registry_int.h"

#include <ctype.h>
#include <string.h>

#include "db/outbox.h"
#include "mail/render.h"

int registry_list_id(struct store *s, const char *name, int64_t *id,
                     struct err *e)
{
    return registry_id(s, "SELECT id FROM lists WHERE name=?", name, "list",
                       id, e);
}

static int registry_kinds_list(const char *v, struct err *e)
{
    char one[16];
    const char *p = v, *q;
    size_t n;

    for (; *p; p = *q ? q + 1 : q) {
        q = p + strcspn(p, ",");
        n = (size_t)(q - p);
        if (n == 0 || n >= sizeof(one))
            return err_set(e, ERR_DATA, "audience kinds '%.80s': a "
                           "comma-separated list of ngi, nren, isp, csirt, "
                           "site", v);
        memcpy(one, p, n);
        one[n] = '\0';
        if (registry_kind(one, 0, e) != 0)
            return -1;
    }
    return 0;
}

static int registry_list_check(const struct registry_list *l, struct err *e)
{
    static const char *const att[] = {"keep", "drop", "refuse", NULL};
    static const char *const enc[] = {"never", "if-key", "always", NULL};
    static const char *const ind[] = {"none", "csv", "stix", "both", NULL};
    const char *p;

    if (l->name && registry_name(l->name, "list", e) != 0)
        return -1;
    for (p = l->name ? l->name : ""; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return err_set(e, ERR_DATA, "list name '%s': use letters, digits,"
                           " '.', '_' and '-'", l->name);
    if (l->address && registry_address(l->address, e) != 0)
        return -1;
    if (l->attachments && !registry_one_of(l->attachments, att))
        return err_set(e, ERR_DATA, "attachments must be keep, drop or "
                       "refuse, not '%.40s'", l->attachments);
    if (l->encrypt && !registry_one_of(l->encrypt, enc))
        return err_set(e, ERR_DATA, "encrypt must be never, if-key or always, "
                       "not '%.40s'", l->encrypt);
    if (l->indicators && !registry_one_of(l->indicators, ind))
        return err_set(e, ERR_DATA, "indicators must be none, csv, stix or "
                       "both, not '%.40s'", l->indicators);
    if (l->audience_kinds && registry_kinds_list(l->audience_kinds, e) != 0)
        return -1;
    return registry_text(l->audience, "audience", e);
}

int registry_list_add(struct store *s, const struct registry_list *l,
                      struct err *e)
{
    int rc;

    if (l->name == NULL || l->address == NULL || l->template_name == NULL)
        return err_set(e, ERR_DATA, "a list needs a name, an address and a "
                       "template");
    if (registry_list_check(l, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    rc = store_run(s, e, "INSERT INTO lists(name, address, audience, "
                   "anonymise, template, attachments, encrypt, "
                   "audience_kinds, indicators) VALUES(?,?,?,?,?,?,?,?,?)",
                   "tttittttt",
                   l->name, l->address, l->audience ? l->audience : "",
                   (int64_t)(l->anonymise != 0), l->template_name,
                   l->attachments ? l->attachments : "drop",
                   l->encrypt ? l->encrypt : "never",
                   l->audience_kinds ? l->audience_kinds : "",
                   l->indicators ? l->indicators : "none");
    if (rc < 0 && e->code == ERR_DUP)
        err_reword(e, ERR_DUP, "a list named %s or with address %s exists",
                   l->name, l->address);
    return registry_end(s, rc, e);
}

int registry_list_add_given(struct store *s, const char *templates_dir,
                            const struct registry_list *l, struct err *e)
{
    struct registry_list add = *l;

    if (add.address == NULL)
        return err_set(e, ERR_USAGE, "lists add needs --address");
    add.anonymise = add.anonymise >= 0;
    if (add.template_name == NULL)
        add.template_name = add.anonymise ? "sanitised" : "full";
    if (render_check_template(templates_dir, add.template_name, e) != 0)
        return -1;
    return registry_list_add(s, &add, e);
}

int registry_list_edit_given(struct store *s, const char *templates_dir,
                             const char *name, const struct registry_list *l,
                             struct err *e)
{
    struct registry_list edit = *l;

    /* registry_list_edit's anonymise: -1 unchanged, else 0 or 1 */
    edit.anonymise = l->anonymise == 0 ? -1 : l->anonymise > 0;
    if (edit.template_name &&
        render_check_template(templates_dir, edit.template_name, e) != 0)
        return -1;
    return registry_list_edit(s, name, &edit, e);
}

static int registry_list_update(struct store *s, const char *name,
                                const struct registry_list *l, struct err *e)
{
    static const char *const cols[] = {"audience", "template", "attachments",
                                       "encrypt", "audience_kinds",
                                       "indicators"};
    const char *vals[] = {l->audience, l->template_name, l->attachments,
                          l->encrypt, l->audience_kinds, l->indicators};
    int64_t id;
    size_t i;

    if (registry_list_id(s, name, &id, e) != 0)
        return -1;
    for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (vals[i] && registry_set(s, "lists", cols[i], id, vals[i], e))
            return -1;
    if (l->anonymise >= 0 &&
        registry_set_int(s, "lists", "anonymise", id, l->anonymise != 0, e))
        return -1;
    if ((l->address && registry_set(s, "lists", "address", id, l->address,
                                    e)) ||
        (l->name && registry_set(s, "lists", "name", id, l->name, e))) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "another list has that name or address");
        return -1;
    }
    return 0;
}

int registry_list_edit(struct store *s, const char *name,
                       const struct registry_list *l, struct err *e)
{
    if (registry_list_check(l, e) != 0)
        return -1;
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_list_update(s, name, l, e), e);
}

static int registry_list_delete(struct store *s, const char *name,
                                struct err *e)
{
    int64_t id, n;

    if (registry_list_id(s, name, &id, e) != 0 ||
        outbox_copies_of_list(s, id, &n, e) != 0)
        return -1;
    if (n > 0)
        return err_set(e, ERR_DATA, "list %s has %lld cop%s of alerts on "
                       "record and cannot be removed (remove its members "
                       "and distributions instead)", name, (long long)n,
                       n == 1 ? "y" : "ies");
    return store_run(s, e, "DELETE FROM lists WHERE id=?", "i", id) < 0 ? -1
                                                                       : 0;
}

int registry_list_rm(struct store *s, const char *name, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_list_delete(s, name, e), e);
}

static int registry_member_insert(struct store *s, const char *list,
                                  const char *address, struct err *e)
{
    int64_t lid, cid;

    if (registry_list_id(s, list, &lid, e) != 0 ||
        registry_contact_id(s, address, &cid, e) != 0)
        return -1;
    if (store_run(s, e, "INSERT INTO members(list_id, contact_id) "
                  "VALUES(?,?)", "ii", lid, cid) < 0) {
        if (e->code == ERR_DUP)
            err_reword(e, ERR_DUP, "%s is already a member of %s", address,
                       list);
        return -1;
    }
    return 0;
}

int registry_member_add(struct store *s, const char *list,
                        const char *address, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_member_insert(s, list, address, e), e);
}

static int registry_member_delete(struct store *s, const char *list,
                                  const char *address, struct err *e)
{
    int64_t lid, cid;
    int rc;

    if (registry_list_id(s, list, &lid, e) != 0 ||
        registry_contact_id(s, address, &cid, e) != 0)
        return -1;
    rc = store_run(s, e, "DELETE FROM members WHERE list_id=? AND "
                   "contact_id=?", "ii", lid, cid);
    if (rc == 0)
        return err_set(e, ERR_DATA, "%s is not a member of %s", address,
                       list);
    return rc < 0 ? -1 : 0;
}

int registry_member_rm(struct store *s, const char *list,
                       const char *address, struct err *e)
{
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_member_delete(s, list, address, e), e);
}

static int registry_rule(struct store *s, const char *list, const char *kind,
                         const char *role, int add, struct err *e)
{
    int64_t lid, n = 0;
    int rc;

    if (registry_list_id(s, list, &lid, e) != 0)
        return -1;
    /* roles compared without case: a rule stored before roles were kept
     * in lower case (issue 16) is still the same rule */
    if (add && store_get_int(s, e, &n, "SELECT count(*) FROM member_rules "
                             "WHERE list_id=? AND org_kind=? AND role=? "
                             "COLLATE NOCASE", "itt", lid, kind, role) < 0)
        return -1;
    if (add && n > 0)
        return err_set(e, ERR_DUP, "list %s already has that rule", list);
    if (add)
        rc = store_run(s, e, "INSERT INTO member_rules(list_id, org_kind, "
                       "role) VALUES(?,?,?)", "itt", lid, kind, role);
    else
        rc = store_run(s, e, "DELETE FROM member_rules WHERE list_id=? AND "
                       "org_kind=? AND role=? COLLATE NOCASE", "itt", lid,
                       kind, role);
    if (rc < 0 && e->code == ERR_DUP)
        return err_reword(e, ERR_DUP, "list %s already has that rule", list);
    if (rc == 0 && !add)
        return err_set(e, ERR_DATA, "list %s has no such rule", list);
    return rc < 0 ? -1 : 0;
}

static int registry_rule_tx(struct store *s, const char *list,
                            const char *kind, const char *role, int add,
                            struct err *e)
{
    char norm[REGISTRY_TEXT_MAX + 1];

    kind = kind ? kind : "";
    if (registry_kind(kind, 1, e) != 0 ||
        registry_role_norm(role, norm, e) != 0)
        return -1;
    role = norm;
    if (add && *kind == '\0' && *role == '\0')
        return err_set(e, ERR_DATA, "a rule needs an organisation kind, a "
                       "role or both");
    if (store_begin(s, e) != 0)
        return -1;
    return registry_end(s, registry_rule(s, list, kind, role, add, e), e);
}

int registry_rule_add(struct store *s, const char *list, const char *org_kind,
                      const char *role, struct err *e)
{
    return registry_rule_tx(s, list, org_kind, role, 1, e);
}

int registry_rule_rm(struct store *s, const char *list, const char *org_kind,
                     const char *role, struct err *e)
{
    return registry_rule_tx(s, list, org_kind, role, 0, e);
}

int registry_lists_of(struct store *s, int64_t dist, const char *name,
                      struct store_stmt **st, struct err *e)
{
    /* orgs: a contact without an organisation counts as its own */
    static const char cols[] = "SELECT l.id, l.name, l.address, l.anonymise, "
                               "l.template, l.attachments, l.tlp_ceiling, "
                               "l.single_org, (SELECT count(DISTINCT "
                               "coalesce(c.org_id, -c.id)) FROM "
                               "list_recipients r JOIN contacts c ON c.id = "
                               "r.contact_id WHERE r.list_id = l.id), "
                               "l.encrypt, l.indicators FROM lists l ";
    char sql[1024];

    snprintf(sql, sizeof(sql), "%s%s", cols, dist >= 0 ?
             "JOIN dist_lists d ON d.list_id = l.id WHERE d.dist_id = ? "
             "ORDER BY l.name" : "WHERE l.name = ?");
    if (store_prepare(s, sql, st, e) != 0)
        return -1;
    if (dist >= 0)
        store_bind_int(*st, 1, dist);
    else
        store_bind_text(*st, 1, name);
    return 0;
}

/* Ordered, so that the pipeline's commit can check the list did not
 * change meanwhile. */
int registry_list_recipients(struct store *s, int64_t list,
                             struct store_stmt **st, struct err *e)
{
    if (store_prepare(s, "SELECT r.address, c.fingerprint FROM "
                      "list_recipients r JOIN contacts c ON c.id = "
                      "r.contact_id WHERE r.list_id = ? ORDER BY r.address, "
                      "c.fingerprint", st, e) != 0)
        return -1;
    store_bind_int(*st, 1, list);
    return 0;
}

/* The recipients of every list, once: list_recipients is a view (direct
 * members and rule members, a union over the contacts) that each question
 * below would evaluate again, one of them once per list and organisation
 * (0.4 s at 10,000 contacts; 40 ms for all of them with this table). */
static const char *const registry_gaps_prep[] = {
    "DROP TABLE IF EXISTS temp.coverage_rcpt",
    ("CREATE TEMP TABLE coverage_rcpt AS SELECT r.list_id, r.contact_id, "
     "r.address, c.org_id FROM list_recipients r JOIN contacts c ON c.id = "
     "r.contact_id"),
    "CREATE INDEX temp.coverage_rcpt_org ON coverage_rcpt(list_id, org_id)",
    ("CREATE INDEX temp.coverage_rcpt_addr ON coverage_rcpt(address "
     "COLLATE NOCASE)"),
};

/* ?1 the list name or NULL, ?2 the time before which is "too long ago". */
static const char *const registry_gaps_sql[] = {
    /* issue 16: a list nobody gets was "queued for 0 recipients", exit 0 */
    "INSERT INTO temp.coverage SELECT l.name, 'no-recipient', l.address, "
    "'the list reaches no active recipient' FROM lists l WHERE (?1 IS NULL "
    "OR l.name = ?1) AND NOT EXISTS (SELECT 1 FROM temp.coverage_rcpt r WHERE "
    "r.list_id = l.id)",
    "INSERT INTO temp.coverage SELECT l.name, 'no-contact', o.name, "
    "'no active recipient for this ' || o.kind FROM lists l JOIN orgs o ON "
    "(instr(',' || l.audience_kinds || ',', ',' || o.kind || ',') > 0 OR "
    "EXISTS (SELECT 1 FROM member_rules mr WHERE mr.list_id = l.id AND "
    "mr.org_kind = o.kind)) WHERE (?1 IS NULL OR l.name = ?1) AND NOT "
    "EXISTS (SELECT 1 FROM temp.coverage_rcpt r WHERE r.list_id = l.id AND "
    "r.org_id = o.id)",
    "INSERT INTO temp.coverage SELECT l.name, 'no-key', r.address, "
    "'the list encrypts (' || l.encrypt || ') and no key is pinned' FROM "
    "lists l JOIN temp.coverage_rcpt r ON r.list_id = l.id JOIN contacts c ON "
    "c.id = r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND l.encrypt <> "
    "'never' AND c.fingerprint = ''",
    "INSERT INTO temp.coverage SELECT l.name, 'unconfirmed', r.address, "
    "CASE c.confirmed WHEN 0 THEN 'never confirmed' ELSE 'last confirmed ' "
    "|| strftime('%Y-%m-%dT%H:%M:%SZ', c.confirmed, 'unixepoch') END FROM "
    "lists l JOIN temp.coverage_rcpt r ON r.list_id = l.id JOIN contacts c ON "
    "c.id = r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND c.confirmed "
    "< ?2",
    "INSERT INTO temp.coverage SELECT l.name, 'failed', r.address, "
    "count(*) || ' delivery(ies) failed permanently, last: ' || "
    "max(o.reply) FROM lists l JOIN temp.coverage_rcpt r ON r.list_id = l.id "
    "JOIN outbox_failures o ON o.rcpt = r.address COLLATE NOCASE AND "
    "o.updated >= ?2 WHERE (?1 IS NULL OR l.name = ?1) GROUP "
    "BY l.name, r.address",
    /* issue 17: hard bounces on bouncing_alerts consecutive alerts, since
     * the contact was last confirmed */
    "INSERT INTO temp.coverage SELECT l.name, 'bouncing', r.address, "
    "'bouncing since ' || strftime('%Y-%m-%dT%H:%M:%SZ', h.bouncing_since, "
    "'unixepoch') || ', last: ' || h.last_status || ' ' || h.last_diag FROM "
    "lists l JOIN temp.coverage_rcpt r ON r.list_id = l.id JOIN contacts c ON "
    "c.id = r.contact_id JOIN contact_health h ON h.address = c.address "
    "WHERE (?1 IS NULL OR l.name = ?1) AND h.bouncing_since > c.confirmed "
    "AND ?2 IS NOT NULL",
};

static int registry_gap(struct store *s, const char *sql, const char *list,
                        int64_t since, struct err *e)
{
    struct store_stmt *st;
    int rc;

    if (store_prepare(s, sql, &st, e) != 0)
        return -1;
    if (list)
        store_bind_text(st, 1, list);
    store_bind_int(st, 2, since);
    rc = store_step(st, e);
    store_finalize(st);
    return rc < 0 ? -1 : 0;
}

int registry_list_gaps(struct store *s, const char *list, int64_t since,
                       struct err *e)
{
    size_t i;

    for (i = 0; i < sizeof(registry_gaps_prep) / sizeof(registry_gaps_prep[0]);
         i++)
        if (store_run(s, e, registry_gaps_prep[i], "") < 0)
            return -1;
    for (i = 0; i < sizeof(registry_gaps_sql) / sizeof(registry_gaps_sql[0]);
         i++)
        if (registry_gap(s, registry_gaps_sql[i], list, since, e) != 0)
            return -1;
    return 0;
}

int registry_list_keys(struct store *s, const char *list,
                       struct store_stmt **st, struct err *e)
{
    if (store_prepare(s, "SELECT l.name, l.encrypt, r.address, "
                      "c.fingerprint FROM lists l JOIN temp.coverage_rcpt r "
                      "ON r.list_id = l.id JOIN contacts c ON c.id = "
                      "r.contact_id WHERE (?1 IS NULL OR l.name = ?1) AND "
                      "c.fingerprint <> '' ORDER BY 1, 3", st, e) != 0)
        return -1;
    if (list)
        store_bind_text(*st, 1, list);
    return 0;
}

int registry_list_has(struct store *s, int64_t list, const char *address,
                      struct err *e)
{
    int64_t n = 0;

    if (store_get_int(s, e, &n, "SELECT count(*) FROM list_recipients "
                      "WHERE list_id = ? AND address = ? COLLATE NOCASE",
                      "it", list, address) < 0)
        return -1;
    return n > 0;
}
