/*
 * echo.c - lab 19: a TCP echo server, a process per client. This is the file
 * you edit. Read README.md first; `make grade LAB=19` checks your work.
 */
#include "echo.h"
#include "proclabs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int echo_listen(int port)
{
    /* TODO step 1: socket(AF_INET, SOCK_STREAM, 0); setsockopt SO_REUSEADDR
     * to 1; bind to 127.0.0.1:port (htonl(INADDR_LOOPBACK), htons(port));
     * listen(fd, 16). Return fd, or -1 (close fd first) on any error. */
    (void)port;
    errno = ENOSYS;
    return -1;
}

void echo_session(int conn)
{
    /* TODO step 2: loop: read() into a buffer; 0 means the client closed
     * its side: return; write_all() back what you read. */
    (void)conn;
}

int echo_serve(int lfd, int max_clients, int total)
{
    /* TODO step 3: loop accept(); fork; the child closes lfd, runs
     * echo_session(conn) and _exit(0)s; the parent close(conn)s and reaps
     * the children that ended (waitpid(-1, NULL, WNOHANG) in a loop).
     * TODO step 4: when max_clients children are running, block in
     * waitpid(-1, ...) for one to end before the next accept().
     * After total clients, wait for every child and return total. */
    (void)lfd;
    (void)max_clients;
    (void)total;
    return 0;
}
