// SPDX-License-Identifier: GPL-3.0-or-later
// A vector whose new elements the caller may construct itself, in place and
// on several threads at once. std::vector constructs every element it adds
// before anyone can write it: for the 50,000 rows of a large rules file
// that was a pass over 36 MiB (4.5 ms on this project's VM) that the loaders
// then write over again, each row by then out of the cache. Otherwise the
// part of std::vector's interface phx-fw uses, with the same guarantees.
//
// From 2 MiB its elements are a mapping of their own, on huge pages and
// allocated at once (common/huge_pages.hpp): a caller reserves to fill what
// it reserved. And malloc's heap, which phx-fw reserves ahead for a load
// (fwcompile/load/load.hpp), then needs no room for them: 50,000 rows take
// 18 MiB, 10,000 take 4, and how many a file holds is not known before it
// is read.
#pragma once

#include "common/huge_pages.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace phx {

template <typename T>
class PlaceVector {
public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    PlaceVector() = default;
    PlaceVector(const PlaceVector& other) {
        // Built aside, so that a copy that throws leaves nothing allocated.
        PlaceVector made;
        made.reserve(other.size_);
        std::uninitialized_copy_n(other.data_, other.size_, made.data_);
        made.size_ = other.size_;
        swap(made);
    }
    PlaceVector(PlaceVector&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)),
          capacity_(std::exchange(other.capacity_, 0)) {}
    PlaceVector& operator=(PlaceVector other) noexcept {
        swap(other);
        return *this;
    }
    ~PlaceVector() {
        std::destroy_n(data_, size_);
        release(data_, capacity_);
    }

    void swap(PlaceVector& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        std::swap(capacity_, other.capacity_);
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] T* data() noexcept { return data_; }
    [[nodiscard]] const T* data() const noexcept { return data_; }
    [[nodiscard]] T* begin() noexcept { return data_; }
    [[nodiscard]] T* end() noexcept { return data_ + size_; }
    [[nodiscard]] const T* begin() const noexcept { return data_; }
    [[nodiscard]] const T* end() const noexcept { return data_ + size_; }
    [[nodiscard]] T& operator[](std::size_t i) noexcept { return data_[i]; }
    [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    [[nodiscard]] T& front() noexcept { return data_[0]; }
    [[nodiscard]] const T& front() const noexcept { return data_[0]; }
    [[nodiscard]] T& back() noexcept { return data_[size_ - 1]; }
    [[nodiscard]] const T& back() const noexcept { return data_[size_ - 1]; }

    void reserve(std::size_t wanted) {
        if (wanted <= capacity_) return;
        T* const moved = allocate(wanted);
        // Moved when that cannot throw, copied otherwise (as std::vector):
        // if a copy throws, the elements stay where they were.
        try {
            if constexpr (std::is_nothrow_move_constructible_v<T>)
                std::uninitialized_move_n(data_, size_, moved);
            else
                std::uninitialized_copy_n(data_, size_, moved);
        } catch (...) {
            release(moved, wanted);
            throw;
        }
        std::destroy_n(data_, size_);
        release(data_, capacity_);
        data_ = moved;
        capacity_ = wanted;
    }

    template <typename... Args>
    T& emplace_back(Args&&... args) {
        if (size_ == capacity_) reserve(std::max<std::size_t>(4, 2 * capacity_));
        T* const made = std::construct_at(data_ + size_, std::forward<Args>(args)...);
        ++size_;
        return *made;
    }
    void push_back(const T& value) { emplace_back(value); }
    void push_back(T&& value) { emplace_back(std::move(value)); }

    // Grows by `n` elements that are not constructed and returns the first.
    // The caller constructs every one of them (std::construct_at, in any
    // order, on any thread) before anything else uses this vector, its
    // destructor included: if something throws meanwhile, it constructs the
    // rest (default-constructed, say) before it lets the exception out.
    [[nodiscard]] T* grow_unconstructed(std::size_t n) {
        reserve(size_ + n);
        T* const first = data_ + size_;
        size_ += n;
        return first;
    }

private:
#if defined(__SANITIZE_ADDRESS__)
    // Under AddressSanitizer every block comes from its allocator, which
    // checks the accesses around it.
    static bool own_mapping(std::size_t) {
        return false;
    }
#else
    static bool own_mapping(std::size_t n) {
        return n > (kHugePageBytes - 1) / sizeof(T);
    }
#endif
    static T* allocate(std::size_t n) {
        if (!own_mapping(n)) return std::allocator<T>{}.allocate(n);
        if (n > std::allocator_traits<std::allocator<T>>::max_size(std::allocator<T>{}))
            throw std::bad_array_new_length();
        return reinterpret_cast<T*>(map_huge_pages(n * sizeof(T)).release());
    }
    static void release(T* data, std::size_t n) noexcept {
        if (!data) return;
        if (own_mapping(n))
            UnmapPages{whole_huge_pages(n * sizeof(T))}(reinterpret_cast<char*>(data));
        else
            std::allocator<T>{}.deallocate(data, n);
    }

    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

} // namespace phx
