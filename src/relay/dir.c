/* dir - the dir: transport: each message and its envelope as files. */
#include "relay/deliver_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/limits.h"

static int fd_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int dir_parse(struct deliver *d, const char *arg, struct err *e)
{
    if (*arg == '\0' || strlen(arg) > PATH_MAX / 2)
        return err_set(e, ERR_CONFIG, "%s: bad directory", d->spec);
    d->target = strdup(arg);
    if (d->target == NULL)
        return err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
    return 0;
}

/* The hint becomes a file name: no '/', nothing a shell or a later glob
 * could misread. Letters are tested by range, not isalnum(), so the locale
 * cannot widen the set. */
static int dir_name_ok(const char *name)
{
    size_t i;

    if (name == NULL || name[0] == '\0')
        return 0;
    for (i = 0; name[i] != '\0'; i++) {
        char c = name[i];

        if (i >= DELIVER_NAME_MAX)
            return 0;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* A rename is durable only once the directory itself is synced. */
static int dir_sync(struct deliver *d, struct err *e)
{
    int fd = open(d->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return err_set(e, ERR_IO, "%s: open directory: %s", d->spec,
                       strerror(errno));
    rc = fsync(fd);
    close(fd);
    if (rc != 0)
        return err_set(e, ERR_IO, "%s: fsync directory: %s", d->spec,
                       strerror(errno));
    return 0;
}

static int dir_fill(int fd, const char *data, size_t len)
{
    if (fd_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int saved = errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return close(fd);
}

/* Write to a temporary name in the same directory, fsync, rename: readers
 * see the whole file or none, and a retry after a crash just replaces it. */
static int dir_write(struct deliver *d, const char *name, const char *ext,
                     const char *data, size_t len, struct err *e)
{
    struct buf tmp, dst;
    int fd, rc = -1;

    buf_init(&tmp, PATH_MAX);
    buf_init(&dst, PATH_MAX);
    if (buf_printf(&tmp, "%s/.%s%s.XXXXXX", d->target, name, ext) != 0 ||
        buf_printf(&dst, "%s/%s%s", d->target, name, ext) != 0) {
        err_set(e, ERR_DATA, "%s: path too long", d->spec);
        goto out;
    }
    fd = mkostemp(tmp.data, O_CLOEXEC);
    if (fd < 0) {
        err_set(e, ERR_IO, "%s: create %s: %s", d->spec, tmp.data,
                strerror(errno));
        goto out;
    }
    if (dir_fill(fd, data, len) != 0 || rename(tmp.data, dst.data) != 0) {
        err_set(e, ERR_IO, "%s: write %s: %s", d->spec, dst.data,
                strerror(errno));
        unlink(tmp.data);
        goto out;
    }
    rc = dir_sync(d, e);
out:
    buf_free(&tmp);
    buf_free(&dst);
    return rc;
}

/* Envelope file: the sender on the first line, then one recipient a line.
 * Addresses were screened, so none holds a line break. */
static int dir_envelope(struct buf *b, const struct deliver_msg *msg,
                        const struct deliver_rcpt *rcpts, size_t n)
{
    size_t i;

    if (buf_printf(b, "%s\n", msg->sender) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (rcpts[i].state == DELIVER_PENDING &&
            buf_printf(b, "%s\n", rcpts[i].addr) != 0)
            return -1;
    return 0;
}

/* The message goes first and the envelope second, so a complete .rcpt
 * file always has its .eml beside it. */
int dir_send(struct deliver *d, const struct deliver_msg *msg,
             struct deliver_rcpt *rcpts, size_t n, struct err *e)
{
    struct buf env;
    int rc = -1;

    if (!dir_name_ok(msg->name))
        return err_set(e, ERR_DATA, "%s: bad message name", d->spec);
    buf_init(&env, SIZE_MAX / 2);
    if (dir_envelope(&env, msg, rcpts, n) != 0) {
        err_set(e, ERR_NOMEM, "%s: out of memory", d->spec);
        goto out;
    }
    if (dir_write(d, msg->name, ".eml", msg->data, msg->len, e) != 0 ||
        dir_write(d, msg->name, ".rcpt", env.data, env.len, e) != 0)
        goto out;
    deliver_set_pending(rcpts, n, DELIVER_OK, 0, "stored");
    rc = 0;
out:
    buf_free(&env);
    return rc;
}
