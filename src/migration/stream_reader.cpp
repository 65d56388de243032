#include "migration/stream_reader.h"

#include <algorithm>
#include <cstdio>

namespace nf::migration {

namespace {
std::string hex32(std::uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

bool known_type(std::uint8_t type) {
    return type >= static_cast<std::uint8_t>(SectionType::Config) && type <= static_cast<std::uint8_t>(SectionType::Eof);
}
}  // namespace

StreamReader::Step StreamReader::fail(std::string message, std::size_t consumed) noexcept {
    error_ = std::move(message);
    partial_.clear();
    partial_.shrink_to_fit();
    return {Step::Kind::Error, consumed, std::nullopt, error_};
}

std::optional<std::string> StreamReader::check_order(SectionType type) const {
    if (sections_ == 0 && type != SectionType::Config)
        return "stream out of order: first section is " + std::string(to_string(type)) + ", expected config";
    switch (type) {
    case SectionType::Config:
        if (sections_ != 0) return std::string("stream out of order: a second config section");
        break;
    case SectionType::Device:
        if (eofs_ != 0) return std::string("stream out of order: device section after the main part's EOF");
        break;
    case SectionType::Netpass:
        if (eofs_ != 1) return std::string("stream out of order: netpass section before the main part's EOF");
        break;
    case SectionType::Eof: break;
    }
    return std::nullopt;
}

StreamReader::Step StreamReader::next(ByteView input) noexcept {
    if (failed()) return {Step::Kind::Error, 0, std::nullopt, error_};
    try {
        std::size_t used = 0;
        while (used < input.size() || (phase_ == Phase::Payload && partial_.size() == length_)) {
            if (phase_ == Phase::Header || phase_ == Phase::SectionHeader) {
                if (phase_ == Phase::SectionHeader && eofs_ >= 2)
                    return fail("data after the end of the stream", used);
                const std::size_t want = phase_ == Phase::Header ? kStreamHeaderSize : kSectionHeaderSize;
                const std::size_t take = std::min(want - partial_.size(), input.size() - used);
                partial_.insert(partial_.end(), input.begin() + static_cast<std::ptrdiff_t>(used),
                                input.begin() + static_cast<std::ptrdiff_t>(used + take));
                used += take;
                if (partial_.size() < want) break;
                if (phase_ == Phase::Header) {
                    const std::uint32_t magic = get_be32(partial_, 0);
                    const std::uint32_t version = get_be32(partial_, 4);
                    if (magic != kStreamMagic)
                        return fail("not a migration stream: bad magic " + hex32(magic) + " (expected " +
                                        hex32(kStreamMagic) + ")", used);
                    if (version != kStreamVersion)
                        return fail("unsupported stream version " + std::to_string(version) + " (this VMM reads version " +
                                        std::to_string(kStreamVersion) + ")", used);
                    partial_.clear();
                    phase_ = Phase::SectionHeader;
                    continue;
                }
                const auto raw_type = std::to_integer<std::uint8_t>(partial_[0]);
                const std::uint32_t length = get_be32(partial_, 1);
                if (!known_type(raw_type)) return fail("unknown section type " + std::to_string(raw_type), used);
                const auto type = static_cast<SectionType>(raw_type);
                if (sections_ >= limits_.max_sections)
                    return fail("too many sections (limit " + std::to_string(limits_.max_sections) + ")", used);
                if (auto order = check_order(type)) return fail(*order, used);
                if (length > limits_.max_section_bytes)
                    return fail(std::string(to_string(type)) + " section of " + std::to_string(length) +
                                    " bytes exceeds the limit of " + std::to_string(limits_.max_section_bytes) + " bytes",
                                used);
                if (type == SectionType::Eof && length != 0)
                    return fail("EOF section with a " + std::to_string(length) + "-byte payload", used);
                type_ = type;
                length_ = length;
                partial_.clear();
                phase_ = Phase::Payload;
                continue;
            }
            // Payload: grows with what arrives, never past the announced length (itself within the limit).
            const std::size_t take = std::min(length_ - partial_.size(), input.size() - used);
            partial_.insert(partial_.end(), input.begin() + static_cast<std::ptrdiff_t>(used),
                            input.begin() + static_cast<std::ptrdiff_t>(used + take));
            used += take;
            if (partial_.size() < length_) break;
            Section section{type_, std::move(partial_)};
            partial_ = Bytes{};
            phase_ = Phase::SectionHeader;
            ++sections_;
            if (type_ == SectionType::Eof) ++eofs_;
            return {Step::Kind::Section, used, std::move(section), {}};
        }
        return {Step::Kind::NeedMore, used, std::nullopt, {}};
    } catch (const std::exception& e) {  // allocation failure within the limits: still a named error
        return fail(std::string("stream reader: ") + e.what(), input.size());
    }
}

std::optional<std::string> StreamReader::finish() const {
    if (failed()) return error_;
    switch (phase_) {
    case Phase::Header:
        return "stream truncated: " + std::to_string(partial_.size()) + " of " + std::to_string(kStreamHeaderSize) +
               " header bytes";
    case Phase::Payload:
        return "stream truncated: " + std::to_string(partial_.size()) + " of " + std::to_string(length_) + " bytes of a " +
               std::string(to_string(type_)) + " section";
    case Phase::SectionHeader:
        if (!partial_.empty()) return std::string("stream truncated inside a section header");
        if (eofs_ == 0) return std::string("stream truncated before the main part's EOF");
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace nf::migration
