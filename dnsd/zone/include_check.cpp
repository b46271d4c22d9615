// SPDX-License-Identifier: GPL-3.0-or-later
// The $INCLUDE walk; see include_check.hpp. Directives start a line (RFC
// 1035 section 5.1), so a line scan finds them without parsing records.
#include "dnsd/zone/include_check.hpp"

#include "common/file_text.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
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

// The $INCLUDE lines of a file read in pieces: a line may span two.
class IncludeLines {
public:
    void feed(std::string_view piece) {
        std::size_t start = 0;
        for (;;) {
            const std::size_t end = piece.find('\n', start);
            if (end == std::string_view::npos) break;
            if (partial_.empty()) {
                line(piece.substr(start, end - start));
            } else {
                partial_.append(piece.substr(start, end - start));
                line(partial_);
                partial_.clear();
            }
            start = end + 1;
        }
        // Only a line's start can make it a directive: keep no more of it.
        const std::string_view rest = piece.substr(start);
        if (partial_.size() < kKeep) partial_.append(rest.substr(0, kKeep - partial_.size()));
    }
    std::vector<Include> finish() {
        if (!partial_.empty()) line(partial_);
        return std::move(found_);
    }

private:
    static constexpr std::size_t kKeep = 4096; // longer than any file name we follow

    void line(std::string_view text) {
        ++number_;
        if (starts_with_include(text)) found_.push_back({include_target(text), number_});
    }

    std::string partial_;
    std::uint32_t number_ = 0;
    std::vector<Include> found_;
};

class IncludeWalk {
public:
    explicit IncludeWalk(Diagnostics& diag) : diag_{diag} {}

    [[nodiscard]] std::uint64_t digest() const noexcept { return digest_; }

    bool walk(const std::string& file, const SourcePos& from) {
        // In pieces: a zone file of tens of megabytes is not held whole
        // beside the zone it is about to become.
        IncludeLines lines;
        std::uint64_t text_digest = 0;
        const std::string error =
            read_file_pieces(file, kMaxZoneFileBytes, kPieceBytes, [&](std::string_view piece) {
                text_digest = combined_digest(text_digest, piece);
                lines.feed(piece);
            });
        if (!error.empty()) {
            if (from.line == 0)
                diag_.error(SourcePos{file}, "cannot read the zone file: " + error);
            else
                diag_.error(from, fmt::format("cannot read $INCLUDE file {}: {}", file, error));
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
        digest_ = combined_digest(digest_, key);
        digest_ =
            combined_digest(digest_, std::string_view{reinterpret_cast<const char*>(&text_digest),
                                                      sizeof text_digest});
        bool ok = true;
        const fs::path directory = fs::path{file}.parent_path();
        for (const Include& include : lines.finish()) {
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

    static constexpr std::size_t kPieceBytes = 1 << 20;

    Diagnostics& diag_;
    std::vector<std::string> stack_;
    std::uint64_t digest_ = 0;
};

} // namespace

std::uint64_t combined_digest(std::uint64_t digest, std::string_view more) noexcept {
    return digest ^ (std::hash<std::string_view>{}(more) + 0x9e3779b97f4a7c15ull + (digest << 6) +
                     (digest >> 2));
}

bool check_includes(const std::string& file, Diagnostics& diag, std::uint64_t* digest) {
    IncludeWalk walk{diag};
    const bool ok = walk.walk(file, SourcePos{});
    if (digest) *digest = walk.digest();
    return ok;
}

} // namespace phx::dns
