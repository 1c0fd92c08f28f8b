#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>
#include <random>
#include <string>

#include "moe_kernels.h"
#include "reference.h"

namespace {

constexpr int64_t kPage = 64, kHead = 576, kValue = 512;

struct Case {
  std::vector<int32_t> seqlens;
  int64_t s_q, h_q;
  bool causal;
  int64_t num_parts;
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  os << "seqlens";
  for (const int32_t len : c.seqlens) os << "_" << len;
  return os << "_sq" << c.s_q << "_hq" << c.h_q << (c.causal ? "_causal" : "") << "_parts" << c.num_parts;
}

struct Inputs {
  std::vector<float> q, k_cache;
  std::vector<int32_t> block_table;
  int64_t max_blocks, num_blocks;
};

// Pages are laid out in a shuffled order, so a kernel that ignored block_table would read the wrong tokens.
Inputs MakeInputs(const Case& c) {
  const int64_t batch = static_cast<int64_t>(c.seqlens.size());
  Inputs in;
  in.max_blocks = 1;
  for (const int32_t len : c.seqlens) in.max_blocks = std::max<int64_t>(in.max_blocks, (len + kPage - 1) / kPage);
  in.num_blocks = batch * in.max_blocks;
  std::vector<int32_t> order(static_cast<size_t>(in.num_blocks));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(5));
  in.block_table = order;
  in.q = moe_test::RandomFloats(static_cast<size_t>(batch * c.s_q * c.h_q * kHead), 70);
  in.k_cache = moe_test::RandomFloats(static_cast<size_t>(in.num_blocks * kPage * kHead), 71);
  return in;
}

// Scaled dot-product attention per query row in float64, gathering the sequence's tokens through block_table.
void Reference(const Case& c, const Inputs& in, std::vector<double>& out, std::vector<double>& lse) {
  const int64_t batch = static_cast<int64_t>(c.seqlens.size());
  const double scale = 1.0 / std::sqrt(576.0);
  out.assign(static_cast<size_t>(batch * c.s_q * c.h_q * kValue), 0.0);
  lse.assign(static_cast<size_t>(batch * c.h_q * c.s_q), 0.0);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < c.s_q; ++i) {
      const int64_t visible = c.causal ? std::max<int64_t>(0, c.seqlens[b] - (c.s_q - 1 - i)) : c.seqlens[b];
      for (int64_t h = 0; h < c.h_q; ++h) {
        const float* q = in.q.data() + ((b * c.s_q + i) * c.h_q + h) * kHead;
        std::vector<double> scores(static_cast<size_t>(visible));
        std::vector<const float*> keys(static_cast<size_t>(visible));
        for (int64_t t = 0; t < visible; ++t) {
          keys[t] = in.k_cache.data() + (in.block_table[b * in.max_blocks + t / kPage] * kPage + t % kPage) * kHead;
          double dot = 0;
          for (int64_t d = 0; d < kHead; ++d) dot += static_cast<double>(q[d]) * keys[t][d];
          scores[t] = dot * scale;
        }
        double* o = out.data() + ((b * c.s_q + i) * c.h_q + h) * kValue;
        double& row_lse = lse[(b * c.h_q + h) * c.s_q + i];
        if (visible == 0) {
          row_lse = -INFINITY;
          continue;
        }
        const double max = *std::max_element(scores.begin(), scores.end());
        double sum = 0;
        for (const double s : scores) sum += std::exp(s - max);
        for (int64_t t = 0; t < visible; ++t) {
          const double p = std::exp(scores[t] - max) / sum;
          for (int64_t d = 0; d < kValue; ++d) o[d] += p * keys[t][d];
        }
        row_lse = max + std::log(sum);
      }
    }
  }
}

class MlaTest : public ::testing::TestWithParam<Case> {};

TEST_P(MlaTest, MatchesFloat64AttentionOverThePagedCache) {
  const Case c = GetParam();
  const Inputs in = MakeInputs(c);
  const int64_t batch = static_cast<int64_t>(c.seqlens.size());
  std::vector<int32_t> metadata(static_cast<size_t>(c.num_parts * MOE_MLA_METADATA_INTS));
  std::vector<int32_t> num_splits(static_cast<size_t>(batch + 1));
  ASSERT_EQ(moe_mla_get_metadata(c.seqlens.data(), batch, c.num_parts, metadata.data(), num_splits.data()), MOE_OK)
      << moe_last_error();
  std::vector<float> out(static_cast<size_t>(batch * c.s_q * c.h_q * kValue), NAN);
  std::vector<float> lse(static_cast<size_t>(batch * c.h_q * c.s_q), NAN);
  ASSERT_EQ(moe_mla_decode(in.q.data(), in.k_cache.data(), in.block_table.data(), c.seqlens.data(), batch, c.s_q, c.h_q,
                           in.num_blocks, in.max_blocks, 0.0f, c.causal ? 1 : 0, metadata.data(), num_splits.data(),
                           c.num_parts, out.data(), lse.data()),
            MOE_OK)
      << moe_last_error();
  std::vector<double> expected_out, expected_lse;
  Reference(c, in, expected_out, expected_lse);

  std::vector<double> finite_lse, finite_expected_lse;
  for (size_t i = 0; i < lse.size(); ++i) {
    if (std::isinf(expected_lse[i])) {
      EXPECT_TRUE(std::isinf(lse[i]) && lse[i] < 0) << "row " << i << " sees no token";
    } else {
      finite_lse.push_back(lse[i]);
      finite_expected_lse.push_back(expected_lse[i]);
      ASSERT_NEAR(lse[i], expected_lse[i], 1e-4 * std::fabs(expected_lse[i]) + 1e-4) << "lse row " << i;
    }
  }
  const std::vector<double> actual_out(out.begin(), out.end());
  EXPECT_LT(moe_test::CosineDiff(actual_out, expected_out), 1e-5);
  if (!finite_lse.empty()) {
    EXPECT_LT(moe_test::CosineDiff(finite_lse, finite_expected_lse), 1e-5);
  }
  for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], expected_out[i], 2e-4) << "out element " << i;
}

INSTANTIATE_TEST_SUITE_P(Shapes, MlaTest,
                         ::testing::Values(Case{{1}, 1, 1, false, 1}, Case{{130, 777, 64}, 1, 4, false, 3},
                                           Case{{130, 777, 64}, 2, 4, true, 8}, Case{{5000}, 1, 2, false, 6},
                                           Case{{0, 200, 1}, 2, 3, true, 4}, Case{{300, 301}, 4, 16, true, 2},
                                           Case{{65, 1}, 1, 1, false, 16},
                                           // 16 rows: one vector of lanes; two sequences of unequal length
                                           Case{{700, 64}, 1, 16, false, 4},
                                           // 20 rows, two query positions mixed in a vector of lanes (each
                                           // sees its own number of tokens), the last group 4 rows
                                           Case{{129, 333}, 2, 10, true, 3},
                                           // 12 rows; some see no token at all (seqlen 1 < s_q) or none (0)
                                           Case{{1, 0, 190}, 4, 3, true, 5},
                                           // 128 heads (DeepSeek-V3's): 8 groups of 16 rows
                                           Case{{97}, 1, 128, false, 1}));

// Every page of every sequence is covered exactly once, in order, and no partition takes more than its share.
TEST(MlaMetadata, CoversEveryPageOnceAndBalancesPartitions) {
  const std::vector<int32_t> seqlens = {4096, 64, 1, 0, 3000, 129};
  const int64_t batch = 6, parts = 7;
  std::vector<int32_t> metadata(parts * MOE_MLA_METADATA_INTS), num_splits(batch + 1);
  ASSERT_EQ(moe_mla_get_metadata(seqlens.data(), batch, parts, metadata.data(), num_splits.data()), MOE_OK);
  std::vector<int64_t> pages_of(batch);
  int64_t total = 0;
  for (int64_t b = 0; b < batch; ++b) {
    pages_of[b] = (seqlens[b] + 63) / 64;
    total += pages_of[b] + MOE_MLA_FIXED_OVERHEAD_PAGES;
  }
  const int64_t share = (total + parts - 1) / parts + MOE_MLA_FIXED_OVERHEAD_PAGES;
  std::vector<std::vector<int>> covered(batch);
  for (int64_t b = 0; b < batch; ++b) covered[b].assign(static_cast<size_t>(pages_of[b]), 0);
  std::vector<int> pieces(batch, 0);
  for (int64_t p = 0; p < parts; ++p) {
    const int32_t* m = metadata.data() + p * MOE_MLA_METADATA_INTS;
    if (m[0] == batch) continue;
    int64_t cost = 0;
    for (int64_t b = m[0]; b <= m[2]; ++b) {
      const int64_t begin = b == m[0] ? m[1] : 0, end = b == m[2] ? m[3] : pages_of[b];
      for (int64_t page = begin; page < end; ++page) ++covered[b][page];
      cost += end - begin + MOE_MLA_FIXED_OVERHEAD_PAGES;
      ++pieces[b];
    }
    EXPECT_LE(cost, share + MOE_MLA_FIXED_OVERHEAD_PAGES) << "partition " << p;
  }
  for (int64_t b = 0; b < batch; ++b) {
    for (const int count : covered[b]) EXPECT_EQ(count, 1) << "sequence " << b;
    EXPECT_EQ(num_splits[b + 1] - num_splits[b], pieces[b]) << "sequence " << b;
  }
  EXPECT_GT(pieces[0], 1) << "the long sequence is cut across partitions";
}

TEST(MlaDecode, RejectsMetadataForOtherLengthsAndOutOfRangeBlocks) {
  const Case c{{200, 100}, 1, 2, false, 2};
  Inputs in = MakeInputs(c);
  std::vector<int32_t> metadata(2 * MOE_MLA_METADATA_INTS), num_splits(3);
  const std::vector<int32_t> other = {100, 200};
  ASSERT_EQ(moe_mla_get_metadata(other.data(), 2, 2, metadata.data(), num_splits.data()), MOE_OK);
  std::vector<float> out(2 * 2 * kValue), lse(4);
  EXPECT_EQ(
      moe_mla_decode(in.q.data(), in.k_cache.data(), in.block_table.data(), c.seqlens.data(), 2, 1, 2, in.num_blocks,
                     in.max_blocks, 0.0f, 0, metadata.data(), num_splits.data(), 2, out.data(), lse.data()),
      MOE_ERR_INDEX);
  EXPECT_NE(std::string(moe_last_error()).find("recompute"), std::string::npos) << moe_last_error();

  ASSERT_EQ(moe_mla_get_metadata(c.seqlens.data(), 2, 2, metadata.data(), num_splits.data()), MOE_OK);
  in.block_table[1] = static_cast<int32_t>(in.num_blocks);
  EXPECT_EQ(
      moe_mla_decode(in.q.data(), in.k_cache.data(), in.block_table.data(), c.seqlens.data(), 2, 1, 2, in.num_blocks,
                     in.max_blocks, 0.0f, 0, metadata.data(), num_splits.data(), 2, out.data(), lse.data()),
      MOE_ERR_INDEX);
  EXPECT_NE(std::string(moe_last_error()).find("block_table[0, 1]"), std::string::npos) << moe_last_error();

  const std::vector<int32_t> too_long = {4 * 64 + 1, 100};
  EXPECT_EQ(
      moe_mla_decode(in.q.data(), in.k_cache.data(), in.block_table.data(), too_long.data(), 2, 1, 2, in.num_blocks,
                     in.max_blocks, 0.0f, 0, metadata.data(), num_splits.data(), 2, out.data(), lse.data()),
      MOE_ERR_SHAPE);
  EXPECT_NE(std::string(moe_last_error()).find("cache_seqlens[0]"), std::string::npos) << moe_last_error();
}

}  // namespace
