/* SHA-256 (FIPS 180-4): the verdict cache's keys must not collide by accident
 * or by a student's design, so a cryptographic hash, not a fast checksum. */
#include "hash.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void block(struct sha256 *s, const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5],
             g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

void sha256_init(struct sha256 *s)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->len = 0;
    s->nbuf = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->len += n;
    while (n > 0) {
        if (s->nbuf == 0 && n >= 64) {
            block(s, p);
            p += 64;
            n -= 64;
            continue;
        }
        size_t k = 64 - s->nbuf < n ? 64 - s->nbuf : n;
        memcpy(s->buf + s->nbuf, p, k);
        s->nbuf += k;
        p += k;
        n -= k;
        if (s->nbuf == 64) {
            block(s, s->buf);
            s->nbuf = 0;
        }
    }
}

void sha256_hex(struct sha256 *s, char out[65])
{
    uint64_t bits = s->len * 8;
    unsigned char pad[72] = {0x80};
    size_t npad = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
    for (int i = 0; i < 8; i++)
        pad[npad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, pad, npad + 8);
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", s->h[i]);
}

void hash_str(struct sha256 *s, const char *str)
{
    uint64_t n = str ? strlen(str) : UINT64_MAX;
    sha256_update(s, &n, sizeof n);
    if (str)
        sha256_update(s, str, (size_t)n);
}

static bool by_stat;
static double newest_change;

void hash_by_stat(bool on)
{
    by_stat = on;
    newest_change = 0;
}

double hash_newest_change(void)
{
    return newest_change;
}

/* What stat says of the file instead of its content: the inode, the size,
 * and both times in ns (ctime cannot be set back, unlike mtime). */
static void hash_stat_of(struct sha256 *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        hash_str(s, NULL);
        return;
    }
    char line[160];
    snprintf(line, sizeof line, "%llu %llu %lld %lld.%09ld %lld.%09ld",
             (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
             st.st_ctim.tv_nsec);
    hash_str(s, line);
    double m = (double)st.st_mtim.tv_sec, c = (double)st.st_ctim.tv_sec;
    if (m > newest_change)
        newest_change = m;
    if (c > newest_change)
        newest_change = c;
}

static void hash_content(struct sha256 *s, int fd)
{
    unsigned char buf[1 << 16];
    ssize_t n;
    uint64_t total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        sha256_update(s, buf, (size_t)n);
        total += (uint64_t)n;
    }
    if (n < 0)
        hash_str(s, "unreadable");
    sha256_update(s, &total, sizeof total); /* where this file's bytes end */
}

void hash_file(struct sha256 *s, const char *label, const char *path)
{
    hash_str(s, label);
    if (by_stat) {
        hash_stat_of(s, path);
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        hash_str(s, NULL); /* missing: unlike any content, the empty one too */
        return;
    }
    hash_content(s, fd);
    close(fd);
}

void hash_fd(struct sha256 *s, const char *label, int fd)
{
    hash_str(s, label);
    hash_content(s, fd);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static bool listed(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (!strcmp(*list, name))
            return true;
    return false;
}

void hash_dir(struct sha256 *s, const char *dir, const char *const *suffixes,
              const char *const *skip)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    hash_str(s, dir);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        bool take = name[0] != '.' && !listed(skip, name) && !suffixes;
        for (const char *const *x = suffixes; name[0] != '.' && x && *x && !take; x++)
            take = ends_with(name, *x) && !listed(skip, name);
        size_t len = strlen(dir) + strlen(name) + 2;
        char *path = malloc(len);
        struct stat st;
        if (path) {
            snprintf(path, len, "%s/%s", dir, name);
            if (take && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
                hash_file(s, name, path);
        }
        free(path);
        free(list[i]);
    }
    if (n >= 0)
        free(list);
}
