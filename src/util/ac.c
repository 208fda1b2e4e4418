/*
 * ac - Aho-Corasick (ac.h says what and why). Two shapes of the trie:
 * while patterns are added, a state keeps its children as a list (kid,
 * then next); ac_build renumbers the states breadth first, which puts the
 * children of each state next to each other, and adds the links.
 */
#include "util/ac.h"

#include <stdlib.h>
#include <string.h>

struct ac_tnode {               /* a state while patterns are added */
    uint32_t kid, next;         /* first child, next sibling; 0: none */
    uint32_t id;
    unsigned char c;
};

struct ac_state {               /* a state of the built automaton */
    uint32_t first;             /* first child */
    uint32_t fail, out;         /* out: AC_NONE when no pattern ends */
    uint32_t id;                /* pattern ending here, or AC_NONE */
    uint32_t depth;             /* bytes from the root */
    uint16_t nkids;
    unsigned char c;            /* the byte that leads here */
};

struct ac {
    struct ac_tnode *t;         /* before ac_build; state 0 is the root */
    size_t nt, capt;
    struct ac_state *s;         /* after ac_build */
    size_t ns;
    uint32_t root[256];         /* the root's child per byte, 0: none */
};

struct ac *ac_new(void)
{
    struct ac *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->t = calloc(1, sizeof(*a->t));
    if (a->t == NULL) {
        free(a);
        return NULL;
    }
    a->nt = a->capt = 1;
    a->t[0].id = AC_NONE;
    return a;
}

void ac_free(struct ac *a)
{
    if (a == NULL)
        return;
    free(a->t);
    free(a->s);
    free(a);
}

static uint32_t tnode_kid(const struct ac *a, uint32_t n, unsigned char c)
{
    uint32_t k;

    for (k = a->t[n].kid; k != 0; k = a->t[k].next)
        if (a->t[k].c == c)
            return k;
    return 0;
}

static int tnode_new(struct ac *a, uint32_t parent, unsigned char c,
                     uint32_t *out)
{
    struct ac_tnode *t;

    if (a->nt >= AC_STATES_MAX)
        return -1;
    if (a->nt == a->capt) {
        t = realloc(a->t, a->capt * 2 * sizeof(*t));
        if (t == NULL)
            return -1;
        a->t = t;
        a->capt *= 2;
    }
    *out = (uint32_t)a->nt++;
    a->t[*out] = (struct ac_tnode){0, a->t[parent].kid, AC_NONE, c};
    a->t[parent].kid = *out;
    return 0;
}

int ac_add(struct ac *a, const void *p, size_t len, uint32_t id)
{
    const unsigned char *b = p;
    uint32_t n = 0, k;
    size_t i;

    if (a->t == NULL || len == 0 || len > AC_PATTERN_MAX || id == AC_NONE)
        return -1;
    for (i = 0; i < len; i++, n = k)
        if ((k = tnode_kid(a, n, b[i])) == 0 &&
            tnode_new(a, n, b[i], &k) != 0)
            return -1;
    if (a->t[n].id == AC_NONE)
        a->t[n].id = id;
    return 0;
}

size_t ac_states(const struct ac *a)
{
    return a->s ? a->ns : a->nt;
}

/* The child of built state n by byte c, or 0 (the root is no child). */
static uint32_t state_kid(const struct ac *a, uint32_t n, unsigned char c)
{
    const struct ac_state *s = &a->s[n];
    uint32_t k;

    if (n == 0)
        return a->root[c];
    for (k = s->first; k < s->first + s->nkids; k++)
        if (a->s[k].c == c)
            return k;
    return 0;
}

/* Breadth-first renumbering: order[i] is the old number of new state i.
 * Children of one state are taken together, so they stay contiguous. */
static int ac_layout(struct ac *a)
{
    uint32_t *order = malloc(a->nt * sizeof(*order));
    size_t head = 0, tail = 1, nk;
    uint32_t k;

    a->s = calloc(a->nt, sizeof(*a->s));
    if (order == NULL || a->s == NULL) {
        free(order);
        return -1;
    }
    order[0] = 0;
    a->s[0] = (struct ac_state){0, 0, AC_NONE, a->t[0].id, 0, 0, 0};
    for (head = 0; head < tail; head++) {
        struct ac_state *s = &a->s[head];

        s->first = (uint32_t)tail;
        for (nk = 0, k = a->t[order[head]].kid; k != 0; k = a->t[k].next) {
            order[tail] = k;
            a->s[tail] = (struct ac_state){0, 0, AC_NONE, a->t[k].id,
                                           s->depth + 1, 0, a->t[k].c};
            tail++;
            nk++;
        }
        s->nkids = (uint16_t)nk;        /* at most 256 bytes */
    }
    a->ns = tail;
    free(order);
    return 0;
}

int ac_build(struct ac *a)
{
    uint32_t n, k, f;

    if (a->t == NULL || ac_layout(a) != 0)
        return -1;
    free(a->t);
    a->t = NULL;
    for (k = a->s[0].first; k < a->s[0].first + a->s[0].nkids; k++)
        a->root[a->s[k].c] = k;
    /* breadth first, so a state's fail (shallower) is done before it */
    for (n = 0; n < a->ns; n++) {
        for (k = a->s[n].first; k < a->s[n].first + a->s[n].nkids; k++) {
            f = n == 0 ? 0 : a->s[n].fail;
            while (n != 0 && f != 0 && state_kid(a, f, a->s[k].c) == 0)
                f = a->s[f].fail;
            f = n == 0 ? 0 : state_kid(a, f, a->s[k].c);
            a->s[k].fail = f == k ? 0 : f;
            f = a->s[k].fail;
            a->s[k].out = a->s[f].id != AC_NONE ? f : a->s[f].out;
        }
    }
    return 0;
}

int ac_scan(const struct ac *a, const void *text, size_t len, ac_hit_fn fn,
            void *arg)
{
    const unsigned char *b = text;
    uint32_t n = 0, k, o;
    size_t i;
    int rc;

    if (a->s == NULL)
        return 0;
    for (i = 0; i < len; i++) {
        while ((k = state_kid(a, n, b[i])) == 0 && n != 0)
            n = a->s[n].fail;
        n = k;
        o = a->s[n].id != AC_NONE ? n : a->s[n].out;
        for (; o != AC_NONE; o = a->s[o].out)
            if ((rc = fn(arg, a->s[o].id, i + 1, a->s[o].depth)) != 0)
                return rc;
    }
    return 0;
}
