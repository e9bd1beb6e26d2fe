/*
 * es_listen.c: the listening sockets, and the check that a port is this process's alone.
 *
 * Each loop has a listening socket of its own on the shared port (SO_REUSEPORT), and the
 * kernel spreads connections across them. But the kernel lets any socket with SO_REUSEPORT
 * and the same effective UID join that group, another process's too: a second instance
 * started on a taken port would bind, listen, and get half the connections. So the sockets
 * are bound first, without listening, and a port where another socket already listens is
 * refused (EADDRINUSE) before ours listen and take any connection. Listening sockets are
 * read from /proc/net/tcp and tcp6 and told apart from ours by inode. The check runs again
 * once ours listen, which catches two instances that started at the same moment (both then
 * refuse). Where /proc/net cannot be read the check is skipped, and SO_REUSEPORT's rules
 * alone apply.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "es_core.h"

int es_bind(const char *host, uint16_t port, uint16_t *bound_port) {
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    socklen_t addr_len;
    int family;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        family = v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        addr_len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        family = v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        addr_len = sizeof *v6;
    } else {
        return -EINVAL;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, addr_len) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    addr_len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &addr_len) == 0 && bound_port != NULL)
        *bound_port = ntohs(family == AF_INET ? v4->sin_port : v6->sin6_port);
    return fd;
}

/* Where our sockets are bound, as /proc/net/tcp{,6} prints an address: the raw 32-bit
   words of the address, in the machine's order. */
typedef struct bound_address {
    int family;
    uint32_t words[4];
    int word_count;
    uint16_t port;
} bound_address;

static int address_of(int fd, bound_address *out) {
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) return -1;
    memset(out, 0, sizeof *out);
    out->family = addr.ss_family;
    if (addr.ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&addr;
        memcpy(out->words, &v4->sin_addr, 4);
        out->word_count = 1;
        out->port = ntohs(v4->sin_port);
    } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&addr;
        memcpy(out->words, &v6->sin6_addr, 16);
        out->word_count = 4;
        out->port = ntohs(v6->sin6_port);
    }
    return 0;
}

static int is_wildcard(const uint32_t *words, int count) {
    for (int i = 0; i < count; i++)
        if (words[i] != 0) return 0;
    return 1;
}

/* 1 when a socket that is not one of `inodes` listens on `ours`'s port at an address that
   overlaps it (the same, or either is the wildcard), in `path` (/proc/net/tcp or tcp6). */
static int foreign_listener_in(const char *path, const bound_address *ours, const ino_t *inodes, int count) {
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    char line[512];
    int found = 0;
    if (fgets(line, sizeof line, file) == NULL) { fclose(file); return 0; } /* the column titles */
    while (!found && fgets(line, sizeof line, file) != NULL) {
        char local[64], state[8];
        unsigned long inode = 0;
        /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
        if (sscanf(line, " %*s %63s %*s %7s %*s %*s %*s %*s %*s %lu", local, state, &inode) != 3) continue;
        if (strcmp(state, "0A") != 0) continue; /* TCP_LISTEN */
        char *colon = strchr(local, ':');
        if (colon == NULL) continue;
        unsigned int port = 0;
        if (sscanf(colon + 1, "%X", &port) != 1 || port != ours->port) continue;
        uint32_t words[4] = {0};
        int word_count = (int)(colon - local) / 8;
        if (word_count != ours->word_count) continue;
        for (int w = 0; w < word_count; w++) {
            char word[9];
            memcpy(word, local + 8 * w, 8);
            word[8] = '\0';
            unsigned int value = 0;
            sscanf(word, "%X", &value);
            words[w] = value;
        }
        int overlaps = memcmp(words, ours->words, sizeof(uint32_t) * (size_t)word_count) == 0 ||
                       is_wildcard(words, word_count) || is_wildcard(ours->words, word_count);
        if (!overlaps) continue;
        int mine = 0;
        for (int i = 0; i < count; i++)
            if ((unsigned long)inodes[i] == inode) mine = 1;
        if (!mine) found = 1;
    }
    fclose(file);
    return found;
}

static int foreign_listener(const bound_address *ours, const ino_t *inodes, int count) {
    return foreign_listener_in(ours->family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6", ours, inodes, count);
}

int es_listen_exclusive(const int *fds, int count, int backlog) {
    enum { MAX_FDS = 1024 };
    if (count <= 0) return 0;
    if (count > MAX_FDS) return -EINVAL;
    ino_t inodes[MAX_FDS];
    for (int i = 0; i < count; i++) {
        struct stat info;
        if (fstat(fds[i], &info) != 0) return -errno;
        inodes[i] = info.st_ino;
    }
    bound_address ours;
    if (address_of(fds[0], &ours) != 0) return -errno;
    if (foreign_listener(&ours, inodes, count)) return -EADDRINUSE;
    for (int i = 0; i < count; i++)
        if (listen(fds[i], backlog) != 0) return -errno;
    if (foreign_listener(&ours, inodes, count)) return -EADDRINUSE;
    return 0;
}

int es_listen(const char *host, uint16_t port, int backlog, uint16_t *bound_port) {
    int fd = es_bind(host, port, bound_port);
    if (fd < 0) return fd;
    if (listen(fd, backlog) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}
