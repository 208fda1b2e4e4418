/*
 * conf - the gateway configuration: an INI file over compiled-in defaults.
 *
 * Every key has a default, so the gateway runs with no file at all (the
 * embedded default configuration). Keys and defaults are one table in
 * conf.c, documented in README.md. Values may use ${data_dir}.
 *
 * Errors: ERR_CONFIG "FILE:LINE: reason" for an unknown section or key, a
 * number out of range, a syntax error, a line over inih's line buffer, a
 * NUL byte; "FILE: reason" for an unreadable file. Every bad line of the
 * file is reported, in file order, each through err_add() (err.h): the err
 * holds the first, a list the caller attached holds them all. After
 * CONF_ERRORS_MAX bad lines the file is not read further. ERR_CONFIG is
 * temporary: the MTA keeps the mail while an operator mends the file.
 *
 * Ownership: conf_load fills a caller-owned struct; conf_free releases
 * the strings.
 */
#ifndef AGW_CONF_H
#define AGW_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"
#include "util/limits.h"

#define CONF_DEFAULT_PATH "/etc/alertgw/alertgw.conf"

struct conf {
    char *path;             /* file read, or "" for built-in defaults */
    char *data_dir;
    char *user;             /* the gateway user (init's warning) */
    char *db_path;
    char *gnupg_home;
    char *signing_key;      /* fingerprint; "" = the one `init` recorded */
    char *from;             /* From of every copy */
    char *sender;           /* envelope sender of every copy */
    char *domain;           /* Message-ID and List-Id domain */
    char *admin;            /* quarantine notices go here */
    char *rules_dir;
    char *templates_dir;
    char *sites_file;       /* optional extra sites file ("" = registry) */
    char *keep;             /* keep-list host names, space separated */
    char *alert_prefix;     /* "EGI" → EGI-YYYYMMDD-NN */
    char *transport;        /* dir:PATH | smtp://HOST:PORT | sendmail:PATH */
    long max_size;          /* bytes accepted by filter */
    long time_budget;       /* seconds filter may take before the commit */
    long max_sig_age;       /* seconds a signature may be old */
    long max_sig_skew;      /* seconds a signature may be in the future */
    char *passphrase_file;  /* signing key passphrase ("" = none) */
    long retry_max_age;     /* seconds an outbox row is retried */
    long smtp_batch;        /* recipients per message handed to the relay */
    long record_batch;      /* messages whose outcomes one commit records */
    long smtp_timeout;      /* seconds any one SMTP step may take */
    long sendkey_interval;  /* seconds between two key answers to one */
    long sendkey_per_hour;  /* key answers an hour, all told */
    long bouncing_alerts;   /* hard-bounced alerts that make a contact
                               bouncing */
    char *ack_address;      /* Reply-To of copies; replies come back here */
    char *ack_forward;      /* where replies are forwarded ("" = admin) */
    char *smtp_tls;         /* STARTTLS: off | may | require */
    char *smtp_tls_fingerprint; /* SHA-256 of the relay's certificate */
    char *smtp_tls_verify;  /* chain + host name: auto | yes | no */
    char *smtp_tls_ca_file; /* trusted CAs (PEM) for smtp_tls_verify */
    char *smtp_tls_crl_file; /* revoked certificates (PEM CRLs), "" none */
    char *smtp_user;        /* AUTH PLAIN user ("" = no AUTH) */
    char *smtp_password_file; /* its password: the file's first line */
    /* [limits]: hostile input, checked before a library sees it */
    long max_headers;       /* header fields in one header block */
    long max_header_length; /* bytes in one (unfolded) header field */
    long max_line_length;   /* bytes in one line of a message */
    long max_mime_depth;    /* MIME nesting */
    long max_parts;         /* MIME entities in one message */
    long pcre2_match_limit; /* PCRE2 match limit of every rule match */
    long pcre2_depth_limit; /* PCRE2 backtracking depth limit */
    long pcre2_heap_limit;  /* KiB of heap for one match (interpreter) */
    long pcre2_jit_stack;   /* KiB of JIT stack */
    long process_budget;    /* seconds anonymising one alert may take */
    long child_memory_mb;   /* MiB the parsing child may add */
    long child_cpu_seconds; /* CPU seconds the parsing child may use */
    /* [web]: the console (issue 18) */
    long web_idle_timeout;  /* seconds a session may stay unused */
};

/* A check of one string value by a layer above conf (the relay knows what
 * a transport is): 0, or non-zero with e saying what is wrong. */
typedef int (*conf_check_fn)(const char *value, struct err *e);
struct conf_check {
    const char *section;
    const char *key;
    conf_check_fn fn;
};

/* path NULL: $ALERTGW_CONFIG, then CONF_DEFAULT_PATH if it exists, else
 * defaults only. A path given explicitly must exist. */
int conf_load(struct conf *c, const char *path, struct err *e);
void conf_free(struct conf *c);

/* conf_load, and each value named in checks (the file's or the default)
 * given to its function; a refusal is one more "FILE:LINE: [section] key:
 * why" error, reported with the others. */
int conf_load_checked(struct conf *c, const char *path,
                      const struct conf_check *checks, size_t nchecks,
                      struct err *e);
/* Print the effective configuration as INI (for `alertgw config`). */
void conf_print(const struct conf *c, FILE *fp);

/* Every key commented out, with its default, bounds and purpose. */
void conf_example(FILE *fp);

#endif
