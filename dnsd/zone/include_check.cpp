// SPDX-License-Identifier: GPL-3.0-or-later
// The $INCLUDE walk; see include_check.hpp. Directives start a line (RFC
// 1035 section 5.1), so a line scan finds them without parsing records.
#include "dnsd/zone/include_check.hpp"

#include "common/file_text.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <fmt/format.h>
#include <optional>
#include <string_view>
#include <vector>

namespace phx::dns {
namespace {

namespace fs = std::filesystem;

struct Include {
    std::string target; // as written, unquoted
    std::uint32_t line = 0;
};

bool starts_with_include(std::string_view line) {
    constexpr std::string_view kDirective = "$INCLUDE";
    if (line.size() <= kDirective.size()) return false;
    for (std::size_t i = 0; i < kDirective.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(line[i])) != kDirective[i]) return false;
    return line[kDirective.size()] == ' ' || line[kDirective.size()] == '\t';
}

// The file name after $INCLUDE: a quoted string or a word.
std::string include_target(std::string_view line) {
    std::size_t at = line.find_first_not_of(" \t", 8);
    if (at == std::string_view::npos) return {};
    if (line[at] == '"') {
        const std::size_t end = line.find('"', at + 1);
        return std::string{line.substr(at + 1, end == std::string_view::npos ? end : end - at - 1)};
    }
    const std::size_t end = line.find_first_of(" \t;\r", at);
    return std::string{line.substr(at, end == std::string_view::npos ? end : end - at)};
}

std::vector<Include> includes_in(std::string_view text) {
    std::vector<Include> out;
    std::uint32_t number = 0;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        ++number;
        const std::string_view line = text.substr(start, end - start);
        if (starts_with_include(line)) out.push_back({include_target(line), number});
        start = end + 1;
    }
    return out;
}

class IncludeWalk {
public:
    explicit IncludeWalk(Diagnostics& diag) : diag_{diag} {}

    [[nodiscard]] std::uint64_t digest() const noexcept { return digest_; }

    bool walk(const std::string& file, const SourcePos& from) {
        const auto text = read_file_text(file, kMaxZoneFileBytes);
        if (!text.text) {
            if (from.line == 0)
                diag_.error(SourcePos{file}, "cannot read the zone file: " + text.error);
            else
                diag_.error(from,
                            fmt::format("cannot read $INCLUDE file {}: {}", file, text.error));
            return false;
        }
        const std::string key = canonical(file);
        if (std::find(stack_.begin(), stack_.end(), key) != stack_.end())
            return fail(from,
                        fmt::format("$INCLUDE {} makes a loop: it is already being read", file));
        if (stack_.size() >= kMaxIncludeDepth)
            return fail(from, fmt::format("$INCLUDE {} nests more than {} files deep", file,
                                          kMaxIncludeDepth));
        stack_.push_back(key);
        mix(key);
        mix(*text.text);
        bool ok = true;
        const fs::path directory = fs::path{file}.parent_path();
        for (const Include& include : includes_in(*text.text)) {
            const fs::path target{include.target};
            const std::string resolved =
                target.is_absolute() ? target.string() : (directory / target).string();
            ok = walk(resolved, SourcePos{file, include.line, 0}) && ok;
        }
        stack_.pop_back();
        return ok;
    }

private:
    bool fail(const SourcePos& at, std::string message) {
        diag_.error(at, std::move(message));
        return false;
    }
    static std::string canonical(const std::string& file) {
        std::error_code error;
        const fs::path path = fs::weakly_canonical(file, error);
        return error ? file : path.string();
    }

    void mix(std::string_view bytes) noexcept {
        // boost::hash_combine's mixing over std::hash of each part.
        digest_ ^= std::hash<std::string_view>{}(bytes) + 0x9e3779b97f4a7c15ull + (digest_ << 6) +
                   (digest_ >> 2);
    }

    Diagnostics& diag_;
    std::vector<std::string> stack_;
    std::uint64_t digest_ = 0;
};

} // namespace

bool check_includes(const std::string& file, Diagnostics& diag, std::uint64_t* digest) {
    IncludeWalk walk{diag};
    const bool ok = walk.walk(file, SourcePos{});
    if (digest) *digest = walk.digest();
    return ok;
}

} // namespace phx::dns
