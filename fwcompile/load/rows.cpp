// SPDX-License-Identifier: GPL-3.0-or-later
// Loading [[rule]] rows: keywords, host references, address and port lists,
// and the checks a single row can fail on its own.
#include "common/huge_pages.hpp"
#include "common/suggest.hpp"
#include "fwcompile/load/detail.hpp"
#include "fwcompile/load/load.hpp"
#include "fwcompile/scope.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <span>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

namespace phx::fw::detail {
namespace {

// A [[rule]]'s keys. Every look-up below passes one of these very
// string_views, so it reads the row's filing (Section::file_keys) instead of
// scanning the row's entries: a large file has 50,000 rows of 8 keys.
constexpr std::string_view kScope = "scope";
constexpr std::string_view kDirection = "direction";
constexpr std::string_view kAction = "action";
constexpr std::string_view kSource = "source";
constexpr std::string_view kDestination = "destination";
constexpr std::string_view kProtocol = "protocol";
constexpr std::string_view kPorts = "ports";
constexpr std::string_view kComment = "comment";
constexpr std::array kRowKeys{kScope,       kDirection, kAction, kSource,
                              kDestination, kProtocol,  kPorts,  kComment};

template <typename E>
using Words = std::initializer_list<std::pair<std::string_view, E>>;

// "\"a\", \"b\" or \"c\""
template <typename E>
std::string word_list(Words<E> words) {
    std::string out;
    std::size_t i = 0;
    for (const auto& [word, value] : words) {
        if (i > 0) out += (i + 1 == words.size()) ? " or " : ", ";
        out += fmt::format("\"{}\"", word);
        ++i;
    }
    return out;
}

// A keyword value such as direction = "in"; case does not matter.
template <typename E>
std::optional<E> keyword(const Section& s, std::string_view key, Words<E> words, bool required) {
    auto text = s.string(key, required);
    if (!text) return std::nullopt;
    for (const auto& [candidate, value] : words)
        if (is_word(text->value, candidate)) return value;
    const std::string word = lowercase(text->value);
    std::vector<std::string_view> candidates;
    for (const auto& [candidate, value] : words) candidates.push_back(candidate);
    s.diag().error(text->at, fmt::format("{} must be {}, not '{}'{}", key, word_list(words),
                                         text->value, did_you_mean(word, candidates)));
    return std::nullopt;
}

bool looks_like_address(std::string_view text) {
    if (text.find_first_of(".:") == std::string_view::npos) return false;
    return text.find_first_not_of("0123456789abcdefABCDEF.:/-") == std::string_view::npos;
}

std::optional<Address> parse_address(const Scalar& item, const Inventory& inventory,
                                     Diagnostics& diag, TextArena& texts) {
    if (auto host = inventory.find(item.value))
        return Address{Cidr::host(inventory.hosts[*host].address), host, item.at,
                       texts.keep(item.value)};
    if (auto cidr = Cidr::parse(item.value)) {
        if (cidr->prefix == 0) {
            // Every address of one family: "any" says it, for both families.
            diag.error(item.at, fmt::format("'{}' is every address of its family; write \"any\"",
                                            item.value));
            return std::nullopt;
        }
        std::optional<HostIndex> host;
        if (cidr->is_host()) host = inventory.find_by_address(cidr->address);
        return Address{*cidr, host, item.at, texts.keep(item.value)};
    }
    if (looks_like_address(item.value))
        diag.error(item.at, fmt::format("'{}' is not a valid IP address or CIDR", item.value));
    else
        diag.error(item.at, fmt::format("unknown host '{}'{}", item.value,
                                        host_suggestion(item.value, inventory)));
    return std::nullopt;
}

bool read_ports(const Section& s, PortList& out) {
    auto items = scalar_list(s, kPorts);
    if (!items) return false;
    if (items->size() == 1 && is_word(s.doc().text(items->front()), "any")) return true;
    bool ok = true;
    out.ranges.reserve(items->size());
    out.at.reserve(items->size());
    for (const auto& node : *items) {
        const Scalar item = s.scalar(node);
        auto range = PortRange::parse(item.value);
        if (!range) {
            s.diag().error(
                item.at,
                fmt::format("'{}' is not a port or port range (e.g. 80 or 8000-8100)", item.value));
            ok = false;
            continue;
        }
        out.ranges.push_back(*range);
        out.at.push_back(item.at);
    }
    return ok;
}

bool read_scope(const Section& s, const Inventory& inventory, Row& row) {
    auto text = scalar(s, kScope, true);
    if (!text) return false;
    if (is_word(text->value, "global")) return true;
    if (auto host = inventory.find(text->value)) {
        row.scope = host;
        return true;
    }
    s.diag().error(
        text->at, fmt::format("unknown scope '{}'{}; a scope is \"global\" or a host's name, id or "
                              "address",
                              text->value, host_suggestion(text->value, inventory)));
    return false;
}

bool read_comment(const Section& s, Row& row, TextArena& texts) {
    auto comment = s.string(kComment, true);
    if (!comment) return false;
    const std::string_view text = comment->value;
    std::string problem;
    if (text.empty())
        problem = "comment is empty; say what the row is for";
    else if (text.size() > kMaxCommentBytes)
        problem = fmt::format("comment is {} bytes long; nftables keeps at most {}", text.size(),
                              kMaxCommentBytes);
    // One pass with no branch per byte (the compiler compares 16 at a time):
    // every row has a comment.
    unsigned char unprintable = 0;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        unprintable |= static_cast<unsigned char>((byte == '"') | (byte < 0x20));
    }
    if (unprintable != 0)
        problem =
            "comment must not contain '\"' or control characters: nft could not print it back";
    if (!problem.empty()) {
        s.diag().error(comment->at, problem);
        return false;
    }
    row.comment = texts.keep(text);
    return true;
}

const Address* first_address(const Flow& flow) {
    if (!flow.source.any()) return &flow.source.items.front();
    if (!flow.destination.any()) return &flow.destination.items.front();
    return nullptr;
}

// Every address of a row must be of one family: a packet is IPv4 or IPv6.
bool check_family(const Section& s, const Row& row) {
    const Address* first = first_address(row.flow);
    if (!first) return true;
    const IpFamily family = first->cidr.address.family;
    const auto name = [](IpFamily f) { return f == IpFamily::v4 ? "IPv4" : "IPv6"; };
    for (const auto* list : {&row.flow.source, &row.flow.destination})
        for (const auto& a : list->items)
            if (a.cidr.address.family != family) {
                s.diag().error(
                    a.at,
                    fmt::format("'{}' is {} but '{}' in the same row is {}; write one row "
                                "per address family",
                                a.text, name(a.cidr.address.family), first->text, name(family)));
                return false;
            }
    return true;
}

bool check_protocol(const Section& s, const Row& row) {
    const Protocol p = row.flow.protocol;
    if (!row.flow.ports.any() && p != Protocol::tcp && p != Protocol::udp) {
        s.diag().error(
            s.pos_of(kPorts),
            fmt::format("ports need protocol \"tcp\" or \"udp\", not \"{}\"", to_string(p)));
        return false;
    }
    const auto family = row.flow.family();
    if ((p == Protocol::icmp && family == IpFamily::v6) ||
        (p == Protocol::icmpv6 && family == IpFamily::v4)) {
        s.diag().error(s.pos_of(kProtocol),
                       p == Protocol::icmp
                           ? "protocol icmp is ICMP for IPv4; use icmpv6 with IPv6 addresses"
                           : "protocol icmpv6 is for IPv6; use icmp with IPv4 addresses");
        return false;
    }
    return true;
}

// direction, action and protocol; false when one is missing or wrong.
bool read_keywords(const Section& s, Row& row) {
    const auto direction =
        keyword<Direction>(s, kDirection, {{"in", Direction::in}, {"out", Direction::out}}, true);
    const auto action = keyword<Action>(
        s, kAction,
        {{"accept", Action::accept}, {"drop", Action::drop}, {"reject", Action::reject}}, true);
    const auto protocol = keyword<Protocol>(s, kProtocol,
                                            {{"tcp", Protocol::tcp},
                                             {"udp", Protocol::udp},
                                             {"icmp", Protocol::icmp},
                                             {"icmpv6", Protocol::icmpv6},
                                             {"any", Protocol::any}},
                                            false);
    if (direction) row.direction = *direction;
    if (action) row.action = *action;
    if (protocol) row.flow.protocol = *protocol;
    return direction && action && (protocol || !s.has(kProtocol));
}

// Fills `row` (a fresh one); false when the row has errors.
bool load_row(Section& s, const Inventory& inventory, Row& row, TextArena& texts) {
    const std::size_t errors_before = s.diag().error_count();
    s.file_keys(kRowKeys);
    // A misspelt key ("protocal") would make the checks across keys report
    // follow-on errors about its default; the misspelling is the one to fix.
    const bool misspelt_key = s.diag().error_count() > errors_before;
    row.at = s.pos();
    row.scope_at = s.pos_of(kScope);
    bool ok = read_scope(s, inventory, row);
    ok = read_keywords(s, row) && ok;
    ok = read_address_list(s, kSource, inventory, row.flow.source, texts) && ok;
    ok = read_address_list(s, kDestination, inventory, row.flow.destination, texts) && ok;
    ok = read_ports(s, row.flow.ports) && ok;
    ok = read_comment(s, row, texts) && ok;
    return ok && !misspelt_key && check_family(s, row) && check_protocol(s, row);
}

} // namespace

bool read_address_list(const Section& s, std::string_view key, const Inventory& inventory,
                       AddressList& out, TextArena& texts) {
    auto items = scalar_list(s, key);
    if (!items) return false;
    if (items->size() == 1 && is_word(s.doc().text(items->front()), "any")) return true;
    bool ok = true;
    out.items.reserve(items->size());
    for (const auto& node : *items) {
        const Scalar item = s.scalar(node);
        if (is_word(item.value, "any")) {
            s.diag().error(item.at, "'any' cannot be combined with other addresses");
            ok = false;
        } else if (auto address = parse_address(item, inventory, s.diag(), texts)) {
            out.items.push_back(std::move(*address));
        } else {
            ok = false;
        }
    }
    return ok;
}

namespace {

// Loads tables[k] into out[k], rows already constructed: each row in
// place, a row with errors left as far as it got (the load fails as a
// whole). `number` is the rows' count before the first, for messages.
// Touches nothing but its own rows, `diag` and `texts`, so two threads load
// ranges at once.
void load_range(const Document& doc, const FileName& file, std::span<const Node> tables,
                std::size_t number, const Inventory& inventory,
                std::span<const TextView> host_names, Row* out, Diagnostics& diag,
                TextArena& texts) {
    for (const Node& table : tables) {
        Row& row = *out++;
        ++number;
        if (table.kind != NodeKind::table) {
            diag.error({file, table.at.line, table.at.column}, "each [[rule]] must be a table");
            continue;
        }
        Section s{doc, table, "[[rule]]", file, diag, number};
        if (load_row(s, inventory, row, texts)) apply_scope(row, inventory, host_names);
    }
}

// From here on a second thread helps. A row takes 300-450 ns on this
// project's VM, a thread 1.5-2.3 ms from its creation to its first
// instruction (stamped; so it is started before the file is read, see
// RowsAhead) and 1 ms to reserve its heap; and once a
// process has had a second thread, every malloc and free outside glibc's
// per-thread cache takes a lock, which cost loading and compiling 50,000
// rows 1.4 ms (tests/bench/fw_rules_gen.py) to 4.7 ms (the mixed policy).
// At 10,000 rows the two threads gained nothing; at 50,000, 7.5 ms.
constexpr std::size_t kRowsForTwoThreads = 20'000;

// What the second thread may allocate (comments, lists longer than a row
// keeps inline) without a page fault: some 90 bytes a row in the mixed
// benchmark policy (tests/bench/fw_rules_gen_mixed.py). And what lowering's
// second thread allocates later (lower/rows.cpp): glibc hands the arena of
// a thread that has ended to the next one, so that thread allocates from
// this reservation too, some 200 bytes for each row of a long run's later
// half.
constexpr std::size_t kThreadHeapPerRow = 512;

// The rows, in chunks two threads claim: the caller's from the front, the
// second thread's from the back, until they meet. However the machine
// schedules the two (on this project's VM a thread can start 3 ms late, or
// run a third slower), neither waits long for the other, and each one's
// rows lie together. A chunk's rows are constructed by the thread that
// claims it, just before it loads them, while their memory is in its cache
// (PlaceVector): every chunk is claimed once, and a thread that fails goes
// on claiming chunks only to construct their rows, so none is left
// unconstructed.
class Chunks {
public:
    static constexpr std::size_t kRows = kRowsPerPiece; // some 100 us of work

    // The tables of the document's [[rule]] array. `host_names` as
    // apply_scope() takes them.
    Chunks(const Section& top, std::span<const Node> tables, std::span<const TextView> host_names)
        : top_(top), tables_(tables), host_names_(host_names), rows_(tables.size()),
          count_((rows_ + kRows - 1) / kRows) {}
    // Those of a split document's pieces, a chunk each: each is read when
    // it is claimed, by the claiming thread, into a document of its own
    // that it reuses, so the tables' entries are still in its cache when it
    // loads their rows, and a large file's text is read on two threads.
    // Chunk c's rows are rows [c * kRows, ...): every piece but the last
    // must hold kRows tables, as load_split cut them.
    Chunks(const Section& top, SplitDocument& split, std::span<const TextView> host_names)
        : top_(top), split_(&split), host_names_(host_names), rows_(table_count(split)),
          count_(split.pieces.size()) {
        for (std::size_t c = 0; c + 1 < count_; ++c)
            if (split.pieces[c].tables != kRows) declined_ = true;
    }

    [[nodiscard]] std::size_t count() const { return count_; }
    [[nodiscard]] std::size_t rows() const { return rows_; }
    // True when a chunk is left for the claimer: the next of its end.
    [[nodiscard]] bool claim() { return taken_.fetch_add(1, std::memory_order_relaxed) < count_; }
    // Whether a piece was not plain TOML: the rows are then all constructed,
    // but not all loaded, and the file must be loaded again whole.
    [[nodiscard]] bool declined() const { return declined_.load(std::memory_order_relaxed); }
    // Constructs the rows of chunk c at `out`, which stands for all rows.
    // Default-initialised, not value-initialised: every member of a Row has
    // an initialiser or a constructor of its own, and value-initialisation
    // would first zero each row's 376 bytes (a memset of 19 MB at 50,000
    // rows) that the constructor and the loader then write again.
    void construct(std::size_t c, Row* out) const noexcept {
        static_assert(std::is_nothrow_default_constructible_v<Row>);
        std::uninitialized_default_construct_n(out + c * kRows, size(c));
    }
    // Constructs chunk c's rows and loads them from its tables; `piece` is
    // the calling thread's document for pieces.
    void load(std::size_t c, const Inventory& inventory, Row* out, Diagnostics& diag,
              TextArena& texts, Document& piece) {
        construct(c, out);
        const std::size_t first = c * kRows;
        if (split_ == nullptr) {
            load_range(top_.doc(), top_.file(), tables_.subspan(first, size(c)), first, inventory,
                       host_names_, out + first, diag, texts);
            return;
        }
        if (declined() || !Document::read_piece(*split_, c, kRuleArray, piece)) {
            declined_.store(true, std::memory_order_relaxed);
            return;
        }
        const config::Entry* array = piece.find(piece.root(), kRuleArray);
        const auto tables = array ? piece.items(array->value) : std::span<const Node>{};
        if (tables.size() != size(c)) { // a header the scan did not see: read it whole
            declined_.store(true, std::memory_order_relaxed);
            return;
        }
        load_range(piece, top_.file(), tables, first, inventory, host_names_, out + first, diag,
                   texts);
    }

private:
    static std::size_t table_count(const SplitDocument& split) {
        std::size_t n = 0;
        for (const auto& piece : split.pieces) n += piece.tables;
        return n;
    }
    [[nodiscard]] std::size_t size(std::size_t c) const {
        return std::min(kRows, rows_ - c * kRows);
    }

    const Section& top_;
    std::span<const Node> tables_;
    SplitDocument* split_ = nullptr;
    std::span<const TextView> host_names_;
    std::size_t rows_;
    std::size_t count_;
    std::atomic<std::size_t> taken_{0};
    std::atomic<bool> declined_{false};
};

// The thread that loads chunks from the back while the caller loads them
// from the front. Its diagnostics and comments are its own until finish()
// hands them over, after the caller's and in the file's order. Started
// before the caller knows how many rows there are (RowsAhead, below), it
// waits for count(), then maps the rows' memory for take_rows() and
// reserves the heap it will use, while the caller reads the file's head
// and the inventory; then it waits for start().
class SecondThread {
public:
    static constexpr std::size_t kUncounted = SIZE_MAX;

    SecondThread()
        : thread_([this] {
              rows_.wait(kUncounted, std::memory_order_acquire);
              const std::size_t rows = rows_.load(std::memory_order_acquire);
              if (rows > 0 && map_) {
                  try {
                      mapped_.reserve(rows + kManagementRowsRoom);
                  } catch (const std::bad_alloc&) {
                      // left empty: the caller's reserve() meets the same
                  }
              }
              mapped_flag_.store(true, std::memory_order_release);
              mapped_flag_.notify_one();
              if (rows > 0) (void)reserve_thread_heap(rows / 2 * kThreadHeapPerRow);
              started_.wait(false, std::memory_order_acquire);
              if (out_ == nullptr) return;
              Chunks& chunks = *chunks_;
              std::size_t c = chunks.count();
              Document piece;
              try {
                  while (chunks.claim()) {
                      Diagnostics diag;
                      chunks.load(--c, *inventory_, out_, diag, texts_, piece);
                      if (!diag.all().empty()) found_.push_back(std::move(diag));
                  }
              } catch (...) {
                  failure_ = std::current_exception();
                  while (chunks.claim()) chunks.construct(--c, out_);
              }
          }) {}
    SecondThread(const SecondThread&) = delete;
    SecondThread& operator=(const SecondThread&) = delete;
    // Whatever happened meanwhile, the thread is let go and waited for.
    ~SecondThread() {
        count(0, false);
        start(nullptr, nullptr, nullptr);
        if (thread_.joinable()) thread_.join();
    }

    // How many rows the file has (0: none for this thread), and whether to
    // map their memory for take_rows(). Once, from one thread; later calls
    // change nothing.
    void count(std::size_t rows, bool map_them) {
        if (rows_.load(std::memory_order_relaxed) != kUncounted) return;
        map_ = map_them;
        rows_.store(rows, std::memory_order_release); // publishes map_
        rows_.notify_one();
    }

    // The memory it mapped, once it is: no rows, room for count()'s and
    // for [management]'s.
    [[nodiscard]] PlaceVector<Row> take_rows() {
        mapped_flag_.wait(false, std::memory_order_acquire);
        return std::move(mapped_);
    }

    // The rows' memory is there, its rows for the two threads to construct
    // and load from `chunks` (null: the load is given up). Once.
    void start(Chunks* chunks, const Inventory* inventory, Row* out) {
        if (started_.load(std::memory_order_relaxed)) return;
        chunks_ = chunks;
        inventory_ = inventory;
        out_ = out;
        started_.store(true, std::memory_order_release); // publishes the three
        started_.notify_one();
    }

    // Waits for the thread; what it threw is thrown here.
    void finish(Diagnostics& diag, TextArena& texts) {
        thread_.join();
        if (failure_) std::rethrow_exception(failure_);
        // It went from the back: its last chunk with findings comes first.
        for (auto found = found_.rbegin(); found != found_.rend(); ++found)
            diag.append(std::move(*found));
        texts.adopt(texts_);
    }

    // Waits for the thread after the caller failed: it constructs the
    // chunks it claims, and the caller's rows must outlive that.
    void abandon() noexcept {
        if (thread_.joinable()) thread_.join();
    }

private:
    PlaceVector<Row> mapped_;
    std::vector<Diagnostics> found_; // a chunk's, for chunks with any
    TextArena texts_;
    std::exception_ptr failure_;
    Chunks* chunks_ = nullptr;
    const Inventory* inventory_ = nullptr;
    Row* out_ = nullptr;
    bool map_ = false;
    std::atomic<std::size_t> rows_{kUncounted};
    std::atomic<bool> mapped_flag_{false};
    std::atomic<bool> started_{false};
    std::thread thread_; // last: it runs once everything above is made
};

// Without a thread to be had (a limit on tasks) the failed emplace leaves
// `second` empty, and the caller loads every row.
void start_second_thread(std::optional<SecondThread>& second) {
    try {
        second.emplace();
    } catch (const std::system_error&) {
    }
}

// Loads the chunks' rows after `rows`' own, with `early`'s thread when
// there is one; false when a piece was declined.
bool load_chunks(Chunks& chunks, const Section& top, const Inventory& inventory,
                 PlaceVector<Row>& rows, TextArena& texts, SecondThread* early) {
    std::optional<SecondThread> own;
    SecondThread* second = early;
    if (second == nullptr && chunks.rows() >= kRowsForTwoThreads) {
        start_second_thread(own);
        if (own) {
            second = &*own;
            second->count(chunks.rows(), false); // the caller maps them meanwhile
        }
    }
    const std::size_t base = rows.size();
    rows.reserve(base + chunks.rows()); // allocated at once (common/place_vector.hpp)
    Row* const out = rows.grow_unconstructed(chunks.rows());
    if (second) second->start(&chunks, &inventory, out);
    std::size_t c = 0;
    Document piece;
    try {
        for (; chunks.claim(); ++c) chunks.load(c, inventory, out, top.diag(), texts, piece);
    } catch (...) {
        while (chunks.claim()) chunks.construct(++c, out); // chunk c was constructed
        if (second) second->abandon();
        throw;
    }
    if (second) second->finish(top.diag(), texts);
    return !chunks.declined();
}

} // namespace

class RowsAhead {
public:
    SecondThread thread;
};

void StopRowsAhead::operator()(RowsAhead* ahead) const noexcept {
    delete ahead;
}

RowsAheadPtr start_rows_ahead(std::uintmax_t file_bytes) {
    if (file_bytes < kRowsForTwoThreads * kFewestBytesPerRow) return nullptr;
    try {
        return RowsAheadPtr{new RowsAhead};
    } catch (const std::system_error&) {
        return nullptr; // no thread to be had: the caller loads every row
    }
}

RowsAhead* rows_counted(const RowsAheadPtr& ahead, const SplitDocument& split) {
    if (!ahead) return nullptr;
    std::size_t rows = 0;
    for (const auto& piece : split.pieces) rows += piece.tables;
    if (rows < kRowsForTwoThreads) {
        ahead->thread.count(0, false); // it ends by itself; one thread loads the rows
        return nullptr;
    }
    ahead->thread.count(rows, true);
    return ahead.get();
}

PlaceVector<Row> take_rows(RowsAhead& ahead) {
    return ahead.thread.take_rows();
}

void load_rows(const Section& top, const Inventory& inventory, std::span<const TextView> host_names,
               PlaceVector<Row>& rows, TextArena& texts) {
    const Node* array = top.array(kRuleArray);
    if (!array) return;
    Chunks chunks{top, top.doc().items(*array), host_names};
    (void)load_chunks(chunks, top, inventory, rows, texts, nullptr);
}

bool load_rows(const Section& top, SplitDocument& split, RowsAhead* ahead,
               const Inventory& inventory, std::span<const TextView> host_names,
               PlaceVector<Row>& rows, TextArena& texts) {
    Chunks chunks{top, split, host_names};
    return load_chunks(chunks, top, inventory, rows, texts, ahead ? &ahead->thread : nullptr);
}

} // namespace phx::fw::detail
