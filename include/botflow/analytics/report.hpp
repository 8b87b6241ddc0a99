// The reports' arithmetic that tests check on its own.
#pragma once
#include <string>
#include <vector>

namespace botflow::analytics {

/// The first-response percentile `p` (0..1) of an 80-bucket histogram (bucket i holds times
/// from 100 ms * 1.25^i up to the next), as the bucket's geometric middle in ms; -1 when the
/// histogram is empty. Pure.
long long histogram_percentile_ms(const std::vector<long long>& buckets, double p);

}  // namespace botflow::analytics
