#include "flows/addresses.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace botflow::flows {
namespace {

struct Address {
    bool v4 = false;
    std::array<unsigned char, 16> bytes{};
};

bool parse(const std::string& ip, Address& a) {
    if (inet_pton(AF_INET, ip.c_str(), a.bytes.data()) == 1) {
        a.v4 = true;
        return true;
    }
    if (inet_pton(AF_INET6, ip.c_str(), a.bytes.data()) != 1) return false;
    // ::ffff:a.b.c.d is the IPv4 address a.b.c.d.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
        std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
        a.v4 = true;
    }
    return true;
}

bool prefix_equal(const Address& a, const Address& b, int bits) {
    for (int i = 0; bits > 0; ++i, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
        if ((a.bytes[i] & mask) != (b.bytes[i] & mask)) return false;
    }
    return true;
}

bool internal_v4(const unsigned char* b) {
    return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
           (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] >= 224;
}

}  // namespace

bool is_internal_address(const std::string& ip) {
    Address a;
    if (!parse(ip, a)) return true;
    if (a.v4) return internal_v4(a.bytes.data());
    const auto& b = a.bytes;
    bool zero_prefix =
        std::all_of(b.begin(), b.begin() + 15, [](unsigned char c) { return c == 0; });
    if (zero_prefix && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
    // IPv4 inside IPv6: ::a.b.c.d (compatible), 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64, which
    // reaches the IPv4 address it wraps), 2002::/16 (6to4).
    bool compatible =
        std::all_of(b.begin(), b.begin() + 12, [](unsigned char c) { return c == 0; });
    if (compatible && internal_v4(b.data() + 12)) return true;
    static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (std::memcmp(b.data(), kNat64, 12) == 0 && internal_v4(b.data() + 12)) return true;
    if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1) {
        return true;  // local-use NAT64: the network's own translation
    }
    if (b[0] == 0x20 && b[1] == 0x02 && internal_v4(b.data() + 2)) return true;
    if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10
    return b[0] == 0xff;                                     // multicast
}

bool in_ranges(const std::string& ip, const std::vector<std::string>& ranges) {
    Address a;
    if (!parse(ip, a)) return false;
    for (const auto& range : ranges) {
        auto slash = range.find('/');
        Address r;
        if (!parse(range.substr(0, slash), r) || r.v4 != a.v4) continue;
        int bits =
            slash == std::string::npos ? (a.v4 ? 32 : 128) : std::stoi(range.substr(slash + 1));
        if (prefix_equal(a, r, bits)) return true;
    }
    return false;
}

}  // namespace botflow::flows
