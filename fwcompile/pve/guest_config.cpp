// SPDX-License-Identifier: GPL-3.0-or-later
// Reading one Proxmox guest configuration file; see guest_config.hpp. The
// formats are those of pct.conf(5) and qm.conf(5): `key: value` lines, and
// a network device's value a comma-separated list of key=value properties.
#include "fwcompile/pve/guest_config.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <map>

namespace phx::fw::pve {

namespace {

// A `key: value` line of the current configuration.
struct Line {
    std::string_view key;
    std::string_view value;
    std::uint32_t number = 0;       // the line's number, from 1
    std::uint32_t value_column = 0; // where the value starts, from 1
};

// One property of a value: `bridge=vmbr0`; a bare word (a VM's model
// without a MAC) has an empty key.
struct Property {
    std::string_view key;
    std::string_view value;
    std::uint32_t column = 0; // where the property starts in its line
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Only the end: columns count from the line's first character, and
// Proxmox does not read a key after leading blanks either.
std::string_view trim_end(std::string_view s) {
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Proxmox's keys are a lower-case word, perhaps with '_', '-' and a number
// at the end (net0, ipconfig0); anything else before a ':' is not a key.
bool is_key(std::string_view key) {
    return !key.empty() && key.front() >= 'a' && key.front() <= 'z' &&
           std::all_of(key.begin(), key.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
           });
}

std::optional<Line> split_key_value(std::string_view line, std::uint32_t number) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_key(line.substr(0, colon))) return std::nullopt;
    std::size_t start = colon + 1;
    while (start < line.size() && is_space(line[start])) ++start;
    return Line{line.substr(0, colon), line.substr(start), number,
                static_cast<std::uint32_t>(start + 1)};
}

// The current configuration, key by key. A key given twice keeps its last
// value, as Proxmox's own parser does.
std::map<std::string_view, Line> current_lines(std::string_view text, const FileName& file,
                                               Diagnostics& diag) {
    std::map<std::string_view, Line> lines;
    std::uint32_t number = 0;
    for (std::size_t begin = 0; begin < text.size();) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        const std::string_view line = trim_end(text.substr(begin, end - begin));
        begin = end + 1;
        ++number;
        if (line.empty() || line.front() == '#') continue;
        // [snapshot-name] and [pve:pending]: what was, or what will be after
        // a restart; the running guest has the lines above.
        if (line.front() == '[') break;
        if (auto parsed = split_key_value(line, number)) {
            lines.insert_or_assign(parsed->key, *parsed);
        } else {
            diag.warning({file, number, 1}, "not a 'key: value' line; ignored, as Proxmox does");
        }
    }
    return lines;
}

std::vector<Property> properties(const Line& line) {
    std::vector<Property> out;
    std::size_t begin = 0;
    const std::string_view value = line.value;
    while (begin <= value.size()) {
        const std::size_t end = std::min(value.find(',', begin), value.size());
        const std::string_view item = value.substr(begin, end - begin);
        const std::size_t equals = item.find('=');
        const auto column = static_cast<std::uint32_t>(line.value_column + begin);
        if (equals == std::string_view::npos) {
            if (!item.empty()) out.push_back({{}, item, column});
        } else {
            out.push_back({item.substr(0, equals), item.substr(equals + 1), column});
        }
        begin = end + 1;
    }
    return out;
}

// The N of "net3" for prefix "net"; nullopt for any other key.
std::optional<unsigned> key_index(std::string_view key, std::string_view prefix) {
    if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) return std::nullopt;
    const std::string_view digits = key.substr(prefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return parse_uint(digits, 1000);
}

// QEMU's NIC models as qm.conf(5) lists them: in `virtio=BC:24:...`, the
// model's value is the device's MAC.
constexpr std::array<std::string_view, 14> kNicModels = {
    "e1000",    "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e",  "i82551", "i82557b",
    "i82559er", "ne2k_isa",      "ne2k_pci",      "pcnet",         "rtl8139", "virtio", "vmxnet3"};

bool holds_mac(std::string_view key, HostKind kind) {
    if (kind == HostKind::lxc) return key == "hwaddr";
    return key == "macaddr" ||
           std::find(kNicModels.begin(), kNicModels.end(), key) != kNicModels.end();
}

// Proxmox's booleans: 1, yes, on, true.
bool is_true(std::string_view value) {
    return value == "1" || value == "yes" || value == "on" || value == "true";
}

// What the reading of one file needs at hand.
struct Reader {
    const FileName& file;
    HostKind kind;
    Diagnostics& diag;

    [[nodiscard]] SourcePos at(const Line& line, std::uint32_t column = 0) const {
        return {file, line.number, column};
    }
};

std::optional<MacAddress> read_mac(const Reader& r, const Line& line, const Property& p) {
    auto mac = inventory::parse_mac(p.value);
    if (!mac)
        r.diag.error(
            r.at(line, p.column),
            fmt::format("{}={} is not a MAC address (e.g. BC:24:11:5E:0A:01)", p.key, p.value));
    return mac;
}

// ip=10.0.0.153/24 (or dhcp, manual), ip6=fd00::5/64 (or auto, dhcp, manual).
IpSetting read_ip(const Reader& r, const Line& line, const Property& p, IpFamily family) {
    IpSetting setting{std::string{p.value}, std::nullopt, r.at(line)};
    if (p.value == "dhcp" || p.value == "manual" || (family == IpFamily::v6 && p.value == "auto"))
        return setting;
    setting.cidr = Cidr::parse(p.value);
    if (!setting.cidr || setting.cidr->address.family != family) {
        setting.cidr.reset();
        r.diag.error(r.at(line, p.column),
                     fmt::format("{}={} is not an {} address with its prefix (e.g. {}), dhcp or "
                                 "manual",
                                 p.key, p.value, family == IpFamily::v4 ? "IPv4" : "IPv6",
                                 family == IpFamily::v4 ? "10.0.0.153/24" : "fd00::5/64"));
    }
    return setting;
}

// The address properties of a line: a container's netN, a VM's ipconfigN.
void read_ip_property(const Reader& r, const Line& line, const Property& p, Nic& nic) {
    if (p.key == "ip") nic.ipv4 = read_ip(r, line, p, IpFamily::v4);
    if (p.key == "ip6") nic.ipv6 = read_ip(r, line, p, IpFamily::v6);
}

Nic read_nic(const Reader& r, unsigned index, const Line& line) {
    Nic nic;
    nic.index = index;
    nic.at = r.at(line);
    nic.ipv4.at = nic.ipv6.at = nic.at;
    bool mac_seen = false;
    for (const Property& p : properties(line)) {
        if (p.key == "bridge") {
            nic.bridge = p.value;
        } else if (p.key == "firewall") {
            nic.firewall = is_true(p.value);
        } else if (holds_mac(p.key, r.kind) && !mac_seen) {
            mac_seen = true; // a VM's first model=MAC is its MAC
            nic.mac = read_mac(r, line, p);
        } else if (r.kind == HostKind::lxc) {
            read_ip_property(r, line, p, nic);
        }
    }
    return nic;
}

// A VM's cloud-init ipconfigN gives netN's addresses; without netN it
// configures nothing.
void read_ipconfig(const Reader& r, unsigned index, const Line& line, GuestConfig& guest) {
    auto nic = std::find_if(guest.nics.begin(), guest.nics.end(),
                            [&](const Nic& n) { return n.index == index; });
    if (nic == guest.nics.end()) return;
    for (const Property& p : properties(line)) read_ip_property(r, line, p, *nic);
}

} // namespace

const Nic* GuestConfig::nic(unsigned index) const {
    for (const Nic& n : nics)
        if (n.index == index) return &n;
    return nullptr;
}

const Nic* GuestConfig::first_nic() const {
    return nics.empty() ? nullptr : &nics.front();
}

std::string port_name(const GuestConfig& guest, const Nic& nic) {
    if (nic.firewall) return fmt::format("fwpr{}p{}", guest.id, nic.index);
    return fmt::format("{}{}i{}", guest.kind == HostKind::vm ? "tap" : "veth", guest.id, nic.index);
}

std::string address_text(const GuestConfig& guest, const Nic& nic, IpFamily family) {
    const bool v4 = family == IpFamily::v4;
    const IpSetting& setting = v4 ? nic.ipv4 : nic.ipv6;
    if (!setting.text.empty()) return fmt::format("{}={}", v4 ? "ip" : "ip6", setting.text);
    if (guest.kind == HostKind::vm) return fmt::format("no cloud-init ipconfig{}", nic.index);
    return fmt::format("net{} has no {}=", nic.index, v4 ? "ip" : "ip6");
}

GuestConfig parse_guest_config(std::string_view text, const FileName& file, std::uint32_t id,
                               HostKind kind, Diagnostics& diag) {
    const Reader r{file, kind, diag};
    const auto lines = current_lines(text, file, diag);
    GuestConfig guest{id, kind, file, {}, {}, {}};
    if (auto name = lines.find(kind == HostKind::lxc ? "hostname" : "name"); name != lines.end()) {
        guest.name = name->second.value;
        guest.name_at = r.at(name->second);
    }
    for (const auto& [key, line] : lines)
        if (auto index = key_index(key, "net")) guest.nics.push_back(read_nic(r, *index, line));
    std::sort(guest.nics.begin(), guest.nics.end(),
              [](const Nic& a, const Nic& b) { return a.index < b.index; });
    if (kind == HostKind::vm)
        for (const auto& [key, line] : lines)
            if (auto index = key_index(key, "ipconfig")) read_ipconfig(r, *index, line, guest);
    return guest;
}

} // namespace phx::fw::pve
