/* hash.h - SHA-256, for keys that name content (the verdict cache). */
#ifndef HASH_H
#define HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes fed so far */
    unsigned char buf[64];
    size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(struct sha256 *s, char out[65]);

/* Feed a length-prefixed string: "ab"+"c" and "a"+"bc" never hash alike. */
void hash_str(struct sha256 *s, const char *str);
/* Feed a file's name and whole content (or a mark that it is missing or
 * unreadable, so that removing a file changes the hash too). */
void hash_file(struct sha256 *s, const char *label, const char *path);
/* The same for a file open for reading (its content, whatever by_stat says). */
void hash_fd(struct sha256 *s, const char *label, int fd);

/* Every regular file of dir whose name ends with one of suffixes (NULL:
 * any), but those named in skip, in name order. */
void hash_dir(struct sha256 *s, const char *dir, const char *const *suffixes,
              const char *const *skip);

/* While on, hash_file (and so hash_dir) feeds what stat says of a file, not
 * its content: a cheap signature of a set of files, to know that a digest
 * of their content made earlier still holds. hash_newest_change: the
 * latest mtime or ctime (s) seen since it was turned on. */
void hash_by_stat(bool on);
double hash_newest_change(void);

#endif
