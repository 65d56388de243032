#pragma once
// Incremental reader of the migration stream. The VMM reads its socket non-blocking and feeds whatever
// arrived; the reader returns one step at a time: need more bytes, a whole section, or an error. Errors are
// sticky and named (truncated, wrong magic/version, oversized section, unknown type, too many sections,
// sections out of order, data after the end). It never throws and never buffers more than one section's
// payload within its limits.
#include <cstddef>
#include <optional>
#include <string>

#include "migration/stream_format.h"

namespace nf::migration {

class StreamReader {
public:
    struct Step {
        enum class Kind { NeedMore, Section, Error } kind = Kind::NeedMore;
        std::size_t consumed = 0;        // bytes of the input this step used
        std::optional<Section> section;  // set for Kind::Section
        std::string error;               // set for Kind::Error
    };

    explicit StreamReader(StreamLimits limits = {}) : limits_(limits) {}

    // Consumes a prefix of `input`. Call again with the rest until NeedMore (all consumed) or Error.
    Step next(ByteView input) noexcept;
    // The peer closed the stream: an error (truncated) unless it ended at a section boundary after an EOF.
    std::optional<std::string> finish() const;

    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    int eofs_seen() const { return eofs_; }
    std::size_t sections_read() const { return sections_; }

private:
    Step fail(std::string message, std::size_t consumed) noexcept;
    std::optional<std::string> check_order(SectionType type) const;

    StreamLimits limits_;
    enum class Phase { Header, SectionHeader, Payload } phase_ = Phase::Header;
    Bytes partial_;  // header bytes, or the current section's payload so far
    SectionType type_ = SectionType::Eof;
    std::size_t length_ = 0;
    std::size_t sections_ = 0;
    int eofs_ = 0;
    std::string error_;
};

}  // namespace nf::migration
