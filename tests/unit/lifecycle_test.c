/* lifecycle: the command line of a release or cancel mail (the forms
 * alert_test.c does not try), the officer's address, and release and
 * cancel decided against a real database: copies queued to the lists'
 * recipients as they are now, an 'always' list's copy only to whom it
 * was encrypted for, a replayed command refused, a second decision
 * refused, every alert held under one id decided at once, and an
 * 'if-key' list's release (own copies, the list copy to the rest, a
 * withheld notice while its recipient is still on the list). Nothing here
 * signs: the signer of these alerts is no officer, so each receipt is an
 * audit line instead of a signed mail (the GnuPG half runs in
 * tests/e2e/t-lifecycle.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/store.h"
#include "gateway/gateway.h"
#include "process/lifecycle.h"

/* ---- the command line ------------------------------------------------ */

static void test_command(void **state)
{
    static const struct {
        const char *in;
        enum lifecycle_verb want;
        const char *id;
    } cases[] = {
        {"RELEASE EGI-20260706-01", LIFECYCLE_RELEASE, "EGI-20260706-01"},
        {"CaNcEl EGI-20260706-01", LIFECYCLE_CANCEL, "EGI-20260706-01"},
        {"release\tEGI-20260706-01\r\n", LIFECYCLE_RELEASE,
         "EGI-20260706-01"},
        {" \t\r\n \nrelease EGI-SVG-2026-07 \t", LIFECYCLE_RELEASE,
         "EGI-SVG-2026-07"},
        {"release EGI-20260706", LIFECYCLE_RELEASE, "EGI-20260706"},
        {"cancel EGI-20260706-01\nrelease EGI-20260706-02",
         LIFECYCLE_CANCEL, "EGI-20260706-01"},
        /* the id alone, whole, on the first line */
        {"release EGI-20260706-01.", LIFECYCLE_NONE, ""},
        {"release <EGI-20260706-01>", LIFECYCLE_NONE, ""},
        {"release EGI-20260706-01x", LIFECYCLE_NONE, ""},
        {"release EGI-2026070-01", LIFECYCLE_NONE, ""},
        {"release\nEGI-20260706-01", LIFECYCLE_NONE, ""},
        {"> release EGI-20260706-01", LIFECYCLE_NONE, ""},
        {"released EGI-20260706-01", LIFECYCLE_NONE, ""},
        {"delete EGI-20260706-01", LIFECYCLE_NONE, ""},
        {"", LIFECYCLE_NONE, ""},
        {" \r\n\t\n", LIFECYCLE_NONE, ""},
    };
    char id[ALERT_ID_MAX], line[400];
    enum lifecycle_verb got;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        id[0] = '\0';
        got = lifecycle_command(cases[i].in, "EGI", id);
        if (got != cases[i].want ||
            (got != LIFECYCLE_NONE && strcmp(id, cases[i].id) != 0))
            fail_msg("\"%s\": got %d '%s', want %d '%s'", cases[i].in,
                     (int)got, got ? id : "", (int)cases[i].want,
                     cases[i].id);
    }
    /* a first line of 256 bytes or more is no command, whatever it
     * ends with */
    memset(line, ' ', sizeof(line));
    memcpy(line, "release", 7);
    snprintf(line + 300, sizeof(line) - 300, "EGI-20260706-01");
    assert_int_equal(lifecycle_command(line, "EGI", id), LIFECYCLE_NONE);
    /* no prefix, no id */
    assert_int_equal(lifecycle_command("release EGI-20260706-01", "", id),
                     LIFECYCLE_NONE);
}

/* ---- decisions against a database ------------------------------------ */

static char t_dir[] = "/tmp/agw-lifecycle-test.XXXXXX";

/* Rows 1 and 4 hold EGI-20260706-01 (an alert and its update), row 3
 * EGI-20260706-02; row 2 is the officer's command mail. List nren sends
 * in the clear to a and b; list sec encrypts always, and its copy 3 was
 * encrypted for c at processing (the audit row that says so). */
static const char *const t_rows[] = {
    "INSERT INTO alerts(id, received, recipient, state, alert_id, signer, "
    "tlp) VALUES (1, 1000, 'alerts@csirt.example', 'held', "
    "'EGI-20260706-01', 'AAAA', 'AMBER'), (2, 2000, "
    "'alerts@csirt.example', 'new', '', '', ''), (3, 1000, "
    "'alerts@csirt.example', 'held', 'EGI-20260706-02', 'AAAA', 'AMBER'), "
    "(4, 1100, 'alerts@csirt.example', 'held', 'EGI-20260706-01', 'AAAA', "
    "'AMBER')",
    /* row 5: held for good (TLP:RED, no release row); row 6 distributed */
    "INSERT INTO alerts(id, received, recipient, state, reason, alert_id, "
    "signer, tlp) VALUES (5, 1200, 'alerts@csirt.example', 'held', "
    "'TLP:RED is never fanned out', 'EGI-20260706-03', 'AAAA', 'RED'), "
    "(6, 1300, 'alerts@csirt.example', 'queued', '', 'EGI-20260706-04', "
    "'AAAA', 'AMBER')",
    "INSERT INTO lists(id, name, address, anonymise, template, encrypt) "
    "VALUES (1, 'nren', 'nren@csirt.example', 1, 'sanitised', 'never'), "
    "(2, 'sec', 'sec@csirt.example', 0, 'whole', 'always')",
    "INSERT INTO contacts(id, address, created) VALUES (1, 'a@nren.example', "
    "1), (2, 'b@nren.example', 1), (3, 'c@sec.example', 1)",
    "INSERT INTO members(list_id, contact_id) VALUES (1, 1), (1, 2), (2, 3)",
    "INSERT INTO copies(id, alert_row, list_id, message_id, message, "
    "created) VALUES (1, 1, 1, '<1@x>', 'm', 1), (2, 1, 2, '<2@x>', 'm', 1), "
    "(3, 1, 2, '<3@x>', 'm', 1), (4, 4, 1, '<4@x>', 'm', 1), (5, 3, 1, "
    "'<5@x>', 'm', 1)",
    "INSERT INTO audit(at, alert_row, event, detail, rcpt) VALUES (1000, 1, "
    "'copy-encrypted', 'copy 3: for c@sec.example', 'c@sec.example')",
    "INSERT INTO list_outcomes(alert_row, list_id, outcome) VALUES (1, 1, "
    "'awaiting'), (1, 2, 'awaiting'), (3, 1, 'awaiting'), (4, 1, "
    "'awaiting')",
    "INSERT INTO releases(alert_row, alert_id, requested) VALUES (1, "
    "'EGI-20260706-01', 1000), (3, 'EGI-20260706-02', 1000), (4, "
    "'EGI-20260706-01', 1100)",
    "INSERT INTO officers(fingerprint, email, active) VALUES ('BBBB', "
    "'bob@csirt.example', 1), ('CCCC', 'carol@csirt.example', 0)",
};

static struct store *t_db(void)
{
    char path[256];
    struct store *s;
    struct err e;
    size_t i;

    err_init(&e);
    snprintf(path, sizeof(path), "%s/a.db", t_dir);
    if (store_open(&s, path, 1, &e) != 0)
        fail_msg("open: %s", e.msg);
    for (i = 0; i < sizeof(t_rows) / sizeof(t_rows[0]); i++)
        if (store_run(s, &e, t_rows[i], "") < 0)
            fail_msg("%s: %s", t_rows[i], e.msg);
    return s;
}

static void t_rm_db(void)
{
    static const char *const ext[] = {"", "-wal", "-shm"};
    char path[256];
    size_t i;

    for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        snprintf(path, sizeof(path), "%s/a.db%s", t_dir, ext[i]);
        unlink(path);
    }
}

/* The rows of a query, columns joined with ':' and rows with ' '. */
static void t_rows_of(struct store *s, const char *sql, char *out, size_t n)
{
    struct store_stmt *st;
    struct err e;
    size_t k = 0;
    int i;

    err_init(&e);
    out[0] = '\0';
    if (store_prepare(s, sql, &st, &e) != 0)
        fail_msg("%s: %s", sql, e.msg);
    while (store_step(st, &e) == 1 && k < n)
        for (i = 0; i < store_col_count(st); i++)
            k += (size_t)snprintf(out + k, n - k, "%s%s", i ? ":" : k ? " "
                                  : "", store_col_text(st, i));
    store_finalize(st);
}

static void t_expect(struct store *s, const char *when, const char *sql,
                     const char *want)
{
    char got[2048];

    t_rows_of(s, sql, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("%s: %s\n got \"%s\"\nwant \"%s\"", when, sql, got, want);
}

static void test_officer_email(void **state)
{
    static const struct {
        const char *fpr, *want;
    } cases[] = {
        {"BBBB", "bob@csirt.example"},
        {"bbbb", "bob@csirt.example"},      /* fingerprints without case */
        {"CCCC", ""},                       /* no longer active */
        {"AAAA", ""},                       /* no officer */
    };
    struct gateway g;
    char out[64];
    struct err e;
    size_t c;

    (void)state;
    memset(&g, 0, sizeof(g));
    g.store = t_db();
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        err_init(&e);
        snprintf(out, sizeof(out), "junk");
        if (lifecycle_officer_email(&g, cases[c].fpr, out, sizeof(out),
                                    &e) != 0 ||
            strcmp(out, cases[c].want) != 0)
            fail_msg("%s: got \"%s\" (%s), want \"%s\"", cases[c].fpr, out,
                     e.msg, cases[c].want);
    }
    store_close(g.store);
    t_rm_db();
}

/* One decision after another on the same database; each row: what was
 * asked, and the answer. */
static void test_decide(void **state)
{
    static const struct {
        const char *id;
        enum lifecycle_verb verb;
        const char *by, *via;
        time_t signed_at;
        int64_t command_row;
        enum err_code code;     /* ERR_OK: decided */
        long n;
        const char *msg;
    } cases[] = {
        /* signed before the hold began (requested 1000): a replay;
         * nothing of it stays (one transaction) */
        {"EGI-20260706-01", LIFECYCLE_RELEASE, "BBBB", "mail", 999, 2,
         ERR_NOPERM, 0, "the release of EGI-20260706-01 was signed before "
         "the alert was held: a replay"},
        {"EGI-20260706-01", LIFECYCLE_RELEASE, "BBBB", "mail", 2000, 2,
         ERR_OK, 2, ""},
        {"EGI-20260706-01", LIFECYCLE_CANCEL, "host:root", "command", 0, 0,
         ERR_DUP, 0, "EGI-20260706-01 was already released"},
        {"EGI-20260706-02", LIFECYCLE_CANCEL, "host:root", "command", 0, 0,
         ERR_OK, 1, ""},
        {"EGI-20260706-02", LIFECYCLE_RELEASE, "host:root", "command", 0, 0,
         ERR_DUP, 0, "EGI-20260706-02 was already cancelled"},
        /* Regression (issue 16): a TLP:RED alert stayed held for ever,
         * release and cancel both answering "no alert ... awaits
         * release" (67, the code of an unknown id). Release: the alert
         * exists, so 65 and why; cancel ends it, once. */
        {"EGI-20260706-03", LIFECYCLE_RELEASE, "host:root", "command", 0, 0,
         ERR_DATA, 0, "EGI-20260706-03 is held, not awaiting release "
         "(TLP:RED is never fanned out): nothing can release it; `cancel "
         "EGI-20260706-03` drops it"},
        {"EGI-20260706-03", LIFECYCLE_CANCEL, "BBBB", "mail", 1199, 2,
         ERR_NOPERM, 0, "the cancel of EGI-20260706-03 was signed before "
         "the alert was held: a replay"},
        {"EGI-20260706-03", LIFECYCLE_CANCEL, "host:root", "command", 0, 0,
         ERR_OK, 1, ""},
        {"EGI-20260706-03", LIFECYCLE_CANCEL, "host:root", "command", 0, 0,
         ERR_DUP, 0, "EGI-20260706-03 was already cancelled"},
        {"EGI-20260706-03", LIFECYCLE_RELEASE, "host:root", "command", 0, 0,
         ERR_DUP, 0, "EGI-20260706-03 was already cancelled"},
        {"EGI-20260706-04", LIFECYCLE_RELEASE, "host:root", "command", 0, 0,
         ERR_DATA, 0, "EGI-20260706-04 is queued: nothing awaits release"},
        {"EGI-20260706-09", LIFECYCLE_RELEASE, "host:root", "command", 0, 0,
         ERR_NOUSER, 0, "no alert EGI-20260706-09"},
        {"EGI-20260706-09", LIFECYCLE_CANCEL, "host:root", "command", 0, 0,
         ERR_NOUSER, 0, "no alert EGI-20260706-09"},
    };
    static const struct {
        const char *sql, *want;
    } after[] = {
        /* nren's copies to its recipients; sec's copy 3 to c only, its
         * copy 2 (the one in the clear) to nobody */
        {"SELECT copy_id, rcpt, state FROM outbox ORDER BY copy_id, rcpt",
         "1:a@nren.example:pending 1:b@nren.example:pending "
         "3:c@sec.example:pending 4:a@nren.example:pending "
         "4:b@nren.example:pending"},
        {"SELECT alert_row, list_id, outcome, recipients, reason FROM "
         "list_outcomes ORDER BY alert_row, list_id",
         "1:1:queued:2: 1:2:queued:1: "
         "3:1:withheld:0:cancelled by host:root (command) 4:1:queued:2:"},
        {"SELECT alert_row, state, decided_by, via FROM releases ORDER BY "
         "alert_row", "1:released:BBBB:mail 3:cancelled:host:root:command "
         "4:released:BBBB:mail 5:cancelled:host:root:command"},
        {"SELECT id, state, reason, command, alert_id, signer FROM alerts "
         "ORDER BY id",
         "1:queued:::EGI-20260706-01:AAAA "
         "2:queued:released EGI-20260706-01 (2 alerts):release:"
         "EGI-20260706-01:BBBB "
         "3:held:cancelled by host:root (command)::EGI-20260706-02:AAAA "
         "4:queued:::EGI-20260706-01:AAAA "
         "5:held:cancelled by host:root (command)::EGI-20260706-03:AAAA "
         "6:queued:::EGI-20260706-04:AAAA"},
        {"SELECT alert_row, event, detail FROM audit WHERE event <> "
         "'copy-encrypted' ORDER BY id",
         "1:released:BBBB (mail) "
         "1:receipt:not sent: the signer has no officer address "
         "4:released:BBBB (mail) "
         "4:receipt:not sent: the signer has no officer address "
         "2:command:released EGI-20260706-01 (2 alerts) "
         "3:cancelled:host:root (command) "
         "3:receipt:not sent: the signer has no officer address "
         "5:cancelled:host:root (command) "
         "5:receipt:not sent: the signer has no officer address"},
        {"SELECT count(*) FROM copies", "5"},
    };
    struct lifecycle_decision d;
    struct gateway g;
    struct err e;
    size_t c;
    long n;
    int rc;

    (void)state;
    memset(&g, 0, sizeof(g));
    g.store = t_db();
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        memset(&d, 0, sizeof(d));
        d.alert_id = cases[c].id;
        d.verb = cases[c].verb;
        d.by = cases[c].by;
        d.via = cases[c].via;
        d.signed_at = cases[c].signed_at;
        d.command_row = cases[c].command_row;
        err_init(&e);
        n = -1;
        rc = lifecycle_decide(&g, &d, &n, &e);
        if (rc != (cases[c].code == ERR_OK ? 0 : -1) ||
            e.code != cases[c].code || strcmp(e.msg, cases[c].msg) != 0 ||
            (rc == 0 && n != cases[c].n))
            fail_msg("decision %zu (%s %s): got %d %s \"%s\" n=%ld, want "
                     "%s \"%s\" n=%ld", c, cases[c].verb ==
                     LIFECYCLE_RELEASE ? "release" : "cancel", cases[c].id,
                     rc, err_code_name(e.code), e.msg, n,
                     err_code_name(cases[c].code), cases[c].msg,
                     cases[c].n);
        if (c == 0)     /* the refused replay left everything as it was */
            t_expect(g.store, "after the replay", "SELECT count(*) || ':' "
                     "|| (SELECT group_concat(state) FROM releases) FROM "
                     "outbox", "0:awaiting,awaiting,awaiting");
    }
    for (c = 0; c < sizeof(after) / sizeof(after[0]); c++)
        t_expect(g.store, "after the decisions", after[c].sql,
                 after[c].want);
    store_close(g.store);
    t_rm_db();
}

/* Release of a list that encrypts where it can (if-key): the copy
 * encrypted for a goes to a alone, a withheld notice of an 'always' list
 * to its recipient while still on it (not to one removed since), and the
 * list copy to everyone else on the list now (e joined after processing)
 * but never to a, who has its own; the count is of what was queued. */
static void test_release_if_key(void **state)
{
    static const char *const rows[] = {
        "INSERT INTO alerts(id, received, recipient, state, alert_id, "
        "signer, tlp) VALUES (1, 1000, 'alerts@csirt.example', 'held', "
        "'EGI-20260706-05', 'AAAA', 'AMBER')",
        "INSERT INTO lists(id, name, address, anonymise, template, encrypt) "
        "VALUES (3, 'part', 'part@csirt.example', 0, 'whole', 'if-key'), "
        "(4, 'vault', 'vault@csirt.example', 0, 'whole', 'always')",
        "INSERT INTO contacts(id, address, created) VALUES (1, "
        "'a@part.example', 1), (4, 'd@part.example', 1), (5, "
        "'e@part.example', 1), (6, 'f@vault.example', 1)",
        "INSERT INTO members(list_id, contact_id) VALUES (3, 1), (3, 4), "
        "(3, 5), (4, 6)",
        "INSERT INTO copies(id, alert_row, list_id, kind, message_id, "
        "message, created) VALUES (10, 1, 3, 'copy', '<p@x>', 'm', 1), "
        "(11, 1, 3, 'copy', '<p@x>', 'enc', 1), (12, 1, 4, 'copy', "
        "'<v@x>', 'm', 1), (13, 1, 4, 'notice', '<n1@x>', 'n', 1), "
        "(14, 1, 4, 'notice', '<n2@x>', 'n', 1)",
        "INSERT INTO audit(at, alert_row, event, detail, rcpt) VALUES "
        "(1000, 1, 'copy-encrypted', 'copy 11: encrypted to AAAA', "
        "'a@part.example'), (1000, 1, 'copy-withheld', 'copy 13: withheld "
        "notice: no key', 'f@vault.example'), (1000, 1, 'copy-withheld', "
        "'copy 14: withheld notice: no key', 'gone@vault.example')",
        "INSERT INTO list_outcomes(alert_row, list_id, outcome) VALUES "
        "(1, 3, 'awaiting'), (1, 4, 'awaiting')",
        "INSERT INTO releases(alert_row, alert_id, requested) VALUES (1, "
        "'EGI-20260706-05', 1000)",
    };
    struct lifecycle_decision d;
    struct gateway g;
    char path[256];
    struct err e;
    size_t i;
    long n = -1;

    (void)state;
    err_init(&e);
    memset(&g, 0, sizeof(g));
    snprintf(path, sizeof(path), "%s/a.db", t_dir);
    if (store_open(&g.store, path, 1, &e) != 0)
        fail_msg("open: %s", e.msg);
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (store_run(g.store, &e, rows[i], "") < 0)
            fail_msg("%s: %s", rows[i], e.msg);
    memset(&d, 0, sizeof(d));
    d.alert_id = "EGI-20260706-05";
    d.verb = LIFECYCLE_RELEASE;
    d.by = "host:root";
    d.via = "command";
    if (lifecycle_decide(&g, &d, &n, &e) != 0 || n != 1)
        fail_msg("release: %s (n=%ld)", e.msg, n);
    t_expect(g.store, "after the release", "SELECT copy_id, rcpt FROM "
             "outbox ORDER BY copy_id, rcpt", "10:d@part.example "
             "10:e@part.example 11:a@part.example 13:f@vault.example");
    t_expect(g.store, "after the release", "SELECT list_id, outcome, "
             "recipients FROM list_outcomes ORDER BY list_id",
             "3:queued:3 4:queued:0");
    store_close(g.store);
    t_rm_db();
}

static int t_setup(void **state)
{
    (void)state;
    return mkdtemp(t_dir) == NULL ? -1 : 0;
}

static int t_teardown(void **state)
{
    (void)state;
    return rmdir(t_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command),
        cmocka_unit_test(test_officer_email),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_release_if_key),
    };

    return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
