// SPDX-License-Identifier: GPL-3.0-or-later
// Listing and reading the guest configurations of a Proxmox node; see
// read_configs.hpp.
#include "fwcompile/pve/read_configs.hpp"

#include "common/file_text.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <system_error>
#include <utility>

namespace phx::fw::pve {

namespace {

namespace fs = std::filesystem;

// Proxmox VE gives guests ids from 100 to 999999999.
constexpr std::uint32_t kMinGuestId = 100;
constexpr std::uint32_t kMaxGuestId = 999'999'999;

std::string_view folder(HostKind kind) {
    return kind == HostKind::vm ? "qemu-server" : "lxc";
}

// "101.conf" -> 101; nothing for other names.
std::optional<std::uint32_t> id_of(std::string_view file_name) {
    constexpr std::string_view kSuffix = ".conf";
    if (file_name.size() <= kSuffix.size() || !file_name.ends_with(kSuffix)) return std::nullopt;
    const auto id = parse_uint(file_name.substr(0, file_name.size() - kSuffix.size()), kMaxGuestId);
    if (!id || *id < kMinGuestId) return std::nullopt;
    return id;
}

// The <ID>.conf files of one folder, by id; false when it does not exist.
bool list_folder(const fs::path& path, std::vector<std::pair<std::uint32_t, fs::path>>& files,
                 Diagnostics& diag) {
    std::error_code ec;
    fs::directory_iterator it{path, ec};
    if (ec == std::errc::no_such_file_or_directory) return false;
    for (; !ec && it != fs::directory_iterator{}; it.increment(ec))
        if (auto id = id_of(it->path().filename().string())) files.emplace_back(*id, it->path());
    if (ec) diag.error({path.string()}, fmt::format("cannot read the folder: {}", ec.message()));
    std::sort(files.begin(), files.end());
    return true;
}

bool read_folder(const std::string& dir, HostKind kind, std::vector<GuestConfig>& guests,
                 Diagnostics& diag) {
    std::vector<std::pair<std::uint32_t, fs::path>> files;
    if (!list_folder(fs::path{dir} / folder(kind), files, diag)) return false;
    for (const auto& [id, path] : files) {
        const FileName name{path.string()};
        const FileText file = read_file_text(path.string());
        if (!file.text) {
            diag.error({name}, fmt::format("cannot read the file: {}", file.error));
            continue;
        }
        guests.push_back(parse_guest_config(*file.text, name, id, kind, diag));
    }
    return true;
}

// Proxmox keeps VMIDs unique across containers and VMs; a copy that breaks
// that could not be matched with the inventory, so the second is dropped.
void drop_second_ids(std::vector<GuestConfig>& guests, Diagnostics& diag) {
    std::stable_sort(guests.begin(), guests.end(),
                     [](const GuestConfig& a, const GuestConfig& b) { return a.id < b.id; });
    std::vector<GuestConfig> kept;
    for (GuestConfig& guest : guests) {
        if (!kept.empty() && kept.back().id == guest.id) {
            diag.error(guest.at(), fmt::format("guest {} is in {} too: Proxmox gives each id to "
                                               "one guest; this file is ignored",
                                               guest.id, kept.back().file.str()));
            continue;
        }
        kept.push_back(std::move(guest));
    }
    guests = std::move(kept);
}

} // namespace

std::optional<std::vector<GuestConfig>> read_guest_configs(const std::string& dir,
                                                           Diagnostics& diag) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        diag.error({dir}, fmt::format("cannot read the Proxmox configuration: {}",
                                      fs::exists(dir, ec) ? "not a directory"
                                                          : "No such file or directory"));
        return std::nullopt;
    }
    std::vector<GuestConfig> guests;
    const bool containers = read_folder(dir, HostKind::lxc, guests, diag);
    const bool vms = read_folder(dir, HostKind::vm, guests, diag);
    if (!containers && !vms) {
        diag.error({dir}, "neither lxc/ nor qemu-server/ is here: not a Proxmox configuration "
                          "directory such as /etc/pve");
        return std::nullopt;
    }
    drop_second_ids(guests, diag);
    return guests;
}

std::string config_path(const std::string& dir, HostKind kind, std::uint32_t id) {
    return (fs::path{dir} / folder(kind) / fmt::format("{}.conf", id)).string();
}

} // namespace phx::fw::pve
