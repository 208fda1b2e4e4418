/*
 * cli_help - what the command line says about itself: the overview, one
 * command's help, a group's, all reflowed to the terminal's 79 columns
 * from the help texts of the command tables; and the nearest valid word
 * for a mistyped command, subcommand or option.
 */
#include "cli/cli_int.h"
#include "util/limits.h"

#include <stdio.h>
#include <string.h>

#define CLI_WIDTH 79            /* columns of a help line */
#define CLI_NAME_COL 22         /* the overview's command column */
#define CLI_USAGE_INDENT 8      /* a usage line's continuation */

/* A help paragraph, its line breaks (written for the source's width)
 * taken as spaces, wrapped at CLI_WIDTH with every line indented. */
static void cli_wrap(FILE *fp, const char *s, size_t n, int indent, int col)
{
    size_t i = 0, w;

    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\n'))
            i++;
        if (i == n)
            break;
        w = strcspn(s + i, " \n");
        if (w > n - i)
            w = n - i;
        if (col > indent && col + 1 + (int)w > CLI_WIDTH) {
            fprintf(fp, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', fp);
            col++;
        }
        fprintf(fp, "%.*s", (int)w, s + i);
        col += (int)w;
        i += w;
    }
    fputc('\n', fp);
}

/* A usage line: its words wrapped like cli_wrap's, but an option in
 * brackets ("[--name NAME]") is one word, never split over two lines. */
static void cli_wrap_usage(FILE *fp, const char *s, int indent, int col)
{
    size_t i = 0, w;
    int depth;

    while (s[i] != '\0') {
        while (s[i] == ' ' || s[i] == '\n')
            i++;
        if (s[i] == '\0')
            break;
        for (w = 0, depth = 0; s[i + w] != '\0'; w++) {
            depth += (s[i + w] == '[') - (s[i + w] == ']');
            if (depth <= 0 && (s[i + w] == ' ' || s[i + w] == '\n'))
                break;
        }
        if (col > indent && col + 1 + (int)w > CLI_WIDTH) {
            fprintf(fp, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', fp);
            col++;
        }
        col += (int)w;
        for (; w > 0; w--, i++)
            fputc(s[i] == '\n' ? ' ' : s[i], fp);
    }
    fputc('\n', fp);
}

/* Every paragraph ("\n\n" apart) of a help text, wrapped. */
static void cli_wrap_text(FILE *fp, const char *s, int indent)
{
    const char *end;

    for (;;) {
        end = strstr(s, "\n\n");
        fprintf(fp, "%*s", indent, "");
        cli_wrap(fp, s, end ? (size_t)(end - s) : strlen(s), indent, indent);
        if (end == NULL)
            return;
        fputc('\n', fp);
        s = end + 2;
    }
}

/* The first sentence of a help text: up to a full stop that ends a
 * word (so "alertgw.conf" does not end it), or the whole text. */
static size_t cli_summary(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (s[i] == '.' && (s[i + 1] == ' ' || s[i + 1] == '\n' ||
                            s[i + 1] == '\0'))
            return i + 1;
    return i;
}

static void cli_name(const struct cli_cmd *k, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s", k->name, k->sub ? " " : "",
             k->sub ? k->sub : "");
}

void cli_usage(FILE *fp)
{
    static const char intro[] =
        "CONFIG defaults to $ALERTGW_CONFIG, then " CONF_DEFAULT_PATH
        ", then the built-in defaults (`alertgw config` prints what is in "
        "effect). Every command takes --help.";
    const struct cli_cmd *k;
    char name[CLI_WORD_MAX * 2];
    size_t i;

    fprintf(fp, "usage: alertgw [-c CONFIG] COMMAND [ARGS]\n\n");
    cli_wrap_text(fp, intro, 0);
    fprintf(fp, "\ncommands:\n");
    for (i = 0; (k = cli_nth(i)) != NULL; i++) {
        cli_name(k, name, sizeof(name));
        fprintf(fp, "  %-*s", CLI_NAME_COL - 3, name);
        if (strlen(name) > CLI_NAME_COL - 3)
            fprintf(fp, "\n%*s", CLI_NAME_COL - 1, "");
        fputc(' ', fp);
        cli_wrap(fp, k->help, cli_summary(k->help), CLI_NAME_COL,
                 CLI_NAME_COL);
    }
}

void cli_cmd_help(const struct cli_cmd *k, FILE *fp)
{
    char name[CLI_WORD_MAX * 2];

    cli_name(k, name, sizeof(name));
    fprintf(fp, "usage: alertgw %s", name);
    cli_wrap_usage(fp, k->usage, CLI_USAGE_INDENT,
                   (int)strlen("usage: alertgw ") + (int)strlen(name));
    fputc('\n', fp);
    cli_wrap_text(fp, k->help, 0);
}

void cli_group_help(const char *group, FILE *fp)
{
    const struct cli_cmd *k;
    size_t i;

    fprintf(fp, "usage: alertgw %s SUBCOMMAND [ARGS]\n\n", group);
    for (i = 0; (k = cli_nth(i)) != NULL; i++)
        if (strcmp(k->name, group) == 0) {
            fprintf(fp, "  %s %s", group, k->sub);
            cli_wrap_usage(fp, k->usage, CLI_USAGE_INDENT,
                           4 + (int)strlen(group) + (int)strlen(k->sub));
            fprintf(fp, "      ");
            cli_wrap(fp, k->help, cli_summary(k->help), 6, 6);
        }
}

/* Edits (insert, delete, substitute, swap two neighbours) from a to b,
 * both at most CLI_WORD_MAX bytes. */
static size_t cli_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j, best;
    size_t d[CLI_WORD_MAX + 1][CLI_WORD_MAX + 1];

    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++)
        for (j = 1; j <= lb; j++) {
            best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *cli_nearest(const char *word, const char *const *cands,
                        size_t n)
{
    size_t i, d, best = (size_t)-1, wlen = strlen(word);
    const char *pick = NULL;

    if (wlen == 0 || wlen > CLI_WORD_MAX)
        return NULL;
    for (i = 0; i < n; i++) {
        if (cands[i] == NULL || strlen(cands[i]) > CLI_WORD_MAX)
            continue;
        d = cli_distance(word, cands[i]);
        if (d < best) {
            best = d;
            pick = cands[i];
        }
    }
    /* one slip in a short word, two (or a third) in a longer one */
    return pick && best <= (wlen <= 4 ? 1 : wlen < 9 ? 2 : wlen / 3) ? pick
                                                                    : NULL;
}
