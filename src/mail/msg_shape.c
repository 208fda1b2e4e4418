/*
 * msg_shape - what authentication asks of a parsed message: its top-level
 * type, whether it is PGP/MIME encrypted and its encrypted or single body,
 * the content of an entity a signature covered, and its one author.
 */
#include "mail/msg.h"
#include "mail/msg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------- shapes for authentication */

int msg_top_type(const struct msg *m, char *out, size_t n)
{
    char *s = msg_type_str(msg_top(m->mime)->mm_content_type);
    int w;

    if (s == NULL)
        return -1;
    w = snprintf(out, n, "%s", s);
    free(s);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* RFC 3156 section 4: multipart/encrypted with protocol
 * application/pgp-encrypted, a control part, then the OpenPGP data. */
int msg_is_pgp_encrypted(const struct msg *m)
{
    const struct mailmime *top = msg_top(m->mime);
    const char *proto;
    clist *l;

    if (top->mm_type != MAILMIME_MULTIPLE ||
        !msg_type_is(top->mm_content_type, "multipart/encrypted"))
        return 0;
    proto = msg_param(top->mm_content_type, "protocol");
    l = top->mm_data.mm_multipart.mm_mp_list;
    if (proto == NULL || strcasecmp(proto, "application/pgp-encrypted") != 0
        || l == NULL || clist_count(l) != 2)
        return 0;
    return msg_type_is(((struct mailmime *)clist_nth_data(l, 0))
                       ->mm_content_type, "application/pgp-encrypted") &&
        ((struct mailmime *)clist_nth_data(l, 1))->mm_type == MAILMIME_SINGLE;
}

static int msg_single_decode(const struct mailmime *n, struct buf *out,
                             struct err *e)
{
    struct msg_part p;
    int rc;

    memset(&p, 0, sizeof(p));
    p.content_type = msg_type_str(n->mm_content_type);
    if (p.content_type == NULL)
        return err_set(e, ERR_NOMEM, "content type: out of memory");
    rc = msg_part_body(&p, n, e);
    if (rc == 0 && buf_append(out, p.data, p.len) != 0)
        rc = err_set(e, ERR_TOOBIG, "decoded body over its limit");
    msg_part_clear(&p);
    return rc;
}

int msg_encrypted_body(const struct msg *m, struct buf *out, struct err *e)
{
    const struct mailmime *top = msg_top(m->mime);

    if (!msg_is_pgp_encrypted(m))
        return err_set(e, ERR_DATA, "not a PGP/MIME encrypted message");
    return msg_single_decode(
        clist_nth_data(top->mm_data.mm_multipart.mm_mp_list, 1), out, e);
}

int msg_body(const struct msg *m, struct buf *out, char *charset,
             size_t csz, struct err *e)
{
    const struct mailmime *top = msg_top(m->mime);
    const char *cs = msg_param(top->mm_content_type, "charset");

    if (top->mm_type != MAILMIME_SINGLE)
        return err_set(e, ERR_DATA, "not a single-part message");
    if (csz > 0)
        snprintf(charset, csz, "%s", cs ? cs : "");
    return msg_single_decode(top, out, e);
}

int msg_content_entity(const struct msg *m, const char *ent, size_t elen,
                       struct msg_content **out, struct err *e)
{
    struct msg tmp = *m;

    /* Same as msg_content over the signed part: the entity given is what
     * a signature covered, and protected headers are read from it. */
    tmp.is_signed = 1;
    tmp.raw = (char *)ent;
    tmp.signed_off = 0;
    tmp.signed_len = elen;
    return msg_content(&tmp, out, e);
}

/* No white space or specials a display name could use to pass for an
 * address: "manager@example <eve@example>" is refused, not interpreted. */
static int msg_name_ok(const char *s)
{
    return strpbrk(s, "@<>,;:\"") == NULL;
}

static int msg_author_parse(const char *v, size_t n, char *name, size_t nsz,
                            char *addr, size_t asz, struct err *e)
{
    struct mailimf_mailbox_list *l = NULL;
    struct mailimf_mailbox *mb;
    size_t idx = 0;
    char *dn = NULL;
    int rc;

    if (mailimf_mailbox_list_parse(v, n, &idx, &l) != MAILIMF_NO_ERROR)
        return err_set(e, ERR_DATA, "From has no address");
    while (idx < n && (msg_is_wsp(v[idx]) || v[idx] == '\r' || v[idx] == '\n'))
        idx++;
    if (idx != n || clist_count(l->mb_list) != 1) {
        rc = err_set(e, ERR_DATA, idx != n ? "From does not parse as one "
                     "mailbox" : "From names several mailboxes");
        goto out;
    }
    mb = clist_content(clist_begin(l->mb_list));
    if (mb->mb_display_name)
        dn = msg_hdr_decode(mb->mb_display_name, strlen(mb->mb_display_name));
    if (mb->mb_display_name && dn == NULL)
        rc = err_set(e, ERR_NOMEM, "From: out of memory");
    else if (dn && !msg_name_ok(dn))
        rc = err_set(e, ERR_DATA, "From's display name looks like an address");
    else if (strpbrk(mb->mb_addr_spec, " \t\"()<>,;:\\") ||
             strchr(mb->mb_addr_spec, '@') == NULL ||
             strchr(mb->mb_addr_spec, '@') != strrchr(mb->mb_addr_spec, '@'))
        rc = err_set(e, ERR_DATA, "From's address is not a plain addr-spec");
    else if ((size_t)snprintf(name, nsz, "%s", dn ? dn : "") >= nsz ||
             (size_t)snprintf(addr, asz, "%s", mb->mb_addr_spec) >= asz)
        rc = err_set(e, ERR_DATA, "From too long");
    else
        rc = 0;
out:
    free(dn);
    mailimf_mailbox_list_free(l);
    return rc;
}

int msg_author(const struct msg *m, char *name, size_t nsz, char *addr,
               size_t asz, struct err *e)
{
    size_t pos = 0, i, nfrom = 0;
    struct msg_span f, from;

    memset(&from, 0, sizeof(from));
    while (msg_hdr_next(m->raw, m->len, &pos, &f))
        if (f.namelen == 4 && strncasecmp(f.p, "From", 4) == 0) {
            from = f;
            nfrom++;
        }
    if (nfrom == 0)
        return err_set(e, ERR_DATA, "no From field");
    if (nfrom > 1)
        return err_set(e, ERR_DATA, "%zu From fields", nfrom);
    for (i = 5; i < from.len && msg_is_wsp(from.p[i]); i++)
        ;
    if (i >= from.len)
        return err_set(e, ERR_DATA, "From is empty");
    return msg_author_parse(from.p + i, from.len - i, name, nsz, addr, asz,
                            e);
}
