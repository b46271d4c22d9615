// SPDX-License-Identifier: GPL-3.0-or-later
// The nesting check the TOML layer runs before toml++ sees a text; see
// nesting.hpp. A small lexer: it knows strings, comments, brackets and
// where keys are, which is all it takes to measure depth.
#include "common/config/nesting.hpp"

#include <fmt/format.h>
#include <vector>

namespace phx::config {
namespace {

class DepthScanner {
public:
    DepthScanner(std::string_view text, unsigned max_depth) : text_{text}, max_{max_depth} {}

    std::optional<NestingProblem> scan() {
        while (i_ < text_.size() && !problem_) step();
        return problem_;
    }

private:
    enum class Open : char { array = '[', table = '{', header = 'h' };

    void step() {
        const char c = text_[i_];
        if (c == '\n') return newline();
        if (c == '#') return skip_comment();
        if (c == '"' || c == '\'') return skip_string(c);
        if (c == '=') in_key_ = false;
        if (c == '.' && in_key_ && ++key_parts_ > max_) fail("a key of more than", max_);
        if (c == ',' && !stack_.empty() && stack_.back() == Open::table) start_key();
        if (c == '[' || c == '{') open(c);
        if (c == ']' || c == '}') close();
        advance();
    }

    void open(char c) {
        Open kind = c == '{' ? Open::table : Open::array;
        if (c == '[' && at_line_start_ && stack_.empty()) kind = Open::header;
        if (kind == Open::header || kind == Open::table) start_key();
        if (kind != Open::header || stack_.empty() || stack_.back() != Open::header)
            stack_.push_back(kind);
        if (stack_.size() > max_) fail("brackets nested more than", max_);
    }
    void close() {
        if (stack_.empty()) return;
        if (stack_.back() == Open::header) in_key_ = false;
        stack_.pop_back();
    }
    void start_key() {
        in_key_ = true;
        key_parts_ = 1;
    }
    void newline() {
        advance();
        ++line_;
        line_start_ = i_;
        at_line_start_ = true;
        if (stack_.empty()) start_key(); // a new key/value line
    }
    void skip_comment() {
        while (i_ < text_.size() && text_[i_] != '\n') ++i_;
    }
    // Basic and literal strings, one line or three quotes; newlines inside
    // multi-line ones keep the line count right.
    void skip_string(char quote) {
        const bool multi = text_.compare(i_, 3, std::string(3, quote)) == 0;
        i_ += multi ? 3 : 1;
        while (i_ < text_.size()) {
            const char c = text_[i_];
            if (c == '\\' && quote == '"') {
                i_ += 2;
                continue;
            }
            if (c == '\n') {
                if (!multi) return; // an unterminated string: toml++ says so
                ++line_;
                line_start_ = i_ + 1;
            }
            if (c == quote && (!multi || text_.compare(i_, 3, std::string(3, quote)) == 0)) {
                i_ += multi ? 3 : 1;
                at_line_start_ = false;
                return;
            }
            ++i_;
        }
    }
    void advance() {
        if (text_[i_] != ' ' && text_[i_] != '\t' && text_[i_] != '\n') at_line_start_ = false;
        ++i_;
    }
    void fail(const char* what, unsigned limit) {
        problem_ = NestingProblem{line_, static_cast<std::uint32_t>(i_ - line_start_ + 1),
                                  fmt::format("{} {} levels: refused before parsing, as no "
                                              "configuration needs it and a parser could run out "
                                              "of stack on it",
                                              what, limit)};
    }

    std::string_view text_;
    unsigned max_;
    std::size_t i_ = 0;
    std::size_t line_start_ = 0;
    std::uint32_t line_ = 1;
    bool at_line_start_ = true;
    bool in_key_ = true;
    unsigned key_parts_ = 1;
    std::vector<Open> stack_;
    std::optional<NestingProblem> problem_;
};

} // namespace

std::optional<NestingProblem> nesting_problem(std::string_view text, unsigned max_depth) {
    return DepthScanner{text, max_depth}.scan();
}

} // namespace phx::config
