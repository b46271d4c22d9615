// SPDX-License-Identifier: GPL-3.0-or-later
// Myers' diff (E. Myers, "An O(ND) Difference Algorithm", 1986) after
// trimming the common head and tail, which is all a small ruleset change
// leaves; past kMaxEdits the middle is shown as replaced wholesale.
#include "fwcompile/views/text_diff.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <string_view>
#include <vector>

namespace phx::fw {
namespace {

enum class Op : char { keep = ' ', remove = '-', add = '+' };
constexpr int kMaxEdits = 4000;

std::vector<std::string_view> split_lines(const std::string& text) {
    std::vector<std::string_view> lines;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto nl = rest.find('\n');
        lines.push_back(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    return lines;
}

using Lines = std::vector<std::string_view>;

// The V array of Myers' algorithm before each round d, kept for the walk back.
struct Trace {
    std::vector<std::vector<int>> rounds; // rounds[d][k + d] for k in [-d, d]
    int at(int d, int k) const {
        return rounds[static_cast<std::size_t>(d)][static_cast<std::size_t>(k + d)];
    }
};

std::vector<Op> walk_back(const Trace& trace, int d, int x, int y) {
    std::vector<Op> ops;
    for (; d > 0; --d) {
        const int k = x - y;
        const bool down = k == -d || (k != d && trace.at(d, k - 1) < trace.at(d, k + 1));
        const int prev_k = down ? k + 1 : k - 1;
        const int prev_x = trace.at(d, prev_k);
        const int prev_y = prev_x - prev_k;
        for (; x > (down ? prev_x : prev_x + 1); --x, --y) ops.push_back(Op::keep);
        ops.push_back(down ? Op::add : Op::remove);
        x = prev_x;
        y = prev_y;
    }
    for (; x > 0; --x) ops.push_back(Op::keep);
    std::reverse(ops.begin(), ops.end());
    return ops;
}

std::vector<Op> myers(const Lines& a, const Lines& b) {
    const int n = static_cast<int>(a.size());
    const int m = static_cast<int>(b.size());
    const int max = std::min(n + m, kMaxEdits);
    std::vector<int> v(static_cast<std::size_t>(2 * max + 3), 0);
    const auto V = [&](int k) -> int& { return v[static_cast<std::size_t>(k + max + 1)]; };
    Trace trace;
    for (int d = 0; d <= max; ++d) {
        trace.rounds.emplace_back();
        for (int k = -d; k <= d; ++k) trace.rounds.back().push_back(V(k));
        for (int k = -d; k <= d; k += 2) {
            int x = (k == -d || (k != d && V(k - 1) < V(k + 1))) ? V(k + 1) : V(k - 1) + 1;
            int y = x - k;
            while (x < n && y < m &&
                   a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)])
                ++x, ++y;
            V(k) = x;
            if (x >= n && y >= m) return walk_back(trace, d, n, m);
        }
    }
    std::vector<Op> ops(a.size(), Op::remove); // too different: replace it all
    ops.insert(ops.end(), b.size(), Op::add);
    return ops;
}

struct Line {
    Op op;
    std::string_view text;
    int from; // line numbers, 1-based, in the old and new text
    int to;
};

std::vector<Line> edit_lines(const Lines& a, const Lines& b) {
    std::size_t head = 0;
    while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
    std::size_t tail = 0;
    while (tail < a.size() - head && tail < b.size() - head &&
           a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
        ++tail;
    std::vector<Op> ops(head, Op::keep);
    const auto middle =
        myers(Lines(a.begin() + static_cast<long>(head), a.end() - static_cast<long>(tail)),
              Lines(b.begin() + static_cast<long>(head), b.end() - static_cast<long>(tail)));
    ops.insert(ops.end(), middle.begin(), middle.end());
    ops.insert(ops.end(), tail, Op::keep);
    std::vector<Line> lines;
    int i = 0, j = 0;
    for (const Op op : ops) {
        const std::string_view text =
            op == Op::add ? b[static_cast<std::size_t>(j)] : a[static_cast<std::size_t>(i)];
        lines.push_back({op, text, i + 1, j + 1});
        if (op != Op::add) ++i;
        if (op != Op::remove) ++j;
    }
    return lines;
}

} // namespace

std::string unified_diff(const std::string& from_text, const std::string& to_text,
                         const std::string& from, const std::string& to, int context) {
    const auto lines = edit_lines(split_lines(from_text), split_lines(to_text));
    // A line is shown when it is a change or within `context` of one; each
    // run of shown lines is a hunk.
    const auto reach = static_cast<long>(context);
    std::vector<bool> shown(lines.size(), false);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].op == Op::keep) continue;
        const long first = std::max(0L, static_cast<long>(i) - reach);
        const long last =
            std::min(static_cast<long>(lines.size()) - 1, static_cast<long>(i) + reach);
        for (long k = first; k <= last; ++k) shown[static_cast<std::size_t>(k)] = true;
    }
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (!shown[i]) continue;
        if (i == 0 || !shown[i - 1])
            out += fmt::format("@@ -{} +{} @@\n", lines[i].from, lines[i].to);
        out += fmt::format("{}{}\n", static_cast<char>(lines[i].op), lines[i].text);
    }
    if (out.empty()) return out;
    return fmt::format("--- {}\n+++ {}\n{}", from, to, out);
}

} // namespace phx::fw
