#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "moe_kernels.h"
#include "reference.h"

namespace {

struct Routing {
  int64_t tokens, top_k, experts, ranks;
  std::vector<int64_t> topk_idx;
  std::vector<float> weights;
};

// Distinct experts per token, some slots -1, as a gate with a capacity limit produces.
Routing MakeRouting(int64_t tokens, int64_t top_k, int64_t experts, int64_t ranks, uint32_t seed) {
  Routing r{tokens, top_k, experts, ranks, {}, {}};
  std::mt19937 generator(seed);
  for (int64_t t = 0; t < tokens; ++t) {
    std::set<int64_t> chosen;
    while (static_cast<int64_t>(chosen.size()) < top_k) chosen.insert(static_cast<int64_t>(generator() % experts));
    for (const int64_t e : chosen) {
      r.topk_idx.push_back(generator() % 7 == 0 ? -1 : e);
      r.weights.push_back(static_cast<float>(generator() % 1000) / 1000.0f);
    }
  }
  return r;
}

TEST(EpLayout, CountsTokensPerRankOncePerRankAndPerExpertOncePerChoice) {
  const Routing r = MakeRouting(300, 8, 64, 8, 1);
  std::vector<int32_t> per_rank(8), per_expert(64);
  std::vector<uint8_t> in_rank(300 * 8);
  ASSERT_EQ(
      moe_ep_dispatch_layout(r.topk_idx.data(), 300, 8, 64, 8, per_rank.data(), per_expert.data(), in_rank.data()),
      MOE_OK)
      << moe_last_error();
  std::vector<int32_t> expected_rank(8, 0), expected_expert(64, 0);
  for (int64_t t = 0; t < 300; ++t) {
    std::set<int64_t> ranks;
    for (int64_t j = 0; j < 8; ++j) {
      const int64_t e = r.topk_idx[t * 8 + j];
      if (e < 0) continue;
      ++expected_expert[e];
      ranks.insert(e / 8);
    }
    for (int64_t rank = 0; rank < 8; ++rank) {
      EXPECT_EQ(in_rank[t * 8 + rank], ranks.count(rank)) << "token " << t << " rank " << rank;
      expected_rank[rank] += static_cast<int32_t>(ranks.count(rank));
    }
  }
  EXPECT_EQ(per_rank, expected_rank);
  EXPECT_EQ(per_expert, expected_expert);
}

TEST(EpPermute, GroupsRowsByRankRewritesExpertsToLocalIdsAndCombineSumsThemBack) {
  const int64_t tokens = 50, hidden = 24, top_k = 4, experts = 16, ranks = 4;
  const Routing r = MakeRouting(tokens, top_k, experts, ranks, 2);
  const auto x = moe_test::RandomFloats(tokens * hidden, 3);
  std::vector<int32_t> per_rank(ranks), per_expert(experts);
  std::vector<uint8_t> in_rank(tokens * ranks);
  ASSERT_EQ(moe_ep_dispatch_layout(r.topk_idx.data(), tokens, top_k, experts, ranks, per_rank.data(), per_expert.data(),
                                   in_rank.data()),
            MOE_OK);
  int64_t received = 0;
  for (const int32_t count : per_rank) received += count;
  std::vector<float> recv_x(received * hidden), recv_w(received * top_k);
  std::vector<int32_t> src(received), offsets(ranks + 1);
  std::vector<int64_t> recv_idx(received * top_k);
  ASSERT_EQ(moe_ep_permute(x.data(), r.topk_idx.data(), r.weights.data(), tokens, hidden, top_k, experts, ranks,
                           received, recv_x.data(), src.data(), recv_idx.data(), recv_w.data(), offsets.data()),
            MOE_OK)
      << moe_last_error();

  int64_t row = 0;
  for (int64_t rank = 0; rank < ranks; ++rank) {
    EXPECT_EQ(offsets[rank], row);
    int32_t previous = -1;
    for (int64_t t = 0; t < tokens; ++t) {
      if (!in_rank[t * ranks + rank]) continue;
      ASSERT_EQ(src[row], t) << "rank " << rank << " receives its tokens in order";
      EXPECT_GT(src[row], previous);
      previous = src[row];
      for (int64_t d = 0; d < hidden; ++d) ASSERT_EQ(recv_x[row * hidden + d], x[t * hidden + d]);
      for (int64_t j = 0; j < top_k; ++j) {
        const int64_t e = r.topk_idx[t * top_k + j];
        const bool local = e >= 0 && e / (experts / ranks) == rank;
        EXPECT_EQ(recv_idx[row * top_k + j], local ? e % (experts / ranks) : -1);
        EXPECT_EQ(recv_w[row * top_k + j], local ? r.weights[t * top_k + j] : 0.0f);
      }
      ++row;
    }
  }
  EXPECT_EQ(offsets[ranks], received);

  // Combine: every rank returns its rows scaled by 0.5; each token gets 0.5 * x per rank it went to.
  std::vector<float> row_weights(received, 0.5f), combined(tokens * hidden, NAN);
  ASSERT_EQ(moe_ep_unpermute(recv_x.data(), src.data(), row_weights.data(), received, hidden, tokens, combined.data()),
            MOE_OK);
  for (int64_t t = 0; t < tokens; ++t) {
    int copies = 0;
    for (int64_t rank = 0; rank < ranks; ++rank) copies += in_rank[t * ranks + rank];
    for (int64_t d = 0; d < hidden; ++d) {
      ASSERT_NEAR(combined[t * hidden + d], 0.5 * copies * x[t * hidden + d], 1e-6) << "token " << t;
    }
  }
}

TEST(EpLayout, RejectsUnevenExpertsAndOutOfRangeIdsWithTheFieldNamed) {
  const std::vector<int64_t> topk = {0, 5, 9, -1};
  std::vector<int32_t> per_rank(3), per_expert(10);
  std::vector<uint8_t> in_rank(6);
  EXPECT_EQ(moe_ep_dispatch_layout(topk.data(), 2, 2, 10, 3, per_rank.data(), per_expert.data(), in_rank.data()),
            MOE_ERR_SHAPE);
  EXPECT_NE(std::string(moe_last_error()).find("num_experts (10) must be a multiple of num_ranks (3)"),
            std::string::npos);
  EXPECT_EQ(moe_ep_dispatch_layout(topk.data(), 2, 2, 8, 2, per_rank.data(), per_expert.data(), in_rank.data()),
            MOE_ERR_INDEX);
  EXPECT_NE(std::string(moe_last_error()).find("topk_idx[1, 0] is 9"), std::string::npos) << moe_last_error();
  std::vector<float> x(2 * 4), recv(8 * 4), out(8);
  std::vector<int32_t> src(8), offsets(3);
  std::vector<int64_t> recv_idx(16);
  const std::vector<int64_t> valid = {0, 5, 7, -1};
  EXPECT_EQ(moe_ep_permute(x.data(), valid.data(), nullptr, 2, 4, 2, 8, 2, 5, recv.data(), src.data(), recv_idx.data(),
                           nullptr, offsets.data()),
            MOE_ERR_SHAPE);
  EXPECT_NE(std::string(moe_last_error()).find("received is 5"), std::string::npos) << moe_last_error();
  const std::vector<int32_t> bad_src = {0, 2};
  EXPECT_EQ(moe_ep_unpermute(recv.data(), bad_src.data(), nullptr, 2, 4, 2, out.data()), MOE_ERR_INDEX);
}

}  // namespace
