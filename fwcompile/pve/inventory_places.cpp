// SPDX-License-Identifier: GPL-3.0-or-later
// The positions of the inventory's keys in the rules file; see
// inventory_places.hpp.
#include "fwcompile/pve/inventory_places.hpp"

namespace phx::fw::pve {

namespace {

using config::Document;
using config::Node;
using config::NodeKind;

SourcePos place(const FileName& file, const Node& value) {
    return {file, value.at.line, value.at.column};
}

// The value of `key` in `table`, or the table itself when it has none.
SourcePos place_of(const Document& doc, const FileName& file, const Node& table,
                   std::string_view key) {
    const config::Entry* entry = doc.find(table, key);
    return place(file, entry ? entry->value : table);
}

GuestPlaces guest_places(const Document& doc, const FileName& file, const Node& table) {
    GuestPlaces p;
    p.table = place(file, table);
    p.id = place_of(doc, file, table, "id");
    p.kind = place_of(doc, file, table, "kind");
    p.name = place_of(doc, file, table, "name");
    p.address = place_of(doc, file, table, "address");
    p.port = place_of(doc, file, table, "port");
    p.mac = place_of(doc, file, table, "mac");
    return p;
}

} // namespace

GuestPlaces InventoryPlaces::of(const inventory::Host& guest) const {
    if (guest.id)
        if (auto it = guests.find(*guest.id); it != guests.end()) return it->second;
    return {guest.at, guest.at, guest.at, guest.at, guest.at, guest.at, guest.at};
}

InventoryPlaces inventory_places(const Document& doc, const FileName& file) {
    InventoryPlaces places;
    const Node& root = doc.root();
    if (const config::Entry* hypervisor = doc.find(root, "hypervisor");
        hypervisor && hypervisor->value.kind == NodeKind::table)
        places.bridge = place_of(doc, file, hypervisor->value, "bridge");
    const config::Entry* guests = doc.find(root, "guest");
    if (!guests || guests->value.kind != NodeKind::array) return places;
    for (const Node& table : doc.items(guests->value)) {
        if (table.kind != NodeKind::table) continue;
        const config::Entry* id = doc.find(table, "id");
        if (!id || id->value.kind != NodeKind::integer) continue;
        places.guests.emplace(static_cast<std::uint32_t>(doc.integer(id->value)),
                              guest_places(doc, file, table));
    }
    return places;
}

} // namespace phx::fw::pve
