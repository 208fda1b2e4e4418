/*
 * relay_check - the [delivery] values checked the way the transports read
 * them, for `conf_load_checked`: a mistyped relay is a FILE:LINE error of
 * the configuration, found by `alertgw config`, not a failure of the
 * first `queue run`.
 */
#include "relay/deliver.h"

#include <string.h>

int relay_check_transport(const char *value, struct err *e)
{
    struct deliver *d;

    if (deliver_open(&d, value, e) != 0)
        return -1;
    deliver_close(d);
    return 0;
}

int relay_check_tls(const char *value, struct err *e)
{
    enum deliver_tls tls;

    if (deliver_tls_parse(value, &tls) != 0)
        return err_set(e, ERR_CONFIG, "'%s': want off, may or require",
                       value);
    return 0;
}

/* The setters check as they set: a throw-away relay takes the value. */
static int relay_check_with(const char *value,
                            int (*set)(struct deliver *, const char *,
                                       struct err *),
                            struct err *e)
{
    struct deliver *d;
    int rc;

    if (deliver_open(&d, "dir:/", e) != 0)
        return -1;
    rc = set(d, value, e);
    deliver_close(d);
    return rc;
}

static int relay_set_verify(struct deliver *d, const char *v, struct err *e)
{
    return deliver_set_verify(d, v, "", e);
}

int relay_check_verify(const char *value, struct err *e)
{
    return relay_check_with(value, relay_set_verify, e);
}

int relay_check_pin(const char *value, struct err *e)
{
    return relay_check_with(value, deliver_set_pin, e);
}
