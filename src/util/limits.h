/*
 * limits - every number an operator may set in the configuration: its
 * default, its hard bounds, and why it exists, in one table (as SQLite
 * keeps its limits in one file). conf/conf.c builds its keys from this
 * table, and a module that needs a default without a configuration
 * (tests, fuzzers, `anonymise --sites`) takes the same number from
 * LIMIT_<NAME>. Below the table, every limit no operator sets, with
 * why it is there.
 *
 * X(NAME, section, key, struct conf field, default, min, max, unit, why)
 * unit: NUMBER, or SECONDS for a duration (90s, 15m, 12h, 30d, 2w; a
 * bare number is seconds); min, max and the default are in seconds then.
 */
#ifndef AGW_LIMITS_H
#define AGW_LIMITS_H

/* [gateway] */
#define AGW_LIMITS_GATEWAY(X) \
    X(MAX_SIZE, "gateway", "max_size", max_size, 10485760, 1024, \
      1L << 30, NUMBER, \
      "bytes filter accepts; larger mail bounces (65, 5.3.4)") \
    X(TIME_BUDGET, "gateway", "time_budget", time_budget, 60, 1, 3600, \
      SECONDS, "time filter may take up to the commit (75 after)") \
    X(MAX_SIGNATURE_AGE, "gateway", "max_signature_age", max_sig_age, \
      604800, 60, 100L * 365 * 86400, SECONDS, \
      "oldest signature accepted") \
    X(MAX_SIGNATURE_SKEW, "gateway", "max_signature_skew", max_sig_skew, \
      300, 0, 86400, SECONDS, "how far ahead a signature may be dated")

/* [delivery] */
#define AGW_LIMITS_DELIVERY(X) \
    X(RETRY_MAX_AGE, "delivery", "retry_max_age", retry_max_age, 432000, \
      60, 30L * 86400, SECONDS, \
      "how long a recipient is retried before it fails") \
    X(SMTP_BATCH, "delivery", "smtp_batch", smtp_batch, 1000, 1, 100000, \
      NUMBER, "recipients per SMTP transaction") \
    X(RECORD_BATCH, "delivery", "record_batch", record_batch, 64, 1, 10000, \
      NUMBER, "messages whose outcomes one commit records (the most a " \
      "crash there sends twice)") \
    X(SMTP_TIMEOUT, "delivery", "smtp_timeout", smtp_timeout, 60, 1, 3600, \
      SECONDS, "time one SMTP reply may take") \
    X(SENDKEY_INTERVAL, "delivery", "sendkey_interval", sendkey_interval, \
      86400, 60, 30L * 86400, SECONDS, \
      "`sendkey` answers one address at most once in this time") \
    X(SENDKEY_PER_HOUR, "delivery", "sendkey_per_hour", sendkey_per_hour, \
      60, 1, 10000, NUMBER, \
      "`sendkey` answers at most this many requests an hour, all told") \
    X(BOUNCING_ALERTS, "delivery", "bouncing_alerts", bouncing_alerts, 2, \
      1, 100, NUMBER, "consecutive alerts whose copies bounced hard (5.x.x) " \
      "at an address before its contact is marked bouncing (issue 17)")

/* [limits]: hostile input, checked before a library sees it (README
 * "Hostile input", "Process isolation") */
#define AGW_LIMITS_LIMITS(X) \
    X(MAX_HEADERS, "limits", "max_headers", max_headers, 1000, 10, 100000, \
      NUMBER, "header fields in one header block") \
    X(MAX_HEADER_LENGTH, "limits", "max_header_length", max_header_length, \
      16384, 998, 1L << 20, NUMBER, "bytes in one unfolded header field") \
    X(MAX_LINE_LENGTH, "limits", "max_line_length", max_line_length, \
      65536, 998, 1L << 30, NUMBER, "bytes in one line of a message") \
    X(MAX_MIME_DEPTH, "limits", "max_mime_depth", max_mime_depth, 16, 1, 64, \
      NUMBER, "MIME nesting: libetpan recurses once per level") \
    X(MAX_PARTS, "limits", "max_parts", max_parts, 256, 2, 256, NUMBER, \
      "MIME entities in one message; the copy builder holds 256, so it " \
      "may only be lowered") \
    X(PCRE2_MATCH_LIMIT, "limits", "pcre2_match_limit", pcre2_match_limit, \
      1000000, 1000, 100000000, NUMBER, \
      "PCRE2 match limit of every rule match") \
    X(PCRE2_DEPTH_LIMIT, "limits", "pcre2_depth_limit", pcre2_depth_limit, \
      10000, 100, 1000000, NUMBER, "PCRE2 backtracking depth limit") \
    X(PCRE2_HEAP_LIMIT, "limits", "pcre2_heap_limit", pcre2_heap_limit, \
      32768, 1024, 1L << 20, NUMBER, \
      "KiB of heap for one match (interpreter)") \
    X(PCRE2_JIT_STACK, "limits", "pcre2_jit_stack", pcre2_jit_stack, 512, \
      32, 65536, NUMBER, "KiB of JIT stack") \
    X(PROCESS_BUDGET, "limits", "process_budget", process_budget, 30, 1, \
      3600, SECONDS, "time anonymising one alert may take") \
    X(CHILD_MEMORY_MB, "limits", "child_memory_mb", child_memory_mb, 1024, \
      64, 65536, NUMBER, "MiB the sandboxed parsing child may add") \
    X(CHILD_CPU_SECONDS, "limits", "child_cpu_seconds", child_cpu_seconds, \
      60, 1, 3600, SECONDS, "CPU seconds the sandboxed parsing child may use")

/* [web]: the console's sessions (issue 18) */
#define AGW_LIMITS_WEB(X) \
    X(WEB_IDLE_TIMEOUT, "web", "idle_timeout", web_idle_timeout, 1800, 60, \
      86400, SECONDS, "a console session unused this long is over")

#define LIMIT_DEFAULT_ENUM(id, sec, key, field, def, lo, hi, unit, why) \
    LIMIT_##id = def,
enum limit_default {
    AGW_LIMITS_GATEWAY(LIMIT_DEFAULT_ENUM)
    AGW_LIMITS_DELIVERY(LIMIT_DEFAULT_ENUM)
    AGW_LIMITS_LIMITS(LIMIT_DEFAULT_ENUM)
    AGW_LIMITS_WEB(LIMIT_DEFAULT_ENUM)
};
#undef LIMIT_DEFAULT_ENUM

/* ---- Limits no operator sets ---------------------------------------
 * Every other size the input controls, each bounded where the code reads
 * it and named here with why, grouped by the module that enforces it
 * (src/FOLDER/FILE). A new one goes here, in its module's group. */

/* cli/cli_check.c: `check`'s defaults, what a gateway run from cron
 * every minute or two should never exceed */
#define CHECK_DAYS_DEFAULT 30   /* keys' and coverage's window, days */
/* a copy pending longer: the relay or the worker is stuck */
#define CHECK_PENDING_AGE_DEFAULT_S (60 * 60)
/* the worker's last pass longer ago: it is not scheduled or fails */
#define CHECK_WORKER_AGE_DEFAULT_S (15 * 60)
#define CHECK_FAILED_WINDOW_S (24 * 60 * 60) /* failures counted: a day */

/* web/ (issue 18): the console, what a browser or a hostile client
 * sends it and how hard a password is to guess */
#define WEB_FIELDS_MAX 32           /* form fields in one request */
#define WEB_FIELD_MAX 4096          /* bytes of one form field */
/* the "key" field: an officer's armoured public key pasted into the
 * form; one with many certifications runs to tens of KiB */
#define WEB_KEY_FIELD_MAX (256L << 10)
#define WEB_UPLOAD_MAX (8L << 20)   /* an uploaded CSV or GOCDB file */
/* a previewed upload is kept for its apply this long: time to read the
 * preview, not a store of files */
#define WEB_UPLOAD_KEEP_S (30 * 60)
#define WEB_URL_MAX 1024            /* a request's path and query */
#define WEB_PAGE_MAX (64L << 20)    /* one rendered page */
#define WEB_ROWS_MAX 2000           /* rows of one table on a page */
#define WEB_CONNECTIONS_MAX 64      /* connections open at once */
#define WEB_CONN_TIMEOUT_S 30       /* a connection idle this long closes */
#define WEB_SESSION_MAX_S (12 * 3600) /* a session however busy */
#define WEB_NAME_MAX 64             /* an account's name */
#define WEB_PASSWORD_MIN 10         /* shorter: refused at user add */
#define WEB_PASSWORD_MAX 256        /* bytes of a password */
/* Argon2id, OWASP's second set (19 MiB, 2 passes): about 30 ms a login
 * here, which the throttle below multiplies into days per account. */
#define WEB_ARGON2_T 2
#define WEB_ARGON2_M_KIB 19456
#define WEB_ARGON2_P 1
#define WEB_HASH_MAX 128            /* the encoded hash */
#define WEB_THROTTLE_WINDOW_S (15 * 60) /* failures counted this far back */
#define WEB_THROTTLE_USER 5         /* failures per account in the window */
#define WEB_THROTTLE_ADDRESS 20     /* failures per client address */
#define WEB_TOKEN_BYTES 32          /* session ids and CSRF tokens */
#define WEB_DAYS_DEFAULT 30         /* coverage's and keys' horizon, days */
/* the dashboard's coverage may be this old: computing it over 10,000
 * contacts costs more than the rest of the page (make bench: web) */
#define WEB_COVERAGE_CACHE_S 60

/* cli/cli_help.c */
#define CLI_WORD_MAX 64         /* longer words are no command to suggest */

/* cli/cli_int.h */
#define CLI_POS_MAX 8 /* positional arguments of one command */
#define CLI_OPTS_MAX 12                 /* options one command declares */
/* bytes of a file a command reads (key, alert) */
#define CLI_FILE_MAX (64u * 1024 * 1024)
#define CLI_OPT_NAME_MAX 32     /* bytes of an option's name */
#define CLI_CMDS_MAX 256        /* commands over all tables */

/* cli/cli_keys.c */
#define CLI_ACTOR_MAX 160 /* bytes of "COMMAND by USER (sudo USER)" */
#define CLI_USER_MAX 32                 /* bytes of a Unix user name */
#define KEYS_DAYS_MAX 3650              /* keys check --days: ten years */

/* conf/conf.c */
#define CONF_WHY_MAX 256     /* bytes of one reason, before FILE:LINE */

/* conf/conf.h */
#define CONF_VALUE_MAX 4096             /* bytes of one configuration value */
#define CONF_FILE_MAX (64u << 10)   /* bytes in a configuration file */
/* Bad lines recorded before reading stops; also bounds the passes inih
 * needs to show every syntax error (it names only the first of a pass). */
#define CONF_ERRORS_MAX 100

/* db/alerts.h */
#define ALERTS_ID_MAX 64        /* an alert id, as process/alert.h's */
#define ALERTS_FPR_MAX 64       /* a signer's fingerprint */
#define ALERTS_ADDR_MAX 256     /* a distribution's address */

/* db/listing.h */
#define LISTING_COLS_MAX 32             /* columns of a listing view */
#define LISTING_NAME_MAX 64         /* a view's or a column's name */
#define LISTING_SQL_MAX 8192        /* the SELECT built from them */

/* db/outbox.h */
#define OUTBOX_LABEL_MAX 128        /* a list's name, or a copy's kind */

/* db/store.c */
/* A database path as the configuration gives it. */
#define STORE_PATH_MAX 4096

/* mail/anon.c */
#define ANON_ECHO_LEN_MAX 64      /* bytes of a word looked for again */

/* mail/anon.h */
#define ANON_RULE_FILES_MAX 256         /* *.rules files in rules_dir */
#define ANON_RULES_MAX 4096             /* rules over all rule files */
#define ANON_RULE_LINE_MAX 4096         /* bytes of one rule-file line */

/* mail/anon_html.c */
#define ANON_ENTITY_MAX 12      /* bytes of "&name;" or "&#x10ffff;" */

/* mail/anon_int.h */
#define ANON_CLASS_MAX 32                 /* bytes in a class name */
#define ANON_SHOW_MAX 80                  /* bytes quoted in a message */
#define ANON_ECHO_MAX 64        /* words a rule identified, looked for again */

/* mail/anon_forms.c */
/* the plain form a span's placeholder is keyed by: an address, or a
 * domain of DC labels (DNS allows 253 bytes) */
#define ANON_KEY_MAX 256
#define ANON_HOST_SCAN_MAX 255  /* bytes of a URL authority looked at */
#define ANON_DC_MAX 16          /* DC components of one run */
/* blanks each side of the dots of "192 . 0 . 2 . 45": as many as the leak
 * detector reads (LEAK_V4_BLANKS_MAX), so each form it would hold is
 * replaced */
#define ANON_V4_BLANKS_MAX 4
#define ANON_V4_GROUPS_MAX 16   /* digit groups of one such run looked at */
/* bytes looked back from a dot with blanks for the groups before it:
 * three groups and their separators */
#define ANON_V4_BACK_MAX 48
#define ANON_V6_TEXT_MAX 64     /* "2001-db8-..." longer is no IPv6 address */

/* mail/anon_map.c */
#define ANON_PH_MAX 96                    /* bytes in a placeholder */

/* mail/anon_rules.c */
#define ANON_RULE_FILE_MAX (1u << 20)     /* bytes in one rule file */
#define ANON_NAME_MAX 64                  /* bytes in a rule name */
#define ANON_OUT_MAX ((size_t)1 << 30)    /* rules-test scratch buffers */

/* mail/anon_tokens.c */
#define ANON_PARTS_MAX 8                  /* '_' parts tried in runs */
#define ANON_LABELS_MAX 128     /* DNS labels a host token holds */
#define ANON_USERINFO_MAX 256   /* bytes looked back for "//user:pw@" */
#define ANON_CUTS_MAX 32        /* places a glued host may end, tried */
#define ANON_WEAK_MAX 5         /* letters of a name that is also a word */

/* mail/dsn.c: delivery status reports (issue 17). A report names each
 * recipient of one message; a copy goes to at most smtp_batch of them,
 * but a hostile report may name any number: the rest are not read. */
#define DSN_RCPTS_MAX 1000
#define DSN_ADDR_MAX 254            /* an address (RFC 5321 path) */
#define DSN_ENVID_MAX 100           /* RFC 3461 section 4.4 */
#define DSN_WORD_MAX 15             /* Action and Status values */
#define DSN_DIAG_MAX 200            /* Diagnostic-Code kept */
#define DSN_FIELD_MAX 1000          /* one unfolded field while reading */
#define DSN_BOUNDARY_MAX 70         /* RFC 2046 section 5.1.1 */
/* replies: the ids a reply names (In-Reply-To, References: a long thread
 * names many; the newest are the ones that matter) */
#define DSN_REFS_MAX 20
#define DSN_MSGID_MAX 250           /* one message id */
#define DSN_SUBJECT_MAX 300         /* a Subject kept to look for an id */
#define DSN_REFS_FIELD_MAX 16384    /* References read (about 200 ids) */

/* process/report.c: a report's processing may fail (database busy, no
 * child) this often before it is settled garbled; the record its parsing
 * child returns (DSN_RCPTS_MAX recipients of about 750 bytes). */
#define REPORT_ATTEMPTS_MAX 5
#define REPORT_FRAME_MAX (4u * 1024 * 1024)
#define REPORT_PASS_MAX 1000        /* reports one worker pass reads */

/* mail/leak.c */
#define LEAK_NOTE_MAX 128       /* bytes of the form quoted, escapes incl. */

/* mail/leak.h */
/* bytes of one checked text: the check holds 13 bytes a byte of it */
#define LEAK_TEXT_MAX (256u * 1024 * 1024)
#define LEAK_SHOW_MAX 80        /* bytes of the text quoted in a finding */

/* mail/leak_addr.c */
#define LEAK_V4_GROUPS_MAX 64   /* digit groups of one run looked at */
#define LEAK_V6_TEXT_MAX 64     /* longer is no IPv6 address */
#define LEAK_V4_BLANKS_MAX 4    /* blanks on each side of " . " in an IPv4 */
#define LEAK_HOST_MAX 255       /* bytes of a URL host parsed */
/* code points from one DN component to the next, value included */
#define LEAK_DN_GAP 256

/* mail/leak_int.h */
/* code points one code point folds to (NFKC's longest is 18) */
#define LEAK_FOLD_MAX 32
#define LEAK_WHAT_MAX 320       /* bytes naming an identifier */

/* mail/leak_norm.c */
#define LEAK_ENTITY_MAX 32      /* bytes of a character reference's name */
#define LEAK_CLASS_MAX 40       /* bytes of a placeholder's "[CLASS-n]" */
/* code points of the normal form per byte of text (NFKC expands): past
 * it the check fails (ERR_TOOBIG) instead of taking the child's memory */
#define LEAK_GROWTH_MAX 8
#define LEAK_DEFANG_MAX 6       /* code points inside "[...]" refanged */

/* mail/msg_build.c */
#define MSG_FILENAME_MAX   255u /* bytes of a written filename */
#define MSG_FIELD_NAME_MAX 76u /* bytes of a header field name written */

/* mail/msg_int.h */
#define MSG_BOUNDARY_MAX   70u  /* RFC 2046 5.1.1 */

/* mail/msg_scan.c */
#define MSG_BOUNDS_MAX     (2 * MSG_DEFAULT_MAX_PARTS) /* boundary params */

/* mail/pgp_remote.c */
/* Requests carry at most a message (max_size) and a signature; replies a
 * plaintext. The channel's frame limit bounds both again. */
#define PGP_REMOTE_ARG_MAX (1024u * 1024 * 1024)
#define PGP_REMOTE_NAME_MAX 1024 /* bytes of a name the child asks about */

/* mail/render.c */
#define RENDER_VAR_MAX 64               /* bytes of a template variable name */
#define RENDER_SUBJECT_MAX 998      /* RFC 5322 line limit */

/* mail/render.h */
#define RENDER_FILE_MAX (256u * 1024)   /* bytes of one template file */
/* bytes one rendered copy may grow to */
#define RENDER_OUT_MAX (64u * 1024 * 1024)

/* mail/sites.h */
#define SITES_NAME_MAX 255      /* bytes in a name, alias or domain */
#define SITES_LINE_MAX 8192     /* bytes in one sites-file line */
#define SITES_MAX 1000000       /* sites in one index */
#define SITES_ADDR_TEXT_MAX 64  /* canonical address or CIDR text, NUL incl. */

/* mail/sites_build.c */
#define SITES_LABEL_MAX 63              /* bytes of one DNS label (RFC 1035) */

/* mail/sites_file.c */
#define SITES_FILE_MAX (64u << 20)  /* bytes in one sites file */

/* mail/sites_int.h */
#define SITES_DOMAIN_MAX 253        /* RFC 1035 text form, no final dot */
#define SITES_ADDR_IN_MAX 96        /* longer text is no address */
#define SITES_SHOW_MAX 80           /* bytes of a token quoted in errors */
/* The widest network a site may own. Every address inside a site network
 * is replaced in every alert, so "0.0.0.0/0" or "::/0", a slip of the
 * admin, would hide every attacker address; no real site holds more than
 * a /8 of IPv4 (16M addresses) or a /16 of IPv6. (issue 16) */
#define SITES_NET4_PREFIX_MIN 8
#define SITES_NET6_PREFIX_MIN 16

/* outbox/queue.c */
#define QUEUE_HOST_MAX 64       /* host name part of a lease owner */
#define QUEUE_PASSWORD_MAX 1024 /* bytes of smtp_password_file's line */

/* outbox/queue.h */
#define QUEUE_RCPTS_MAX 100000          /* recipients claimed in one pass */
#define QUEUE_RECORD_MS 200         /* oldest outcome waiting for its commit */
#define QUEUE_RECORD_RCPTS 10000    /* outcomes held for one commit (memory) */
#define QUEUE_OWNER_MAX 128         /* "host:pidns:pid:random" */
#define QUEUE_REAP_MAX 16           /* dead owners voided a pass */

/* process/alert.c */
#define ALERT_TLP_SEP_MAX 3     /* "TLP : AMBER" */
#define ALERT_RISK_GAP_MAX 16   /* "Risk assessment: " */

/* process/alert.h */
#define ALERT_ID_MAX 64                 /* bytes of an alert id */
#define ALERT_PREFIX_MAX 16             /* bytes of alert_prefix */
#define ALERT_RISK_MAX 16 /* bytes of a risk word (Critical, High, ...) */
#define ALERT_UPDATE_MAX 999            /* UPDATE number of one thread */

/* process/auth.c */
/* bytes of a Content-Type read for the shape check */
#define AUTH_TYPE_MAX 128
#define AUTH_CHARSET_MAX 64             /* bytes of a charset name */
#define AUTH_NAME_MAX 256 /* bytes of a From display name compared */
/* Decrypted layers: the encrypted message, and a signed entity inside. */
#define AUTH_DEPTH_MAX 1
/* bytes of the claimed (unverified) From or Subject a quarantine notice
 * quotes, one line: enough to recognise the mail, not a carrier */
#define AUTH_CLAIM_MAX 200

/* process/lifecycle.c */
/* bytes of a command line in an officer's mail */
#define LIFECYCLE_LINE_MAX 256

/* process/lifecycle.h */
/* bytes of a receipt or notice body */
#define LIFECYCLE_BODY_MAX (256u * 1024)
/* bytes of a release preview */
#define LIFECYCLE_PREVIEW_MAX (4u * 1024 * 1024)

/* process/mailout.c */
#define MAILOUT_LOCAL_MAX 128 /* bytes of a Message-ID's local part */

/* process/mailout.h */
#define MAILOUT_MSGID_MAX 256           /* bytes of a Message-ID */
#define MAILOUT_DATE_MAX 64             /* bytes of a Date header value */
/* bytes of one message the gateway writes */
#define MAILOUT_MAX (64u * 1024 * 1024)
#define MAILOUT_FPR_TEXT_MAX 128        /* a fingerprint in groups of 4 */
#define MAILOUT_HDRS_MAX 10             /* header fields of a gateway mail */

/* intake/keyreq.c: a key request is read for its header only; the rest
 * is drained unread so that pipe(8) sees the whole message taken. */
#define KEYREQ_HEADER_MAX (64u * 1024)  /* bytes of header read */
#define KEYREQ_ADDR_MAX 254             /* RFC 5321 path, without <> */
#define KEYREQ_MSGID_MAX 250            /* In-Reply-To kept only below */

/* process/keep.c */
#define KEEP_HOST_MAX 253       /* a host of a Keep: line (DNS's limit) */

/* process/prepare.c */
#define PROCESS_SEQ_MAX 999     /* alert_find_id reads 2 or 3 digits */

/* process/process.c */
#define PROCESS_REFS_MAX 10     /* References: the first and the latest */

/* process/process_int.h */
/* the same bound as the registry's */
#define PROCESS_LISTS_MAX REGISTRY_DIST_LISTS_MAX
/* Processing attempts an alert may start without an outcome before it
 * is quarantined (the worker killed each time: README "Process
 * isolation"). */
#define PROCESS_ATTEMPTS_MAX 3
#define PROCESS_ADDR_MAX 256            /* a distribution's address */
/* bytes of the names of the lists that reached nobody, as submit warns
 * of them (cut with "..."; the receipt names every one) */
#define PROCESS_EMPTY_NAMES_MAX 256
/* A Subject read from the signed body ("Subject: ..." at its top). */
#define PROCESS_BODY_SUBJECT_MAX 998
#define PROCESS_COPY_MAX (64u * 1024 * 1024) /* bytes of one built copy */
#define PROCESS_SUBJECT_MAX (16u * 1024)  /* before the id is put in */
/* Recipients of one encrypting list: each gets a message of its own, all
 * held in memory until the commit. */
#define PROCESS_ENCRYPT_RCPTS_MAX 5000
#define COPY_HEADERS_MAX 12 /* header fields of a copy's protected headers */

/* registry/gocdb.h */
#define GOCDB_FIELD_MAX 4096     /* bytes in one element's text */
#define GOCDB_SITES_MAX 100000   /* SITE elements in one document */

/* registry/registry.h */
#define REGISTRY_ADDR_MAX 254 /* bytes of an address (RFC 5321 path) */
#define REGISTRY_NAME_MAX 128 /* bytes of an organisation, list or site name */
/* Lists one distribution may feed: an alert goes to all of them or to
 * none, and its copies for every list are made and held at once. */
#define REGISTRY_DIST_LISTS_MAX 64
#define REGISTRY_TEXT_MAX 1024      /* names, roles, audiences, countries */
#define REGISTRY_CSV_MAX (16u * 1024 * 1024) /* bytes of one CSV import */

/* relay/deliver.h */
#define DELIVER_ADDR_MAX 254 /* bytes of an address (RFC 5321 path) */
#define DELIVER_REPLY_MAX 256           /* bytes of a relay reply kept */
#define DELIVER_CHAIN_MAX 16    /* certificates taken from the relay */

/* relay/dir.c */
#define DELIVER_NAME_MAX 200        /* file-name hint */

/* relay/smtp.c */
#define DELIVER_HOST_MAX 255        /* DNS name or address literal */
/* Messages on one connection before a new one: under Exim's default
 * limit of 1,000 (smtp_accept_max_per_connection), so that the relay's
 * own limit (a 421 to MAIL, which costs a retry) is seldom what ends it. */
#define SMTP_CONN_MSGS_MAX 500

/* relay/smtp_pipe.c */
/* Commands written before their replies are read. Their replies (about
 * 40 bytes each) fit any socket buffer, so the relay never blocks
 * writing them while we block writing more commands (RFC 2920 section
 * 3.1 on deadlocks). */
#define SMTP_PIPE_MAX 100
#define SMTP_REPLY_LINES_MAX 64     /* lines of one reply we read */
/* "MAIL FROM:<sender> RET=HDRS ENVID=ID SIZE=N\r\n", "RCPT TO:<addr>
 * NOTIFY=FAILURE,DELAY ORCPT=rfc822;XTEXT\r\n": RFC 3461 section 4
 * allows a RCPT line 500 octets over RFC 5321's 512 for its parameters;
 * a recipient whose xtext (up to 3 bytes a byte) does not fit goes
 * without ORCPT (its report then names it by Final-Recipient). */
#define SMTP_CMD_MAX 1012
/* ENVID: RFC 3461 section 4.4 allows 100 characters of xtext; ours is
 * the copy's id. */
#define SMTP_ENVID_MAX 100

/* util/ac.h */
#define AC_PATTERN_MAX 4096         /* bytes in one pattern */
#define AC_STATES_MAX (1u << 30)    /* states of one automaton */

/* util/csv.h */
#define CSV_FIELDS_MAX 16               /* fields of one CSV record */
#define CSV_RECORD_MAX 65536            /* bytes of one CSV record */

/* util/err.h */
#define ERR_MSG_MAX 512                 /* bytes of one error line */
/* Lines an err_list keeps; a broken file may hold thousands of bad lines,
 * and nobody reads past the first screenful. */
#define ERR_LIST_MAX 20

/* mail/pgp.h */
#define PGP_FPR_MAX 64          /* hex fingerprint + NUL, v4 and v5 */
#define PGP_SIGID_MAX 64        /* GnuPG's SIG_ID (radix-64) + NUL */
/* What a replay is known by: SHA-256 (hex) of the content a good
 * signature covers, the signer's primary fingerprint and the signature's
 * creation time, "HASH:FPR:TIME". */
#define PGP_REPLAY_KEY_MAX (64 + 1 + PGP_FPR_MAX + 1 + 24)

/* mail/pgp_packets.h */
/* Limits on what the input's length fields may claim. */
#define PGP_PKT_BODY_MAX (256u * 1024 * 1024)   /* one packet's body */
/* A PKESK body: version, key id, algorithm and the encrypted session
 * key; RSA-16384 needs about 2 KB, cv25519 under 100 octets. */
#define PGP_PKESK_BODY_MAX 4096u
/* Partial body chunks of one packet (each but the last at least 512
 * octets under RFC 9580, so PGP_PKT_BODY_MAX / 512 is plenty). */
#define PGP_PKT_CHUNKS_MAX (PGP_PKT_BODY_MAX / 512u)
/* PKESKs in one message: more recipients than a list may have. */
#define PGP_PKESK_COUNT_MAX 8192u

/* mail/pgp_sign.c */
#define PGP_RCPT_MAX 64                 /* keys of one encryption */
#define PGP_PASS_MAX 1024               /* bytes of passphrase_file's line */

/* process/process_child.c */
/* A record back from a child: copies of every list, each bounded by
 * PROCESS_COPY_MAX three times over, and the content of one alert. */
#define CHILD_FRAME_MAX (1024u * 1024 * 1024)
/* Parts of one content record (msg bounds them at max_parts, <= 256). */
#define CHILD_PARTS_MAX 1024
#define CHILD_TYPE_MAX 256              /* bytes of a part's type sent back */
#define CHILD_MAP_MAX 100000            /* placeholders sent back */
/* Charset converters the parent loads before a child needs them. */
#define CHILD_CHARSETS_MAX 64
#define CHILD_CHARSET_NAME_MAX 40

/* ---- issue 19: indicator attachments, the affected audience -------- */
/* util/json.h: nesting of what the gateway writes (a STIX bundle is 5
 * deep); deeper is a bug, not input */
#define JSON_DEPTH_MAX 16
/* mail/indicators.c: what one alert's text may make the copy builder
 * carry as indicators. More are not attached (the copy says how many
 * were left out): an alert is prose, and a log pasted into it belongs
 * in a feed, not in a mail attachment. */
#define INDICATORS_MAX 1000
#define INDICATOR_VALUE_MAX 2048    /* bytes of one value (a long URL) */
#define INDICATOR_CONTEXT_MAX 200   /* bytes of the line quoted with it */
/* process/alert.c: sites one alert's Not-affected: lines exclude; more
 * are not read (the receipt shows which were) */
#define ALERT_NOT_AFFECTED_MAX 64
/* process/affected.c: recipients the affected audience of one alert may
 * add (the sites it names times their contacts); past it the alert is
 * held (ERR_TOOBIG), never sent to some of them */
#define AFFECTED_RCPTS_MAX 1024

/* ---- issue 14: a copy keeps the alert's shape ----------------------- */
/* mail/msg.h: what a node of an entity's shape keeps of its header. A
 * multipart subtype longer than this, or not a token, is written as
 * "mixed"; a Content-ID longer (RFC 5322 3.6.4 msg-id, one line) or not
 * printable ASCII is not written. */
#define MSG_SUBTYPE_MAX 32
#define MSG_CID_MAX 250
/* mail/msg_tree.c: depth of a shape written (the writer recurses once a
 * level): max_mime_depth's bound (64) and a copy's wrapping multipart */
#define MSG_TREE_DEPTH_MAX 66
/* process/copy_shape.c: attached messages (message/rfc822) nested in
 * one another that a copy rebuilds. A forwarded phishing mail inside a
 * forwarded report is 2; deeper nesting is an attacker's, not a
 * reporter's, and such a message is dropped with a note (its contents
 * never reach a copy unchecked). */
#define COPY_MESSAGE_DEPTH_MAX 3
/* Nodes of one copy's shape: the alert's (at most max_parts, <= 256),
 * the body, a wrapping multipart/mixed and the indicator attachments. */
#define COPY_NODES_MAX (MSG_DEFAULT_MAX_PARTS + 8)

#endif
