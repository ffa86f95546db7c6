/*
 * echo.h - lab 19: a TCP echo server, a process per client. (Given: do not edit.)
 *
 * Python: socketserver.ForkingTCPServer; socket.socket(), bind, listen,
 *         accept; multiprocessing.Process per client, or Pool(4) /
 *         Semaphore(4) to cap how many are served at once.
 */
#ifndef ECHO_H
#define ECHO_H

/* Step 1. A TCP socket listening on 127.0.0.1:port (port 0: the kernel
 * picks a free one), with SO_REUSEADDR set before bind() so that a
 * restarted server can bind the same port at once. Returns the listening
 * fd, or -1 (errno set) on error. */
int echo_listen(int port);

/* Step 2. Serve one connected client: send back every byte it sends, as it
 * arrives, until it closes its side (read returns 0). Does not close conn. */
void echo_session(int conn);

/* Steps 3 and 4. Accept clients on lfd, a child process per client: the
 * child closes its copy of lfd (it never accepts), runs echo_session() and
 * exits; the parent closes its copy of the accepted socket at once and goes
 * back to accept().
 *  - max_clients > 0: never more than max_clients children at once; when
 *    that many are being served, wait until one ends before accepting;
 *    max_clients <= 0: no cap.
 *  - finished children are reaped as they end, not only at the cap or at
 *    the end: no zombies pile up however many clients come and go.
 *  - total > 0: stop after accepting total clients, wait for every child,
 *    return total; total <= 0: serve forever.
 * Returns the number of clients served, or -1 if accept fails (EINTR and
 * ECONNABORTED pass: accept again). */
int echo_serve(int lfd, int max_clients, int total);

/* ---- given (echo_util.c) ---------------------------------------------------- */

/* The port lfd is bound to (getsockname), or -1. */
int echo_port(int lfd);
/* A client: connect to 127.0.0.1:port. The fd, or -1 (errno set). */
int echo_dial(int port);

#endif
