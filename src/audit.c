#include "audit.h"

#include <stdio.h>
#include <string.h>

static void audit_text(struct sha256 *s, const char *t)
{
    char len[24];

    snprintf(len, sizeof(len), "%zu:", strlen(t));
    sha256_update(s, len, strlen(len));
    sha256_update(s, t, strlen(t));
    sha256_update(s, "\n", 1);
}

void audit_hash(const struct audit_row *r, const char *prev,
                char out[SHA256_HEX])
{
    struct sha256 s;
    char nums[96];

    sha256_init(&s);
    audit_text(&s, prev);
    snprintf(nums, sizeof(nums), "%lld %lld %lld %lld\n", (long long)r->id,
             (long long)r->at, (long long)r->alert_row, (long long)r->code);
    sha256_update(&s, nums, strlen(nums));
    audit_text(&s, r->event);
    audit_text(&s, r->detail);
    audit_text(&s, r->rcpt);
    audit_text(&s, r->copy_hash);
    sha256_hex(&s, out);
}
