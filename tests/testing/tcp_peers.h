// Which loopback servers a process is connected to, read from /proc: how a
// test finds the controller a worker is using (a worker given several
// addresses stays on the first that answered until it goes away).
#ifndef NAS_TESTS_TESTING_TCP_PEERS_H_
#define NAS_TESTS_TESTING_TCP_PEERS_H_

#include <sys/types.h>

#include <vector>

namespace nas::testing {

// The remote ports of the ESTABLISHED TCP connections whose sockets `pid`
// holds open (IPv4 and IPv6), in no particular order; empty if the process
// is gone or holds none.
std::vector<int> ConnectedRemotePorts(pid_t pid);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_TCP_PEERS_H_
