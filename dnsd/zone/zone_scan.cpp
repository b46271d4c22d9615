// SPDX-License-Identifier: GPL-3.0-or-later
// Drives libzscanner. The scanner context is large (it holds a 64 KiB rdata
// buffer), so it lives on the heap, owned by a unique_ptr that deinits it.
#include "dnsd/zone/zone_scan.hpp"

extern "C" { // libzscanner's headers declare C functions without extern "C"
#include <libzscanner/scanner.h>
}

#include "common/file_text.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/include_check.hpp"

#include <fmt/format.h>
#include <memory>

namespace phx::dns {
namespace {

constexpr std::uint32_t kDefaultTtl = 3600;
constexpr std::size_t kMaxErrorsPerFile = 100;

struct ScanState {
    std::string file_label;
    std::vector<ScannedRecord> records;
    Diagnostics* diag = nullptr;
    std::size_t errors = 0;
};

std::string as_string(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// With $INCLUDE the scanner reports from the included file, so name the
// file it is reading; text input has no file name.
std::string file_of(const zs_scanner_t* s, const ScanState& state) {
    if (s->file.name != nullptr && s->file.name[0] != '\0') return s->file.name;
    return state.file_label;
}

void on_record(zs_scanner_t* s) {
    auto& state = *static_cast<ScanState*>(s->process.data);
    ScannedRecord r;
    r.owner = as_string(s->r_owner, s->r_owner_length);
    auto lowered = wire::Name::from_wire({s->r_owner, s->r_owner_length});
    if (!lowered) return; // the scanner only hands over valid names
    lowered->to_lower();
    r.owner_lower = std::string{lowered->view()};
    r.type = RrType{s->r_type};
    r.rclass = s->r_class;
    r.ttl = s->r_ttl;
    r.rdata = as_string(s->r_data, s->r_data_length);
    r.at = {file_of(s, state), static_cast<std::uint32_t>(s->line_counter), 0};
    state.records.push_back(std::move(r));
}

bool is_file_error(int code) {
    return code == ZS_FILE_OPEN || code == ZS_FILE_INVALID || code == ZS_FILE_ACCESS;
}

// libzscanner says "file open error" for an $INCLUDE it cannot read; the
// admin needs to know which file, and why.
std::string error_text(const zs_scanner_t* s) {
    const std::string_view included{s->include_filename};
    if (!is_file_error(s->error.code) || included.empty()) return zs_strerror(s->error.code);
    std::string why = file_problem(std::string{included});
    if (why.empty()) why = zs_strerror(s->error.code);
    return fmt::format("cannot read $INCLUDE file {}: {}", included, why);
}

void on_error(zs_scanner_t* s) {
    auto& state = *static_cast<ScanState*>(s->process.data);
    state.diag->error({file_of(s, state), static_cast<std::uint32_t>(s->line_counter), 0},
                      error_text(s));
    if (++state.errors >= kMaxErrorsPerFile) s->state = ZS_STATE_STOP;
}

struct ScannerDeleter {
    void operator()(zs_scanner_t* s) const {
        zs_deinit(s);
        delete s;
    }
};

} // namespace

std::vector<ScannedRecord> scan_zone(std::string_view input, bool input_is_file,
                                     const std::string& origin_text, const std::string& file_label,
                                     Diagnostics& diag) {
    ScanState state{file_label, {}, &diag, 0};
    std::unique_ptr<zs_scanner_t, ScannerDeleter> scanner{new zs_scanner_t{}};
    if (zs_init(scanner.get(), origin_text.c_str(), to_u16(RrClass::in), kDefaultTtl) != 0) {
        diag.error({file_label}, fmt::format("cannot use origin '{}': {}", origin_text,
                                             zs_strerror(scanner->error.code)));
        return {};
    }
    const std::string input_copy{input};
    if (input_is_file && !check_includes(input_copy, diag)) return {};
    const int set = input_is_file
                        ? zs_set_input_file(scanner.get(), input_copy.c_str())
                        : zs_set_input_string(scanner.get(), input_copy.data(), input_copy.size());
    if (set != 0) {
        diag.error({file_label},
                   fmt::format("cannot read zone file: {}", zs_strerror(scanner->error.code)));
        return {};
    }
    if (zs_set_processing(scanner.get(), on_record, on_error, &state) != 0 ||
        zs_parse_all(scanner.get()) != 0) {
        if (state.errors == 0)
            diag.error({file_label, static_cast<std::uint32_t>(scanner->line_counter), 0},
                       zs_strerror(scanner->error.code));
    }
    return std::move(state.records);
}

} // namespace phx::dns
