#include "util/rowlock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Made by root (an admin's command), the file still belongs to whoever
 * owns like, as SQLite does with its -wal and -shm files: else the
 * gateway's own user could never open it again. */
static void rowlock_owner(int fd, const char *like)
{
    struct stat st;

    if (geteuid() != 0 || stat(like, &st) != 0)
        return;
    if (fchown(fd, st.st_uid, st.st_gid) != 0)
        return;     /* it stays root's, as the database would */
}

int rowlock_try(const char *path, const char *like, int64_t row, int *fd,
                struct err *e)
{
    struct flock l;

    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0)
        return err_set(e, ERR_IO, "lock file %s: %s", path, strerror(errno));
    rowlock_owner(*fd, like);
    memset(&l, 0, sizeof(l));
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    l.l_start = (off_t)row;
    l.l_len = 1;
    if (fcntl(*fd, F_OFD_SETLK, &l) == 0)
        return 1;
    if (errno == EAGAIN || errno == EACCES) {
        rowlock_release(fd);
        return 0;
    }
    err_set(e, ERR_IO, "lock file %s: %s", path, strerror(errno));
    rowlock_release(fd);
    return -1;
}

void rowlock_release(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}
