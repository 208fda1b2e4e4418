#include "db/envid.h"

#include <stdio.h>
#include <string.h>

#include "util/sha256.h"

#define ENVID_KEY_MAX 129       /* 64 random bytes in hex, and a NUL */

static int envid_mac(struct store *s, int64_t copy, char mac[SHA256_HEX],
                     struct err *e)
{
    char key[ENVID_KEY_MAX], id[24];
    int rc = store_setting_get(s, "envid_key", key, sizeof(key), e);

    if (rc < 0)
        return -1;
    if (rc == 0 || strlen(key) < 32)
        return err_set(e, ERR_SOFTWARE, "no envelope id key in settings");
    snprintf(id, sizeof(id), "%lld", (long long)copy);
    hmac_sha256_hex(key, strlen(key), id, strlen(id), mac);
    return 0;
}

int envid_make(struct store *s, int64_t copy, char out[ENVID_MAX],
               struct err *e)
{
    char mac[SHA256_HEX];

    if (envid_mac(s, copy, mac, e) != 0)
        return -1;
    snprintf(out, ENVID_MAX, "%lld.%.*s", (long long)copy, ENVID_MAC_HEX,
             mac);
    return 0;
}

int envid_copy(struct store *s, const char *envid, int64_t *copy,
               struct err *e)
{
    const char *dot = strchr(envid, '.');
    char mac[SHA256_HEX];
    int64_t v = 0;
    const char *p;

    *copy = 0;
    if (dot == NULL || dot == envid || dot - envid > 18 ||
        strlen(dot + 1) != ENVID_MAC_HEX)
        return 0;
    for (p = envid; p < dot; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
    }
    if (envid_mac(s, v, mac, e) != 0)
        return -1;
    if (strncmp(mac, dot + 1, ENVID_MAC_HEX) == 0)
        *copy = v;
    return 0;
}
