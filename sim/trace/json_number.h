// JSON text of a double for the timeline writer, without allocation: the shortest text that
// reads back as the same double (std::to_chars's choice, fixed or scientific, whichever is
// shorter, fixed on a tie), "null" for NaN and infinities (JSON has neither).
#pragma once

#include <cstddef>

namespace trnsim::sim {

inline constexpr size_t kJsonNumberMaxChars = 40;

// Writes the text into buf and returns its length.
size_t json_number(double v, char (&buf)[kJsonNumberMaxChars]);

}  // namespace trnsim::sim
