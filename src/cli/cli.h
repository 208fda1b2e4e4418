/*
 * cli - the command line: argument parsing, help texts, output formats
 * and the one mapping from error codes to sysexits exit statuses.
 * Nothing below cli sees argv or calls exit().
 */
#ifndef AGW_CLI_H
#define AGW_CLI_H

int cli_main(int argc, char **argv);

#endif
