/* Text inside XML and HTML (JUnit, the class report), from any bytes. */
#define _GNU_SOURCE
#include "grader.h"

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] < 0x80             ? 1
            : (s[0] & 0xe0) == 0xc0 ? 2
            : (s[0] & 0xf0) == 0xe0 ? 3
            : (s[0] & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 2 && s[0] < 0xc2)
        return 0; /* overlong */
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* XML or HTML text of any bytes (student output may hold anything): escaped, and
 * what XML 1.0 cannot hold (control characters, invalid UTF-8) becomes '?'.
 * In an attribute (one_line) a newline would be lost: it becomes a space. */
void markup_put(FILE *f, const char *s, bool one_line)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        switch (*p) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        case '\n':
        case '\t':
            fputc(one_line ? ' ' : *p, f);
            break;
        default:
            if (*p < 0x20) {
                fputc('?', f);
            } else {
                int n = utf8_len(p);
                if (n == 0) {
                    fputc('?', f);
                } else {
                    fwrite(p, 1, (size_t)n, f);
                    p += n;
                    continue;
                }
            }
        }
        p++;
    }
}
