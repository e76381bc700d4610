#include "tests/testing/tcp_peers.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace nas::testing {
namespace {

constexpr char kEstablished[] = "01";  // st column of /proc/net/tcp.

// Inodes of the sockets among `pid`'s open file descriptors.
std::set<std::string> SocketInodes(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(fd_dir.c_str());
  if (dir == nullptr) return inodes;
  while (const dirent* entry = readdir(dir)) {
    char target[256];
    const std::string link = fd_dir + "/" + entry->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    const std::string text(target, n);  // "socket:[12345]"
    if (text.rfind("socket:[", 0) == 0 && text.back() == ']') {
      inodes.insert(text.substr(8, text.size() - 9));
    }
  }
  closedir(dir);
  return inodes;
}

}  // namespace

std::vector<int> ConnectedRemotePorts(pid_t pid) {
  const std::set<std::string> inodes = SocketInodes(pid);
  std::vector<int> ports;
  if (inodes.empty()) return ports;
  for (const char* table : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/" + table);
    std::string line;
    std::getline(in, line);  // Header.
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      if (!(fields >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode)) {
        continue;
      }
      if (state != kEstablished || inodes.count(inode) == 0) continue;
      const size_t colon = remote.rfind(':');
      if (colon == std::string::npos) continue;
      ports.push_back(static_cast<int>(std::strtol(remote.c_str() + colon + 1, nullptr, 16)));
    }
  }
  return ports;
}

}  // namespace nas::testing
