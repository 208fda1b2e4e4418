/*
 * copy_ind - a list copy's indicator attachments (issue 19): the
 * alert's attacker indicators (mail/indicators.h) as indicators.csv
 * and/or a STIX 2.1 bundle indicators.json, as the list asks
 * (lists.indicators). Made in the copies' child, from the authenticated
 * content; on an anonymised list copy_leak_msg then reads them as it
 * reads every part.
 */
#include "process/process_int.h"

#include <stdlib.h>
#include <string.h>

#include "mail/indicators.h"

/* Subject and every text/plain part: what an officer writes indicators
 * in (HTML alternatives say the same; binary parts are not read). */
static int ind_read(struct pctx *c, struct indicators *set, struct err *e)
{
    const struct msg_content *mc = c->a->content;
    const char *own = c->g->conf->domain;
    size_t i;

    if (indicators_scan(set, c->g->anon, c->g->sites, own, mc->subject,
                        strlen(mc->subject), e) != 0)
        return -1;
    for (i = 0; i < mc->nparts; i++)
        if (mc->parts[i].is_text &&
            strcmp(mc->parts[i].content_type, "text/plain") == 0 &&
            indicators_scan(set, c->g->anon, c->g->sites, own,
                            mc->parts[i].data, mc->parts[i].len, e) != 0)
            return -1;
    return 0;
}

/* One more attachment in pp: name, type, and data (taken). */
static int ind_attach(struct pparts *pp, const char *name, const char *type,
                      struct buf *data, struct err *e)
{
    struct msg_part *o = &pp->v[pp->n];

    if (pp->n >= MSG_DEFAULT_MAX_PARTS)
        return err_set(e, ERR_TOOBIG, "too many parts");
    memset(o, 0, sizeof(*o));
    if ((o->filename = strdup(name)) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    o->is_text = 1;
    o->content_type = (char *)type;
    pp->data[pp->n] = *data;    /* pparts_free frees it */
    buf_init(data, PROCESS_COPY_MAX);
    o->data = pp->data[pp->n].data ? pp->data[pp->n].data : (char *)"";
    o->len = pp->data[pp->n].len;
    pp->n++;
    return 0;
}

static int ind_write(struct pctx *c, const struct indicators *set,
                     struct pparts *pp, struct err *e)
{
    const char *tlp = alert_tlp_label(c->a->tlp);
    struct indicators_meta m = {c->a->alert_id, c->g->conf->domain,
                                tlp[0] ? tlp + 4 : "AMBER", c->a->signed_at};
    struct buf out;
    int rc = 0;

    buf_init(&out, PROCESS_COPY_MAX);
    if (c->l->indicators & PLIST_IND_CSV)
        rc = indicators_csv(set, c->l->anonymise, &out, e) != 0 ||
             ind_attach(pp, "indicators.csv", "text/csv", &out, e) != 0;
    if (rc == 0 && (c->l->indicators & PLIST_IND_STIX))
        rc = indicators_stix(set, &m, c->l->anonymise, &out, e) != 0 ||
             ind_attach(pp, "indicators.json", "application/json", &out,
                        e) != 0;
    buf_free(&out);
    return rc ? -1 : 0;
}

int copy_indicators(struct pctx *c, struct pparts *pp, struct buf *body,
                    struct err *e)
{
    struct indicators *set;
    int rc;

    if (c->l->indicators == 0)
        return 0;
    if ((set = indicators_new()) == NULL)
        return err_set(e, ERR_NOMEM, "out of memory");
    rc = ind_read(c, set, e);
    /* none found: no attachment (an empty file tells a tool nothing) */
    if (rc == 0 && set->n > 0)
        rc = ind_write(c, set, pp, e);
    if (rc == 0 && set->dropped > 0 &&
        (rc = buf_printf(body, "\n[alertgw: %zu more indicators were found "
                         "than the %d attached; the text above has them "
                         "all.]\n", set->dropped, INDICATORS_MAX)) != 0)
        rc = copy_nospace(rc, e, "copy too large");
    indicators_free(set);
    return rc;
}
