/*
 * limits - every number an operator may set in the configuration: its
 * default, its hard bounds, and why it exists, in one table (as SQLite
 * keeps its limits in one file). conf/conf.c builds its keys from this
 * table, and a module that needs a default without a configuration
 * (tests, fuzzers, `anonymise --sites`) takes the same number from
 * LIMIT_<NAME>. Limits no operator sets stay named beside the code they
 * bound.
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
    X(SMTP_TIMEOUT, "delivery", "smtp_timeout", smtp_timeout, 60, 1, 3600, \
      SECONDS, "time one SMTP reply may take")

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

#define LIMIT_DEFAULT_ENUM(id, sec, key, field, def, lo, hi, unit, why) \
    LIMIT_##id = def,
enum limit_default {
    AGW_LIMITS_GATEWAY(LIMIT_DEFAULT_ENUM)
    AGW_LIMITS_DELIVERY(LIMIT_DEFAULT_ENUM)
    AGW_LIMITS_LIMITS(LIMIT_DEFAULT_ENUM)
};
#undef LIMIT_DEFAULT_ENUM

#endif
