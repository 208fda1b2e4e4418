/*
 * anon_int - what the files of the anon module share: the handle, the
 * state of one run, and the steps one file does for another. Private to
 * the anon module (src/mail/anon*.c); other modules use anon.h.
 *
 *   anon.c          life cycle, limits, one run: rule spans, then tokens
 *   anon_map.c      the placeholder map
 *   anon_emit.c     each hit of a run written (or reported), the changes
 *   anon_tokens.c   the token pass: the scanner, the look-ups of tokens
 *   anon_html.c     HTML parts
 *   anon_rules.c    rule files and the examples they hold
 *   anon_forms.c    numeric URL hosts, IPv4 ranges, DC components
 *   anon_fold.c     the folded view: defanged forms, invisible characters,
 *                   look-alike letters, percent-encoding
 *
 * Errors as in anon.h: fallible functions return 0 or -1 and fill e.
 */
#ifndef AGW_ANON_INT_H
#define AGW_ANON_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mail/anon.h"
#include "mail/sites.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/err.h"
#include "util/limits.h"

#define ANON_UNI2_MAX 0x800     /* code points with a 2-byte UTF-8 form */
/* Code points of three and four bytes that NFKC may fold to one ASCII
 * letter or digit, in the ranges anon_fold.c looks at (superscripts,
 * letterlike, enclosed alphanumerics, mathematical alphanumerics, the
 * enclosed supplement): their sizes summed. */
#define ANON_SYM_MAX 0x620

/* A one in each byte, for eight bytes at a time (anon_map.c's lower8,
 * anon_tokens.c's alnum8). */
#define ANON_ONES 0x0101010101010101ull

/* Token kinds, in order of preference at one position. */
enum { TOK_NONE, TOK_EMAIL, TOK_IP6, TOK_IP4, TOK_HOST, TOK_WORD,
       TOK_PLAIN /* a word of [A-Za-z0-9_] only */,
       TOK_ALNUM /* a word of [A-Za-z0-9] only: the usual case */ };

/* Byte classes of the token scanner (ASCII; \w and \d as in PCRE2
 * without UCP). */
enum {
    CH_W = 1,           /* [A-Za-z0-9_] */
    CH_DIGIT = 2,       /* [0-9] */
    CH_HEX = 4,         /* [0-9A-Fa-f] */
    CH_ALPHA = 8,       /* [A-Za-z] */
    CH_LOCAL = 16,      /* [A-Za-z0-9._%+-]: e-mail local part */
    CH_LABEL = 32,      /* [A-Za-z0-9_-]: DNS label, also "[\w-]" */
    CH_ZONE = 64,       /* [0-9A-Za-z._-]: IPv6 zone */
    CH_START = 128      /* a token may start here: CH_LOCAL or ':' */
};

enum anon_kind { HIT_SITE, HIT_HOST, HIT_EMAIL, HIT_IP, HIT_NET, HIT_RULE };

struct anon_example {
    char *in, *want;
    size_t line;
};

struct anon_rule {
    char *name, *cls, *file;
    size_t line;
    pcre2_code *code;
    int jit;
    int id_group;               /* number of (?<id>...), 0 if none */
    char *pattern;              /* kept until the rule is complete */
    struct anon_example *ex;
    size_t nex, capex;
};

struct anon {
    const struct sites *sites;  /* borrowed */
    unsigned char ctab[256];    /* CH_* classes of each byte */
    /* \p{L} or \p{N}: a bit per code point up to U+07FF, PCRE2 above */
    unsigned char uni2[ANON_UNI2_MAX / 8];
    /* the ASCII letter each two-byte code point looks like, or 0
     * (anon_fold.c) */
    unsigned char look2[ANON_UNI2_MAX];
    /* the same for the symbol ranges of ANON_SYM_MAX ("\U0001D404",
     * mathematical bold E), as NFKC folds them (anon_fold.c) */
    unsigned char looksym[ANON_SYM_MAX];
    /* a bit per two-byte code point that is a combining mark ("\u0301"
     * after a letter, as NFD text and some keyboards write accents):
     * folded away like an invisible character (anon_fold.c) */
    unsigned char mark2[ANON_UNI2_MAX / 8];
    pcre2_code *uni;
    int uni_jit;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    struct anon_rule *rules;
    size_t nrules, caprules;
    uint32_t ovec;              /* ovector pairs enough for every pattern */
    struct timespec deadline;   /* CLOCK_MONOTONIC; tv_sec 0: none */
};

/* One replacement candidate found in the text. */
struct anon_hit {
    enum anon_kind kind;
    size_t start, end;          /* span of the text to replace */
    long site;
    int is_domain;              /* HIT_HOST: the site domain itself */
    const struct anon_rule *rule;
    const char *key;            /* the map's original if not the span (an
                                 * address written reversed or with '-') */
};

/* A span found before the token pass: a rule's match (kind HIT_RULE,
 * rule set) or a form of anon_forms.c (rule NULL, the hit's kind, site
 * and the map's original in key). */
struct anon_span {
    size_t start, end;
    const struct anon_rule *rule;
    enum anon_kind kind;
    long site;
    int is_domain;
    char key[ANON_KEY_MAX];     /* "": the span's text */
};

struct anon_spans {
    struct anon_span *v;
    size_t n, cap;
};

/* Replacements of one run, kept for the HTML writer. ph is the map's. */
struct anon_rec {
    size_t start, end;
    const char *ph;
};

struct anon_recs {
    struct anon_rec *v;
    size_t n, cap;
};

/* A site's [SITE-K] as looked up in the map; site1 is the site index + 1
 * (0: empty), so a zeroed memo is empty. */
struct anon_site_memo {
    long site1;
    unsigned long k;
    const char *ph;             /* the map's */
};

#define ANON_SITE_MEMO 64       /* sites remembered per run (direct-mapped) */
/* bit of the word w[0..len) in echo_filter: its first and last bytes
 * and its length. Such words end in a digit, most words of a text in a
 * letter, so nearly every word is turned away by one bit. */
#define ANON_ECHO_BITS 4096u
#define ANON_ECHO_BIT(w, len) \
    (((unsigned char)(w)[0] * 31u + (unsigned char)(w)[(len) - 1] * 131u \
      + (unsigned)(len) * 7u) % ANON_ECHO_BITS)

/* A word a rule replaced (an account), replaced wherever else it stands
 * alone in the text. w is the run's text. */
struct anon_echo {
    const char *w;
    size_t len;
    const struct anon_rule *rule;
};

/* State of one anon_apply or anon_scan run. */
struct anon_run {
    const struct anon *a;
    const struct sites *sites;  /* NULL: rules only */
    struct anon_map *m;
    const char *text;
    size_t len;
    pcre2_match_data *md;
    struct buf *out;            /* NULL: scan mode */
    size_t copied;              /* text before this is in out */
    struct anon_changes *ch;
    size_t line, lpos;          /* line number at text offset lpos */
    const char *where;
    struct err *e;
    size_t lrun_s, lrun_e;      /* last CH_LOCAL run seen: [s, e) */
    size_t ldot;                /* first '.' at or after a point, or lrun_e */
    int lplain;                 /* that run is all [A-Za-z0-9_] */
    int lus;                    /* that run holds a '_' */
    struct anon_recs *rec;      /* HTML: every replacement, or NULL */
    /* a site named once is often named again nearby (its name, host
     * names, e-mail addresses): K without a map lookup */
    struct anon_site_memo memo[ANON_SITE_MEMO];
    struct anon_echo echo[ANON_ECHO_MAX];
    size_t necho;
    uint64_t echo_filter[ANON_ECHO_BITS / 64]; /* ANON_ECHO_BIT of each */
};

/* anon.c */
/* p[0..len) and a NUL, malloc'ed; NULL when memory ran out. */
char *anon_strndup(const char *p, size_t len);
/* One run over in[0..len), appended to out: rule spans, then (sites not
 * NULL) the tokens between them. rec, when not NULL, gets every
 * replacement (the HTML writer). On failure out and changes are as they
 * were: never a partly anonymised text. */
int anon_run_apply(const struct anon *a, const struct sites *sites,
                   struct anon_map *m, const char *in, size_t len,
                   struct buf *out, struct anon_changes *changes,
                   struct anon_recs *rec, struct err *e);

/* One more span of a rule (a form's: rule NULL, its fields set by the
 * caller); -1 when memory ran out. */
int anon_spans_push(struct anon_spans *sp, size_t s, size_t e,
                    const struct anon_rule *rule);

/* anon_forms.c */
/* The spans of numeric URL hosts, IPv4 ranges and DC runs that name a
 * site, pushed to sp; -1 (ERR_NOMEM) on failure. */
int anon_form_spans(struct anon_run *r, struct anon_spans *sp);

/* anon_map.c */
/* The placeholder of orig[0..olen) in class cls, made on first sight;
 * site_no is used by host and e-mail placeholders, is_domain makes
 * "siteK.invalid". Borrowed from the map; NULL (ERR_NOMEM) on failure. */
const char *anon_map_ensure(struct anon_map *m, const char *cls,
                            const char *orig, size_t olen,
                            unsigned long site_no, int is_domain,
                            struct err *e);
/* K of site's [SITE-K] in m (made on first use), its placeholder in *ph;
 * 0 with *ph NULL on failure. */
unsigned long anon_map_site_no(struct anon_map *m, const struct sites *s,
                               long site, const char **ph, struct err *e);

/* anon_emit.c */
/* A failed buf_* call (rc): ERR_TOOBIG or ERR_NOMEM into e; -1. */
int anon_buf_fail(struct err *e, int rc);
/* The hit replaced in the run's output (or, in scan mode, reported as a
 * leak: ERR_LEAK). */
int anon_run_hit(struct anon_run *r, const struct anon_hit *h);
/* One more replacement record; -1 when memory ran out. */
int anon_recs_push(struct anon_recs *rs, size_t s, size_t e,
                   const char *ph);
/* Drop the changes past the first n (c may be NULL). */
void anon_changes_truncate(struct anon_changes *c, size_t n);

/* anon_tokens.c */
/* Every token of text[from..to) looked up in the sites index, its hits
 * handed to anon_run_hit. */
int anon_run_tokens(struct anon_run *r, size_t from, size_t to);
/* A site hit on text[s..e) when site >= 0 (else nothing): 0 or -1. */
int anon_hit_site(struct anon_run *r, size_t s, size_t e, long site);

/* Separators inside a compound token ("EXAMPLE-T2_DATADISK") and the
 * places one may be cut (the dots of a host too). */
static inline int anon_is_part_sep(char c)
{
    return c == '_' || c == '-';
}

static inline int anon_is_cut(char c)
{
    return c == '.' || c == '_' || c == '-';
}

/* anon_compound.c: compound tokens (issue 14), called by the token pass;
 * each 0 or -1 as anon_run_hit. */
/* A dotted token no site domain or name takes whole: a reverse zone, a
 * host with a file name glued on, a look-alike (conflict), or a compound. */
int anon_tok_dotted(struct anon_run *r, size_t s, size_t e);
/* text[s..e) as a compound of parts (host: an attacker's host name, whose
 * labels are never rewritten one by one). */
int anon_tok_compound(struct anon_run *r, size_t s, size_t e, int host);
/* A host name that embeds a site domain or distinctive name: the apply
 * fails naming it (a conflict the officer decides). */
int anon_host_conflict(struct anon_run *r, size_t s, size_t e);
/* A site name short and plain enough to be a word in another name; one
 * in capitals throughout. */
int anon_name_weak(const char *p, size_t n);
int anon_all_caps(const char *p, size_t n);

/* anon_fold.c */
/* One form of the original folded: the folded text's [fpos, fend) (one
 * byte or none) stands for original bytes; delta is the original's offset
 * minus the folded one's right after this edit. */
struct anon_fold_edit {
    size_t fpos, fend;
    long delta;
};

struct anon_fold {
    struct buf text;            /* the folded text */
    struct anon_fold_edit *v;   /* in order of fpos */
    size_t n, cap;
};

/* a->look2 filled from ICU; ERR_SOFTWARE when ICU fails. */
int anon_fold_init(struct anon *a, struct err *e);
/* Offset of the first form to fold in t[0..len), or len when none. */
size_t anon_fold_first(const struct anon *a, const char *t, size_t len);
/* The folded view of t[0..len), whose first form is at from. ERR_NOMEM;
 * f is then empty. anon_fold_free frees it. */
int anon_fold_build(const struct anon *a, struct anon_fold *f,
                    const char *t, size_t len, size_t from, struct err *e);
void anon_fold_free(struct anon_fold *f);
/* The original offset of folded offset x: as the start of a span (end 0)
 * or as its end (end 1, exclusive), so that a span covers the forms
 * inside it and none around it. */
size_t anon_fold_orig(const struct anon_fold *f, size_t x, int end);

/* anon_rules.c */
/* A rule pattern (UTF, invalid UTF as barriers), JIT-compiled when the
 * CPU allows (*jit 1). NULL with *errcode and *erroff when it is bad. */
pcre2_code *anon_pattern_compile(const char *p, size_t len, int *jit,
                                 int *errcode, PCRE2_SIZE *erroff);
/* Every .rules file of dir, in name order, into a's rules. -1 when one
 * was bad (every bad line reported through err_add) or memory ran out. */
int anon_load_dir(struct anon *a, const char *dir, struct err *e);
void anon_rule_free(struct anon_rule *r);

#endif
