// Where a flow's API call may go: not to this machine, its private networks or link-local
// addresses (the cloud's metadata service among them) unless FLOW_API_ALLOWLIST names them.
// Pure. Private to flows/.
#pragma once
#include <string>
#include <vector>

namespace botflow::flows {

/// Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified,
/// multicast or broadcast, and those IPv4 addresses inside IPv6 (mapped, compatible, NAT64,
/// 6to4). A string that is not an address counts.
bool is_internal_address(const std::string& ip);

/// Whether `ip` is within one of `ranges` ("127.0.0.1", "10.0.0.0/8", "fd00::/8").
bool in_ranges(const std::string& ip, const std::vector<std::string>& ranges);

/// A call may reach `ip`: a public address, or one the allowlist names.
inline bool address_allowed(const std::string& ip, const std::vector<std::string>& allowlist) {
    return !is_internal_address(ip) || in_ranges(ip, allowlist);
}

}  // namespace botflow::flows
