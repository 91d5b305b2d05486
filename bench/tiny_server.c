/* A tiny single-threaded epoll HTTP/1.1 server for bench/load.sh: answers every request
 * (anything ending in CRLFCRLF; bodies are not expected) with a fixed keep-alive 200. It costs
 * far less CPU per request than Node, so with it the clients, not the server, set the pace.
 *   tiny_server PORT_FILE     binds 127.0.0.1 on a free port, writes the port to PORT_FILE */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
static const char kResponse[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
static char pending[MAX_FDS][4]; /* last 3 bytes seen, to find CRLFCRLF across reads */

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr*)&addr, sizeof addr) || listen(listener, 1024)) return 1;
  socklen_t len = sizeof addr;
  getsockname(listener, (struct sockaddr*)&addr, &len);
  FILE* f = fopen(argv[1], "w");
  fprintf(f, "%d\n", ntohs(addr.sin_port));
  fclose(f);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  struct epoll_event events[256];
  char buf[16384];
  char out[sizeof kResponse * 64];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int c;
        while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (c >= MAX_FDS) { close(c); continue; }
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          memset(pending[c], 0, 4);
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) { close(fd); continue; }
      /* Count request ends ("\r\n\r\n"), including one split across reads. */
      int requests = 0;
      char window[4];
      memcpy(window, pending[fd], 4);
      for (ssize_t k = 0; k < r; k++) {
        memmove(window, window + 1, 3);
        window[3] = buf[k];
        if (memcmp(window, "\r\n\r\n", 4) == 0) requests++;
      }
      memcpy(pending[fd], window, 4);
      size_t used = 0;
      while (requests > 0) {
        int batch = requests > 64 ? 64 : requests;
        used = 0;
        for (int k = 0; k < batch; k++) { memcpy(out + used, kResponse, sizeof kResponse - 1); used += sizeof kResponse - 1; }
        if (write(fd, out, used) < 0) break;
        requests -= batch;
      }
    }
  }
}
