/*
 * manager.h - lab 12: a manager process and its clients. (Given: do not
 * edit.)
 *
 * Python: multiprocessing.Manager(): a server process that owns the objects
 * (here: a dict of counters, see store_handle() in wire.h) and answers
 * requests from client processes over a Unix-domain socket.
 *
 *     manager_start()     socket, bind, listen in a fresh private folder; fork the server
 *     serve()             the server: many clients at once, one request at a time
 *     manager_connect()   a client's connection
 *     manager_call()      one request, one reply
 *     take_one()          the demo's worker: count -= 1, correctly
 *     manager_shutdown()  stop the server, wait for it, remove the socket file
 */
#ifndef MANAGER_H
#define MANAGER_H

#include "wire.h"

#include <sys/types.h>

struct manager {
    pid_t pid;      /* the server process */
    char dir[80];   /* a folder made for this manager alone: $TMPDIR/manager-XXXXXX */
    char path[108]; /* its socket: dir + "/manager.sock" (fits sockaddr_un.sun_path) */
};

/* Step 1. Receive one message sent with send_msg(): read the 4-byte
 * big-endian length, then exactly that many bytes, however the kernel splits
 * them: read() returns what has arrived so far, which may be less than
 * asked. Store the text NUL-terminated in buf (cap bytes). Returns the text's
 * length (messages are never empty); 0 when the peer closed the connection
 * before a new message; -1 on an error, a message that does not fit in cap,
 * or a connection closed in the middle of a message. */
ssize_t recv_msg(int fd, char *buf, size_t cap);

/* Step 2. Start a manager: make a private folder with mkdtemp() from
 * "$TMPDIR/manager-XXXXXX" (/tmp when TMPDIR is unset or empty), bind a Unix
 * stream socket at dir/manager.sock and listen, then fork the server
 * process, which runs serve(listen_fd) and _exit(0)s. The caller closes its
 * copy of the listening socket and returns 0 with *m filled in, so clients
 * can connect at once. -1 (with nothing left behind) on error. */
int manager_start(struct manager *m);

/* Step 3. The server loop, in the server process. Serve many clients at the
 * same time: poll() the listening socket and every connected client; accept
 * new clients; for each message received answer with store_handle() and
 * send_msg(); close a client at its EOF. After replying to SHUTDOWN, close
 * every socket and return. */
void serve(int listen_fd);

/* Step 4. A client's connection to the manager: the fd, or -1. */
int manager_connect(const struct manager *m);

/* Send request and receive its reply into reply (cap bytes): 0, or -1 when
 * the connection failed. */
int manager_call(int fd, const char *request, char *reply, size_t cap);

/* Step 5. The demo's worker, run by each of 100 processes at once: take 1
 * from the counter "count" on the manager. */
void take_one(const struct manager *m);

/* Step 6. Stop the manager: ask the server to SHUTDOWN, wait for the server
 * process, then remove the socket file and the folder. 0, or -1 when
 * something could not be removed. */
int manager_shutdown(struct manager *m);

#endif
