/* cli_alerts - commands: stored alerts, their placeholders, release and
 * cancel of held alerts, and the TLP / release policy of lists and
 * distributions (kept here, beside the lifecycle they steer). */
#include "cli/cli_int.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process/alert.h"
#include "process/lifecycle.h"
#include "process/process.h"
#include "db/alerts.h"
#include "db/reports.h"
#include "db/store.h"
#include "util/duration.h"

#include <time.h>

static int cmd_alerts_list(struct cli *c, struct cli_args *a)
{
    return cli_print(c, "alerts_list", NULL, NULL, a);
}

/* A stored mail by its row: what `alerts list` shows of it, whatever
 * its state (a quarantined mail has no alert id to ask by). */
static int cli_is_row(const char *s)
{
    return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* The stored mail of a row as received, byte for byte: what a
 * quarantine notice points at. */
static int cli_show_raw(struct cli *c, const char *row)
{
    struct buf raw;
    int rc = -1;

    if (!cli_is_row(row))
        return err_set(&c->e, ERR_USAGE, "--raw takes a ROW (a number from "
                       "`alerts list`), not '%s'", row);
    if (cli_open(c) != 0)
        return -1;
    buf_init(&raw, (size_t)c->g.conf->max_size + 1);
    if (alerts_raw_get(c->g.store, strtoll(row, NULL, 10), &raw,
                       &c->e) == 0 &&
        fwrite(raw.data ? raw.data : "", 1, raw.len, stdout) == raw.len)
        rc = 0;
    else if (!err_is_set(&c->e))
        err_set(&c->e, ERR_IO, "cannot write the message to stdout");
    buf_free(&raw);
    return rc;
}

/* After the lists, the affected audience (issue 19), when the alert had
 * one: each site named, whom it added and why (the view affected_show),
 * a table of its own after a blank line. With --json the lists' array
 * stays the one JSON text: `alerts affected ID --json` has these. */
static int cli_show_affected(struct cli *c, struct cli_args *a)
{
    int64_t n = 0;

    if (cli_flag(a, "json"))
        return 0;
    if (store_get_int(c->g.store, &c->e, &n, "SELECT count(*) FROM "
                      "affected_show WHERE _alert_id = ?", "t",
                      a->pos[0]) < 0)
        return -1;
    if (n == 0)
        return 0;
    putchar('\n');
    return cli_print(c, "affected_show", "_alert_id", a->pos[0], a);
}

static int cmd_alerts_affected(struct cli *c, struct cli_args *a)
{
    if (cli_known(c, "alerts_list", "alert_id", a->pos[0], ERR_NOUSER,
                  "alert") != 0)
        return -1;
    return cli_print(c, "affected_show", "_alert_id", a->pos[0], a);
}

/* --days of --late: alerts sent this long ago at most */
#define CLI_LATE_DAYS_DEFAULT 7

/* alerts acks ALERT-ID: per list and organisation reached, who
 * acknowledged when; --late DURATION: every organisation of the last
 * --days days that did not acknowledge within DURATION. */
static int cmd_alerts_acks(struct cli *c, struct cli_args *a)
{
    const char *late = cli_opt(a, "late"), *days = cli_opt(a, "days");
    int64_t l, d = CLI_LATE_DAYS_DEFAULT * 86400, now = (int64_t)time(NULL);

    if ((late == NULL) == (a->pos[0] == NULL))
        return err_set(&c->e, ERR_USAGE, "alerts acks needs ALERT-ID or "
                       "--late DURATION");
    if (late == NULL)
        return cli_known(c, "alerts_list", "alert_id", a->pos[0], ERR_NOUSER,
                         "alert") ||
               cli_print(c, "alerts_acks", "_alert_id", a->pos[0], a);
    if ((l = duration_parse(late, DURATION_BARE_REFUSED)) <= 0 ||
        (days && (d = duration_parse(days, DURATION_BARE_REFUSED)) <= 0))
        return err_set(&c->e, ERR_USAGE, "--late and --days take a duration "
                       "with its unit (4h, 7d)");
    if (cli_open(c) != 0 ||
        reports_late_view(c->g.store, l, now - d, now, &c->e) != 0)
        return -1;
    return cli_print(c, "alerts_late", NULL, NULL, a);
}

static int cmd_alerts_show(struct cli *c, struct cli_args *a)
{
    if (cli_flag(a, "raw"))
        return cli_show_raw(c, a->pos[0]);
    if (cli_is_row(a->pos[0]))
        return cli_known(c, "alerts_list", "row", a->pos[0], ERR_NOUSER,
                         "alert row") ||
               cli_show(c, "alerts_list", "row", a->pos[0], "alert row", a);
    if (cli_known(c, "alerts_list", "alert_id", a->pos[0], ERR_NOUSER,
                  "alert") != 0 ||
        cli_print(c, "alerts_show", "alert_id", a->pos[0], a) != 0)
        return -1;
    return cli_show_affected(c, a);
}

static int cmd_reveal(struct cli *c, struct cli_args *a)
{
    char thread[ALERT_ID_MAX];

    /* placeholders are kept per thread: EGI-ADV-DATE-NN shares them */
    alert_thread(a->pos[0], thread, sizeof(thread));
    if (cli_known(c, "alerts_list", "alert_id", a->pos[0], ERR_NOUSER,
                  "alert") != 0)
        return -1;
    return cli_print(c, "reveal", "_thread", thread, a);
}

/* Who acts on the host: "host:USER". */
static void cli_by(char *by, size_t n)
{
    const struct passwd *pw = getpwuid(getuid());
    const char *user = pw ? pw->pw_name : getenv("USER");

    snprintf(by, n, "host:%s", user && *user ? user : "?");
}

/* Run a quarantined (or held) stored mail again through every check,
 * after a key or officer fix; say what became of it. */
static int cmd_alerts_retry(struct cli *c, struct cli_args *a)
{
    struct process_result r;
    struct alerts_summary s;
    int64_t row;
    char by[64];

    if (!cli_is_row(a->pos[0]))
        return err_set(&c->e, ERR_USAGE, "alerts retry takes a ROW (a "
                       "number from `alerts list`), not '%s'", a->pos[0]);
    row = strtoll(a->pos[0], NULL, 10);
    if (cli_open(c) != 0 ||
        cli_known(c, "alerts_list", "row", a->pos[0], ERR_NOUSER,
                  "alert row") != 0)
        return -1;
    cli_by(by, sizeof(by));
    if (lifecycle_retry(&c->g, row, by, &r, &c->e) != 0 &&
        c->e.code != ERR_DUP)       /* ERR_DUP: the worker took it first */
        return -1;
    err_init(&c->e);
    if (alerts_summary(c->g.store, row, &s, &c->e) != 0)
        return -1;
    printf("retried alert row %lld: %s%s%s%s%s\n", (long long)row, s.state,
           s.alert_id[0] ? " " : "", s.alert_id, s.reason[0] ? ": " : "",
           s.reason);
    return 0;
}

static int cmd_decide(struct cli *c, struct cli_args *a,
                      enum lifecycle_verb verb)
{
    struct lifecycle_decision d;
    char by[64];
    long n = 0;

    if (cli_open(c) != 0)
        return -1;
    cli_by(by, sizeof(by));
    memset(&d, 0, sizeof(d));
    d.alert_id = a->pos[0];
    d.verb = verb;
    d.by = by;
    d.via = "command";
    if (lifecycle_decide(&c->g, &d, &n, &c->e) != 0)
        return -1;
    printf("%s %s (%ld alert%s)\n", verb == LIFECYCLE_RELEASE ? "released"
           : "cancelled", a->pos[0], n, n == 1 ? "" : "s");
    return 0;
}

static int cmd_release(struct cli *c, struct cli_args *a)
{
    return cmd_decide(c, a, LIFECYCLE_RELEASE);
}

static int cmd_cancel(struct cli *c, struct cli_args *a)
{
    return cmd_decide(c, a, LIFECYCLE_CANCEL);
}

/* A TLP option as stored: "AMBER+STRICT" etc.; RED only where allowed. */
static int cli_tlp(struct cli *c, const char *v, int red_ok,
                   const char **out)
{
    enum alert_tlp t = alert_tlp_parse(v);

    if (t == TLP_NONE || (t == TLP_RED && !red_ok))
        return err_set(&c->e, ERR_USAGE, "bad TLP label '%s' (CLEAR, GREEN, "
                       "AMBER, AMBER+STRICT%s)", v, red_ok ? ", RED" : "");
    *out = alert_tlp_label(t) + 4;      /* without "TLP:" */
    return 0;
}

/* UPDATE one column of one named row; ERR_NOUSER when no such row. */
static int cli_set(struct cli *c, const char *table, const char *col,
                   const char *type, const char *text, int64_t num,
                   const char *name)
{
    char sql[128];
    int n;

    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE name = ?", table,
             col);
    n = type[0] == 't' ? store_run(c->g.store, &c->e, sql, "tt", text, name)
                       : store_run(c->g.store, &c->e, sql, "it", num, name);
    if (n == 0)
        return err_set(&c->e, ERR_NOUSER, "no %s '%s'",
                       strcmp(table, "lists") == 0 ? "list" : "distribution",
                       name);
    return n < 0 ? -1 : 0;
}

static int cmd_lists_policy(struct cli *c, struct cli_args *a)
{
    const char *ceiling = cli_opt(a, "tlp-ceiling"), *tlp = NULL;
    const char *single = cli_opt(a, "single-org");
    int one = 0;

    if ((ceiling && cli_tlp(c, ceiling, 0, &tlp) != 0) ||
        (single && cli_yesno(c, single, 0, &one) != 0) || cli_open(c) != 0)
        return -1;
    if (store_begin(c->g.store, &c->e) != 0)
        return -1;
    if ((tlp && cli_set(c, "lists", "tlp_ceiling", "t", tlp, 0,
                        a->pos[0]) != 0) ||
        (single && cli_set(c, "lists", "single_org", "i", NULL, one,
                           a->pos[0]) != 0) ||
        cli_set(c, "lists", "name", "t", a->pos[0], 0, a->pos[0]) != 0) {
        store_rollback(c->g.store);
        return -1;
    }
    if (store_commit(c->g.store, &c->e) != 0)
        return -1;
    return cli_print(c, "lists_policy", "name", a->pos[0], a);
}

static int cmd_dists_policy(struct cli *c, struct cli_args *a)
{
    const char *def = cli_opt(a, "default-tlp"), *tlp = NULL;
    const char *rel = cli_opt(a, "require-release");
    const char *aff = cli_opt(a, "affected");
    const char *rem = cli_opt(a, "remind-after");
    int64_t remind = 0;
    int on = 0;

    if (rem && strcmp(rem, "never") != 0 &&
        (remind = duration_parse(rem, DURATION_BARE_REFUSED)) <= 0)
        return err_set(&c->e, ERR_USAGE, "bad --remind-after '%s': a "
                       "duration with its unit (4h), or never", rem);
    if ((def && cli_tlp(c, def, 1, &tlp) != 0) ||
        (rel && cli_yesno(c, rel, 0, &on) != 0))
        return -1;
    if (aff && strcmp(aff, "whole") != 0 && strcmp(aff, "off") != 0)
        return err_set(&c->e, ERR_USAGE, "--affected takes whole or off, "
                       "not '%.40s'", aff);
    if (cli_open(c) != 0)
        return -1;
    if (store_begin(c->g.store, &c->e) != 0)
        return -1;
    if ((tlp && cli_set(c, "dists", "default_tlp", "t", tlp, 0,
                        a->pos[0]) != 0) ||
        (rel && cli_set(c, "dists", "require_release", "i", NULL, on,
                        a->pos[0]) != 0) ||
        (aff && cli_set(c, "dists", "affected", "t", aff, 0,
                        a->pos[0]) != 0) ||
        (rem && cli_set(c, "dists", "remind_after", "i", NULL, remind,
                        a->pos[0]) != 0) ||
        cli_set(c, "dists", "name", "t", a->pos[0], 0, a->pos[0]) != 0) {
        store_rollback(c->g.store);
        return -1;
    }
    if (store_commit(c->g.store, &c->e) != 0)
        return -1;
    return cli_print(c, "dists_policy", "name", a->pos[0], a);
}

static const struct cli_cmd cli_alerts_cmds[] = {
    {"alerts", "list", "json", 0, 0, cmd_alerts_list, "[--json]",
     "Every stored alert with its state, update number, TLP and reason."},
    {"alerts", "acks", "json,late=,days=", 0, 1, cmd_alerts_acks,
     "[--json] ALERT-ID, or [--json] --late DURATION [--days DURATION]",
     "Acknowledgements (replies to ack_address; README \"Acknowledgements\").\n"
     "ALERT-ID: per mail of that alert id, list and organisation a copy\n"
     "reached, whether it acknowledged, who, when, verified or not.\n"
     "--late DURATION: every organisation reached by an alert of the last\n"
     "--days (default 7d) that did not acknowledge within DURATION of the\n"
     "copy (acknowledged: when it did, or never)."},
    {"alerts", "show", "json,raw", 1, 1, cmd_alerts_show,
     "[--json] ALERT-ID|ROW, or --raw ROW",
     "Per mail and list of an alert id: queued, withheld or awaiting\n"
     "release, recipients, and why a list was withheld. A ROW (the number\n"
     "`alerts list` and the quarantine notice give) shows that stored mail,\n"
     "whatever its state: received, state, reason, signer. --raw ROW\n"
     "prints the mail as received, byte for byte (what was quarantined).\n"
     "When the distribution has an affected audience (dists policy\n"
     "--affected whole), a second table follows: each site the alert\n"
     "names, the recipient it added (or already reached through a list),\n"
     "a site excluded by a Not-affected: line, a site with no contact\n"
     "(with --json: alerts affected). Exit 67 when there is no such alert."},
    {"alerts", "affected", "json", 1, 1, cmd_alerts_affected,
     "[--json] ALERT-ID",
     "The affected audience of an alert (dists policy --affected whole):\n"
     "each site it names and the recipient it added (added), or reached\n"
     "through a whole list already (already); a site a Not-affected: line\n"
     "excludes (excluded) or that the alert does not name (not-named); a\n"
     "site with no contact of its own (no-contact: a coverage problem).\n"
     "Exit 67 when there is no such alert."},
    {"alerts", "retry", "", 1, 1, cmd_alerts_retry, "ROW",
     "Run a quarantined stored mail again, after a key or officer fix.\n"
     "Also one held before anything was stored (copies that failed, a\n"
     "refused command). It goes through the same checks from the start\n"
     "(signature, officer, time, author: never around them), as the\n"
     "worker would; the audit records who retried it. Prints what it\n"
     "became. Exit 67: no such row; 65: a row in another state."},
    {"reveal", NULL, "json", 1, 1, cmd_reveal, "[--json] ALERT-ID",
     "Placeholder -> original for an alert (officers only)."},
    {"release", NULL, "", 1, 1, cmd_release, "ALERT-ID",
     "Send an alert held for release to its lists.\n"
     "Queues the copies made when the alert was held (to each list's\n"
     "current recipients) and mails the signer a receipt. Accepted once:\n"
     "an alert already released or cancelled, or not held for release\n"
     "(distributed, or held for good: TLP:RED), is refused (exit 65); an\n"
     "id no alert has, exit 67."},
    {"cancel", NULL, "", 1, 1, cmd_cancel, "ALERT-ID",
     "Drop an alert held for release; nothing is sent to its lists.\n"
     "Also ends an alert held for good (TLP:RED, copies that failed):\n"
     "its reason becomes \"cancelled by WHO\". The signer gets a receipt\n"
     "saying so. Accepted once (again: exit 65); an unknown id, exit 67."},
    {"lists", "policy", "tlp-ceiling=,single-org=,json", 1, 1,
     cmd_lists_policy, "NAME [--tlp-ceiling TLP] [--single-org yes|no]",
     "Set a list's TLP ceiling and whether it is meant for one org.\n"
     "An alert labelled above the ceiling (CLEAR < GREEN < AMBER <\n"
     "AMBER+STRICT; default AMBER) is withheld from the list and the\n"
     "receipt says so. AMBER+STRICT also needs --single-org yes and\n"
     "members of one organisation. TLP:RED goes to no list."},
    {"dists", "policy",
     "default-tlp=,require-release=,affected=,remind-after=,json", 1, 1,
     cmd_dists_policy,
     "NAME [--default-tlp TLP] [--require-release yes|no]\n"
     "       [--affected whole|off] [--remind-after DURATION|never]",
     "Set a distribution's default TLP and whether alerts need release.\n"
     "--default-tlp: the label of an alert that carries none (default\n"
     "AMBER). --require-release yes: every alert is held and its signer\n"
     "gets one signed preview per list; it goes out on `alertgw release\n"
     "ID` or a signed mail whose body is \"release ID\".\n"
     "--affected whole: each alert also goes, whole and once, to the\n"
     "security contacts of the sites it names (contacts of the site's\n"
     "organisation) and their NGI's security officers, who do not get it\n"
     "whole through a list already (template 'affected'). A line\n"
     "\"Not-affected: SITE\" in the signed alert excludes a site. The\n"
     "receipt, alerts show and preview --affected say who was added and\n"
     "why. Default off.\n"
     "--remind-after 4h: the worker sends each organisation an alert of\n"
     "this distribution reached and that has not acknowledged it 4h after\n"
     "its copy one signed reminder, threaded under the alert in its list\n"
     "(README \"Acknowledgements\"); never (the default) sends none."},
};

CLI_TABLE(cli_alerts);
